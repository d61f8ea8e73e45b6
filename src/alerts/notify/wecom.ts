/**
 * WeCom (企业微信) group robot: `{"msgtype":"markdown","markdown":{"content": "..."}}`, content at most 4096
 * bytes of UTF-8. The robot key is in the URL; there is no signed mode. Success is `{"errcode":0,"errmsg":"ok"}`.
 */
import type { OutboxMessage } from '../notification.js';
import { checkRobotAnswer, postJson, robotFromSpec, type Channel, type HttpOptions } from './channel.js';
import { IDEMPOTENCY_HEADER } from './webhook.js';

export const WECOM_MARKDOWN_MAX_BYTES = 4096;

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > max - 3) break;
    out += ch;
    bytes += size;
  }
  return `${out}…`;
}

export function wecomPayload(n: OutboxMessage) {
  return { msgtype: 'markdown', markdown: { content: truncateUtf8(n.text, WECOM_MARKDOWN_MAX_BYTES) } };
}

export function createWecomChannel(options: HttpOptions & { url: string }): Channel {
  return {
    type: 'wecom',
    async send(notification) {
      const text = await postJson(
        options.url,
        JSON.stringify(wecomPayload(notification)),
        { [IDEMPOTENCY_HEADER]: notification.id },
        options,
      );
      checkRobotAnswer(text, 'WeCom');
    },
  };
}

export const wecomFromSpec = robotFromSpec('wecom', 'WeCom', createWecomChannel);
