/**
 * The upkeep jobs. Two short-cadence ones keep alerts moving: escalation (an open, unacknowledged alert goes up the
 * responsibility chain once its delay has passed) and the outbox (send what is due, retry what failed). The
 * outbox also runs its own loop, nudged whenever something is queued; this job is the safety net that keeps
 * sending on schedule and makes delivery visible in `GET /api/v1/jobs`. A daily one deletes old dead letters.
 */
import type { AlertService } from '../alerts/alert-service.js';
import type { Outbox } from '../alerts/outbox.js';
import type { ReadingStore } from '../store/reading-store.js';
import type { Job, StartPolicy } from './job.js';

export function createEscalationJob(options: {
  schedule: string;
  service: Pick<AlertService, 'escalateDue'>;
  onStart?: StartPolicy;
}): Job {
  return {
    name: 'alert-escalation',
    title: { zh: '告警逐级上报', en: 'Alert escalation' },
    schedule: options.schedule,
    onStart: options.onStart ?? 'always',
    run: async (ctx) => {
      const escalated = await options.service.escalateDue(ctx.now);
      return { escalated: escalated.length };
    },
  };
}

export function createOutboxJob(options: {
  schedule: string;
  outbox: Pick<Outbox, 'dispatchDue' | 'stats'>;
  onStart?: StartPolicy;
}): Job {
  return {
    name: 'alert-outbox',
    title: { zh: '通知发送', en: 'Notification delivery' },
    schedule: options.schedule,
    onStart: options.onStart ?? 'always',
    run: async () => {
      const result = await options.outbox.dispatchDue();
      const stats = await options.outbox.stats();
      return { ...result, pending: stats.pending, failed_total: stats.failed };
    },
  };
}

/** Daily, at a quiet hour: dead letters are for finding a station's mistakes, not a record to keep forever. */
export const DEAD_LETTER_RETENTION_CRON = '17 3 * * *';

/**
 * Deletes the dead letters received more than `retentionMs` before the run (DEAD_LETTER_RETENTION, 90 days by
 * default). They hold whole raw payloads, so without a bound a misconfigured station fills the database with
 * copies of its mistake; 90 days covers a quarterly review of what was refused.
 */
export function createDeadLetterRetentionJob(options: {
  retentionMs: number;
  store: Pick<ReadingStore, 'pruneDeadLetters'>;
  schedule?: string;
  onStart?: StartPolicy;
}): Job {
  return {
    name: 'dead-letter-retention',
    title: { zh: '死信数据保留期清理', en: 'Dead-letter retention' },
    schedule: options.schedule ?? DEAD_LETTER_RETENTION_CRON,
    onStart: options.onStart ?? 'if-missed',
    run: async (ctx) => {
      const before = ctx.now - options.retentionMs;
      const deleted = await options.store.pruneDeadLetters(before);
      return { deleted_before: new Date(before).toISOString(), deleted: deleted ?? null };
    },
  };
}
