/**
 * The HTTP app: public operations endpoints (`/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/docs`) and the
 * authenticated, rate-limited API under `/api/v1`, where route modules register themselves. Exported here and
 * served elsewhere (main.ts), so tests call `app.request()` without a port.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { authenticate, DEFAULT_INVALID_KEY_LIMIT } from './auth/middleware.js';
import type { KeyStore } from './auth/key-store.js';
import { registerDocsPage } from './docs-page.js';
import type { ApiApp, ApiEnv, RegisterRoutes } from './env.js';
import { errorHandler, methodNotAllowedHandler, notFoundHandler } from './errors.js';
import { registerHealth, type ReadinessCheck } from './health.js';
import { text } from './i18n.js';
import { httpMetrics, registerMetrics } from './metrics.js';
import { registerOpenApiComponents, registerOpenApiDocument, type OpenApiInfo } from './openapi.js';
import { ApiProblem } from './problem.js';
import { createTokenBucketLimiter, rateLimit, type RateLimit, type TokenBucketLimiter } from './rate-limit.js';
import { requestContext } from './request-context.js';
import { register as registerMe } from './routes/me.js';
import { validationHook } from './validation.js';

export const API_PREFIX = '/api/v1';

export interface HttpAppDeps {
  logger: Logger;
  /** Authenticates bearer keys (see `prepareApiKeys`). */
  keys: Pick<KeyStore, 'authenticate'>;
  now: () => number;
  /** Default per-key limit (RATE_LIMIT_PER_MINUTE, RATE_LIMIT_BURST). */
  rateLimit: RateLimit;
  /** The per-key limiter; default one in this process (PostgreSQL's shares the limits between API instances). */
  rateLimiter?: TokenBucketLimiter;
  /** Invalid API keys per client address (middleware.ts InvalidKeyThrottle); default DEFAULT_INVALID_KEY_LIMIT. */
  invalidKeyLimit?: RateLimit;
  /** The per-address limiter for invalid keys; default one in this process (PostgreSQL's shares it too). */
  invalidKeyLimiter?: TokenBucketLimiter;
  /** The process's prom-client registry; `/metrics` exposes it and HTTP metrics are added to it. */
  metrics: Registry;
  /** Named checks for `/readyz` (broker, store …). */
  readiness?: readonly ReadinessCheck[];
  /** Route modules mounted at `/api/v1` behind auth and rate limiting: `(app) => register(app, deps)`. */
  routes?: readonly RegisterRoutes[];
  /** Unauthenticated additions at the root (e.g. the dashboard's static files). */
  publicRoutes?: readonly RegisterRoutes[];
  openapi: OpenApiInfo;
  /** Largest accepted request body; default 1 MiB. */
  maxBodyBytes?: number;
}

/** An OpenAPIHono whose failed validations are 400 problems; use it for any sub-app. */
export function createRouter(): ApiApp {
  return new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
}

/** Refuses a body larger than `maxSize` bytes with a 413 problem naming the limit (routes may set a lower one). */
export function limitBody(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiProblem({
        code: 'payload-too-large',
        detail: text(`请求体超过 ${maxSize} 字节的上限`, `The request body exceeds the limit of ${maxSize} bytes`),
      });
    },
  });
}

export function createHttpApp(deps: HttpAppDeps): ApiApp {
  const app = createRouter();
  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);
  app.use('*', requestContext({ logger: deps.logger }));
  app.use('*', httpMetrics(deps.metrics));
  app.use('*', methodNotAllowedHandler(app));
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
  });
  registerOpenApiComponents(app);
  registerHealth(app, { checks: deps.readiness ?? [], logger: deps.logger });
  registerMetrics(app, deps.metrics);

  const maxSize = deps.maxBodyBytes ?? 1024 * 1024;
  const api = createRouter();
  api.use(
    '*',
    authenticate({
      keys: deps.keys,
      invalidKeys: {
        limiter: deps.invalidKeyLimiter ?? createTokenBucketLimiter({ now: deps.now }),
        limit: deps.invalidKeyLimit ?? DEFAULT_INVALID_KEY_LIMIT,
      },
    }),
  );
  api.use(
    '*',
    rateLimit({ limiter: deps.rateLimiter ?? createTokenBucketLimiter({ now: deps.now }), defaults: deps.rateLimit }),
  );
  api.use('*', limitBody(maxSize));
  registerMe(api);
  for (const register of deps.routes ?? []) register(api);
  // Mount after the routes are registered: route() copies their OpenAPI definitions at this moment.
  app.route(API_PREFIX, api);

  for (const register of deps.publicRoutes ?? []) register(app);
  registerOpenApiDocument(app, deps.openapi);
  registerDocsPage(app);
  return app;
}
