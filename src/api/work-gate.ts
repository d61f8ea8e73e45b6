/**
 * A gate for CPU-bound request work: at most `concurrency` requests compute at a time, the others wait their turn
 * (awaiting, so the event loop stays free for health checks and light requests), and beyond `maxWaiting` waiting
 * requests a new one is turned away at once rather than queued without bound.
 */
export interface WorkGate {
  /** Runs `work` when a slot is free; rejects with GateFullError when too many are already waiting. */
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly waiting: number;
}

export class GateFullError extends Error {
  constructor() {
    super('too many requests are waiting for this work');
    this.name = 'GateFullError';
  }
}

export function createWorkGate(options: { concurrency: number; maxWaiting: number }): WorkGate {
  let active = 0;
  const queue: (() => void)[] = [];
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    async run(work) {
      if (active >= options.concurrency) {
        if (queue.length >= options.maxWaiting) throw new GateFullError();
        // The slot is handed over by the finishing run: `active` stays counted.
        await new Promise<void>((resolve) => queue.push(resolve));
      } else active += 1;
      try {
        return await work();
      } finally {
        const next = queue.shift();
        if (next) next();
        else active -= 1;
      }
    },
  };
}
