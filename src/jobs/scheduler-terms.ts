/**
 * The jobs of a leader-elected role (docs/adr/0016): a fresh scheduler per term of leadership. A standby's scheduler
 * is a stopped one (it lists the jobs; a manual run is refused). Elected: a new scheduler starts, and first catches
 * up as after a restart. Deposed: its timers stop and its jobs' signal aborts at once.
 *
 * The leadership campaigns again without waiting for those jobs to return beyond a grace period (src/db/leader.ts),
 * so a job slow to notice its abort may still run when this process leads again. The schedulers of all terms
 * share their run slots: the new term skips that job as running until the old run returns, so this process never
 * runs one job twice at once.
 */
import type { Leadership } from '../db/leader.js';
import { createRunSlots, type RunSlots, type Scheduler } from './scheduler.js';

export interface SchedulerTerms {
  /** This term's scheduler (a stopped one while standing by). */
  readonly scheduler: Scheduler;
  /** Campaigning, not leading. */
  readonly standby: boolean;
  start(): void;
  /** Stops campaigning (a leader hands the lease over) and waits for every term's jobs to return. */
  stop(): Promise<void>;
}

export function createSchedulerTerms(options: {
  leadership: Leadership;
  /** A new scheduler over the given run slots (shared by every term). */
  makeScheduler: (slots: RunSlots) => Scheduler;
}): SchedulerTerms {
  const { leadership } = options;
  const slots = createRunSlots();
  let scheduler = options.makeScheduler(slots);
  // A standby runs nothing until elected.
  void scheduler.stop();
  let stopped = false;
  return {
    get scheduler() {
      return scheduler;
    },
    get standby() {
      return !leadership.isLeader && !stopped;
    },
    start() {
      leadership.start({
        elected: () => {
          if (stopped) return;
          scheduler = options.makeScheduler(slots);
          scheduler.start();
        },
        // At once: the timers stop and the running jobs' signal aborts; then wait for them to return.
        deposed: () => scheduler.stop(),
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await leadership.stop();
      await scheduler.stop();
    },
  };
}
