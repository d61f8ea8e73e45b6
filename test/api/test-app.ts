/**
 * `createTestApp`: the real HTTP app with in-memory keys (one per role), an injected clock and a fresh metrics
 * registry, called through `app.request()` — no port. Route tests pass their route modules in `routes`.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createKeyStore, type BootstrapKey } from '../../src/api/auth/key-store.js';
import type { Role } from '../../src/api/auth/principal.js';
import type { RegisterRoutes } from '../../src/api/env.js';
import type { ReadinessCheck } from '../../src/api/health.js';
import { createHttpApp } from '../../src/api/http.js';
import type { RateLimit, TokenBucketLimiter } from '../../src/api/rate-limit.js';

/** Bootstrap keys need no particular format; these are long enough for ADMIN_API_KEY's rule. */
export const TEST_KEYS = {
  admin: 'test-admin-key-0123456789abcdef',
  bureau: 'test-bureau-key-0123456789abcdef',
  operator: 'test-operator-key-0123456789abcdef',
  viewer: 'test-viewer-key-0123456789abcdef',
} as const satisfies Record<Role, string>;

/** The operator key's plants (the demo catalog's No.1 sewage plant). */
export const OPERATOR_PLANTS = ['wwtp1'];

export interface TestAppOptions {
  routes?: RegisterRoutes[];
  readiness?: ReadinessCheck[];
  /** Default: unlimited, so only rate-limit tests see 429s. */
  rateLimit?: RateLimit;
  /** Start of the injected clock (epoch ms). */
  startAt?: number;
  extraKeys?: BootstrapKey[];
  /** A real keys file (`qingliu keys` writes it), re-read when it changes (every request: reloadIntervalMs 0). */
  keysFile?: string;
  /** Invalid API keys per client address; default the production limit. */
  invalidKeyLimit?: RateLimit;
  /** Limiters as production wires them with DATABASE_URL (shared through PostgreSQL); default in process. */
  rateLimiter?: TokenBucketLimiter;
  invalidKeyLimiter?: TokenBucketLimiter;
}

export interface RequestOptions {
  as?: Role | null;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function createTestApp(options: TestAppOptions = {}) {
  if (options.keysFile !== undefined)
    throw new Error('a keys file needs createTestAppWithKeysFile (it reads the file)');
  return build(options);
}

/** `createTestApp` whose key store also reads a real keys file. */
export async function createTestAppWithKeysFile(options: TestAppOptions & { keysFile: string }) {
  const t = build(options);
  await t.keys.load();
  return t;
}

function build(options: TestAppOptions) {
  const clock = { now: options.startAt ?? Date.parse('2024-06-15T04:00:00Z') };
  const now = () => clock.now;
  const logLines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n'))
          if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  const keys = createKeyStore({
    now,
    ...(options.keysFile !== undefined && { file: options.keysFile, reloadIntervalMs: 0 }),
    bootstrap: [
      { id: 'test-admin', name: 'test admin', role: 'admin', key: TEST_KEYS.admin },
      { id: 'test-bureau', name: '市生态环境局', role: 'bureau', key: TEST_KEYS.bureau },
      {
        id: 'test-operator',
        name: '第一污水处理厂',
        role: 'operator',
        plants: OPERATOR_PLANTS,
        key: TEST_KEYS.operator,
      },
      { id: 'test-viewer', name: 'open data', role: 'viewer', key: TEST_KEYS.viewer },
      ...(options.extraKeys ?? []),
    ],
  });
  const metrics = new Registry();
  const app = createHttpApp({
    logger,
    keys,
    now,
    rateLimit: options.rateLimit ?? { perMinute: 0, burst: 1 },
    ...(options.invalidKeyLimit && { invalidKeyLimit: options.invalidKeyLimit }),
    ...(options.rateLimiter && { rateLimiter: options.rateLimiter }),
    ...(options.invalidKeyLimiter && { invalidKeyLimiter: options.invalidKeyLimiter }),
    metrics,
    readiness: options.readiness ?? [],
    routes: options.routes ?? [],
    openapi: { version: '0.0.0-test' },
  });

  async function request(path: string, init: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const as = init.as === undefined ? 'admin' : init.as;
    if (as !== null) headers.authorization ??= `Bearer ${TEST_KEYS[as]}`;
    return app.request(path, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined && { body: init.body }),
    });
  }

  return { app, clock, logLines, metrics, request, keys };
}

export type TestApp = ReturnType<typeof createTestApp>;
