/** The dashboard's pure client modules, in Node: language, API client, formatting, routes, alerts data. */
import { describe, expect, it } from 'vitest';
import { normaliseAlert, listAlerts, getAlert, acknowledgeAlert, toMs } from '../../src/web/app/alerts-api.js';
import { ApiError, createApiClient, filenameFrom, queryString } from '../../src/web/app/api.js';
import {
  durationMs,
  fmtAgo,
  fmtDateTime,
  fmtNumber,
  fmtPercent,
  fmtUtcOffset,
  timeTicks,
} from '../../src/web/app/format.js';
import { createI18n, initialLang, LANG_STORAGE, MESSAGES } from '../../src/web/app/i18n.js';
import { hrefOf, parseHash } from '../../src/web/app/router.js';
import { createSession, KEY_STORAGE } from '../../src/web/app/session.js';
import { complianceQuery } from '../../src/web/app/views/compliance.js';
import { readSettings } from '../../src/web/app/settings.js';
import { romanClass } from '../../src/web/app/ui.js';
import { rangeFrom, timelineWindow, windowForInterval } from '../../src/web/app/views/station.js';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

describe('i18n', () => {
  it('has every message in both languages, with the same placeholders', () => {
    for (const [key, m] of Object.entries(MESSAGES)) {
      expect(m.zh.trim(), key).not.toBe('');
      expect(m.en.trim(), key).not.toBe('');
      const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
      expect(vars(m.zh), key).toEqual(vars(m.en));
    }
  });

  it('is zh-CN by default and remembers English', () => {
    const storage = memoryStorage();
    expect(initialLang(storage)).toBe('zh-CN');
    const i18n = createI18n(storage, initialLang(storage));
    expect(i18n.t('nav.overview')).toBe('总览');
    i18n.setLang('en');
    expect(storage.data.get(LANG_STORAGE)).toBe('en');
    expect(initialLang(storage)).toBe('en');
    expect(createI18n(storage, initialLang(storage)).t('nav.overview')).toBe('Overview');
  });

  it('fills placeholders, gives the other language of a term, picks catalog names', () => {
    const i18n = createI18n(undefined, 'zh-CN');
    expect(i18n.t('common.km', { km: 68 })).toBe('68 公里');
    expect(i18n.t('term.outbound')).toBe('出境断面');
    expect(i18n.other('term.outbound')).toBe('outbound section');
    expect(i18n.name({ zh: '龙渡口出境断面', en: 'Longdukou outbound section' })).toBe('龙渡口出境断面');
    expect(i18n.name(undefined, 'longdukou')).toBe('longdukou');
  });

  it('shows an unknown key (a rule a newer server knows) as itself instead of failing', () => {
    const i18n = createI18n(undefined, 'en');
    expect(i18n.t('rule.some_future_rule' as never)).toBe('rule.some_future_rule');
  });
});

