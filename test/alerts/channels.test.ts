import { createHmac } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/alerts/notify/channel.js';
import { createChannelFactory } from '../../src/alerts/notify/channels.js';
import { createDingtalkChannel, dingtalkSign } from '../../src/alerts/notify/dingtalk.js';
import { createEmailChannel, createMailer } from '../../src/alerts/notify/email.js';
import { createFeishuChannel, feishuSign } from '../../src/alerts/notify/feishu.js';
import { alertTopic, createMqttChannel } from '../../src/alerts/notify/mqtt.js';
import { createWebhookChannel, signWebhook, verifyWebhookSignature } from '../../src/alerts/notify/webhook.js';
import { createWecomChannel, WECOM_MARKDOWN_MAX_BYTES } from '../../src/alerts/notify/wecom.js';
import { startMosquitto, type Mosquitto } from '../harness/mosquitto.js';
import { T0 } from './helpers/fixtures.js';
import { startHttpReceiver, type HttpReceiver } from './helpers/http-receiver.js';
import { startSmtpReceiver, type SmtpReceiver } from './helpers/smtp-receiver.js';
import { sampleNotification } from './helpers/sample.js';

const NOW = T0 + 5 * 3_600_000;
const now = () => NOW;

describe('robot and webhook channels against real local receivers', () => {
  let receiver: HttpReceiver;
  beforeEach(async () => {
    receiver = await startHttpReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('DingTalk: markdown message, signed mode per DingTalk (timestamp ms + sign in the URL)', async () => {
    const secret = 'SECdingtalk0123456789';
    // The receiver checks the signature as DingTalk does and answers with DingTalk's codes.
    receiver.answer = (req) => {
      const url = new URL(req.url, 'http://x');
      const timestamp = url.searchParams.get('timestamp')!;
      const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
      const ok = url.searchParams.get('sign') === expected && Math.abs(Number(timestamp) - NOW) < 3_600_000;
      return {
        status: 200,
        body: JSON.stringify(ok ? { errcode: 0, errmsg: 'ok' } : { errcode: 310000, errmsg: 'sign not match' }),
      };
    };
    const channel = createDingtalkChannel({ url: receiver.url('/robot/send?access_token=abc'), secret, now });
    await channel.send(sampleNotification());
    const req = receiver.requests[0]!;
    const url = new URL(req.url, 'http://x');
    expect(url.searchParams.get('access_token')).toBe('abc');
    expect(url.searchParams.get('timestamp')).toBe(String(NOW));
    // The sign travels URL-encoded (base64 has + / =) and decodes to the exact base64 value.
    expect(req.url).toContain(`sign=${encodeURIComponent(dingtalkSign(secret, String(NOW)))}`);
    const body = JSON.parse(req.body);
    expect(Object.keys(body).sort()).toEqual(['markdown', 'msgtype']);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toContain('清流河出境断面');
    expect(body.markdown.text).toContain('### ');
    expect(body.markdown.text).toContain('[查看站点详情](https://qingliu.example.cn/stations/out-1)');

    const wrong = createDingtalkChannel({ url: receiver.url('/robot/send?access_token=abc'), secret: 'other', now });
    await expect(wrong.send(sampleNotification())).rejects.toThrow(/DingTalk refused the message: 310000/);
  });

  it('WeCom: markdown content within 4096 bytes, success only on errcode 0', async () => {
    const channel = createWecomChannel({ url: receiver.url('/cgi-bin/webhook/send?key=k'), now });
    await channel.send(sampleNotification());
    const body = JSON.parse(receiver.requests[0]!.body);
    expect(body).toEqual({ msgtype: 'markdown', markdown: { content: expect.stringContaining('氨氮') } });
    const long = sampleNotification();
    long.text = '水'.repeat(3000);
    await channel.send(long);
    const content: string = JSON.parse(receiver.requests[1]!.body).markdown.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(WECOM_MARKDOWN_MAX_BYTES);
    receiver.answer = () => ({ status: 200, body: JSON.stringify({ errcode: 93000, errmsg: 'invalid webhook url' }) });
    await expect(channel.send(sampleNotification())).rejects.toBeInstanceOf(DeliveryError);
  });

  it('Feishu: interactive card, signed mode per Feishu (timestamp s + sign in the body)', async () => {
    const secret = 'feishu-secret-xyz';
    receiver.answer = (req) => {
      const body = JSON.parse(req.body);
      const expected = createHmac('sha256', `${body.timestamp}\n${secret}`).update('').digest('base64');
      const ok = body.sign === expected && Math.abs(Number(body.timestamp) - NOW / 1000) < 3600;
      return {
        status: 200,
        body: JSON.stringify(
          ok
            ? { code: 0, msg: 'success', data: {} }
            : { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' },
        ),
      };
    };
    const channel = createFeishuChannel({ url: receiver.url('/open-apis/bot/v2/hook/abc'), secret, now });
    await channel.send(sampleNotification('en'));
    const body = JSON.parse(receiver.requests[0]!.body);
    expect(body.timestamp).toBe(String(Math.floor(NOW / 1000)));
    expect(body.sign).toBe(feishuSign(secret, body.timestamp));
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header).toEqual({
      title: { tag: 'plain_text', content: expect.stringContaining('[CRITICAL]') },
      template: 'red',
    });
    expect(body.card.elements[0]).toEqual({
      tag: 'div',
      text: { tag: 'lark_md', content: expect.stringContaining('class V') },
    });
    expect(body.card.elements[1].actions[0]).toMatchObject({
      tag: 'button',
      url: 'https://qingliu.example.cn/stations/out-1',
    });

    const wrong = createFeishuChannel({ url: receiver.url('/open-apis/bot/v2/hook/abc'), secret: 'nope', now });
    await expect(wrong.send(sampleNotification())).rejects.toThrow(/Feishu refused the message: 19021/);
  });

  it('generic webhook: signed JSON a receiver can verify; tampering or a stale timestamp fails verification', async () => {
    await createWebhookChannel({ url: receiver.url(), secret: 's3cret', now }).send(sampleNotification());
    const req = receiver.requests[0]!;
    const timestamp = String(req.headers['x-qingliu-timestamp']);
    const signature = String(req.headers['x-qingliu-signature']);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(req.headers['content-type']).toContain('application/json');
    expect(req.headers['x-qingliu-event']).toBe('opened');
    const ok = { secret: 's3cret', timestamp, body: req.body, signature, nowSeconds: NOW / 1000 };
    expect(verifyWebhookSignature(ok)).toBe(true);
    expect(verifyWebhookSignature({ ...ok, body: req.body.replace('1.8', '0.8') })).toBe(false);
    expect(verifyWebhookSignature({ ...ok, nowSeconds: NOW / 1000 + 3600 })).toBe(false);
    expect(signWebhook('s3cret', timestamp, req.body)).toBe(signature);

    await createWebhookChannel({ url: receiver.url(), now }).send(sampleNotification());
    expect(receiver.requests[1]!.headers['x-qingliu-signature']).toBeUndefined();
  });

  it('the factory resolves url_env / secret_env at send time and fails clearly when one is missing', async () => {
    const env: Record<string, string> = { DT_URL: receiver.url('/robot/send?access_token=t'), DT_SECRET: 'SECx' };
    const factory = createChannelFactory({ secrets: (n) => env[n], now });
    await factory({ type: 'dingtalk', url_env: 'DT_URL', secret_env: 'DT_SECRET' }).send(sampleNotification());
    expect(receiver.requests[0]!.url).toContain('sign=');
    await expect(factory({ type: 'feishu', url_env: 'MISSING' }).send(sampleNotification())).rejects.toThrow(
      /MISSING is not set/,
    );
    await expect(factory({ type: 'email', to: ['a@example.cn'] }).send(sampleNotification())).rejects.toThrow(
      /SMTP_URL/,
    );
  });

  it('a receiver that refuses connections is a retryable DeliveryError', async () => {
    await receiver.down();
    const err = await createWebhookChannel({ url: receiver.url(), now })
      .send(sampleNotification())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).permanent).toBe(false);
  });
});

