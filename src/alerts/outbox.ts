/**
 * The durable outbox dispatcher. Notifications are written to the alert store in the same transaction as the
 * alert change that caused them (see alert-service.ts); this sends what is due, marks each delivered as soon as
 * the receiver accepted it, and reschedules failures with exponential backoff. Everything it needs is in the
 * database, so a restart carries on where it stopped and never re-sends what was marked delivered
 * (at-least-once: a crash between "accepted" and "marked" re-sends once, with the same idempotency key).
 * Each notification is claimed before it is sent (a lease in the store: with PostgreSQL, SELECT … FOR UPDATE SKIP
 * LOCKED), so the outboxes of several alerts instances never send the same one; a sender that dies mid-send
 * releases its claims when the lease ends.
 */
import type { Logger } from '../logger.js';
import type { AlertStore, OutboxStats } from './alert-store.js';
import type { OutboxEntry } from './notification.js';
import { ChannelNotConfiguredError, DeliveryError } from './notify/channel.js';
import type { ChannelFactory } from './notify/channels.js';
import { redactUrlsIn } from './notify/url-redaction.js';

export interface BackoffOptions {
  /** First retry after this long… */
  baseMs: number;
  /** …doubling up to this… */
  maxMs: number;
  /** …until the notification is this old; then it is marked failed (and logged as an error). */
  maxAgeMs: number;
  /** Random spread added to each delay (0.1 = up to +10 %), so retries from many alerts do not align. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: 30_000,
  maxMs: 3_600_000,
  maxAgeMs: 7 * 86_400_000,
  jitter: 0.1,
};

export function backoffDelay(attempts: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (1 + options.jitter * random()));
}

export interface DispatchResult {
  delivered: number;
  retried: number;
  failed: number;
}

export interface Outbox {
  /** One pass over the due notifications. Concurrent calls share the running pass. */
  dispatchDue(): Promise<DispatchResult>;
  /** Asks for a pass soon (after new notifications were queued). */
  nudge(): void;
  /** Starts the polling loop (every `pollMs`). */
  start(): void;
  /** Stops the loop and waits for a running pass; safe to call twice. */
  stop(): Promise<void>;
  stats(): Promise<OutboxStats>;
}

export interface OutboxOptions {
  store: AlertStore;
  channels: ChannelFactory;
  now: () => number;
  logger: Logger;
  backoff?: Partial<BackoffOptions>;
  pollMs?: number;
  /** Notifications one pass sends at most. */
  batchSize?: number;
  /**
   * How long a claim on a notification being sent lasts (default `DEFAULT_CLAIM_LEASE_MS`): another sender
   * (another alerts instance) takes it over only after that, if this one died without marking it.
   */
  claimLeaseMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** Level of the one line per unconfigured channel: `warn` (default), `info` in the demo (create-alerts.ts). */
  unconfiguredLevel?: 'warn' | 'info';
  random?: () => number;
}

/**
 * A claim's lease: six times an HTTP channel's 10 s timeout, twice an e-mail's three 10 s timeouts in a row
 * (notify/channel.ts, notify/email.ts), so a send in progress keeps its claim. It is also how long a notification
 * waits when its sender dies between the receiver's answer and recording it (it is then sent again, with the same
 * idempotency key), so no longer than that: it was 2 min before (docs/adr/0015).
 */
export const DEFAULT_CLAIM_LEASE_MS = 60_000;
/** How often the outbox looks for due notifications (default of `pollMs`). */
export const DEFAULT_OUTBOX_POLL_MS = 5_000;

export function createOutbox(options: OutboxOptions): Outbox {
  const log = options.logger.child({ component: 'alerts.outbox' });
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const batchSize = options.batchSize ?? 50;
  const concurrency = options.concurrency ?? 4;
  const pollMs = options.pollMs ?? DEFAULT_OUTBOX_POLL_MS;
  const claimLeaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  const reportedUnconfigured = new Set<string>();
  let running: Promise<DispatchResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;

  async function deliver(entry: OutboxEntry, result: DispatchResult): Promise<void> {
    const attempts = entry.attempts + 1;
    try {
      await options.channels(entry.channel).send(entry.notification);
      await options.store.markDelivered(entry.id, options.now());
      result.delivered += 1;
      log.info(
        { id: entry.id, alertId: entry.alertId, channel: entry.channel.type, attempts },
        'notification delivered',
      );
    } catch (err) {
      // Stored as last_error (an operator key reads it) and logged: never with a channel URL's path or query.
      const message = redactUrlsIn(err instanceof Error ? err.message : String(err));
      const now = options.now();
      const permanent = err instanceof DeliveryError && err.permanent;
      if (permanent || now - entry.createdAt >= backoff.maxAgeMs) {
        await options.store.markFailed(entry.id, attempts, message);
        result.failed += 1;
        log.error(
          { id: entry.id, alertId: entry.alertId, channel: entry.channel.type, attempts, err: message },
          'notification given up',
        );
        return;
      }
      const next = now + backoffDelay(attempts, backoff, options.random);
      await options.store.markRetry(entry.id, attempts, next, message);
      result.retried += 1;
      // An unconfigured channel is reported once per process; its retries would otherwise flood the log.
      const unconfigured = err instanceof ChannelNotConfiguredError;
      if (unconfigured && reportedUnconfigured.has(message)) return;
      if (unconfigured) reportedUnconfigured.add(message);
      log[unconfigured ? (options.unconfiguredLevel ?? 'warn') : 'warn'](
        {
          id: entry.id,
          alertId: entry.alertId,
          channel: entry.channel.type,
          attempts,
          retryAt: new Date(next).toISOString(),
          err: message,
        },
        'notification not delivered, will retry',
      );
    }
  }

  async function pass(): Promise<DispatchResult> {
    const result: DispatchResult = { delivered: 0, retried: 0, failed: 0 };
    // Claimed a few at a time, as they are sent: a claim is held only while its notification is in flight.
    for (let handled = 0; handled < batchSize;) {
      const due = await options.store.claimDue(options.now(), Math.min(concurrency, batchSize - handled), claimLeaseMs);
      if (due.length === 0) break;
      await Promise.all(due.map((entry) => deliver(entry, result)));
      handled += due.length;
    }
    return result;
  }

  function dispatchDue(): Promise<DispatchResult> {
    if (!running) {
      running = pass().finally(() => {
        running = undefined;
      });
    }
    return running;
  }

  function schedule(delay: number) {
    if (!started) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      dispatchDue()
        .catch((err: unknown) => log.error({ err }, 'outbox pass failed'))
        .finally(() => schedule(pollMs));
    }, delay);
    timer.unref?.();
  }

  return {
    dispatchDue,
    nudge: () => schedule(0),
    start() {
      if (started) return;
      started = true;
      schedule(0);
    },
    async stop() {
      started = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    stats: () => options.store.outboxStats(),
  };
}
