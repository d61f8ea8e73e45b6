/** The wall clock and waiting, injected into the runners so that tests can drive time without sleeping. */

export type Now = () => number;
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** setTimeout-based sleep that ends early (without error) when the signal aborts. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });

/** A clock for tests: `sleep` moves time forward instantly. */
export function manualClock(start: number): { now: Now; sleep: Sleep; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(ms, 0);
    },
    advance(ms) {
      t += ms;
    },
  };
}
