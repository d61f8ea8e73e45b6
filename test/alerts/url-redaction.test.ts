/**
 * Issue 12, item 9: channel URLs are secrets (Slack-style webhooks carry their token in the path, the robots in
 * the query). They used to be logged and shown to operator keys in `notifications[].last_error`, with the
 * receiver's reply that may echo them. Pure functions first, then the real outbox on a real SQLite alert store
 * delivering to a real local HTTP receiver, and the alerts API answering an operator key.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertStore, type AlertStore } from '../../src/alerts/alert-store.js';
import { createChannelFactory } from '../../src/alerts/notify/channels.js';
import { redactUrl, redactUrlsIn, scrubUrl } from '../../src/alerts/notify/url-redaction.js';
import { createOutbox } from '../../src/alerts/outbox.js';
import { memoryLogger } from '../ingest/helpers.js';
import { bearer, createAlertApi, OWN_KEY } from '../api-alerts/setup.js';
import { startHttpReceiver, type HttpReceiver } from './helpers/http-receiver.js';
import { sampleNotification } from './helpers/sample.js';

const PATH_TOKEN = 'B07XYZ/Zx9SlackPathToken4242';
const QUERY_TOKEN = 'dt0123456789abcdefQueryToken';

describe('redacting channel URLs (pure)', () => {
  it('keeps only the origin', () => {
    expect(redactUrl('https://hooks.slack.com/services/T000/B000/XXXX')).toBe('https://hooks.slack.com/…');
    expect(redactUrl('https://oapi.dingtalk.com/robot/send?access_token=abc')).toBe('https://oapi.dingtalk.com/…');
    expect(redactUrl('http://10.0.0.5:8080')).toBe('http://10.0.0.5:8080');
    expect(redactUrl('http://10.0.0.5:8080/')).toBe('http://10.0.0.5:8080');
    expect(redactUrl('not a url')).toBe('(invalid URL)');
  });

  it('scrubs every spelling of the secret parts from a text, and any URL in it', () => {
    const url = `https://hooks.example.com/services/T000/${PATH_TOKEN}?token=${QUERY_TOKEN}&x=1`;
    const echoed = [
      `Cannot POST /services/T000/${PATH_TOKEN}?token=${QUERY_TOKEN}&x=1`,
      `invalid token "${QUERY_TOKEN}"`,
      `see ${url}.`,
      `path ${encodeURIComponent('/services/T000/' + PATH_TOKEN)}`,
    ].join('\n');
    const out = scrubUrl(echoed, url);
    expect(out).not.toContain('Zx9SlackPathToken4242');
    expect(out).not.toContain(QUERY_TOKEN);
    expect(out).not.toContain('/services');
    expect(out).toContain('see https://hooks.example.com/….');
  });

  it('reduces any URL in a text to its origin', () => {
    expect(redactUrlsIn('POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-123 failed, retry')).toBe(
      'POST https://qyapi.weixin.qq.com/… failed, retry',
    );
    expect(redactUrlsIn('no url here')).toBe('no url here');
  });
});

describe('the outbox and the API never show a channel URL beyond its origin', () => {
  let receiver: HttpReceiver;
  let dir: string;
  let store: AlertStore;
  beforeEach(async () => {
    receiver = await startHttpReceiver();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-redaction-'));
    store = createAlertStore({ dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const secrets = (): string[] => [PATH_TOKEN, 'Zx9SlackPathToken4242', QUERY_TOKEN, '/services/T000'];

  async function deliverOnce(channel: Parameters<AlertStore['enqueue']>[0]['channel'], env: Record<string, string>) {
    const { logger, lines } = memoryLogger();
    const channels = createChannelFactory({ secrets: (name) => env[name], now: () => 0, timeoutMs: 2_000 });
    const outbox = createOutbox({ store, channels, now: () => 0, logger, random: () => 0 });
    const notification = sampleNotification();
    await store.enqueue({ id: notification.id, alertId: 0, channel, notification, at: 0 });
    expect(await outbox.dispatchDue()).toMatchObject({ delivered: 0 });
    const [entry] = await store.notifications(0);
    return { lastError: entry!.lastError!, log: JSON.stringify(lines()) };
  }

  it('webhook: the token in the path and query is in neither last_error nor the log, even when the reply echoes it', async () => {
    receiver.answer = (req) => ({ status: 404, body: `Cannot POST ${req.url} (token ${QUERY_TOKEN})` });
    const url = receiver.url(`/services/T000/${PATH_TOKEN}?token=${QUERY_TOKEN}`);
    const { lastError, log } = await deliverOnce({ type: 'webhook', url }, {});
    expect(lastError).toMatch(
      new RegExp(`^POST http://127\\.0\\.0\\.1:${receiver.port}/… answered 404: Cannot POST …`),
    );
    for (const secret of secrets()) {
      expect(lastError).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });

  it('webhook: an unreachable receiver is reported by host and cause, without the path', async () => {
    await receiver.down();
    const url = receiver.url(`/services/T000/${PATH_TOKEN}?token=${QUERY_TOKEN}`);
    const { lastError, log } = await deliverOnce({ type: 'webhook', url_env: 'HOOK_URL' }, { HOOK_URL: url });
    expect(lastError).toContain('ECONNREFUSED');
    for (const secret of secrets()) {
      expect(lastError).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });

  it("DingTalk: a robot's errmsg that echoes its access token is scrubbed", async () => {
    receiver.answer = () => ({
      status: 200,
      body: JSON.stringify({ errcode: 300001, errmsg: `token ${QUERY_TOKEN} is not exist` }),
    });
    const url = receiver.url(`/robot/send?access_token=${QUERY_TOKEN}`);
    const { lastError, log } = await deliverOnce({ type: 'dingtalk', url_env: 'DT_URL' }, { DT_URL: url });
    expect(lastError).toContain('DingTalk refused the message: 300001');
    expect(lastError).not.toContain(QUERY_TOKEN);
    expect(log).not.toContain(QUERY_TOKEN);
  });
});

describe('GET /alerts/{id} for an operator key', () => {
  it('shows a last_error stored by an older release with its URL reduced to the origin', async () => {
    const api = await createAlertApi();
    try {
      const store = api.jr.rig.store;
      const notification = sampleNotification('zh-CN', 'opened');
      const id = api.ids.effluent; // the operator's own plant
      await store.enqueue({
        id: 'old-row',
        alertId: id,
        channel: { type: 'webhook', url: 'https://x' },
        notification,
        at: 0,
      });
      await store.markRetry(
        'old-row',
        1,
        0,
        `POST https://hooks.example.com/services/T000/${PATH_TOKEN} answered 404: nope`,
      );
      const res = await api.t.app.request(`/api/v1/alerts/${id}`, { headers: bearer(OWN_KEY) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { notifications: { id: string; last_error: string | null }[] };
      const row = body.notifications.find((n) => n.id === 'old-row');
      expect(row?.last_error).toBe('POST https://hooks.example.com/… answered 404: nope');
    } finally {
      await api.close();
    }
  });
});
