/**
 * `npm run bench:hostile` — what hostile input costs (issue 12, items 2, 5, 6, 10). One JSON line per figure on
 * stdout, each with the raw ceiling measured in the same run (JSON.parse of the same bytes; /healthz when idle).
 *
 * - decoder: the 2,500-spelling / 5,000-flag flood, a backfill of 2,000 entries within the limits, 800 messages
 *   with a 250 KB invented key (heap retained after a full GC), a value nested 50,000 levels deep;
 * - POST /api/v1/evaluate on the real HTTP server (production rate limit): 20 hostile requests in parallel while
 *   /healthz is probed every 10 ms.
 *
 * Run with `node --expose-gc` (the npm script does). Figures in docs/benchmarks.md.
 */
import { performance } from 'node:perf_hooks';
import { serve } from '@hono/node-server';
import { register } from '../src/api/routes/evaluate.js';
import { createMessageDecoder } from '../src/ingest/message-decoder.js';
import { healthzUnderLoad } from '../test/api/healthz-under-load.js';
import { createTestApp } from '../test/api/test-app.js';
import { freePort } from '../test/harness/free-port.js';
import { NOW, STATIONS } from '../test/ingest/helpers.js';
import { deeplyNested, hugeUnknownKey, nh3nSpellings, spellingFlood } from '../test/ingest/hostile-payloads.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:hostile)');
const heapMB = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};
const line = (figure: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: 'hostile', ...figure })}\n`);
const round = (ms: number) => Math.round(ms * 10) / 10;
const TS = '2026-11-28T08:00:00+08:00';
const decoder = (maxPayloadBytes = 256 * 1024) =>
  createMessageDecoder({ stations: STATIONS, maxPayloadBytes, maxFutureSkewSeconds: 300 });

function timed(payload: string, maxPayloadBytes?: number) {
  const bytes = Buffer.from(payload);
  let parseMs = performance.now();
  JSON.parse(payload);
  parseMs = performance.now() - parseMs;
  const d = decoder(maxPayloadBytes);
  const t0 = performance.now();
  const out = d.decode('wq/demo-01/data', bytes, NOW);
  return {
    bytes: bytes.length,
    decodeMs: round(performance.now() - t0),
    jsonParseMs: round(parseMs),
    readings: out.readings.length,
    reasons: out.deadLetters.map((l) => l.reason),
  };
}

line({ item: 2, case: 'flood: 2,500 spellings of NH3-N, 5,000 flag keys', ...timed(spellingFlood(TS)) });
const spellings = nh3nSpellings(60);
const backfill = JSON.stringify(
  Array.from({ length: 2000 }, (_, e) => ({
    ts: new Date(Date.parse(TS) - e * 60_000).toISOString(),
    values: Object.fromEntries(spellings.map((s) => [s, 0.5])),
    flags: Object.fromEntries(Array.from({ length: 64 }, (_, k) => [`e${e}-flag-${k}`, 'N'])),
  })),
);
line({
  item: 2,
  case: 'backfill within the limits: 2,000 entries × (60 spellings, 64 invented flags)',
  ...timed(backfill, 64 << 20),
});

{
  const before = heapMB();
  const d = decoder();
  const t0 = performance.now();
  for (let i = 0; i < 800; i++) d.decode('wq/demo-01/data', Buffer.from(hugeUnknownKey(TS, 250_000, i)), NOW);
  const ms = performance.now() - t0;
  line({
    item: 6,
    case: '800 messages with a 250 KB invented key',
    heapRetainedMB: Math.round(heapMB() - before),
    memo: d.memoStats(),
    ms: Math.round(ms),
  });
}
line({ item: 10, case: 'a value nested 50,000 levels deep beside ph and do', ...timed(deeplyNested(TS)) });

// ---- POST /api/v1/evaluate on the real HTTP server --------------------------------------------------------
const app = createTestApp({ routes: [register], rateLimit: { perMinute: 600, burst: 60 } }).app;
const port = await freePort();
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
const base = `http://127.0.0.1:${port}`;
const item = {
  standard: 'gb3838',
  target: 'III',
  readings: { temp: 17.3, ph: 7.99, do: 8.64, conductivity: 861.9, codmn: 5.81, nh3n: 0.1, tp: 0.06, tn: 1.6 },
};
const bodies: Record<string, string> = {
  '15,000 unknown keys in one readings object': JSON.stringify({
    standard: 'gb3838',
    readings: Object.fromEntries(Array.from({ length: 15_000 }, (_, i) => [`k${i.toString(36)}x`, 1])),
  }),
  '1,000 items, each invalid': JSON.stringify(
    Array.from({ length: 1000 }, () => ({ ...item, readings: { ...item.readings, nh3n: -1, x1: 1 } })),
  ),
  '1,000 valid items': JSON.stringify(Array.from({ length: 1000 }, () => item)),
};
for (const [name, body] of Object.entries(bodies)) {
  const run = await healthzUnderLoad(
    base,
    Array.from({ length: 20 }, () => body),
    50,
  );
  line({
    item: 5,
    case: `20 parallel: ${name}`,
    requestBytes: body.length,
    statuses: [...new Set(run.answers.map((a) => a.status))],
    answerBytesMax: Math.max(...run.answers.map((a) => a.bytes)),
    totalMs: Math.round(run.totalMs),
    healthzWorstMs: Math.round(Math.max(...run.loaded)),
    healthzIdleWorstMs: Math.round(Math.max(...run.idle)),
  });
  await new Promise((r) => setTimeout(r, 2100)); // let the rate limit's bucket refill (60 per burst)
}
server.close();