describe('the API client', () => {
  function fakeFetch(handler: (url: string, init: RequestInit) => Response) {
    const calls: { url: string; init: RequestInit }[] = [];
    const f = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return handler(url, init);
    }) as unknown as typeof fetch;
    return { f, calls };
  }

  it('sends the key as a bearer header and the language as Accept-Language, relative to the page', async () => {
    const { f, calls } = fakeFetch(() => Response.json({ ok: true }));
    const api = createApiClient({ key: () => 'k1', lang: () => 'en', fetch: f });
    await api.get('/stations', { kind: 'river_section', params: ['nh3n', 'tp'], empty: '', none: undefined });
    expect(calls[0]!.url).toBe('api/v1/stations?kind=river_section&params=nh3n%2Ctp');
    expect(calls[0]!.init.headers).toMatchObject({
      Authorization: 'Bearer k1',
      'Accept-Language': 'en',
      Accept: 'application/json',
    });
  });

  it('turns a problem+json into an ApiError with the server’s words, and reports a 401 once', async () => {
    let unauthorized = 0;
    const { f } = fakeFetch(() =>
      Response.json(
        { code: 'invalid-api-key', title: '密钥无效', detail: 'API 密钥无效或已被吊销' },
        { status: 401, headers: { 'Content-Type': 'application/problem+json' } },
      ),
    );
    const api = createApiClient({
      key: () => 'k',
      lang: () => 'zh-CN',
      fetch: f,
      onUnauthorized: () => unauthorized++,
    });
    const err = await api.get('/me').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: 'invalid-api-key', message: 'API 密钥无效或已被吊销' });
    expect(unauthorized).toBe(1);
    // Checking a key typed at the login screen is not "the session expired".
    await api.get('/me', undefined, { key: 'typed' }).catch(() => undefined);
    expect(unauthorized).toBe(1);
  });

  it('says so when the server cannot be reached', async () => {
    const api = createApiClient({
      key: () => 'k',
      lang: () => 'zh-CN',
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as unknown as typeof fetch,
    });
    await expect(api.get('/me')).rejects.toMatchObject({ code: 'network-error', message: '无法连接服务器' });
  });

  it('downloads CSV under the server’s name, Chinese names included (RFC 6266 filename*)', async () => {
    const { f, calls } = fakeFetch(
      () =>
        new Response('\ufeffa,b\r\n', {
          headers: {
            'Content-Type': 'text/csv',
            'Content-Disposition': `attachment; filename="___.csv"; filename*=UTF-8''${encodeURIComponent('达标率.csv')}`,
          },
        }),
    );
    const api = createApiClient({ key: () => 'k', lang: () => 'zh-CN', fetch: f });
    const { filename, blob } = await api.download('/compliance', { format: 'csv' });
    expect(filename).toBe('达标率.csv');
    expect(calls[0]!.init.headers).toMatchObject({ Accept: 'text/csv' });
    // The BOM survives to the file (Blob.text() would hide it: UTF-8 decoding drops a BOM).
    expect([...new Uint8Array(await blob.arrayBuffer()).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(filenameFrom('attachment; filename="compliance-1d.csv"', 'x')).toBe('compliance-1d.csv');
    expect(filenameFrom(null, 'fallback.csv')).toBe('fallback.csv');
    expect(queryString({})).toBe('');
  });
});

describe('the session', () => {
  it('keeps the key in storage and forgets it on sign-out', () => {
    const storage = memoryStorage();
    const session = createSession(storage);
    session.signIn('k', { keyId: 'id', name: 'n', role: 'bureau', plants: [], permissions: ['alerts:acknowledge'] });
    expect(storage.data.get(KEY_STORAGE)).toBe('k');
    expect(session.can('alerts:acknowledge')).toBe(true);
    expect(session.can('jobs:run')).toBe(false);
    expect(createSession(storage).key()).toBe('k');
    session.signOut();
    expect(storage.data.has(KEY_STORAGE)).toBe(false);
    expect(session.me()).toBeUndefined();
  });
});

describe('formatting', () => {
  it('writes times in the network’s zone, whatever the browser’s', () => {
    expect(fmtDateTime(Date.parse('2024-05-01T00:00:00Z'), 'Asia/Shanghai')).toBe('2024-05-01 08:00');
    expect(fmtDateTime(Date.parse('2024-05-01T00:00:00Z'), 'UTC')).toBe('2024-05-01 00:00');
    expect(fmtDateTime(Date.parse('2024-05-01T00:00:00Z'), 'America/Sao_Paulo')).toBe('2024-04-30 21:00');
    expect(fmtDateTime(null, 'UTC')).toBe('—');
    expect(fmtUtcOffset(Date.parse('2024-05-01T00:00:00Z'), 'Asia/Shanghai')).toBe('UTC+08:00');
    expect(fmtUtcOffset(Date.parse('2024-05-01T00:00:00Z'), 'Asia/Kolkata')).toBe('UTC+05:30');
    expect(fmtUtcOffset(Date.parse('2024-07-01T00:00:00Z'), 'Europe/Berlin')).toBe('UTC+02:00');
    expect(fmtUtcOffset(Date.parse('2024-05-01T00:00:00Z'), 'America/Sao_Paulo')).toBe('UTC−03:00');
    expect(fmtUtcOffset(Date.parse('2024-05-01T00:00:00Z'), 'UTC')).toBe('UTC');
  });

  it('labels time-axis ticks with hours, and the date under the first tick of each day', () => {
    const t0 = Date.parse('2024-05-01T12:00:00+08:00');
    const ticks = [t0, t0 + 6 * 3_600_000, t0 + 12 * 3_600_000];
    expect(timeTicks(ticks, 6 * 3_600_000, 'Asia/Shanghai')).toEqual(['12:00\n05-01', '18:00', '00:00\n05-02']);
    expect(timeTicks(ticks, 86_400_000, 'Asia/Shanghai')).toEqual(['05-01', '05-01', '05-02']);
  });

  it('numbers, shares, ages and durations', () => {
    expect(fmtNumber(0.1234, 3)).toBe('0.123');
    expect(fmtNumber(null)).toBe('—');
    expect(fmtPercent(0.8125)).toBe('81.3%');
    expect(fmtAgo(3 * 60_000, 'zh-CN')).toBe('3 分钟前');
    expect(fmtAgo(3 * 3_600_000, 'en')).toBe('3 h ago');
    expect(durationMs('4h')).toBe(4 * 3_600_000);
    expect(durationMs('30m')).toBe(30 * 60_000);
    expect(durationMs('1mo')).toBe(30 * 86_400_000);
    expect(durationMs('soon')).toBeUndefined();
  });
});

