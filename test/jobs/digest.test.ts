import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DigestNotification } from '../../src/alerts/notification.js';
import { catalogData, HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { startHttpReceiver, type HttpReceiver } from '../alerts/helpers/http-receiver.js';
import { receiverVerifies, SECRETS } from '../alerts/helpers/setup.js';
import { createJobsRig, type JobsRig } from './helpers/jobs-rig.js';

/** 2026-11-29 08:30 in Shanghai: the digest of the 28th. */
const DIGEST_AT = T0 + 24 * HOUR + 8 * HOUR + 30 * MIN;

function catalogWithEnglishChannel(hookUrl: string) {
  const data = catalogData(hookUrl);
  return {
    ...data,
    units: data.units.map((u) =>
      u.id === 'city-bureau'
        ? {
            ...u,
            channels: [
              ...u.channels,
              { type: 'webhook' as const, url: `${hookUrl}?unit=city-en`, lang: 'en' as const },
            ],
          }
        : u,
    ),
  };
}

describe('daily compliance digest', () => {
  let receiver: HttpReceiver;
  let jr: JobsRig;

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    jr = await createJobsRig({
      catalog: catalogWithEnglishChannel(receiver.url('/unit')),
      defaultHook: receiver.url('/default'),
    });
  });
  afterEach(async () => {
    await jr.close();
    await receiver.close();
  });

  const digests = async () =>
    (await jr.rig.store.notifications(0)).map((e) => ({ ...e, notification: e.notification as DigestNotification }));

  it('reports yesterday: each section class, the non-compliant sections and plants, open alerts by age; queued once per channel', async () => {
    // The 28th: the outbound section at class IV (NH3-N 1.3 > 1.0), the control section at II, the plant over its NH3-N limit.
    await jr.rig.write('out-1', T0, 24, { ph: 7.5, do: 6.5, codmn: 4, nh3n: 1.3, tp: 0.1, temp: 18 });
    await jr.rig.write('ctl-1', T0, 24, { nh3n: 0.5 });
    await jr.rig.write('eff-1', T0, 24, { cod: 30, nh3n: 8, tp: 0.3, temp: 20, ph: 7 });
    jr.rig.clock.set(T0 + 4 * HOUR + 10 * MIN);
    await jr.rig.service.evaluateWindow({
      stationId: 'out-1',
      rule: 'section_compliance',
      start: T0,
      end: T0 + 4 * HOUR,
    });

    jr.rig.clock.set(DIGEST_AT);
    const result = await jr.jobs.scheduler.run('daily-digest', 'schedule');
    expect(result).toMatchObject({
      status: 'completed',
      run: {
        outcome: 'ok',
        summary: {
          day: '2026-11-28',
          sections: 2,
          non_compliant_sections: 1,
          effluents: 1,
          non_compliant_effluents: 1,
          open_alerts: 1,
          targets: 3,
          queued: 3,
          already_queued: 0,
        },
      },
    });

    const queued = await digests();
    expect(queued.map((d) => d.id).sort()).toEqual([
      'digest-2026-11-28-city-bureau-0',
      'digest-2026-11-28-city-bureau-1',
      'digest-2026-11-28-default-0',
    ]);
    const zh = queued.find((d) => d.id === 'digest-2026-11-28-city-bureau-0')!.notification;
    expect(zh).toMatchObject({ event: 'digest', lang: 'zh-CN', unit: { id: 'city-bureau' } });
    expect(zh.title).toBe('【日报】水质达标情况 · 2026-11-28');
    expect(zh.text.split('\n')).toEqual([
      '### 【日报】水质达标情况 · 2026-11-28',
      '- 统计时段：2026-11-28 00:00 – 2026-11-29 00:00（日均值，仅计有效数据）',
      '',
      '#### 断面水质类别（共2个，不达标1个）',
      '- 清流河出境断面（出境断面，目标Ⅲ类）：**Ⅳ类，不达标**；主要污染指标：氨氮(0.30)',
      '- 城区控制断面（控制断面，目标Ⅲ类）：Ⅱ类，达标',
      '',
      '#### 不达标断面',
      '- 清流河出境断面：氨氮 1.30 mg/L（限值 1 mg/L，超标0.30倍）',
      '',
      '#### 污水处理厂与排口（日均值，共1个，不达标1个）',
      '- 第一污水处理厂 · 第一污水处理厂出水：氨氮 8.00 mg/L（限值 5 mg/L，超标0.60倍）',
      '',
      '#### 未关闭告警（共1条：警告 1）',
      '- 按持续时间：不足1天 0；1–3天 1；3–7天 0；7天以上 0',
      '- #1【警告】断面水质不达标 · 清流河出境断面 · 已持续28小时 · 未确认',
      '',
      '[查看详情](https://qingliu.example.cn)',
    ]);

    const en = queued.find((d) => d.id === 'digest-2026-11-28-city-bureau-1')!.notification;
    expect(en.lang).toBe('en');
    expect(en.title).toBe('[DIGEST] Daily water-quality compliance digest (水质日报) · 2026-11-28');
    expect(en.text).toContain(
      '- Qingliu River outbound section (outbound (出境断面), target class III): **class IV, NOT compliant**; primary pollutants (主要污染指标): ammonia nitrogen (NH3-N)(0.30)',
    );
    expect(en.text).toContain('#### Open alerts (未关闭告警): 1 (warning 1)');

    expect(zh.digest).toMatchObject({
      day: '2026-11-28',
      time_zone: 'Asia/Shanghai',
      sections: [
        {
          station_id: 'out-1',
          class: 'IV',
          target_class: 'III',
          status: 'non_compliant',
          primary_pollutants: [{ parameter: 'nh3n', exceedance: 0.3 }],
        },
        { station_id: 'ctl-1', class: 'II', status: 'compliant' },
      ],
      effluents: [{ station_id: 'eff-1', plant_id: 'wwtp-1', status: 'non_compliant', standard: 'gb18918-1a' }],
      open_alerts: {
        total: 1,
        by_age: { '1d_to_3d': 1 },
        oldest: [{ id: 1, station_id: 'out-1', severity: 'warning' }],
      },
    });

    // Sent through the outbox like any notification: signed, with the digest as JSON.
    await jr.jobs.scheduler.run('alert-outbox', 'schedule');
    const sent = receiver.requests.filter((r) => r.headers['x-qingliu-event'] === 'digest');
    expect(sent.map((r) => r.url).sort()).toEqual(['/default', '/unit?unit=city', '/unit?unit=city-en']);
    const city = sent.find((r) => r.url === '/unit?unit=city')!;
    const nowSeconds = Math.floor(DIGEST_AT / 1000);
    expect(receiverVerifies(SECRETS.CITY_SECRET!, city.headers, city.body, nowSeconds)).toBe(true);
    const fallback = sent.find((r) => r.url === '/default')!;
    expect(receiverVerifies(SECRETS.ALERT_WEBHOOK_SECRET!, fallback.headers, fallback.body, nowSeconds)).toBe(true);
    const body = JSON.parse(city.body);
    expect(body).toMatchObject({
      id: 'digest-2026-11-28-city-bureau-0',
      event: 'digest',
      digest: { day: '2026-11-28' },
    });
    expect(body.alert).toBeUndefined();
    expect(city.headers['idempotency-key']).toBe('digest-2026-11-28-city-bureau-0');

    // Run again the same day (a manual run, a catch-up at start-up): nothing is queued twice.
    const again = await jr.jobs.scheduler.run('daily-digest', 'manual');
    expect(again).toMatchObject({ run: { summary: { queued: 0, already_queued: 3 } } });
    await jr.jobs.scheduler.run('alert-outbox', 'schedule');
    expect(receiver.requests.filter((r) => r.headers['x-qingliu-event'] === 'digest')).toHaveLength(3);
  });

  it('says of an open alert found late how late and from what, beside its age (zh-CN, en and JSON)', async () => {
    await jr.rig.write('out-1', T0, 4, { ph: 7.5, do: 6.5, codmn: 4, nh3n: 1.8, tp: 0.1, temp: 18 });
    // The window 00:00–04:00 judged 13 h after it closed, during catch-up after downtime.
    jr.rig.clock.set(T0 + 17 * HOUR);
    await jr.rig.service.evaluateWindow({
      stationId: 'out-1',
      rule: 'section_compliance',
      start: T0,
      end: T0 + 4 * HOUR,
      detection: 'catch_up',
    });
    jr.rig.clock.set(DIGEST_AT);
    await jr.jobs.scheduler.run('daily-digest', 'schedule');
    const queued = await digests();
    const zh = queued.find((d) => d.id === 'digest-2026-11-28-city-bureau-0')!.notification;
    const en = queued.find((d) => d.id === 'digest-2026-11-28-city-bureau-1')!.notification;
    expect(zh.text).toMatch(
      /- #1【.+】断面水质不达标 · 清流河出境断面 · 已持续.+ · 未确认 · 窗口结束13小时后在停机后补评时发现$/m,
    );
    expect(en.text).toContain(' · detected 13 h after the window closed, during catch-up after downtime');
    expect(zh.digest).toMatchObject({
      open_alerts: {
        oldest: [
          {
            id: 1,
            window_start: new Date(T0).toISOString(),
            window_end: new Date(T0 + 4 * HOUR).toISOString(),
            detected_at: new Date(T0 + 17 * HOUR).toISOString(),
            detection: 'catch_up',
          },
        ],
      },
    });
  });

  it('says "insufficient valid data" rather than compliant when a day has too few valid readings', async () => {
    // Four items all day; TP only 6 hours valid and 6 more flagged M (maintenance): 6 of 24 < 75 %.
    await jr.rig.write('out-1', T0, 24, { ph: 7.5, do: 6.5, codmn: 4, nh3n: 0.5 });
    await jr.rig.write('out-1', T0, 6, { tp: 0.1 });
    await jr.rig.write('out-1', T0 + 6 * HOUR, 6, { tp: 0.9 }, 'M');
    jr.rig.clock.set(DIGEST_AT);
    const result = await jr.jobs.scheduler.run('daily-digest', 'schedule');
    expect(result).toMatchObject({ run: { summary: { non_compliant_sections: 0, non_compliant_effluents: 0 } } });
    const zh = (await digests()).find((d) => d.id === 'digest-2026-11-28-city-bureau-0')!.notification;
    expect(zh.text).toContain('- 清流河出境断面（出境断面，目标Ⅲ类）：Ⅱ类（有效数据不足）');
    expect(zh.text).toContain('- 城区控制断面（控制断面，目标Ⅲ类）：有效数据不足');
    expect(zh.text).toContain('- 有效数据不足：1个');
    expect(zh.text).toContain('#### 未关闭告警（共0条）');
    expect(zh.digest).toMatchObject({
      sections: [
        { station_id: 'out-1', status: 'insufficient_data', class: 'II', lacking: ['tp'] },
        { station_id: 'ctl-1', status: 'insufficient_data', class: null, lacking: ['nh3n'] },
      ],
    });
  });
});