describe('e-mail through a real local SMTP receiver', () => {
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('delivers one message per notification with the idempotency key as Message-ID', async () => {
    const mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}?tls=off`,
      from: 'Qingliu 清流 <alerts@qingliu.test>',
      timeoutMs: 5_000,
    });
    try {
      await createEmailChannel({ mailer, to: ['duty@env.example.cn', 'chief@env.example.cn'] }).send(
        sampleNotification(),
      );
    } finally {
      mailer.close();
    }
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('alerts@qingliu.test');
    expect(mail.to).toEqual(['duty@env.example.cn', 'chief@env.example.cn']);
    expect(mail.data).toContain('Message-ID: <0b7f3c1e-6a52-4c1f-9d0e-2f7c9a1b5e11@qingliu.alerts>');
    const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(mail.data)![1]!;
    const decoded = subject
      .replace(/\r\n[ \t]/g, '')
      .replace(/=\?UTF-8\?B\?([^?]+)\?=/gi, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'))
      .replace(/\s+/g, '');
    expect(decoded).toContain('清流河出境断面');
  });

  it('an unreachable SMTP server is a DeliveryError', async () => {
    const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:1?tls=off', from: 'a@b.c', timeoutMs: 2_000 });
    await expect(createEmailChannel({ mailer, to: ['x@y.z'] }).send(sampleNotification())).rejects.toBeInstanceOf(
      DeliveryError,
    );
    mailer.close();
  });
});

describe('MQTT channel through a real mosquitto', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it('publishes the notification JSON on wq/alerts/{stationId} at QoS 1', async () => {
    const subscriber = await mqtt.connectAsync(broker.url);
    const publisher = await mqtt.connectAsync(broker.url);
    try {
      await subscriber.subscribeAsync('wq/alerts/#', { qos: 1 });
      const received = new Promise<{ topic: string; payload: string; qos: number }>((resolve) =>
        subscriber.on('message', (topic, payload, packet) =>
          resolve({ topic, payload: payload.toString(), qos: packet.qos }),
        ),
      );
      const channel = createMqttChannel({
        publish: async (topic, payload, options) => void (await publisher.publishAsync(topic, payload, options)),
      });
      await channel.send(sampleNotification());
      const message = await received;
      expect(message.topic).toBe(alertTopic('out-1'));
      expect(message.topic).toBe('wq/alerts/out-1');
      expect(message.qos).toBe(1);
      expect(JSON.parse(message.payload)).toMatchObject({
        id: '0b7f3c1e-6a52-4c1f-9d0e-2f7c9a1b5e11',
        event: 'opened',
        alert: { station_id: 'out-1', severity: 'critical' },
      });
    } finally {
      await subscriber.endAsync();
      await publisher.endAsync();
    }
  });

  it('without a connection it is a DeliveryError', async () => {
    await expect(createMqttChannel({ publish: undefined }).send(sampleNotification())).rejects.toBeInstanceOf(
      DeliveryError,
    );
  });
});
