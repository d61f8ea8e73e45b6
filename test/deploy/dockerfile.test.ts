/**
 * The Dockerfile cannot be built here (no Docker engine), so this checks what can be checked: its shape
 * (multi-stage, production dependencies only, non-root, healthcheck), that everything it copies exists and
 * is not .dockerignored, that the build it runs produces what the runtime stage starts, the healthcheck
 * script, and finally the runtime stage's layout started for real against Mosquitto and influxd.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HEALTHCHECK = path.join(ROOT, 'deploy/docker/healthcheck.mjs');

interface Instruction {
  stage: number;
  op: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped; `stage` counts FROMs. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const out: Instruction[] = [];
  let stage = -1;
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [op, ...rest] = line.split(/\s+/);
    if (op!.toUpperCase() === 'FROM') stage++;
    out.push({ stage, op: op!.toUpperCase(), args: rest.join(' ') });
  }
  return out;
}

const dockerfile = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const stages = dockerfile.filter((i) => i.op === 'FROM');
const runtimeStage = stages.length - 1;
const inRuntime = dockerfile.filter((i) => i.stage === runtimeStage);

/** Where `npm run build` puts src/main.ts: dist/ + the path of src/ below tsconfig.build.json's rootDir. */
const buildConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
  compilerOptions: { rootDir: string; outDir: string };
};
const SRC_IN_DIST = path.posix.join(
  buildConfig.compilerOptions.outDir,
  path.relative(path.join(ROOT, buildConfig.compilerOptions.rootDir), path.join(ROOT, 'src')),
);
const MAIN = `${SRC_IN_DIST}/main.js`;
const CLI_MAIN = `${SRC_IN_DIST}/cli/main.js`;

describe('Dockerfile', () => {
  it('is multi-stage: npm ci + npm run build in the build stage, dev dependencies pruned before the runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = dockerfile
      .filter((i) => i.stage < runtimeStage && i.op === 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npm run build\b/);
    expect(build).toMatch(/npm prune --omit=dev|npm ci[^\n]*--omit=dev/);
    // Install scripts only for what package.json allows (e.g. better-sqlite3's native build, not telemetry).
    expect(build).toMatch(/npm ci[^\n]*--ignore-scripts/);
    expect(build).toContain("npm rebuild $(node -p \"Object.entries(require('./package.json').allowScripts");
    // The runtime stage takes node_modules and dist from the build stage and installs nothing itself.
    const copiesFromBuild = inRuntime.filter((i) => i.op === 'COPY' && i.args.includes('--from=')).map((i) => i.args);
    expect(copiesFromBuild.some((a) => /\/app\/node_modules/.test(a))).toBe(true);
    expect(copiesFromBuild.some((a) => /\/app\/dist/.test(a))).toBe(true);
    expect(
      inRuntime
        .filter((i) => i.op === 'RUN')
        .map((i) => i.args)
        .join('\n'),
    ).not.toMatch(/npm (ci|install)/);
  });

  it('runs the compiled src/main.ts as a non-root user, with a HEALTHCHECK on /healthz', () => {
    const user = inRuntime.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(inRuntime.find((i) => i.op === 'CMD')?.args).toBe(`["node", "${MAIN}"]`);
    const healthcheck = inRuntime.find((i) => i.op === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toContain('/app/deploy/docker/healthcheck.mjs');
    expect(fs.readFileSync(HEALTHCHECK, 'utf8')).toContain('/healthz');
    const env = inRuntime
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    // Inside a container the server must listen beyond loopback, and keep its state in the volume.
    expect(env).toMatch(/HOST=0\.0\.0\.0/);
    expect(env).toMatch(/DATA_DIR=\/data/);
    expect(inRuntime.some((i) => i.op === 'VOLUME' && i.args.includes('/data'))).toBe(true);
  });

  it('installs in the runtime stage a CJK font the PDF reports find (fonts-wqy-microhei)', async () => {
    const { CJK_FONT_CANDIDATES } = await import('../../src/reports/render/pdf.js');
    const installs = inRuntime
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(installs).toMatch(/apt-get install[^\n]*fonts-wqy-microhei/);
    // The file Debian's package installs is the first the renderer looks for.
    expect(CJK_FONT_CANDIDATES[0]![0]).toBe('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc');
  });

  it('copies only files that exist in the build context and that .dockerignore lets through', () => {
    const ignore = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const sources = dockerfile
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(4);
    for (const src of sources) {
      expect(fs.existsSync(path.join(ROOT, src)), `${src} exists`).toBe(true);
      const ignoredBy = ignore.find((pattern) => src === pattern || src.startsWith(`${pattern}/`));
      expect(ignoredBy, `${src} is excluded by .dockerignore`).toBeUndefined();
    }
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignore = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['.env', 'deploy/mqtt-auth', 'node_modules', 'data', 'dist', '.git'])
      expect(ignore).toContain(entry);
  });
});

