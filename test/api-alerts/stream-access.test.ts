/**
 * Issue 12, item 3 and the SSE cap: an alert stream opened before a key was revoked used to go on receiving
 * alert events (checked once, kept open by heartbeats). The real HTTP app served on a real port, with a real
 * keys file that the real `qingliu keys` command edits: revoking a key, changing its role, or letting it expire
 * ends its open streams within seconds; one key holds a limited number of streams at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyIdOf } from '../../src/api/auth/api-key.js';
import { cli } from '../harness/cli.js';
import { serveOnFreePort, type ServedApp } from '../harness/http-server.js';
import { bearer, createAlertApi, type AlertApi } from './setup.js';

/** The events of a text/event-stream as they arrive, and when it ended. */
function eventLog(body: ReadableStream<Uint8Array>) {
  const events: { event: string; data: string }[] = [];
  let ended = false;
  const done = (async () => {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        if (event) events.push({ event, data: lines.find((l) => l.startsWith('data: '))?.slice(6) ?? '' });
      }
    }
    ended = true;
  })();
  return {
    events,
    get ended() {
      return ended;
    },
    done,
  };
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('alert streams follow their key', () => {
  let dir: string;
  let keysFile: string;
  let api: AlertApi;
  let server: ServedApp;
  let base: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-stream-keys-'));
    keysFile = path.join(dir, 'api-keys.json');
    // The production recheck interval (2 s): "within seconds" is what is tested.
    api = await createAlertApi({ keysFile, maxStreamsPerKey: 3 });
    server = await serveOnFreePort(api.t.app);
    base = `${server.origin}/api/v1`;
  });
  afterEach(async () => {
    await api.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function addKey(role: string, ...extra: string[]): Promise<string> {
    const added = await cli(['keys', 'add', '--name', `${role} test`, '--role', role, '--file', keysFile, ...extra]);
    expect(added.code).toBe(0);
    return added.stdout.trim();
  }

  async function openStream(key: string) {
    const res = await fetch(`${base}/alerts/stream`, { headers: { accept: 'text/event-stream', ...bearer(key) } });
    expect(res.status).toBe(200);
    const log = eventLog(res.body!);
    await within(
      5_000,
      'the ready event',
      (async () => {
        while (!log.events.some((e) => e.event === 'ready')) await new Promise((r) => setTimeout(r, 20));
      })(),
    );
    return log;
  }

  it('ends the stream within seconds of `qingliu keys revoke`; the key then gets 401', async () => {
    const key = await addKey('bureau');
    const stream = await openStream(key);
    // Events flow while the key is valid.
    await api.jr.rig.service.acknowledge(api.ids.section, 'someone (k)');
    const revokedAt = Date.now();
    expect((await cli(['keys', 'revoke', keyIdOf(key)!, '--file', keysFile])).code).toBe(0);
    await within(6_000, 'the stream to end after revoke', stream.done);
    const seconds = (Date.now() - revokedAt) / 1000;
    expect(stream.events.map((e) => e.event)).toEqual(['ready', 'acknowledged', 'closed']);
    expect(JSON.parse(stream.events.at(-1)!.data)).toEqual({ reason: 'revoked' });
    expect(seconds).toBeLessThan(6);
    // Nothing reaches it afterwards, and it cannot come back.
    expect(api.subscriptions()).toBe(0);
    const again = await fetch(`${base}/alerts/stream`, { headers: bearer(key) });
    expect(again.status).toBe(401);
  });

  it('ends the stream when the key file changes its role; the key reconnects with what its new role allows', async () => {
    const key = await addKey('bureau');
    const stream = await openStream(key);
    // An administrator edits the file: the key becomes a viewer (viewers may not read alerts).
    const data = JSON.parse(fs.readFileSync(keysFile, 'utf8')) as { keys: { role: string }[] };
    data.keys[0]!.role = 'viewer';
    fs.writeFileSync(keysFile, JSON.stringify(data, null, 2));
    await within(6_000, 'the stream to end after the role change', stream.done);
    expect(JSON.parse(stream.events.at(-1)!.data)).toEqual({ reason: 'access_changed' });
    expect((await fetch(`${base}/alerts/stream`, { headers: bearer(key) })).status).toBe(403);
  });

  it('ends the stream when the key expires', async () => {
    const key = await addKey('bureau', '--expires', '1h');
    api.t.clock.now = Date.now();
    const stream = await openStream(key);
    api.t.clock.now = Date.now() + 3_600_000;
    await within(6_000, 'the stream to end at expiry', stream.done);
    expect(JSON.parse(stream.events.at(-1)!.data)).toEqual({ reason: 'expired' });
  });

  it('refuses more than maxStreamsPerKey streams for one key, and accepts again once one closes', async () => {
    const key = await addKey('bureau');
    const other = await addKey('bureau');
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    for (const c of controllers) {
      const res = await fetch(`${base}/alerts/stream`, { headers: bearer(key), signal: c.signal });
      expect(res.status).toBe(200);
      void res
        .body!.getReader()
        .read()
        .catch(() => undefined);
    }
    const fourth = await fetch(`${base}/alerts/stream`, { headers: bearer(key) });
    expect(fourth.status).toBe(429);
    expect(fourth.headers.get('content-type')).toBe('application/problem+json');
    expect(await fourth.json()).toMatchObject({ code: 'rate-limited', openStreams: 3, maxStreamsPerKey: 3 });
    // Another key has its own allowance.
    const elsewhere = new AbortController();
    expect((await fetch(`${base}/alerts/stream`, { headers: bearer(other), signal: elsewhere.signal })).status).toBe(
      200,
    );
    const gone = api.nextUnsubscribe();
    controllers[0]!.abort();
    await gone;
    const again = new AbortController();
    expect((await fetch(`${base}/alerts/stream`, { headers: bearer(key), signal: again.signal })).status).toBe(200);
    for (const c of [...controllers, elsewhere, again]) c.abort();
  });
});
