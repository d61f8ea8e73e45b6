/**
 * Generic webhook: the notification as JSON, signed so the receiver can trust it came from Qingliu.
 *
 *   X-Qingliu-Timestamp: <unix seconds>
 *   X-Qingliu-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
 *   Idempotency-Key:     <notification id, the same on every retry>
 *
 * Signing the timestamp with the body lets receivers refuse replays (reject timestamps older than ~5 minutes).
 * docs/alerts.md shows how a receiver verifies it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OutboxMessage } from '../notification.js';
import {
  postJson,
  requireSecret,
  scrubbingErrors,
  type Channel,
  type HttpOptions,
  type SecretLookup,
} from './channel.js';
import { notificationToWire } from './wire.js';

export const SIGNATURE_HEADER = 'x-qingliu-signature';
export const TIMESTAMP_HEADER = 'x-qingliu-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const EVENT_HEADER = 'x-qingliu-event';

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (also used by Qingliu's own tests): constant-time compare, and a bounded clock skew. */
export function verifyWebhookSignature(options: {
  secret: string;
  timestamp: string;
  body: string;
  signature: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  const ts = Number(options.timestamp);
  if (!Number.isInteger(ts) || Math.abs(options.nowSeconds - ts) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(options.secret, options.timestamp, options.body));
  const given = Buffer.from(options.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookChannelOptions extends HttpOptions {
  url: string;
  /** Signing key; unsigned when absent (not recommended). */
  secret?: string;
}

export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  return {
    type: 'webhook',
    async send(notification: OutboxMessage) {
      const body = JSON.stringify(notificationToWire(notification));
      const timestamp = String(Math.floor(options.now() / 1000));
      const headers: Record<string, string> = {
        [TIMESTAMP_HEADER]: timestamp,
        [IDEMPOTENCY_HEADER]: notification.id,
        [EVENT_HEADER]: notification.event,
      };
      if (options.secret) headers[SIGNATURE_HEADER] = signWebhook(options.secret, timestamp, body);
      await postJson(options.url, body, headers, options);
    },
  };
}

/** Resolves a catalog webhook spec (url or url_env, secret_env) at send time. */
export function webhookFromSpec(
  spec: { url?: string; url_env?: string; secret_env?: string },
  secrets: SecretLookup,
  http: HttpOptions,
): Channel {
  return {
    type: 'webhook',
    async send(notification) {
      const url = spec.url ?? requireSecret(secrets, spec.url_env, 'webhook URL');
      if (!url) throw new Error('webhook channel without url or url_env');
      const secret = requireSecret(secrets, spec.secret_env, 'webhook secret');
      await scrubbingErrors(url, () =>
        createWebhookChannel({ ...http, url, ...(secret ? { secret } : {}) }).send(notification),
      );
    },
  };
}
