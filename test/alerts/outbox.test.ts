import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/alerts/outbox.js';
import { HOUR, MIN, T0 } from './helpers/fixtures.js';
import { startHttpReceiver, type HttpReceiver } from './helpers/http-receiver.js';
import { createRig, receiverVerifies, SECRETS, type Rig } from './helpers/setup.js';

const GOOD = { ph: 7.5, do: 6.5, codmn: 4, nh3n: 0.5, tp: 0.1 };

describe('durable outbox', () => {
  let receiver: HttpReceiver;
  let rig: Rig;

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    // Only the default webhook, so each alert event is one notification.
    rig = await createRig({ defaultHook: receiver.url('/default') });
  });
  afterEach(async () => {
    await rig.close();
    await receiver.close();
  });

  async function openAlert() {
    await rig.write('out-1', T0, 4, { ...GOOD, nh3n: 1.8 });
    rig.clock.set(T0 + 4 * HOUR + MIN);
    return (
      await rig.service.evaluateWindow({
        stationId: 'out-1',
        rule: 'section_compliance',
        start: T0,
        end: T0 + 4 * HOUR,
      })
    ).alert!;
  }

  it('retries with exponential backoff while the receiver is down, and delivers once it is back', async () => {
    await receiver.down();
    const alert = await openAlert();
    expect(await rig.outbox.dispatchDue()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    let [entry] = await rig.store.notifications(alert.id);
    expect(entry).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: rig.clock.now() + 30_000 });
    expect(entry!.lastError).toMatch(/failed/);

    // Not due yet: nothing is attempted.
    rig.clock.advance(29_000);
    expect(await rig.outbox.dispatchDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    rig.clock.advance(1_000);
    expect(await rig.outbox.dispatchDue()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    [entry] = await rig.store.notifications(alert.id);
    expect(entry!.nextAttemptAt - rig.clock.now()).toBe(60_000);

    await receiver.up();
    rig.clock.advance(60_000);
    expect(await rig.outbox.dispatchDue()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(receiver.requests).toHaveLength(1);
    expect(
      receiverVerifies(
        SECRETS.ALERT_WEBHOOK_SECRET!,
        receiver.requests[0]!.headers,
        receiver.requests[0]!.body,
        Math.floor(rig.clock.now() / 1000),
      ),
    ).toBe(true);
    expect((await rig.store.notifications(alert.id))[0]).toMatchObject({
      state: 'delivered',
      attempts: 3,
      deliveredAt: rig.clock.now(),
    });
  });

  it('keeps the same idempotency key on every attempt, so a receiver can deduplicate', async () => {
    let calls = 0;
    receiver.answer = () => (++calls === 1 ? { status: 503, body: 'busy' } : { status: 200, body: '{}' });
    await openAlert();
    await rig.outbox.dispatchDue();
    rig.clock.advance(30_000);
    await rig.outbox.dispatchDue();
    expect(receiver.requests).toHaveLength(2);
    const [a, b] = receiver.requests;
    expect(a!.headers['idempotency-key']).toBe(b!.headers['idempotency-key']);
    expect(JSON.parse(a!.body).id).toBe(a!.headers['idempotency-key']);
  });

  it('delivers across a restart of the service, and a restart never re-sends what was delivered', async () => {
    await receiver.down();
    const alert = await openAlert();
    await rig.outbox.dispatchDue();
    // The service stops (store and outbox closed) while the receiver is still down, then starts again.
    await rig.restart();
    await receiver.up();
    rig.clock.advance(30_000);
    expect(await rig.outbox.dispatchDue()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ event: 'opened', alert: { id: alert.id } });

    await rig.restart();
    rig.clock.advance(HOUR);
    expect(await rig.outbox.dispatchDue()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(receiver.requests).toHaveLength(1);
    expect(await rig.outbox.stats()).toMatchObject({ pending: 0, delivered: 1, failed: 0 });
  });

  it('gives up on a permanent refusal (HTTP 400) at once, and on a transient one after the maximum age', async () => {
    receiver.answer = () => ({ status: 400, body: 'bad payload' });
    const alert = await openAlert();
    expect(await rig.outbox.dispatchDue()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    expect((await rig.store.notifications(alert.id))[0]).toMatchObject({ state: 'failed', attempts: 1 });

    receiver.answer = () => ({ status: 503, body: 'down for maintenance' });
    await rig.service.resolve(alert.id, 'ops', 'test');
    expect((await rig.outbox.dispatchDue()).retried).toBe(1);
    rig.clock.advance(DEFAULT_BACKOFF.maxAgeMs);
    expect((await rig.outbox.dispatchDue()).failed).toBe(1);
    expect(await rig.outbox.stats()).toMatchObject({ pending: 0, failed: 2 });
  });

  it('runs one pass at a time: concurrent calls share it', async () => {
    await openAlert();
    const [a, b] = await Promise.all([rig.outbox.dispatchDue(), rig.outbox.dispatchDue()]);
    expect(a).toBe(b);
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends in the background once started, and stops cleanly (twice)', async () => {
    await openAlert();
    rig.outbox.start();
    rig.outbox.nudge();
    // The loop runs on real timers (0 ms after a nudge): wait for the request to arrive, not for time to pass.
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(1), { timeout: 5_000, interval: 10 });
    await rig.outbox.stop();
    await rig.outbox.stop();
  });
});

describe('backoff', () => {
  it('doubles from the base up to the cap, with bounded jitter', () => {
    const opts = { ...DEFAULT_BACKOFF, jitter: 0 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, opts))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffDelay(20, opts)).toBe(HOUR);
    expect(backoffDelay(1, { ...opts, jitter: 0.1 }, () => 1)).toBe(33_000);
  });
});
