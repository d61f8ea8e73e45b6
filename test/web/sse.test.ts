import { describe, expect, it } from 'vitest';
import { createSseParser, streamEvents, type SseEvent } from '../../src/web/app/sse.js';

function parse(chunks: string[]): { events: SseEvent[]; parser: ReturnType<typeof createSseParser> } {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  for (const c of chunks) parser.push(c);
  return { events, parser };
}

describe('the event-stream parser (WHATWG HTML §9.2)', () => {
  it('dispatches on a blank line, joins data lines, keeps the event type and id', () => {
    const { events, parser } = parse(['event: opened\nid: 7\ndata: {"a":1}\n\n', 'data: line one\ndata: line two\n\n']);
    expect(events).toEqual([
      { event: 'opened', data: '{"a":1}', id: '7' },
      { event: 'message', data: 'line one\nline two', id: '7' },
    ]);
    expect(parser.lastEventId()).toBe('7');
  });

  it('survives any chunking, CRLF and CR line ends included', () => {
    const text = 'event: updated\r\ndata: x\r\n\r\n:keep-alive\r\ndata: y\r\rdata:z\n\n';
    const whole = parse([text]).events;
    expect(whole.map((e) => e.data)).toEqual(['x', 'y', 'z']);
    for (let size = 1; size < 6; size++) {
      const chunks = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      expect(parse(chunks).events).toEqual(whole);
    }
  });

  it('ignores comments, events without data, unknown fields; reads retry', () => {
    const { events, parser } = parse([': hello\n\nevent: ping\n\nfoo: bar\nretry: 2500\ndata\n\n']);
    expect(events).toEqual([{ event: 'message', data: '' }]);
    expect(parser.retryMs()).toBe(2500);
  });
});

function streamResponse(chunks: string[]): Response {
  const encoder = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(c) {
        for (const chunk of chunks) c.enqueue(encoder.encode(chunk));
        c.close();
      },
    }),
    { headers: { 'Content-Type': 'text/event-stream' } },
  );
}

describe('streamEvents: SSE over fetch with an Authorization header', () => {
  it('sends the bearer header, reconnects after a drop with Last-Event-ID, stops on abort', async () => {
    const calls: Record<string, string>[] = [];
    const controller = new AbortController();
    const events: string[] = [];
    const statuses: boolean[] = [];
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      calls.push(init.headers as Record<string, string>);
      if (calls.length === 1) return streamResponse(['id: 1\ndata: first\n\n']);
      return streamResponse(['id: 2\ndata: second\n\n']);
    }) as unknown as typeof fetch;
    await streamEvents({
      url: 'api/v1/alerts/stream',
      headers: () => ({ Authorization: 'Bearer k' }),
      fetch: fakeFetch,
      retryMs: 1,
      signal: controller.signal,
      onStatus: (s) => statuses.push(s),
      onEvent: (e) => {
        events.push(e.data);
        if (events.length === 2) controller.abort();
      },
    });
    expect(events).toEqual(['first', 'second']);
    expect(calls[0]).toMatchObject({ Authorization: 'Bearer k', Accept: 'text/event-stream' });
    expect(calls[0]!['Last-Event-ID']).toBeUndefined();
    expect(calls[1]!['Last-Event-ID']).toBe('1');
    expect(statuses.slice(0, 3)).toEqual([true, false, true]);
  });

  it('gives up on 401 (a revoked key) instead of hammering the server', async () => {
    let calls = 0;
    const fatal: number[] = [];
    await streamEvents({
      url: 'x',
      headers: () => ({}),
      fetch: (async () => {
        calls++;
        return new Response('{}', { status: 401 });
      }) as unknown as typeof fetch,
      retryMs: 1,
      signal: new AbortController().signal,
      onEvent: () => {},
      onFatal: (s) => fatal.push(s),
    });
    expect(calls).toBe(1);
    expect(fatal).toEqual([401]);
  });
});
