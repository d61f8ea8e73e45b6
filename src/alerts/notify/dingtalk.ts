/**
 * DingTalk (钉钉) group robot. Message type markdown: `{"msgtype":"markdown","markdown":{"title","text"}}`.
 * Signed mode (加签): append `timestamp` (ms) and `sign` to the webhook URL, where
 * sign = urlEncode(base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret))) — DingTalk's
 * custom-robot security settings. The robot answers HTTP 200 with `{"errcode":0,"errmsg":"ok"}` on success.
 */
import { createHmac } from 'node:crypto';
import type { OutboxMessage } from '../notification.js';
import { checkRobotAnswer, postJson, robotFromSpec, type Channel, type HttpOptions } from './channel.js';
import { IDEMPOTENCY_HEADER } from './webhook.js';

/** The base64 signature, before URL encoding. */
export function dingtalkSign(secret: string, timestampMs: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

export function signedDingtalkUrl(url: string, secret: string, timestampMs: string): string {
  const u = new URL(url);
  u.searchParams.set('timestamp', timestampMs);
  u.searchParams.set('sign', dingtalkSign(secret, timestampMs));
  return u.toString();
}

export function dingtalkPayload(n: OutboxMessage) {
  return { msgtype: 'markdown', markdown: { title: n.title, text: n.text } };
}

export function createDingtalkChannel(options: HttpOptions & { url: string; secret?: string }): Channel {
  return {
    type: 'dingtalk',
    async send(notification) {
      const url = options.secret ? signedDingtalkUrl(options.url, options.secret, String(options.now())) : options.url;
      const text = await postJson(
        url,
        JSON.stringify(dingtalkPayload(notification)),
        { [IDEMPOTENCY_HEADER]: notification.id },
        options,
      );
      checkRobotAnswer(text, 'DingTalk');
    },
  };
}

export const dingtalkFromSpec = robotFromSpec('dingtalk', 'DingTalk', createDingtalkChannel);
