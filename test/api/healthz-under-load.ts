/**
 * How long /healthz takes to answer while requests run: the measure of issue 12, item 5, shared by
 * test/api/evaluate.test.ts and bench/hostile.ts. Probes every 10 ms, idle first (the machine's own noise), then
 * while `bodies` are POSTed to /api/v1/evaluate all at once.
 */
import { performance } from 'node:perf_hooks';
import { TEST_KEYS } from './test-app.js';

export interface LoadResult {
  answers: { status: number; bytes: number }[];
  totalMs: number;
  /** /healthz latencies (ms) before the requests, and while they ran. */
  idle: number[];
  loaded: number[];
}

export async function healthzUnderLoad(base: string, bodies: readonly string[], idleProbes = 20): Promise<LoadResult> {
  const probe = async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}/healthz`);
    await res.text();
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    return performance.now() - t0;
  };
  const pause = () => new Promise((r) => setTimeout(r, 10));
  const idle: number[] = [];
  for (let i = 0; i < idleProbes; i++) {
    idle.push(await probe());
    await pause();
  }
  const loaded: number[] = [];
  let running = true;
  const poll = (async () => {
    while (running) {
      loaded.push(await probe());
      await pause();
    }
  })();
  const t0 = performance.now();
  const answers = await Promise.all(
    bodies.map((body) =>
      fetch(`${base}/api/v1/evaluate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_KEYS.viewer}`, 'content-type': 'application/json' },
        body,
      }).then(async (r) => ({ status: r.status, bytes: (await r.text()).length })),
    ),
  );
  const totalMs = performance.now() - t0;
  running = false;
  await poll;
  return { answers, totalMs, idle, loaded };
}
