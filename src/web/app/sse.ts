/**
 * Server-sent events over `fetch`: `EventSource` cannot send an `Authorization` header, so the stream is read with
 * a streaming body reader and parsed here (WHATWG HTML §9.2 "event stream interpretation"), reconnecting with
 * `Last-Event-ID` after a drop.
 */
export interface SseEvent {
  /** `message` when the server named none. */
  event: string;
  data: string;
  id?: string;
}

export interface SseParser {
  /** Feeds decoded text; complete events are passed to `onEvent`. */
  push(text: string): void;
  /** The last event id seen (for Last-Event-ID). */
  lastEventId(): string | undefined;
  /** The reconnection delay the server asked for with `retry:`, if any. */
  retryMs(): number | undefined;
}

export function createSseParser(onEvent: (event: SseEvent) => void): SseParser {
  let buffer = '';
  let data: string[] = [];
  let eventType = '';
  let lastId: string | undefined;
  let retry: number | undefined;
  let pendingCr = false;

  function dispatch() {
    if (data.length > 0) {
      const event: SseEvent = { event: eventType || 'message', data: data.join('\n') };
      if (lastId !== undefined) event.id = lastId;
      onEvent(event);
    }
    data = [];
    eventType = '';
  }

  function line(text: string) {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') eventType = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  }

  return {
    push(text) {
      // A CR at the end of one chunk may be the first half of a CRLF split across chunks.
      if (pendingCr && text.startsWith('\n')) text = text.slice(1);
      pendingCr = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== '\n' && ch !== '\r') continue;
        line(buffer.slice(start, i));
        if (ch === '\r') {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === '\n') i++;
          } else {
            pendingCr = true;
          }
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    lastEventId: () => lastId,
    retryMs: () => retry,
  };
}

export interface StreamOptions {
  url: string;
  headers: () => Record<string, string>;
  onEvent: (event: SseEvent) => void;
  /** Told when the stream connects (true) or drops (false). */
  onStatus?: (connected: boolean) => void;
  /** Told of a final failure (e.g. 401, 403): no reconnection. */
  onFatal?: (status: number) => void;
  signal: AbortSignal;
  fetch?: typeof fetch;
  /** First reconnection delay; doubles up to 30 s. */
  retryMs?: number;
}

/** Reads the stream until `signal` aborts, reconnecting after drops. */
export async function streamEvents(options: StreamOptions): Promise<void> {
  const doFetch = options.fetch ?? fetch.bind(globalThis);
  let delay = options.retryMs ?? 1000;
  let lastId: string | undefined;
  while (!options.signal.aborted) {
    const parser = createSseParser(options.onEvent);
    try {
      const headers: Record<string, string> = { ...options.headers(), Accept: 'text/event-stream' };
      if (lastId !== undefined) headers['Last-Event-ID'] = lastId;
      const res = await doFetch(options.url, { headers, signal: options.signal, cache: 'no-store' });
      if (res.status === 401 || res.status === 403 || res.status === 404) {
        options.onFatal?.(res.status);
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      options.onStatus?.(true);
      delay = options.retryMs ?? 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        lastId = parser.lastEventId() ?? lastId;
      }
    } catch {
      if (options.signal.aborted) return;
    }
    options.onStatus?.(false);
    if (options.signal.aborted) return;
    const wait = parser.retryMs() ?? delay;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      options.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    delay = Math.min(delay * 2, 30_000);
  }
}
