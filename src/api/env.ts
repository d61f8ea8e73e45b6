/** The Hono environment every API module shares: what the middleware puts on the request context. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Logger } from '../logger.js';
import type { AuthResult } from './auth/key-store.js';
import type { Principal } from './auth/principal.js';
import type { Lang } from './i18n.js';
import { ApiProblem } from './problem.js';
import { text } from './i18n.js';

export interface ApiEnv {
  Variables: {
    requestId: string;
    lang: Lang;
    /** Request-scoped logger (carries the request id). */
    log: Logger;
    /** Set by the auth middleware on `/api/v1/*`; absent on public endpoints. */
    principal?: Principal;
    /** Authenticates the request's key again (it may have been revoked, expired or changed since). */
    reauthenticate?: () => Promise<AuthResult>;
  };
}

export type ApiApp = OpenAPIHono<ApiEnv>;
export type ApiContext = Context<ApiEnv>;

/**
 * How a route module plugs in: `src/api/routes/NAME.ts` exports `register(app, deps)`, and the composition
 * root passes `(app) => register(app, deps)` to `createHttpApp({ routes })`. `app` is mounted at `/api/v1`
 * behind authentication and rate limiting; route paths are relative to it (`/stations/{id}`).
 */
export type RegisterRoutes = (app: ApiApp) => void;

/** The caller, in a route under `/api/v1` (the auth middleware guarantees it is there). */
export function principalOf(c: ApiContext): Principal {
  const principal = c.get('principal');
  if (!principal) {
    throw new ApiProblem({
      code: 'authentication-required',
      detail: text('缺少 API 密钥', 'No API key was presented'),
    });
  }
  return principal;
}
