/**
 * The dashboard's HTTP client: the API key as a bearer header on every call, the UI language as
 * Accept-Language (problem details and CSV headers come back in it), and problem+json errors turned into
 * `ApiError` with the server's own message.
 */
import type { Lang } from './i18n.js';

export const API_BASE = 'api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The problem's stable `code` (e.g. `invalid-api-key`), or `network-error`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | undefined | null | readonly string[]>;

export interface ApiClientOptions {
  /** Base URL of the API; default `api/v1` relative to the page (works under a reverse-proxy prefix). */
  base?: string;
  key: () => string | undefined;
  lang: () => Lang;
  /** Told of a 401 (the key was revoked or mistyped): the app returns to the login screen. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export interface Download {
  blob: Blob;
  filename: string;
}

export interface ApiClient {
  get<T>(path: string, query?: Query, init?: { signal?: AbortSignal; key?: string }): Promise<T>;
  post<T>(path: string, body: unknown, init?: { signal?: AbortSignal }): Promise<T>;
  /** A file (CSV) as the server names it in Content-Disposition. */
  download(path: string, query?: Query, init?: { signal?: AbortSignal }): Promise<Download>;
  url(path: string, query?: Query): string;
  headers(): Record<string, string>;
}

export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length > 0) params.set(k, v.join(','));
    } else {
      params.set(k, String(v));
    }
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/** The file name from Content-Disposition, preferring RFC 5987 `filename*` (UTF-8, Chinese names). */
export function filenameFrom(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain?.[1]?.trim() || fallback;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = (options.base ?? API_BASE).replace(/\/$/, '');
  const doFetch = options.fetch ?? fetch.bind(globalThis);

  function headers(key = options.key()): Record<string, string> {
    const h: Record<string, string> = { 'Accept-Language': options.lang() === 'en' ? 'en' : 'zh-CN' };
    if (key) h.Authorization = `Bearer ${key}`;
    return h;
  }

  function url(path: string, query?: Query): string {
    return `${base}${path.startsWith('/') ? path : `/${path}`}${queryString(query)}`;
  }

  async function request(path: string, init: RequestInit & { key?: string }, query?: Query): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(url(path, query), {
        ...init,
        headers: { ...headers(init.key), ...(init.headers as Record<string, string> | undefined) },
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const zh = options.lang() === 'zh-CN';
      throw new ApiError(0, 'network-error', zh ? '无法连接服务器' : 'The server cannot be reached');
    }
    if (res.ok) return res;
    let code = 'http-error';
    let message = `HTTP ${res.status}`;
    try {
      const problem = (await res.json()) as { code?: string; title?: string; detail?: string };
      code = problem.code ?? code;
      message = problem.detail ?? problem.title ?? message;
    } catch {
      // not a problem+json body; keep the status line
    }
    if (res.status === 401 && init.key === undefined) options.onUnauthorized?.();
    throw new ApiError(res.status, code, message);
  }

  return {
    url,
    headers: () => headers(),
    async get<T>(path: string, query?: Query, init: { signal?: AbortSignal; key?: string } = {}) {
      const res = await request(path, { ...init, headers: { Accept: 'application/json' } }, query);
      return (await res.json()) as T;
    },
    async post<T>(path: string, body: unknown, init: { signal?: AbortSignal } = {}) {
      const res = await request(path, {
        ...init,
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
    },
    async download(path: string, query?: Query, init: { signal?: AbortSignal } = {}) {
      const res = await request(path, { ...init, headers: { Accept: 'text/csv' } }, query);
      const blob = await res.blob();
      return { blob, filename: filenameFrom(res.headers.get('content-disposition'), 'qingliu.csv') };
    },
  };
}
