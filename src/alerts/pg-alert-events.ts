/**
 * Alert events between the instances that share PostgreSQL (issue 16): an alert opened by the alerts leader must
 * appear live on the SSE stream of every API instance, not only in its lists. Each instance NOTIFYs its own events
 * (`pg_notify`, after the transaction that made them committed) and LISTENs on a connection of its own; an event
 * of another instance is re-read from the shared store and handed to the local listeners.
 *
 * Only the alert's id travels (NOTIFY payloads are limited to 8,000 bytes); the listener reads the alert as it is
 * then. Events sent while the listening connection is down (a database restart) are not replayed: the stream is a
 * live view, and its clients reload the list when they reconnect.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Postgres } from '../db/postgres.js';
import type { Logger } from '../logger.js';
import type { AlertEvent } from './alert-service.js';
import type { Alert } from './types.js';

export const ALERT_EVENTS_CHANNEL = 'qingliu_alert_events';

interface Wire {
  /** The sending instance: an instance does not hear its own events twice. */
  o: string;
  t: AlertEvent['type'];
  id: number;
  at: number;
}

export interface AlertEventRelay {
  /** Tells the other instances (fire and forget: a failure is logged, the event was delivered locally). */
  publish(event: AlertEvent): void;
  /** Listens for the other instances' events; the returned function stops listening to them. */
  subscribe(listener: (event: AlertEvent) => void): () => void;
  /** Resolves once listening (or after the first failed attempt: it keeps trying in the background). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AlertEventRelayOptions {
  db: Postgres;
  /** Reads an alert of another instance's event from the shared store. */
  alert(id: number): Promise<Alert | undefined>;
  logger: Logger;
  /** Between attempts to listen again after the connection failed (default 1 s, doubling up to 30 s). */
  retryMs?: number;
}

export function createPgAlertEventRelay(options: AlertEventRelayOptions): AlertEventRelay {
  const log = options.logger.child({ component: 'alert-events' });
  const origin = randomUUID();
  const listeners = new Set<(event: AlertEvent) => void>();
  const firstRetryMs = options.retryMs ?? 1_000;
  let client: pg.Client | undefined;
  let stopped = false;
  let retryMs = firstRetryMs;
  let retryTimer: NodeJS.Timeout | undefined;

  const deliver = async (payload: string | undefined) => {
    let wire: Wire;
    try {
      wire = JSON.parse(payload ?? '') as Wire;
    } catch {
      log.warn({ payload }, 'ignored an alert event that is not ours');
      return;
    }
    if (wire.o === origin || listeners.size === 0) return;
    const alert = await options.alert(wire.id).catch((err: unknown) => {
      log.warn({ err, id: wire.id }, 'could not read the alert of another instance’s event');
      return undefined;
    });
    if (!alert) return;
    for (const listener of listeners) {
      try {
        listener({ type: wire.t, alert, at: wire.at });
      } catch (err) {
        log.error({ err }, 'alert event listener failed');
      }
    }
  };

  const scheduleRetry = () => {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void listen();
    }, retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, 30_000);
  };

  const listen = async (): Promise<void> => {
    if (stopped) return;
    const next = options.db.dedicatedClient('alert-events');
    client = next;
    const lost = (err?: Error) => {
      if (client !== next) return;
      client = undefined;
      void next.end().catch(() => undefined);
      if (stopped) return;
      log.warn({ err }, 'lost the alert-event connection; live alerts of other instances pause until it is back');
      scheduleRetry();
    };
    next.on('notification', (message) => {
      if (message.channel === ALERT_EVENTS_CHANNEL) void deliver(message.payload);
    });
    next.on('error', lost);
    next.on('end', () => lost());
    try {
      await next.connect();
      await next.query(`LISTEN ${ALERT_EVENTS_CHANNEL}`);
      retryMs = firstRetryMs;
      log.debug('listening for the other instances’ alert events');
    } catch (err) {
      lost(err as Error);
    }
  };

  return {
    publish(event) {
      if (stopped) return;
      const wire: Wire = { o: origin, t: event.type, id: event.alert.id, at: event.at };
      options.db
        .query('SELECT pg_notify($1, $2)', [ALERT_EVENTS_CHANNEL, JSON.stringify(wire)])
        .catch((err: unknown) =>
          log.warn({ err, id: event.alert.id }, 'could not tell the other instances of an alert event'),
        );
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    start: () => listen(),

    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
