import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_KEYS } from '../api/test-app.js';
import { serveOnFreePort, type ServedApp } from '../harness/http-server.js';
import { bearer, createAlertApi, OWN_KEY, type AlertApi } from './setup.js';

interface SseEvent {
  event: string;
  data: string;
}

/** Reads a text/event-stream with fetch's body reader, as a browser must (EventSource cannot send the bearer header). */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const comments: string[] = [];
  return {
    comments,
    /** The next event (skipping comments), or null when the stream ended. */
    async next(): Promise<SseEvent | null> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          comments.push(...lines.filter((l) => l.startsWith(':')));
          const fields = lines.filter((l) => !l.startsWith(':'));
          if (fields.length === 0) continue;
          const event = fields.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
          const data = fields
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          return { event, data };
        }
        const { value, done } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    /** Reads until a comment line arrives. */
    async comment(): Promise<string> {
      while (comments.length === 0) {
        const end = buffer.indexOf('\n\n');
        if (end === -1) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffer += decoder.decode(value, { stream: true });
          continue;
        }
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        comments.push(...block.split('\n').filter((l) => l.startsWith(':')));
      }
      return comments.shift()!;
    },
    cancel: () => reader.cancel(),
  };
}

describe('GET /alerts/stream (server-sent events over a real HTTP server)', () => {
  let api: AlertApi;
  let server: ServedApp;
  let base: string;

  beforeEach(async () => {
    api = await createAlertApi({ heartbeatMs: 50 });
    server = await serveOnFreePort(api.t.app);
    base = `${server.origin}/api/v1`;
  });
  afterEach(async () => {
    await api.close();
    await server.close();
  });

  const open = async (headers: Record<string, string>, query = '') => {
    const res = await fetch(`${base}/alerts/stream${query}`, { headers: { accept: 'text/event-stream', ...headers } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = eventReader(res.body!);
    const ready = await events.next();
    expect(ready?.event).toBe('ready');
    return events;
  };

  it('delivers an event after an acknowledgement, with the alert as the API shows it', async () => {
    const events = await open(bearer(TEST_KEYS.bureau));
    const ack = await fetch(`${base}/alerts/${api.ids.section}/ack`, {
      method: 'POST',
      headers: { ...bearer(TEST_KEYS.bureau), 'content-type': 'application/json' },
      body: JSON.stringify({ note: '已核实' }),
    });
    expect(ack.status).toBe(200);
    const event = (await events.next())!;
    expect(event.event).toBe('acknowledged');
    const data = JSON.parse(event.data);
    expect(data).toMatchObject({
      type: 'acknowledged',
      at: '2026-11-28T04:12:00+08:00',
      alert: {
        id: api.ids.section,
        state: 'acknowledged',
        acknowledged_by: '市生态环境局 (test-bureau)',
        acknowledge_note: '已核实',
        station_name: { zh: '清流河出境断面' },
      },
    });
    await events.cancel();
  });

  it('sends an operator only the events of its own plants, and keep-alive comments in between', async () => {
    const own = await open(bearer(OWN_KEY));
    // First a change the operator may not see (the outbound section), then one it may (its plant's effluent).
    await api.jr.rig.service.acknowledge(api.ids.section, 'someone (k)', 'not yours');
    await api.jr.rig.service.acknowledge(api.ids.effluent, 'someone (k)', 'yours');
    const event = (await own.next())!;
    expect(JSON.parse(event.data).alert).toMatchObject({ id: api.ids.effluent, station_id: 'eff-1' });
    expect(await own.comment()).toBe(': keep-alive');
    await own.cancel();
  });

  it('filters by station and severity on request, and refuses keys without alerts:read', async () => {
    const critical = await open(bearer(TEST_KEYS.admin), '?severity=critical');
    await api.jr.rig.service.acknowledge(api.ids.effluent, 'x (k)');
    await api.jr.rig.service.acknowledge(api.ids.section, 'x (k)');
    expect(JSON.parse((await critical.next())!.data).alert.id).toBe(api.ids.section);
    await critical.cancel();

    const viewer = await fetch(`${base}/alerts/stream`, { headers: bearer(TEST_KEYS.viewer) });
    expect(viewer.status).toBe(403);
    expect(viewer.headers.get('content-type')).toBe('application/problem+json');
    expect((await fetch(`${base}/alerts/stream`)).status).toBe(401);
    const hidden = await fetch(`${base}/alerts/stream?station=out-1`, { headers: bearer(OWN_KEY) });
    expect(hidden.status).toBe(404);
    await hidden.body?.cancel();
  });

  it('unsubscribes when a client goes away, and ends every stream at shutdown', async () => {
    const first = await open(bearer(TEST_KEYS.admin));
    const second = await open(bearer(TEST_KEYS.bureau));
    expect(api.subscriptions()).toBe(2);
    const gone = api.nextUnsubscribe();
    await first.cancel();
    await gone;
    expect(api.subscriptions()).toBe(1);
    api.shutdown.abort();
    expect(await second.next()).toBeNull();
    expect(api.subscriptions()).toBe(0);
  });
});
