/** A realistic notification (an outbound section at class V), rendered by the real message module. */
import { renderMessage } from '../../../src/alerts/messages.js';
import type { Lang, Notification, NotificationEvent } from '../../../src/alerts/notification.js';
import type { Alert } from '../../../src/alerts/types.js';
import { HOUR, T0 } from './fixtures.js';

export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 42,
    rule: 'section_compliance',
    stationId: 'out-1',
    category: 'pollution',
    state: 'open',
    severity: 'critical',
    openedAt: T0 + 4 * HOUR,
    updatedAt: T0 + 4 * HOUR,
    windowStart: T0,
    windowEnd: T0 + 4 * HOUR,
    detectedAt: T0 + 4 * HOUR,
    detection: null,
    count: 1,
    compliantStreak: 0,
    latest: {
      rule: 'section_compliance',
      stationId: 'out-1',
      severity: 'critical',
      windowStart: T0,
      windowEnd: T0 + 4 * HOUR,
      classReached: 'V',
      targetClass: 'III',
      primaryPollutants: [{ parameter: 'nh3n', exceedance: 0.8 }],
      items: [{ parameter: 'nh3n', value: 1.8, limit: 1, direction: 'max', class: 'V', exceedance: 0.8 }],
    },
    escalationLevel: 0,
    escalatedAt: T0 + 4 * HOUR,
    acknowledgedBy: null,
    acknowledgedAt: null,
    acknowledgeNote: null,
    resolvedBy: null,
    resolvedAt: null,
    resolveReason: null,
    ...overrides,
  };
}

export function sampleNotification(
  lang: Lang = 'zh-CN',
  event: NotificationEvent = 'opened',
  alert = sampleAlert(),
): Notification {
  const station = { id: 'out-1', name: { zh: '清流河出境断面', en: 'Qingliu River outbound section' } };
  const message = renderMessage({
    event,
    alert,
    station,
    lang,
    timeZone: 'Asia/Shanghai',
    publicUrl: 'https://qingliu.example.cn/',
  });
  return {
    id: '0b7f3c1e-6a52-4c1f-9d0e-2f7c9a1b5e11',
    event,
    createdAt: alert.openedAt,
    lang,
    title: message.title,
    text: message.text,
    ...(message.url ? { url: message.url } : {}),
    alert: {
      id: alert.id,
      rule: alert.rule,
      category: alert.category,
      state: alert.state,
      severity: alert.severity,
      stationId: alert.stationId,
      stationName: station.name,
      openedAt: alert.openedAt,
      count: alert.count,
      escalationLevel: alert.escalationLevel,
      finding: alert.latest,
    },
    unit: { id: 'district-env', name: { zh: '清河区生态环境分局', en: 'Qinghe District Environment Office' } },
  };
}
