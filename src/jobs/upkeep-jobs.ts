/**
 * The two short-cadence jobs that keep alerts moving: escalation (an open, unacknowledged alert goes up the
 * responsibility chain once its delay has passed) and the outbox (send what is due, retry what failed). The
 * outbox also runs its own loop, nudged whenever something is queued; this job is the safety net that keeps
 * sending on schedule and makes delivery visible in `GET /api/v1/jobs`.
 */
import type { AlertService } from '../alerts/alert-service.js';
import type { Outbox } from '../alerts/outbox.js';
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
      const escalated = options.service.escalateDue(ctx.now);
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
      const stats = options.outbox.stats();
      return { ...result, pending: stats.pending, failed_total: stats.failed };
    },
  };
}