describe('routes and page choices', () => {
  it('round-trips hash routes', () => {
    const href = hrefOf('station', 'longdukou', { range: '7d', window: '', x: undefined });
    expect(href).toBe('#/station/longdukou?range=7d');
    const route = parseHash(href);
    expect(route.name).toBe('station');
    expect(route.id).toBe('longdukou');
    expect(route.query.get('range')).toBe('7d');
    expect(parseHash('').name).toBe('overview');
    expect(parseHash('#/nonsense').name).toBe('overview');
    expect(hrefOf('overview')).toBe('#/');
  });

  it('a station range: a day of raw readings, a week of hourly means, a month of 4-hour means', () => {
    const now = Date.parse('2024-05-20T12:00:00+08:00');
    const zone = 'Asia/Shanghai';
    expect(rangeFrom(new URLSearchParams(''), now, zone)).toEqual({
      key: '24h',
      window: 'raw',
      from: 'now-24h',
      to: 'now',
    });
    expect(rangeFrom(new URLSearchParams('range=7d'), now, zone).window).toBe('1h');
    expect(rangeFrom(new URLSearchParams('range=30d&window=1d'), now, zone)).toMatchObject({
      from: 'now-30d',
      window: '1d',
    });
    expect(rangeFrom(new URLSearchParams('range=7d&window=bogus'), now, zone).window).toBe('1h');
    const custom = rangeFrom(new URLSearchParams('range=custom&from=2024-05-01T00:00&to=2024-05-31T00:00'), now, zone);
    expect(custom).toEqual({ key: 'custom', window: '4h', from: '2024-05-01T00:00', to: '2024-05-31T00:00' });
    expect(timelineWindow(86_400_000)).toBe('4h');
    expect(timelineWindow(30 * 86_400_000)).toBe('1d');
    expect(timelineWindow(200 * 86_400_000)).toBe('1mo');
    // Plants are assessed on daily means (GB 18918-2002); a single day shows the hours of the hourly alert rule.
    expect(timelineWindow(7 * 86_400_000, 'discharge')).toBe('1d');
    expect(timelineWindow(86_400_000, 'discharge')).toBe('1h');
  });

  it('never a window finer than the station reports: a 4-hourly section gets 4-hour means for a week, a line', () => {
    const now = Date.parse('2024-05-20T12:00:00+08:00');
    const H = 3_600_000;
    expect(rangeFrom(new URLSearchParams('range=7d'), now, 'Asia/Shanghai', 4 * H).window).toBe('4h');
    expect(rangeFrom(new URLSearchParams('range=7d'), now, 'Asia/Shanghai', 30 * 60_000).window).toBe('1h');
    expect(rangeFrom(new URLSearchParams('range=30d'), now, 'Asia/Shanghai', 6 * H).window).toBe('1d');
    // Raw readings are every reading, whatever the interval; a window the user picked is kept.
    expect(rangeFrom(new URLSearchParams(''), now, 'Asia/Shanghai', 4 * H).window).toBe('raw');
    expect(rangeFrom(new URLSearchParams('range=7d&window=1h'), now, 'Asia/Shanghai', 4 * H).window).toBe('1h');
    expect(windowForInterval('1h', 2 * 86_400_000)).toBe('1d');
  });

  it('reads the time zone and the rest from the page the server wrote', () => {
    const doc = (tags: Record<string, string>) => ({
      querySelector: (sel: string) => {
        const name = /name="qingliu-([a-z-]+)"/.exec(sel)?.[1];
        return name && name in tags ? ({ content: tags[name] } as HTMLMetaElement) : null;
      },
    });
    expect(
      readSettings(doc({ 'time-zone': 'Europe/Berlin', demo: 'on', 'keys-command': 'npm run -s qingliu -- keys add' })),
    ).toEqual({
      timeZone: 'Europe/Berlin',
      demo: true,
      keysCommand: 'npm run -s qingliu -- keys add',
    });
    expect(readSettings(doc({ 'time-zone': 'Mars/Olympus' })).timeZone).toBe('Asia/Shanghai');
  });

  it('writes GB 3838 classes in the standard numerals', () => {
    expect(['I', 'II', 'III', 'IV', 'V', '劣V'].map(romanClass)).toEqual(['Ⅰ', 'Ⅱ', 'Ⅲ', 'Ⅳ', 'Ⅴ', '劣Ⅴ']);
  });

  it('a month of compliance: local month bounds, December rolling over', () => {
    expect(complianceQuery('2024-05', 'outbound', '1d')).toMatchObject({
      from: '2024-05-01',
      to: '2024-06-01',
      role: 'outbound',
      window: '1d',
    });
    expect(complianceQuery('2024-12', 'plants', '1d')).toMatchObject({
      from: '2024-12-01',
      to: '2025-01-01',
      kind: 'plant_effluent,industrial_outfall',
    });
    expect(complianceQuery('2024-12', 'sections', '4h')).toMatchObject({ kind: 'river_section', window: '4h' });
  });
});

