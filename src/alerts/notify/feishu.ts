/**
 * Feishu (飞书) custom robot, message type `interactive` (a card with a header coloured by severity, the
 * markdown text, and a button to the station's page). Signed mode (签名校验): the body carries `timestamp`
 * (seconds) and `sign` = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")) — Feishu's custom
 * bot security settings; Feishu rejects timestamps more than an hour off. Success is `{"code":0,...}`.
 */
import { createHmac } from 'node:crypto';
import { isAlertNotification, type OutboxMessage } from '../notification.js';
import { checkRobotAnswer, postJson, robotFromSpec, type Channel, type HttpOptions } from './channel.js';
import { IDEMPOTENCY_HEADER } from './webhook.js';

export function feishuSign(secret: string, timestampSeconds: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

const TEMPLATE = { critical: 'red', warning: 'orange', info: 'blue' } as const;

export function feishuCard(n: OutboxMessage) {
  const alert = isAlertNotification(n) ? n : undefined;
  const template = !alert ? 'blue' : n.event === 'resolved' ? 'green' : TEMPLATE[alert.alert.severity];
  const button = !alert
    ? n.event === 'report'
      ? { en: 'Open report', zh: '查看报告' }
      : { en: 'Open dashboard', zh: '查看详情' }
    : { en: 'Open station', zh: '查看站点' };
  const elements: unknown[] = [{ tag: 'div', text: { tag: 'lark_md', content: n.text } }];
  if (n.url) {
    elements.push({
      tag: 'action',
      actions: [
        {
          tag: 'button',
          text: { tag: 'plain_text', content: n.lang === 'en' ? button.en : button.zh },
          type: 'primary',
          url: n.url,
        },
      ],
    });
  }
  return {
    config: { wide_screen_mode: true },
    header: { title: { tag: 'plain_text', content: n.title }, template },
    elements,
  };
}

export function feishuPayload(n: OutboxMessage, signature?: { timestamp: string; sign: string }) {
  return { ...(signature ?? {}), msg_type: 'interactive', card: feishuCard(n) };
}

export function createFeishuChannel(options: HttpOptions & { url: string; secret?: string }): Channel {
  return {
    type: 'feishu',
    async send(notification) {
      const timestamp = String(Math.floor(options.now() / 1000));
      const signature = options.secret ? { timestamp, sign: feishuSign(options.secret, timestamp) } : undefined;
      const text = await postJson(
        options.url,
        JSON.stringify(feishuPayload(notification, signature)),
        { [IDEMPOTENCY_HEADER]: notification.id },
        options,
      );
      checkRobotAnswer(text, 'Feishu');
    },
  };
}

export const feishuFromSpec = robotFromSpec('feishu', 'Feishu', createFeishuChannel);
