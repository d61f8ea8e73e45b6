import { describe, expect, it } from 'vitest';
import { className, formatTime, renderMessage, stationUrl } from '../../src/alerts/messages.js';
import type { Alert } from '../../src/alerts/types.js';
import { HOUR, T0 } from './helpers/fixtures.js';
import { sampleAlert } from './helpers/sample.js';

const station = { id: 'out-1', name: { zh: '清流河出境断面', en: 'Qingliu River outbound section' } };
const render = (
  alert: Alert,
  lang: 'zh-CN' | 'en' = 'zh-CN',
  event: Parameters<typeof renderMessage>[0]['event'] = 'opened',
) => renderMessage({ event, alert, station, lang, timeZone: 'Asia/Shanghai', publicUrl: 'https://qingliu.example.cn' });

describe('notification messages', () => {
  it('are in Chinese by default: station, class against target, pollutants, values with limits, a link', () => {
    const { title, text, url } = render(sampleAlert());
    expect(title).toBe('【严重】断面水质不达标 · 清流河出境断面');
    expect(text).toContain('- 站点：清流河出境断面 (out-1)');
    expect(text).toContain('- 时段：2026-11-28 00:00 – 2026-11-28 04:00');
    expect(text).toContain('- 水质类别：Ⅴ类（目标Ⅲ类）');
    expect(text).toContain('氨氮(0.80)');
    expect(text).toContain('  - 氨氮 1.80 mg/L（限值 1.0 mg/L，Ⅴ类，超标0.80倍）');
    expect(url).toBe('https://qingliu.example.cn/stations/out-1');
    expect(text).toContain('[查看站点详情](https://qingliu.example.cn/stations/out-1)');
  });

  it('are in English when configured, keeping Chinese domain terms beside the English', () => {
    const { title, text } = render(sampleAlert(), 'en');
    expect(title).toBe('[CRITICAL] Section below its target class (断面不达标) · Qingliu River outbound section');
    expect(text).toContain('- Water quality: class V (target class III)');
    expect(text).toContain('Primary pollutants (主要污染指标');
    expect(text).toContain('ammonia nitrogen (NH3-N) 1.80 mg/L (limit 1.0 mg/L, class V, 0.80× over)');
    expect(text).toContain('[Open the station page](https://qingliu.example.cn/stations/out-1)');
  });

  it('say who escalated or resolved, and how long the alert went unacknowledged', () => {
    const escalated = renderMessage({
      event: 'escalated',
      alert: sampleAlert({ escalationLevel: 1 }),
      station,
      lang: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      escalation: { unitName: { zh: '市生态环境局', en: 'City bureau' }, unacknowledgedMs: 30 * 60_000 },
    });
    expect(escalated.title).toBe('【严重】【逐级上报】断面水质不达标 · 清流河出境断面');
    expect(escalated.text).toContain('告警30分钟未确认，已逐级上报至市生态环境局');
    expect(escalated.url).toBeUndefined();
    const resolved = render(
      sampleAlert({ state: 'resolved', resolvedBy: 'li.na', resolveReason: '上游企业已停产整改', count: 3 }),
      'zh-CN',
      'resolved',
    );
    expect(resolved.title).toContain('【已恢复】');
    expect(resolved.text).toContain('已恢复（li.na）：上游企业已停产整改');
    expect(resolved.text).toContain('累计3个时段');
  });

  it('say an alert was found late, from what, when opened and when escalated (the new unit hears of it then)', () => {
    const late = sampleAlert({ detection: 'late_data', detectedAt: T0 + 4 * HOUR + 13 * HOUR, escalationLevel: 1 });
    const escalation = { unitName: { zh: '市生态环境局', en: 'City bureau' }, unacknowledgedMs: 30 * 60_000 };
    for (const event of ['opened', 'escalated'] as const) {
      expect(render(late, 'zh-CN', event).text).toContain(
        '- 发现时间：2026-11-28 17:00（窗口结束13小时后根据补传数据发现）',
      );
      expect(
        renderMessage({ event, alert: late, station, lang: 'en', timeZone: 'Asia/Shanghai', escalation }).text,
      ).toContain('- Detected: 2026-11-28 17:00, 13 h after the window closed, from back-filled data');
    }
    // Found on time: no such line; a resolution does not repeat it.
    expect(render(sampleAlert(), 'zh-CN', 'escalated').text).not.toContain('发现时间');
    expect(render({ ...late, state: 'resolved' }, 'zh-CN', 'resolved').text).not.toContain('发现时间');
  });

  it('describe offline, trend and maintenance findings', () => {
    const offline = render(
      sampleAlert({
        rule: 'station_offline',
        category: 'offline',
        severity: 'warning',
        latest: {
          rule: 'station_offline',
          stationId: 'out-1',
          severity: 'warning',
          windowStart: T0,
          windowEnd: T0 + 3 * HOUR,
          lastSeenAt: T0 - HOUR,
          items: [],
        },
      }),
    );
    expect(offline.title).toBe('【警告】站点离线（无有效数据） · 清流河出境断面');
    expect(offline.text).toContain('最后有效数据：2026-11-27 23:00');
    const trend = render(
      sampleAlert({
        rule: 'trend_warning',
        category: 'early_warning',
        severity: 'warning',
        latest: {
          rule: 'trend_warning',
          stationId: 'out-1',
          severity: 'warning',
          windowStart: T0,
          windowEnd: T0 + 6 * HOUR,
          targetClass: 'III',
          projectedAt: T0 + 8 * HOUR,
          items: [{ parameter: 'nh3n', value: 0.9, limit: 1, direction: 'max' }],
        },
      }),
      'en',
    );
    expect(trend.text).toContain('Projected to cross at: 2026-11-28 08:00');
    const flags = render(
      sampleAlert({
        rule: 'sensor_flags',
        category: 'maintenance',
        severity: 'warning',
        latest: {
          rule: 'sensor_flags',
          stationId: 'out-1',
          severity: 'warning',
          windowStart: T0,
          windowEnd: T0 + 24 * HOUR,
          items: [{ parameter: 'nh3n', value: 40, unit: '%', note: 'M×3 C×1' }],
        },
      }),
    );
    expect(flags.text).toContain('氨氮 40 %（M×3 C×1）');
  });

  it('format classes, local times and links', () => {
    expect(className('劣V', 'zh-CN')).toBe('劣Ⅴ类');
    expect(className('II', 'en')).toBe('class II');
    expect(formatTime(Date.parse('2026-11-27T16:30:00Z'), 'Asia/Shanghai')).toBe('2026-11-28 00:30');
    expect(stationUrl('https://x.cn/', 'a b')).toBe('https://x.cn/stations/a%20b');
    expect(stationUrl(undefined, 'a')).toBeUndefined();
  });
});
