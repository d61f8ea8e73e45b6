# Qingliu (清流) service image. Built by `docker compose build` (docs/deploy.md); runs `node dist/src/main.js`.
# No `# syntax=` line on purpose: that would pull a frontend image at build time, which air-gapped sites cannot.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full dependencies, TypeScript → dist/, then drop the dev dependencies ---------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 is native: npm fetches a prebuilt binary when it can, and compiles it otherwise. The toolchain
# covers the second case; npm_config_nodedir makes node-gyp use the image's own headers instead of downloading.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# Install scripts run only for the packages package.json's "allowScripts" allows (npm 10 in this image does
# not read that field itself): everything is installed with scripts off, then those few are rebuilt.
RUN npm ci --no-audit --no-fund --ignore-scripts \
    && npm rebuild $(node -p "Object.entries(require('./package.json').allowScripts ?? {}).filter(([, ok]) => ok).map(([name]) => name).join(' ')")
COPY tsconfig.json tsconfig.build.json ./
# tsconfig.build.json compiles src/ and the simulator in sensors/ (used by `qingliu simulate`) into dist/.
COPY src ./src
COPY sensors ./sensors
# The dashboard is bundled with esbuild (a dev dependency) now, into the public/ folder the compiled server
# (dist/src/web/serve.js) serves from; the runtime stage has no esbuild.
RUN npm run build \
    && npx tsx src/web/build.ts dist/src/web/public \
    && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies and compiled code only, as an unprivileged user ----------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    CATALOG=/app/sensors/catalog.yaml \
    LOG_FORMAT=json
WORKDIR /app
# A Chinese font for the PDF reports (src/reports/render/pdf.ts embeds a subset of it in each PDF).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The demo catalog, so `docker run qingliu` works on its own; compose mounts the real one over CATALOG.
COPY sensors/catalog.yaml ./sensors/catalog.yaml
COPY deploy/docker/healthcheck.mjs ./deploy/docker/healthcheck.mjs
COPY deploy/docker/qingliu /usr/local/bin/qingliu
# The image's own "node" user (uid 1000) owns only DATA_DIR: the spool, alert history and API keys.
RUN chmod 0755 /usr/local/bin/qingliu \
    && mkdir -p /data \
    && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "/app/deploy/docker/healthcheck.mjs"]
CMD ["node", "dist/src/main.js"]