describe('the alerts data module', () => {
  const serviceAlert = {
    id: 3,
    rule: 'section_compliance',
    stationId: 'longdukou',
    category: 'pollution',
    state: 'open',
    severity: 'critical',
    openedAt: 1_714_521_600_000,
    updatedAt: 1_714_521_600_000,
    count: 2,
    compliantStreak: 0,
    latest: {
      rule: 'section_compliance',
      stationId: 'longdukou',
      severity: 'critical',
      windowStart: 1,
      windowEnd: 2,
      classReached: '劣V',
      targetClass: 'III',
      items: [{ parameter: 'nh3n', value: 2.3 }],
    },
    escalationLevel: 0,
    escalatedAt: 0,
    acknowledgedBy: null,
    acknowledgedAt: null,
    acknowledgeNote: null,
    resolvedBy: null,
    resolvedAt: null,
    resolveReason: null,
  };

  it('reads the service’s Alert as it is, and the same alert in snake_case with ISO times', () => {
    const a = normaliseAlert(serviceAlert);
    expect(a).toMatchObject({ id: 3, stationId: 'longdukou', state: 'open', count: 2, openedAt: 1_714_521_600_000 });
    expect(a.latest.classReached).toBe('劣V');
    const snake = normaliseAlert({
      id: 3,
      rule: 'section_compliance',
      station_id: 'longdukou',
      state: 'acknowledged',
      severity: 'warning',
      opened_at: '2024-05-01T08:00:00+08:00',
      acknowledged_by: '市生态环境局',
      acknowledge_note: 'ok',
      latest: { class_reached: 'IV', target_class: 'III', items: [] },
    });
    expect(snake).toMatchObject({
      stationId: 'longdukou',
      openedAt: 1_714_521_600_000,
      acknowledgedBy: '市生态环境局',
      acknowledgeNote: 'ok',
    });
    expect(snake.latest.classReached).toBe('IV');
    expect(toMs('nonsense')).toBeNull();
  });

  it('accepts lists bare or wrapped, details with the timeline beside or inside, and posts the note', async () => {
    const calls: { url: string; body?: string }[] = [];
    const respond: Record<string, unknown> = {
      'api/v1/alerts?state=open': { items: [serviceAlert] },
      'api/v1/alerts': [serviceAlert],
      'api/v1/alerts/3': {
        alert: serviceAlert,
        timeline: [
          { seq: 1, kind: 'opened', at: 5, actor: 'system', fromState: null, toState: 'open', note: null, data: null },
        ],
      },
      'api/v1/alerts/3/ack': { ...serviceAlert, state: 'acknowledged' },
    };
    const api = createApiClient({
      key: () => 'k',
      lang: () => 'zh-CN',
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, ...(typeof init.body === 'string' ? { body: init.body } : {}) });
        return Response.json(respond[url]);
      }) as unknown as typeof fetch,
    });
    expect((await listAlerts(api, { state: 'open' }))[0]!.id).toBe(3);
    expect((await listAlerts(api, {}))[0]!.id).toBe(3);
    const detail = await getAlert(api, 3);
    expect(detail.timeline.map((t) => t.kind)).toEqual(['opened']);
    expect((await acknowledgeAlert(api, 3, '已通知')).state).toBe('acknowledged');
    expect(calls.at(-1)).toEqual({ url: 'api/v1/alerts/3/ack', body: JSON.stringify({ note: '已通知' }) });
  });
});
