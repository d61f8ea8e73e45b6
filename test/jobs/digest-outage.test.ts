/**
 * Issue 12, item 4: the daily digest reported a database outage as "0 non-compliant", marked the run ok, and its
 * idempotency key then blocked the corrected digest once the database was back. Here the alert jobs read a real
 * influxd (1.6.7) that is stopped and started again; the scheduler runs on the injected clock (`tick`), and the
 * digests go through the real outbox to a real local receiver.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DigestNotification } from '../../src/alerts/notification.js';
import { DIGEST_RETRY_DELAYS_MS } from '../../src/jobs/digest-job.js';
import { silentLogger } from '../../src/logger.js';
import { createInfluxStore } from '../../src/store/influx/influx-store.js';
import { catalogData, HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { startHttpReceiver, type HttpReceiver } from '../alerts/helpers/http-receiver.js';
import { startInfluxd, type Influxd } from '../harness/influxd.js';
import { createJobsRig, type JobsRig } from './helpers/jobs-rig.js';

/** 2026-11-29 08:30 in Shanghai: the digest of the 28th. */
const DIGEST_AT = T0 + 24 * HOUR + 8 * HOUR + 30 * MIN;

let influx: Influxd;
beforeAll(async () => {
  influx = await startInfluxd();
});
afterAll(async () => {
  await influx?.dispose();
});

describe('the daily digest while the database is down', () => {
  let receiver: HttpReceiver;
  let jr: JobsRig;
  let bucket = 0;

  beforeEach(async () => {
    if (!influx.running) await influx.start();
    receiver = await startHttpReceiver();
    const readings = createInfluxStore({
      url: influx.url,
      bucket: `digest${++bucket}`,
      version: 'auto',
      logger: silentLogger(),
    });
    jr = await createJobsRig({
      catalog: catalogData(receiver.url('/unit')),
      defaultHook: receiver.url('/default'),
      readings,
    });
    // The 28th: the outbound section at class IV (NH3-N 1.3 > 1.0), the control section at II, the plant over its limit.
    await jr.rig.write('out-1', T0, 24, { ph: 7.5, do: 6.5, codmn: 4, nh3n: 1.3, tp: 0.1, temp: 18 });
    await jr.rig.write('ctl-1', T0, 24, { nh3n: 0.5 });
    await jr.rig.write('eff-1', T0, 24, { cod: 30, nh3n: 8, tp: 0.3, temp: 20, ph: 7 });
  });
  afterEach(async () => {
    await jr.close();
    await receiver.close();
  });

  const digests = async () =>
    (await jr.rig.store.notifications(0)).map((e) => ({ id: e.id, n: e.notification as DigestNotification }));
  const tick = async (at: number) => {
    jr.rig.clock.set(at);
    const results = await jr.jobs.scheduler.tick(at);
    const digest = results.find((r) => r.job === 'daily-digest')?.result;
    if (digest?.status !== 'completed') throw new Error(`the digest did not run at ${new Date(at).toISOString()}`);
    return digest.run;
  };

  it('fails without sending anything, and the retry sends the true digest once the database is back', async () => {
    await influx.stop();
    const failed = await tick(DIGEST_AT);
    expect(failed).toMatchObject({
      outcome: 'error',
      attempt: 1,
      error: expect.stringContaining('could not be read; nothing was sent'),
      summary: { unavailable_sections: 2, unavailable_effluents: 1, complete: false, queued: 0 },
    });
    expect(await digests()).toEqual([]);
    const status = (await jr.jobs.scheduler.status()).find((s) => s.name === 'daily-digest')!;
    expect(status.retryAt).toBe(DIGEST_AT + DIGEST_RETRY_DELAYS_MS[0]!);

    // Still down at the first retry: another failure, nothing sent.
    expect(await tick(DIGEST_AT + 1 * MIN)).toMatchObject({
      outcome: 'error',
      trigger: 'retry',
      attempt: 2,
      at: DIGEST_AT,
    });
    expect(await digests()).toEqual([]);

    await influx.start();
    const retried = await tick(DIGEST_AT + 3 * MIN);
    expect(retried).toMatchObject({
      outcome: 'ok',
      trigger: 'retry',
      attempt: 3,
      summary: { day: '2026-11-28', non_compliant_sections: 1, non_compliant_effluents: 1, complete: true, queued: 2 },
    });
    const queued = await digests();
    expect(queued.map((d) => d.id).sort()).toEqual(
      ['digest-2026-11-28-city-bureau-0', 'digest-2026-11-28-default-0', 'digest-2026-11-28-district-env-0'].filter(
        (id) => queued.some((d) => d.id === id),
      ),
    );
    const text = queued.find((d) => d.id === 'digest-2026-11-28-default-0')!.n.text;
    expect(text).toContain('#### 断面水质类别（共2个，不达标1个）');
    expect(text).not.toContain('数据读取失败');
    expect((await jr.jobs.scheduler.status()).find((s) => s.name === 'daily-digest')!.retryAt).toBeNull();
    // Delivered like any notification.
    await jr.rig.outbox.dispatchDue();
    expect(
      receiver.requests.some((r) => r.url === '/default' && JSON.parse(r.body).id === 'digest-2026-11-28-default-0'),
    ).toBe(true);
  });

  it('after the last retry sends the digest marked incomplete, naming what is unknown; the complete one still goes out later', async () => {
    await influx.stop();
    let at = DIGEST_AT;
    let run = await tick(at);
    for (const delay of DIGEST_RETRY_DELAYS_MS) {
      at = run.finishedAt! + delay;
      run = await tick(at);
    }
    expect(run).toMatchObject({
      outcome: 'error',
      attempt: DIGEST_RETRY_DELAYS_MS.length + 1,
      error: expect.stringContaining('marked incomplete'),
      summary: { complete: false, unavailable_sections: 2 },
    });
    const incomplete = (await digests()).find((d) => d.id === 'digest-2026-11-28-default-0-incomplete')!.n;
    expect(incomplete.title).toBe('【日报·数据不完整】水质达标情况 · 2026-11-28');
    expect(incomplete.text).toContain('3个站点的数据读取失败：其结果未知，以下统计不含这些站点。');
    expect(incomplete.text).toContain('#### 断面水质类别（共2个，不达标0个，2个数据读取失败、结果未知）');
    expect(incomplete.text).toContain('- 无已知不达标断面；数据读取失败的断面情况未知');
    expect(incomplete.text).not.toContain('- 无\n');
    expect(incomplete.digest).toMatchObject({ complete: false });
    expect((await jr.jobs.scheduler.status()).find((s) => s.name === 'daily-digest')!.retryAt).toBeNull();

    // The database is back; an administrator runs the digest again for that day: its key is not taken.
    await influx.start();
    const manual = await jr.jobs.scheduler.run('daily-digest', 'manual', DIGEST_AT);
    expect(manual).toMatchObject({
      status: 'completed',
      run: { outcome: 'ok', summary: { complete: true, queued: 2 } },
    });
    const complete = (await digests()).find((d) => d.id === 'digest-2026-11-28-default-0')!.n;
    expect(complete.text).toContain('不达标1个');
  });
});