describe('the container healthcheck script', () => {
  let server: http.Server;
  let port: number;
  let status = 200;
  beforeAll(async () => {
    port = await freePort();
    server = http.createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // Asynchronously: the server answering it lives in this process, so the event loop must keep running.
  const run = (p: number) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [HEALTHCHECK], {
        env: { PATH: process.env.PATH, PORT: String(p) },
        stdio: 'ignore',
      });
      child.once('exit', (code) => resolve(code));
    });

  it('exits 0 when /healthz answers 2xx on $PORT', async () => {
    status = 200;
    expect(await run(port)).toBe(0);
  });

  it('exits 1 when /healthz fails or nothing listens', async () => {
    status = 503;
    expect(await run(port)).toBe(1);
    expect(await run(await freePort())).toBe(1);
  });
});

describe('the two stages reproduced on disk from the Dockerfile’s own COPY lines', () => {
  // build/: only what the build stage copies, plus node_modules (npm ci's result); app/: the runtime stage.
  let work: string;
  let app: string;
  let build: { status: number | null; output: string };

  /** Performs a stage's COPY instructions from the repository (or another stage's directory) into `root`. */
  function copyStage(stage: number, root: string, fromStage: (name: string) => string) {
    for (const i of dockerfile.filter((x) => x.stage === stage && x.op === 'COPY')) {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const [dest, ...srcs] = words.filter((w) => !w.startsWith('--')).reverse();
      // WORKDIR is /app in both stages; files copied elsewhere (/usr/local/bin) are not needed to run.
      const target = dest!.startsWith('/app/')
        ? dest!.slice('/app/'.length)
        : dest!.startsWith('/')
          ? undefined
          : dest!;
      if (target === undefined) continue;
      for (const src of srcs.reverse()) {
        const source = from ? path.join(fromStage(from), src.replace(/^\/app\//, '')) : path.join(ROOT, src);
        const into =
          target.endsWith('/') || srcs.length > 1
            ? path.join(root, target, path.basename(src))
            : path.join(root, target);
        fs.mkdirSync(path.dirname(into), { recursive: true });
        // node_modules comes from npm ci in the real build: link the repository's instead of copying it.
        if (path.basename(src) === 'node_modules') fs.symlinkSync(path.join(ROOT, 'node_modules'), into, 'dir');
        else fs.cpSync(source, into, { recursive: true });
      }
    }
  }

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-image-'));
    const buildDir = path.join(work, 'build');
    app = path.join(work, 'app');
    copyStage(runtimeStage - 1, buildDir, () => buildDir);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(buildDir, 'node_modules'), 'dir');
    // The build stage's build commands, as written there, in a context holding only its COPYs. Only commands
    // that build (npm run …, npx tsx …, node …): npm ci/prune would change the repository's node_modules.
    const commands = dockerfile
      .filter((i) => i.stage === runtimeStage - 1 && i.op === 'RUN' && i.args.includes('npm run build'))
      .flatMap((i) => i.args.split('&&').map((c) => c.trim()))
      .filter((c) => /^(npm run |npx tsx |node )/.test(c));
    build = { status: commands[0]?.startsWith('npm run build') ? 0 : -1, output: '' };
    for (const command of commands) {
      const run = spawnSync('sh', ['-c', command], { cwd: buildDir, encoding: 'utf8', timeout: 170_000 });
      build.output += `$ ${command}\n${run.stdout}${run.stderr}`;
      if (run.status !== 0) {
        build.status = run.status;
        break;
      }
    }
    copyStage(runtimeStage, app, () => buildDir);
  }, 180_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('builds cleanly, producing what CMD and the qingliu wrapper run', () => {
    expect(
      build.status,
      build.output
        .split('\n')
        .filter((l) => l.includes('error'))
        .slice(0, 10)
        .join('\n'),
    ).toBe(0);
    expect(fs.existsSync(path.join(app, MAIN)), MAIN).toBe(true);
    expect(fs.existsSync(path.join(app, CLI_MAIN)), CLI_MAIN).toBe(true);
    // The dashboard bundle, in public/ beside the compiled src/web/serve.js, which serves it in the image.
    expect(fs.existsSync(path.join(app, SRC_IN_DIST, 'web/serve.js'))).toBe(true);
    expect(fs.existsSync(path.join(app, SRC_IN_DIST, 'web/public/index.html'))).toBe(true);
    expect(fs.readFileSync(path.join(ROOT, 'deploy/docker/qingliu'), 'utf8')).toContain(`/app/${CLI_MAIN}`);
  });

  it('imports, from dist/, only Node built-ins, production dependencies and files inside dist/', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const prod = new Set(Object.keys(pkg.dependencies));
    const builtins = new Set(builtinModules);
    const problems: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.js')) {
          // Comments out: tsc keeps them, and they may show import syntax (registry.ts does).
          const code = fs
            .readFileSync(file, 'utf8')
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/^\s*\/\/.*$/gm, '');
          for (const m of code.matchAll(
            /(?:^|\n)\s*(?:import|export)[^'"\n]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
          )) {
            const spec = (m[1] ?? m[2])!;
            if (spec.startsWith('.')) {
              const target = path.resolve(path.dirname(file), spec);
              if (!target.startsWith(path.join(app, 'dist')))
                problems.push(`${path.relative(app, file)} imports ${spec}, outside dist/`);
              else if (!fs.existsSync(target))
                problems.push(`${path.relative(app, file)} imports ${spec}, which was not built`);
              continue;
            }
            const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
            if (spec.startsWith('node:') || builtins.has(name)) continue;
            // A dynamic import() of a dev dependency is a deliberate lazy load (esbuild, only when bundling from
            // sources); a static import would fail at start-up in the image.
            if (!prod.has(name) && m[1] !== undefined)
              problems.push(`${path.relative(app, file)} imports ${spec}, not a production dependency`);
          }
        }
      }
    };
    walk(path.join(app, 'dist'));
    expect(problems).toEqual([]);
  });

  describe('the image command against real Mosquitto and influxd, as in docker-compose.yml', () => {
    let broker: Mosquitto;
    let influx: Influxd;
    beforeAll(async () => {
      [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
    });
    afterAll(async () => {
      await Promise.all([broker?.dispose(), influx?.dispose()]);
    });

    it('starts, passes the healthcheck, and exits 0 on SIGTERM', async () => {
      const port = await freePort();
      const dataDir = path.join(app, 'data');
      const env = {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
        CATALOG: path.join(ROOT, 'sensors/catalog.yaml'),
        MQTT_URL: broker.url,
        MQTT_CLIENT_ID: 'qingliu-image-test',
        INFLUX_URL: influx.url,
        INFLUX_BUCKET: 'qingliu',
        ADMIN_API_KEY: 'image-test-admin-key-0123456789abcdef',
      };
      const child = spawn(process.execPath, [MAIN], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const healthy = async () =>
          spawnSync(process.execPath, ['deploy/docker/healthcheck.mjs'], {
            cwd: app,
            env: { PATH: process.env.PATH, PORT: String(port) },
          }).status === 0;
        const deadline = Date.now() + 45_000;
        while (!(await healthy())) {
          if (child.exitCode !== null)
            throw new Error(`${MAIN} exited with ${child.exitCode}:\n${output.slice(-3000)}`);
          if (Date.now() > deadline) throw new Error(`no healthy /healthz after 45 s:\n${output.slice(-3000)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      } finally {
        child.kill('SIGTERM');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      expect(code, output.slice(-3000)).toBe(0);
    }, 120_000);
  });
});
