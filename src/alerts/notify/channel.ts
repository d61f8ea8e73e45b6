/**
 * One module per notification channel, each with the same verb: `send(notification)` resolves when the
 * receiver accepted it and rejects with a DeliveryError otherwise (the outbox retries with backoff).
 */
import type { ChannelSpec } from '../alert-catalog.js';
import type { OutboxMessage } from '../notification.js';
import { redactUrl, scrubUrl } from './url-redaction.js';

export interface Channel {
  readonly type: ChannelSpec['type'];
  send(notification: OutboxMessage): Promise<void>;
}

/** A failed delivery. `permanent` ones (e.g. HTTP 400: the payload will never be accepted) are not retried. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

/**
 * The channel lacks its configuration (an unset environment variable, no SMTP server). Retried like an outage, since
 * a restart with the variable set delivers what waits, but logged once per process rather than at every retry.
 */
export class ChannelNotConfiguredError extends DeliveryError {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelNotConfiguredError';
  }
}

/** Reads a named secret or token-bearing URL (catalog `secret_env`, `url_env`); wired to the environment by config. */
export type SecretLookup = (name: string) => string | undefined;

export interface HttpOptions {
  /** Injected for tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Clock for signature timestamps. */
  now: () => number;
  timeoutMs?: number;
}

export function requireSecret(secrets: SecretLookup, name: string | undefined, what: string): string | undefined {
  if (name === undefined) return undefined;
  const value = secrets(name);
  if (value === undefined || value === '')
    throw new ChannelNotConfiguredError(`${what}: environment variable ${name} is not set`);
  return value;
}

/** POSTs JSON; a non-2xx answer is a DeliveryError (4xx other than 408/429 are permanent). Returns the body text. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: HttpOptions,
): Promise<string> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'qingliu-alerts/1', ...headers },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    // fetch's own message may name the URL (an invalid one, a redirect): scrubbed like the reply below.
    throw new DeliveryError(scrubUrl(`POST ${redactUrl(url)} failed: ${describeFetchError(err)}`, url), false, {
      cause: err,
    });
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    const permanent =
      response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
    throw new DeliveryError(
      `POST ${redactUrl(url)} answered ${response.status}: ${scrubUrl(text.slice(0, 200), url)}`,
      permanent,
    );
  }
  return text;
}

/** `fetch failed` says little; its cause (ECONNREFUSED 127.0.0.1:8080, a TLS error) says what happened. */
function describeFetchError(err: unknown): string {
  const message = (err as Error).message;
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== message ? `${message} (${cause.message})` : message;
}

/**
 * Runs a delivery to `url` and scrubs the URL's secret parts from whatever error comes out of it (a receiver's
 * reply, a robot's `errmsg`, a library's message), keeping whether it is permanent.
 */
export async function scrubbingErrors(url: string, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    const message = scrubUrl(err.message, url);
    if (message === err.message) throw err;
    if (err instanceof ChannelNotConfiguredError) throw new ChannelNotConfiguredError(message);
    throw new DeliveryError(message, err instanceof DeliveryError && err.permanent, { cause: err });
  }
}

/** The robots answer HTTP 200 with an error code in the body: `{errcode: 0}` (DingTalk, WeCom), `{code: 0}` (Feishu). */
export function checkRobotAnswer(text: string, service: string): void {
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new DeliveryError(`${service} answered with something that is not JSON: ${text.slice(0, 200)}`);
  }
  const code = answer.errcode ?? answer.code ?? answer.StatusCode;
  if (code !== undefined && code !== 0) {
    const message = answer.errmsg ?? answer.msg ?? answer.StatusMessage ?? '';
    throw new DeliveryError(`${service} refused the message: ${String(code)} ${String(message)}`);
  }
}

/**
 * A group-robot channel (DingTalk, Feishu, WeCom) from its catalog spec: the URL (it carries the robot's token)
 * and the optional signing secret are read from the environment at send time, never stored in the catalog.
 */
export function robotFromSpec(
  type: ChannelSpec['type'],
  label: string,
  create: (options: HttpOptions & { url: string; secret?: string }) => Channel,
) {
  return (spec: { url_env?: string; secret_env?: string }, secrets: SecretLookup, http: HttpOptions): Channel => ({
    type,
    async send(notification) {
      const url = requireSecret(secrets, spec.url_env, `${label} robot URL`);
      if (!url) throw new Error(`${type} channel without url_env`);
      const secret = requireSecret(secrets, spec.secret_env, `${label} robot secret`);
      await scrubbingErrors(url, () => create({ ...http, url, ...(secret ? { secret } : {}) }).send(notification));
    },
  });
}
