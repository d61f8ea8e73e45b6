import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MIN, T0 } from '../alerts/helpers/fixtures.js';
import { bearer, createAlertApi, OTHER_KEY, OWN_KEY, type AlertApi } from './setup.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('alerts API', () => {
  let api: AlertApi;
  beforeEach(async () => {
    api = await createAlertApi();
  });
  afterEach(async () => {
    await api.close();
  });

  const get = async (path: string, init: Parameters<AlertApi['t']['request']>[1] = {}) => {
    const res = await api.t.request(path, init);
    return {
      res,
      body: (res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text()) as Json,
    };
  };
  const post = (path: string, body: unknown, init: Parameters<AlertApi['t']['request']>[1] = {}) =>
    get(path, {
      method: 'POST',
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
      body: JSON.stringify(body),
    });

  describe('GET /alerts', () => {
    it('lists alerts newest first, with the station name, title and latest finding; times in Asia/Shanghai', async () => {
      const { res, body } = await get('/api/v1/alerts');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(body.items.map((a: Json) => a.id)).toEqual([api.ids.offline, api.ids.effluent, api.ids.section]);
      expect(body.nextCursor).toBeNull();
      const section = body.items[2];
      expect(section).toMatchObject({
        id: api.ids.section,
        rule: 'section_compliance',
        title: '断面水质不达标',
        category: 'pollution',
        state: 'open',
        severity: 'critical',
        station_id: 'out-1',
        station_name: { zh: '清流河出境断面', en: 'Qingliu River outbound section' },
        opened_at: '2026-11-28T04:10:00+08:00',
        count: 1,
        escalation_level: 0,
        acknowledged_by: null,
        latest: {
          window_start: '2026-11-28T00:00:00+08:00',
          window_end: '2026-11-28T04:00:00+08:00',
          class_reached: 'V',
          target_class: 'III',
          primary_pollutants: [{ parameter: 'nh3n', exceedance: 0.8 }],
          items: [{ parameter: 'nh3n', value: 1.8, limit: 1, direction: 'max', class: 'V' }],
        },
      });
      const en = await get('/api/v1/alerts?tz=UTC', { headers: { 'accept-language': 'en' } });
      expect(en.body.items[2]).toMatchObject({
        title: 'Section below its target class (断面不达标)',
        opened_at: '2026-11-27T20:10:00+00:00',
      });
    });

    it('filters by state, severity, station and period', async () => {
      const ids = async (query: string) => (await get(`/api/v1/alerts?${query}`)).body.items.map((a: Json) => a.id);
      expect(await ids('severity=critical')).toEqual([api.ids.section]);
      expect(await ids('severity=warning,critical&state=open')).toHaveLength(3);
      expect(await ids('state=acknowledged,resolved')).toEqual([]);
      expect(await ids('station=eff-1')).toEqual([api.ids.effluent]);
      // About the period: the alert's windows overlap it, whenever the alert was detected. The three windows
      // (section 00–04, effluent 03–04, offline 03:45–04:00) end together: newest id first.
      const all = [api.ids.offline, api.ids.effluent, api.ids.section];
      expect(await ids('to=2026-11-28T04:10:30')).toEqual(all);
      expect(await ids('to=2026-11-28T03:00:00%2B08:00')).toEqual([api.ids.section]);
      expect(await ids('to=2026-11-28T03:50:00%2B08:00')).toEqual([api.ids.offline, api.ids.effluent, api.ids.section]);
      expect(await ids('to=2026-11-28T03:45:00%2B08:00')).toEqual([api.ids.effluent, api.ids.section]);
      expect(await ids('from=now-1h')).toHaveLength(3);
      // `from` is inclusive of windows ending after it: those ending at 04:00 are before 04:00.
      expect(await ids('from=2026-11-28T04:00:00%2B08:00')).toEqual([]);
      expect(await ids(`from=${T0}&to=${T0 + 4 * HOUR + 11 * MIN}`)).toEqual(all);
      expect(await ids(`from=${T0}&to=${T0 + HOUR}`)).toEqual([api.ids.section]);
      // A filter form sends empty fields: no filter, not an invalid time.
      expect(await ids('from=&to=')).toEqual(all);
    });

    it('pages with an opaque cursor and a Link header', async () => {
      const first = await get('/api/v1/alerts?limit=2');
      expect(first.body.items.map((a: Json) => a.id)).toEqual([api.ids.offline, api.ids.effluent]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const link = first.res.headers.get('link')!;
      expect(link).toMatch(/^<\/api\/v1\/alerts\?limit=2&cursor=[A-Za-z0-9_-]+>; rel="next"$/);
      const second = await get(link.slice(1, link.indexOf('>')));
      expect(second.body.items.map((a: Json) => a.id)).toEqual([api.ids.section]);
      expect(second.body.nextCursor).toBeNull();
      expect(second.res.headers.get('link')).toBeNull();
    });

    it('answers CSV with a BOM and Chinese headers for Excel', async () => {
      const res = await api.t.request('/api/v1/alerts?format=csv');
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toContain('alerts.csv');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').split('\r\n');
      expect(lines[0]!.startsWith('告警编号,级别,状态,告警名称,类别,站点名称')).toBe(true);
      expect(lines.filter((l) => l !== '')).toHaveLength(4);
      expect(lines[3]).toContain(`${api.ids.section},严重,未确认,断面水质不达标,污染,清流河出境断面`);
      expect(lines[3]).not.toMatch(/critical|section_compliance|out-1/);
      // The codes when a program asks for them, beside the labels.
      const coded = (await (await api.t.request('/api/v1/alerts?format=csv&codes=true')).text()).split('\r\n');
      expect(coded[3]).toContain(
        `${api.ids.section},严重,未确认,section_compliance,断面水质不达标,污染,out-1,清流河出境断面`,
      );
      const en = (
        await (await api.t.request('/api/v1/alerts?format=csv', { headers: { 'accept-language': 'en' } })).text()
      ).split('\r\n');
      expect(en[0]!.startsWith('Alert,Severity,State,Title,Category,Station')).toBe(true);
      expect(en[3]).toContain(
        `${api.ids.section},critical,open,Section below its target class (断面不达标),pollution,`,
      );
    });

    it('applies the access matrix: operators see their own plants only; viewers see no alerts', async () => {
      const ids = async (headers: Record<string, string>, query = '') =>
        (await get(`/api/v1/alerts${query}`, { headers })).body.items?.map((a: Json) => a.id);
      expect(await ids(bearer(OWN_KEY))).toEqual([api.ids.effluent]);
      expect(await ids(bearer(OTHER_KEY))).toEqual([]);
      expect((await get('/api/v1/alerts', { as: 'bureau' })).body.items).toHaveLength(3);
      const viewer = await get('/api/v1/alerts', { as: 'viewer' });
      expect(viewer.res.status).toBe(403);
      expect(viewer.res.headers.get('content-type')).toBe('application/problem+json');
      expect(viewer.body).toMatchObject({ code: 'forbidden', permission: 'alerts:read' });
      expect((await get('/api/v1/alerts', { as: null })).res.status).toBe(401);
      // Another plant's station is answered like one that does not exist.
      const other = await get('/api/v1/alerts?station=eff-1', { headers: bearer(OTHER_KEY) });
      expect(other.res.status).toBe(404);
      expect(other.body).toMatchObject({ code: 'station-not-found' });
      expect((await get('/api/v1/alerts?station=eff-1', { headers: bearer(OWN_KEY) })).body.items).toHaveLength(1);
    });

    it('rejects bad parameters with problem+json naming each one', async () => {
      const bad = async (query: string) => {
        const { res, body } = await get(`/api/v1/alerts?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(body.code).toBe('validation-failed');
        return body.errors.map((e: Json) => `${e.in}:${e.name}:${e.code}`);
      };
      expect(await bad('state=open,closed')).toEqual(['query:state:invalid_value']);
      expect(await bad('severity=urgent&limit=0')).toEqual(['query:severity:invalid_value', 'query:limit:too_small']);
      expect(await bad('colour=red')).toEqual(['query:colour:unknown_parameter']);
      expect(await bad('cursor=not-a-cursor!')).toEqual(['query:cursor:invalid_cursor']);
      expect(await bad('from=now&to=now-1d')).toEqual(['query:to:range_reversed']);
      expect(await bad('from=yesterday')).toEqual(['query:from:invalid_format']);
      expect(await bad('station=Out_1')).toEqual(['query:station:invalid_format']);
      expect(await bad('tz=Mars/Olympus')).toEqual(['query:tz:invalid_value']);
    });
  });

  describe('GET /alerts/{id}', () => {
    it('returns the alert with its timeline and the delivery state of its notifications', async () => {
      const { res, body } = await get(`/api/v1/alerts/${api.ids.section}`);
      expect(res.status).toBe(200);
      expect(body.alert).toMatchObject({ id: api.ids.section, state: 'open' });
      expect(body.timeline).toEqual([
        {
          seq: expect.any(Number),
          kind: 'opened',
          at: '2026-11-28T04:10:00+08:00',
          actor: 'system',
          from_state: null,
          to_state: 'open',
          note: null,
          data: { severity: 'critical', windowStart: T0, windowEnd: T0 + 4 * HOUR },
        },
      ]);
      // No channel in this catalog: nothing was queued (the alert is still on record and in the API).
      expect(body.notifications).toEqual([]);
    });

    it('answers 404 for a missing alert and for one the key may not see; 400 for a malformed id', async () => {
      expect((await get('/api/v1/alerts/9999')).body).toMatchObject({ status: 404, code: 'alert-not-found' });
      const hidden = await get(`/api/v1/alerts/${api.ids.section}`, { headers: bearer(OWN_KEY) });
      expect(hidden.res.status).toBe(404);
      expect(hidden.body.code).toBe('alert-not-found');
      expect((await get(`/api/v1/alerts/${api.ids.effluent}`, { headers: bearer(OWN_KEY) })).res.status).toBe(200);
      expect((await get(`/api/v1/alerts/${api.ids.effluent}`, { headers: bearer(OTHER_KEY) })).res.status).toBe(404);
      const malformed = await get('/api/v1/alerts/abc');
      expect(malformed.res.status).toBe(400);
      expect(malformed.body.errors[0]).toMatchObject({ in: 'path', name: 'id' });
    });
  });

  describe('POST /alerts/{id}/ack and /resolve', () => {
    it('acknowledges with a note; the actor is the API key; a second acknowledgement is a conflict', async () => {
      api.jr.rig.clock.advance(5 * MIN);
      const { res, body } = await post(
        `/api/v1/alerts/${api.ids.effluent}/ack`,
        { note: '已安排运维排查' },
        { headers: bearer(OWN_KEY) },
      );
      expect(res.status).toBe(200);
      expect(body.alert).toMatchObject({
        state: 'acknowledged',
        acknowledged_by: '第一污水处理厂运维 (op-own)',
        acknowledged_at: '2026-11-28T04:17:00+08:00',
        acknowledge_note: '已安排运维排查',
      });
      expect(body.timeline.map((t: Json) => [t.kind, t.actor, t.note])).toEqual([
        ['opened', 'system', null],
        ['acknowledged', '第一污水处理厂运维 (op-own)', '已安排运维排查'],
      ]);
      const again = await post(`/api/v1/alerts/${api.ids.effluent}/ack`, {});
      expect(again.res.status).toBe(409);
      expect(again.res.headers.get('content-type')).toBe('application/problem+json');
      expect(again.body).toMatchObject({ code: 'alert-state-conflict', status: 409 });
      // Without a body at all: acknowledged, no note.
      const bare = await api.t.request(`/api/v1/alerts/${api.ids.section}/ack`, { method: 'POST', as: 'bureau' });
      expect(bare.status).toBe(200);
      expect(((await bare.json()) as Json).alert).toMatchObject({
        acknowledged_by: '市生态环境局 (test-bureau)',
        acknowledge_note: null,
      });
    });

    it('lets operators act on their own plants only, bureau on all, viewers on none', async () => {
      const other = await post(`/api/v1/alerts/${api.ids.effluent}/ack`, {}, { headers: bearer(OTHER_KEY) });
      expect(other.res.status).toBe(404);
      expect(other.body.code).toBe('alert-not-found');
      expect((await post(`/api/v1/alerts/${api.ids.section}/ack`, {}, { headers: bearer(OWN_KEY) })).res.status).toBe(
        404,
      );
      expect((await post(`/api/v1/alerts/${api.ids.section}/ack`, {}, { as: 'viewer' })).res.status).toBe(403);
      expect(
        (await post(`/api/v1/alerts/${api.ids.section}/resolve`, { reason: 'x' }, { as: 'viewer' })).res.status,
      ).toBe(403);
      expect((await post(`/api/v1/alerts/${api.ids.section}/ack`, {}, { as: 'bureau' })).res.status).toBe(200);
      expect((await api.jr.rig.service.get(api.ids.effluent))!.alert.state).toBe('open');
    });

    it('resolves with a required reason, recorded on the timeline; a resolved alert cannot be resolved again', async () => {
      const missing = await post(`/api/v1/alerts/${api.ids.section}/resolve`, {}, { as: 'bureau' });
      expect(missing.res.status).toBe(400);
      expect(missing.body.errors).toEqual([expect.objectContaining({ in: 'body', name: 'reason', code: 'required' })]);
      const blank = await post(`/api/v1/alerts/${api.ids.section}/resolve`, { reason: '   ' }, { as: 'bureau' });
      expect(blank.res.status).toBe(400);
      expect(blank.body.errors[0]).toMatchObject({ name: 'reason', code: 'too_small' });
      const extra = await post(
        `/api/v1/alerts/${api.ids.section}/resolve`,
        { reason: 'ok', by: 'me' },
        { as: 'bureau' },
      );
      expect(extra.body.errors[0]).toMatchObject({ name: 'by', code: 'unknown_parameter' });
      const noBody = await api.t.request(`/api/v1/alerts/${api.ids.section}/resolve`, { method: 'POST', as: 'bureau' });
      expect(noBody.status).toBe(400);
      const text = await api.t.request(`/api/v1/alerts/${api.ids.section}/resolve`, {
        method: 'POST',
        as: 'bureau',
        headers: { 'content-type': 'text/plain' },
        body: 'fixed',
      });
      expect(text.status).toBe(415);
      const malformed = await api.t.request(`/api/v1/alerts/${api.ids.section}/resolve`, {
        method: 'POST',
        as: 'bureau',
        headers: { 'content-type': 'application/json' },
        body: '{"reason":',
      });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as Json).code).toBe('bad-request');

      const { res, body } = await post(
        `/api/v1/alerts/${api.ids.section}/resolve`,
        { reason: '上游闸门调度所致，已核实' },
        { as: 'bureau' },
      );
      expect(res.status).toBe(200);
      expect(body.alert).toMatchObject({
        state: 'resolved',
        resolved_by: '市生态环境局 (test-bureau)',
        resolve_reason: '上游闸门调度所致，已核实',
      });
      expect(body.timeline.at(-1)).toMatchObject({
        kind: 'resolved',
        from_state: 'open',
        to_state: 'resolved',
        note: '上游闸门调度所致，已核实',
      });
      const again = await post(`/api/v1/alerts/${api.ids.section}/resolve`, { reason: 'again' }, { as: 'bureau' });
      expect(again.res.status).toBe(409);
      expect((await get('/api/v1/alerts?state=resolved')).body.items.map((a: Json) => a.id)).toEqual([api.ids.section]);
    });

    it('acknowledging stops escalation; the unacknowledged alert goes up the chain', async () => {
      api.jr.rig.clock.advance(10 * MIN);
      expect((await post(`/api/v1/alerts/${api.ids.section}/ack`, { note: '收到' }, { as: 'bureau' })).res.status).toBe(
        200,
      );
      // Three hours on: past the 30 min (critical) and 2 h (warning) delays of the district unit.
      api.jr.rig.clock.advance(3 * HOUR);
      const run = await api.jr.jobs.scheduler.run('alert-escalation', 'schedule');
      expect(run).toMatchObject({ run: { summary: { escalated: 1 } } });
      const acked = (await get(`/api/v1/alerts/${api.ids.section}`)).body;
      expect(acked.alert).toMatchObject({ state: 'acknowledged', escalation_level: 0 });
      expect(acked.timeline.map((t: Json) => t.kind)).toEqual(['opened', 'acknowledged']);
      const unacked = (await get(`/api/v1/alerts/${api.ids.effluent}`)).body;
      expect(unacked.alert.escalation_level).toBe(1);
      expect(unacked.timeline.map((t: Json) => [t.kind, t.data?.unitId ?? null])).toEqual([
        ['opened', null],
        ['escalated', 'city-bureau'],
      ]);
    });
  });
});
