/**
 * The WindowTouches the marks (and anything else that changes data after the fact) call: the touches are recorded
 * in the reading store, next to the readings, where the alerts role reads them whatever process it runs in
 * (docs/adr/0013-rejudgment.md). Resolves once they are durable there.
 */
import type { ReadingStore } from '../store/reading-store.js';
import type { WindowTouches } from './window-touches.js';

export function recordedWindowTouches(store: Pick<ReadingStore, 'recordTouches' | 'kind'>): WindowTouches {
  const record = store.recordTouches?.bind(store);
  if (!record) throw new Error(`the ${store.kind} reading store cannot record touched windows`);
  return {
    async touch(touches) {
      const valid = touches.filter((t) => t.to > t.from);
      if (valid.length > 0) await record(valid);
    },
  };
}
