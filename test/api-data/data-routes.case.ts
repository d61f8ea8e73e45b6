/**
 * The data routes against one store adapter, with the fixture's seeded readings (fixture.ts). The same suite runs
 * on SQLite and on a real influxd (sqlite.test.ts, influx.test.ts). Expected numbers are worked out in fixture.ts.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- reading JSON responses */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { authorization, dataTestApp, NOW, seed, type Caller } from './fixture.js';

type J = Record<string, any>;

/** The CSV's lines, after checking that it starts with the UTF-8 BOM (fetch's text() would strip it silently). */
async function csvLines(res: Response): Promise<string[]> {
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return new TextDecoder().decode(bytes.slice(3)).trim().split('\r\n');
}
const MAY = 'from=2024-05-01&to=2024-05-05';

export function describeDataRoutes(name: string, makeStore: () => ReadingStore | Promise<ReadingStore>): void {
  describe(`data routes on ${name}`, () => {
    let store: ReadingStore;
    let t: ReturnType<typeof dataTestApp>;

    beforeAll(async () => {
      store = await makeStore();
      await store.start();
      await seed(store);
      t = dataTestApp(store);
    });
    afterAll(async () => {
      await store?.stop();
    });

    const ids = (items: J[]) => items.map((i) => i.id ?? i.station?.id);

    describe('GET /stations', () => {
      it('lists every station in catalog order with latest readings, freshness and the current verdict', async () => {
        const body = await t.json<J>('/api/v1/stations');
        expect(body.generated_at).toBe('2024-06-15T12:00:00+08:00');
        expect(ids(body.items)).toEqual([
          'inbound',
          'trib-section',
          'control',
          'outbound',
          'wwtp1-effluent',
          'wwtp2-effluent',
          'wwtp2-influent',
          'creek',
        ]);
        const byId = Object.fromEntries(body.items.map((s: J) => [s.id, s]));
        // inbound: 4 h interval, last reading 4 h ago → online; class II against target II.
        expect(byId.inbound.freshness).toEqual({
          status: 'online',
          last_reading_at: '2024-06-15T08:00:00+08:00',
          age_minutes: 240,
        });
        expect(byId.inbound.current).toMatchObject({
          status: 'compliant',
          class: 'II',
          grade: '优',
          compliant: true,
          evaluated_at: '2024-06-15T08:00:00+08:00',
        });
        expect(byId.inbound.latest.nh3n).toEqual({ time: '2024-06-15T08:00:00+08:00', value: 0.3, flag: 'N' });
        // outbound: hourly, last reading 2.5 h ago → late (after 1.5 h, offline after 3 h); nh3n 1.8 → class V.
        expect(byId.outbound.freshness.status).toBe('late');
        expect(byId.outbound.current).toMatchObject({
          status: 'non_compliant',
          class: 'V',
          primary_pollutants: ['nh3n'],
        });
        // control: nothing since June 1 → offline, and no recent valid reading to judge. Silent for more than a
        // week, its last reading is still shown (looked up without a time bound, for it alone).
        expect(byId.control.freshness.status).toBe('offline');
        expect(byId.control.freshness.last_reading_at).toBe('2024-06-01T00:30:00+08:00');
        expect(byId.control.latest.nh3n).toEqual({ time: '2024-06-01T00:30:00+08:00', value: 3, flag: 'N' });
        expect(byId.control.current.status).toBe('insufficient_data');
        expect(byId['trib-section'].freshness).toEqual({ status: 'offline', last_reading_at: null, age_minutes: null });
        // wwtp1 effluent: temp 18 °C → NH3-N limit 5; 6 exceeds.
        expect(byId['wwtp1-effluent'].freshness.status).toBe('online');
        expect(byId['wwtp1-effluent'].current).toMatchObject({ status: 'non_compliant', compliant: false });
        expect(byId['wwtp1-effluent'].current.items.nh3n).toMatchObject({
          limit: 5,
          compliant: false,
          exceedance: 0.2,
        });
        // influent: no standard, no verdict.
        expect(byId['wwtp2-influent'].current).toBeNull();
      });

      it('filters by role, kind, river, plant and jurisdiction', async () => {
        const list = async (q: string) => ids((await t.json<J>(`/api/v1/stations?${q}`)).items);
        expect(await list('role=outbound')).toEqual(['outbound']);
        expect(await list('kind=plant_effluent')).toEqual(['wwtp1-effluent', 'wwtp2-effluent']);
        expect(await list('kind=plant_influent,urban_water')).toEqual(['wwtp2-influent', 'creek']);
        expect(await list('river=zhihe')).toEqual(['trib-section']);
        expect(await list('plant=wwtp2')).toEqual(['wwtp2-effluent', 'wwtp2-influent']);
        expect(await list('jurisdiction=bureau')).toHaveLength(8);
        const bad = await t.get('/api/v1/stations?kind=lake');
        expect(bad.status).toBe(400);
        expect((await bad.json()).errors[0]).toMatchObject({ in: 'query', name: 'kind' });
        const misspelt = await t.get('/api/v1/stations?rol=outbound');
        expect(misspelt.status).toBe(400);
      });

      it('answers CSV for people: labels in the request language, units in parameter headers, codes on request', async () => {
        const [header, row] = await csvLines(await t.get('/api/v1/stations?role=outbound&format=csv'));
        expect(header!.startsWith('站点名称,类型,断面类型,目标水质,河流,河流里程（km）,所属厂,属地单位,')).toBe(true);
        expect(header).toContain(',氨氮（mg/L）,');
        expect(header).toContain(',pH,');
        expect(row!.startsWith('出境断面,河流断面,出境断面,Ⅲ类,清河,80,,甲区分局,')).toBe(true);
        expect(row).toContain(',超标,Ⅴ类,氨氮,');
        expect(row).not.toMatch(/river_section|outbound|qinghe|non_compliant|nh3n|true|false/);

        const en = await csvLines(
          await t.get('/api/v1/stations?role=outbound&format=csv', 'admin', { 'accept-language': 'en' }),
        );
        expect(en[0]!.startsWith('Station,Kind,Role,Target class,River,River km,Plant,Jurisdiction,')).toBe(true);
        expect(en[0]).toContain(',ammonia nitrogen (NH3-N) [mg/L],');
        expect(
          en[1]!.startsWith('Outbound,river section,outbound section,Class Ⅲ,Qing River,80,,District A branch,'),
        ).toBe(true);

        const [codedHeader, coded] = await csvLines(
          await t.get('/api/v1/stations?role=outbound&format=csv&codes=true'),
        );
        expect(
          codedHeader!.startsWith('站点编号,站点名称,类型,类型代码,断面类型,断面类型代码,目标水质,河流,河流编号,'),
        ).toBe(true);
        expect(coded!.startsWith('outbound,出境断面,河流断面,river_section,出境断面,outbound,Ⅲ类,清河,qinghe,')).toBe(
          true,
        );
        expect(coded).toContain(',超标,non_compliant,Ⅴ类,V,氨氮,');
      });

      it('latest=false answers from the catalog alone, without asking the store', async () => {
        const failing: ReadingStore = new Proxy(store, {
          get: (target, key) =>
            key === 'latest' || key === 'raw' || key === 'aggregate'
              ? () => Promise.reject(new Error('the store must not be asked'))
              : Reflect.get(target, key),
        });
        const body = await dataTestApp(failing).json<J>('/api/v1/stations?latest=false');
        expect(body.latest).toBe(false);
        expect(body.items).toHaveLength(8);
        expect(body.items[0]).toMatchObject({
          id: 'inbound',
          river_name: { zh: '清河', en: 'Qing River' },
          freshness: { status: 'unknown', last_reading_at: null },
          latest: {},
          current: null,
        });
      });
    });

    describe('GET /stations/{id}', () => {
      it('gives a section its standard, target, class limit bands, units and neighbours', async () => {
        const s = await t.json<J>('/api/v1/stations/outbound');
        expect(s.standard).toMatchObject({ kind: 'gb3838', waterbody: 'river', target_class: 'III' });
        expect(s.limits.nh3n).toEqual({
          kind: 'gb3838',
          rule: 'max',
          classes: { I: 0.15, II: 0.5, III: 1, IV: 1.5, V: 2 },
          target: 1,
        });
        expect(s.limits.do).toMatchObject({ rule: 'min', target: 5 });
        expect(s.limits.ph).toEqual({ kind: 'gb3838', rule: 'range', min: 6, max: 9 });
        expect(s.limits.conductivity).toBeUndefined();
        expect(s.units.jurisdiction).toMatchObject({ id: 'district-a', level: 'district' });
        expect(s.units.maintainer.id).toBe('om');
        expect(s.upstream.map((n: J) => n.id)).toEqual([
          'wwtp2-effluent',
          'control',
          'wwtp1-effluent',
          'trib-section',
          'inbound',
        ]);
        expect(s.downstream).toEqual([]);
      });

      it('gives a plant its discharge limits with the construction-date and temperature rules', async () => {
        const p1 = await t.json<J>('/api/v1/stations/wwtp1-effluent');
        expect(p1.standard).toMatchObject({
          kind: 'discharge',
          id: 'gb18918-1a',
          plant: 'wwtp1',
          plant_built: '2003-09-28',
        });
        expect(p1.limits.tp).toEqual({ kind: 'discharge', max: 1, min: null, max_cold: null });
        expect(p1.limits.nh3n).toEqual({ kind: 'discharge', max: 5, min: null, max_cold: 8 });
        expect(p1.limits.ph).toEqual({ kind: 'discharge', max: 9, min: 6, max_cold: null });
        expect(p1.plant_info).toMatchObject({ id: 'wwtp1', built: '2003-09-28' });
        expect(p1.units.operator.id).toBe('op-a');
        const p2 = await t.json<J>('/api/v1/stations/wwtp2-effluent');
        expect(p2.limits.tp.max).toBe(0.5);
      });

      it('shows contacts to staff keys but not to viewers', async () => {
        expect((await t.json<J>('/api/v1/stations/outbound', 'bureau')).units.jurisdiction.contacts).toEqual([]);
        const asViewer = await t.json<J>('/api/v1/stations/outbound', 'viewer');
        expect(asViewer.units.jurisdiction.contacts).toBeUndefined();
        expect(asViewer.upstream.map((n: J) => n.id)).toEqual(['inbound']);
      });

      it('400 for a malformed id, 404 for an unknown one', async () => {
        expect((await t.get('/api/v1/stations/Bad_Id')).status).toBe(400);
        const missing = await t.get('/api/v1/stations/nowhere');
        expect(missing.status).toBe(404);
        expect((await missing.json()).code).toBe('station-not-found');
      });
    });

    describe('GET /stations/{id}/series', () => {
      const series = (q: string, caller: Caller = 'admin') =>
        t.json<J>(`/api/v1/stations/outbound/series?${q}`, caller);

      it('buckets days at local midnight and excludes M-flagged readings, counting them', async () => {
        const body = await series('params=nh3n&from=2024-05-01&to=2024-05-03&window=1d');
        expect(body).toMatchObject({
          window: '1d',
          requested_window: '1d',
          downsampled: false,
          include: 'valid',
          tz: 'Asia/Shanghai',
        });
        expect(body.series[0].points).toEqual([
          {
            ts: Date.parse('2024-04-30T16:00:00Z'),
            start: '2024-05-01T00:00:00+08:00',
            mean: 0.8,
            min: 0.8,
            max: 0.8,
            count: 22,
            excluded: 2,
          },
          {
            ts: Date.parse('2024-05-01T16:00:00Z'),
            start: '2024-05-02T00:00:00+08:00',
            mean: 1.2,
            min: 1.2,
            max: 1.2,
            count: 24,
            excluded: 0,
          },
        ]);
      });

      it('include=all aggregates every reading: (22 × 0.8 + 2 × 5.0) / 24 = 1.15', async () => {
        const body = await series('params=nh3n&from=2024-05-01&to=2024-05-02&window=1d&include=all');
        expect(body.series[0].points[0]).toMatchObject({ mean: 1.15, min: 0.8, max: 5, count: 24, excluded: 0 });
      });

      it('aligns days to UTC midnight when tz=UTC', async () => {
        const from = encodeURIComponent('2024-05-01T00:00:00+08:00');
        const to = encodeURIComponent('2024-05-03T00:00:00+08:00');
        const body = await series(`params=nh3n&from=${from}&to=${to}&window=1d&tz=UTC&agg=mean,count`);
        expect(body.series[0].points).toEqual([
          // Local 00:00–07:00 of May 1 (8 readings) fall on April 30 UTC.
          {
            ts: Date.parse('2024-04-30T00:00:00Z'),
            start: '2024-04-30T00:00:00+00:00',
            mean: 0.8,
            count: 8,
            excluded: 0,
          },
          // May 1 08:00–23:00 local (16, 2 of them M) and May 2 00:00–07:00 (8 × 1.2): (14 × 0.8 + 8 × 1.2) / 22
          // = 0.94545…, answered at NH3-N's display precision (2 decimals).
          {
            ts: Date.parse('2024-05-01T00:00:00Z'),
            start: '2024-05-01T00:00:00+00:00',
            mean: 0.95,
            count: 22,
            excluded: 2,
          },
          {
            ts: Date.parse('2024-05-02T00:00:00Z'),
            start: '2024-05-02T00:00:00+00:00',
            mean: 1.2,
            count: 16,
            excluded: 0,
          },
        ]);
      });

      it('aligns months to the 1st at local midnight', async () => {
        const month = (q: string) =>
          t.json<J>(`/api/v1/stations/control/series?params=nh3n&window=1mo&agg=mean,count&${q}`);
        // 2024-05-31 23:30 and 2024-06-01 00:30 local are in different months in Shanghai…
        const shanghai = await month('from=2024-05-01&to=2024-07-01');
        expect(shanghai.series[0].points.map((p: J) => [p.start, p.mean, p.count])).toEqual([
          ['2024-05-01T00:00:00+08:00', 1, 1],
          ['2024-06-01T00:00:00+08:00', 3, 1],
        ]);
        // …and both in May in UTC (June 1 00:30 local is May 31 16:30 UTC).
        const utc = await month('from=2024-05-01&to=2024-07-01&tz=UTC');
        expect(utc.series[0].points.map((p: J) => [p.start, p.mean, p.count])).toEqual([
          ['2024-05-01T00:00:00+00:00', 2, 2],
        ]);
      });

      it('downsamples to max_points instead of refusing, and says so', async () => {
        const body = await series(`params=nh3n,tp&${MAY}&window=1h&max_points=50`);
        // 96 hours at 1 h is 97 buckets > 50; at 2 h it is 49.
        expect(body).toMatchObject({ window: '2h', requested_window: '1h', downsampled: true, max_points: 50 });
        const nh3n = body.series[0];
        expect(nh3n.parameter).toBe('nh3n');
        expect(nh3n.points).toHaveLength(48);
        // May 1 12:00–14:00: both readings flagged M → a bucket with no valid reading, kept with its excluded count.
        expect(nh3n.points.find((p: J) => p.start === '2024-05-01T12:00:00+08:00')).toEqual({
          ts: Date.parse('2024-05-01T04:00:00Z'),
          start: '2024-05-01T12:00:00+08:00',
          mean: null,
          min: null,
          max: null,
          count: 0,
          excluded: 2,
        });
        expect(body.series[1].points.find((p: J) => p.start === '2024-05-03T10:00:00+08:00')).toMatchObject({
          count: 2,
        });
        expect(body.series[1].points.find((p: J) => p.start === '2024-05-03T12:00:00+08:00')).toBeUndefined();
      });

      it('pages raw readings with their flags through nextCursor and Link', async () => {
        const seen: J[] = [];
        let url: string | null =
          '/api/v1/stations/outbound/series?params=nh3n&from=2024-05-01&to=2024-05-02&window=raw&limit=10';
        const sizes: number[] = [];
        while (url) {
          const res = await t.get(url);
          expect(res.status).toBe(200);
          const page = (await res.json()) as J;
          sizes.push(page.items.length);
          seen.push(...page.items);
          const link = res.headers.get('link');
          if (page.nextCursor) expect(link).toContain('rel="next"');
          else expect(link).toBeNull();
          url = page.nextCursor
            ? `/api/v1/stations/outbound/series?params=nh3n&from=2024-05-01&to=2024-05-02&window=raw&limit=10&cursor=${page.nextCursor}`
            : null;
        }
        expect(sizes).toEqual([10, 10, 4]);
        expect(seen.map((r) => r.flag).join('')).toBe('NNNNNNNNNNNNMMNNNNNNNNNN');
        expect(seen[12]).toEqual({
          ts: Date.parse('2024-05-01T04:00:00Z'),
          time: '2024-05-01T12:00:00+08:00',
          parameter: 'nh3n',
          value: 5,
          flag: 'M',
        });
      });

      it('answers CSV with the same buckets', async () => {
        const res = await t.get(
          `/api/v1/stations/outbound/series?params=nh3n&from=2024-05-01&to=2024-05-03&window=1d`,
          'admin',
          { accept: 'text/csv' },
        );
        expect(res.headers.get('content-disposition')).toContain('outbound-1d.csv');
        expect(await csvLines(res)).toEqual([
          '时段开始,监测项目,单位,均值,最小值,最大值,数据条数,按标记剔除数',
          '2024-05-01T00:00:00+08:00,氨氮,mg/L,0.8,0.8,0.8,22,2',
          '2024-05-02T00:00:00+08:00,氨氮,mg/L,1.2,1.2,1.2,24,0',
        ]);
        const raw = await csvLines(
          await t.get(
            '/api/v1/stations/outbound/series?params=nh3n&from=2024-05-01T08:00:00%2B08:00&to=2024-05-01T10:00:00%2B08:00&window=raw&format=csv&codes=true',
            'admin',
            { 'accept-language': 'en' },
          ),
        );
        expect(raw[0]).toBe('Time,Parameter,Parameter code,Value,Unit,Flag,Flag code');
        expect(raw[1]).toMatch(
          /^2024-05-01T08:00:00\+08:00,ammonia nitrogen \(NH3-N\),nh3n,[\d.]+,mg\/L,\w [a-z ]+,\w$/,
        );
      });

      it('is cacheable for a settled range: ETag, max-age and 304', async () => {
        const url = '/api/v1/stations/outbound/series?params=nh3n&from=2024-05-01&to=2024-05-03&window=1d';
        const first = await t.get(url);
        expect(first.headers.get('cache-control')).toBe('private, max-age=86400');
        const etag = first.headers.get('etag')!;
        expect((await t.get(url, 'admin', { 'if-none-match': etag })).status).toBe(304);
        const recent = await t.get('/api/v1/stations/outbound/series?params=nh3n&from=now-1d&to=now');
        expect(recent.headers.get('cache-control')).toBe('private, no-cache');
      });

      it.each([
        ['params=xyz', 'params', 'unknown_parameter'],
        ['params=cod', 'params', 'parameter_not_measured'],
        ['window=7h', 'window', 'invalid_window'],
        ['windw=1h', 'windw', 'unknown_parameter'],
        ['agg=median', 'agg', 'invalid_value'],
        ['max_points=1', 'max_points', 'too_small'],
      ])('400 for %s, naming %s', async (q, name, code) => {
        const res = await t.get(`/api/v1/stations/outbound/series?${MAY}&${q}`);
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect((await res.json()).errors[0]).toMatchObject({ in: 'query', name, code });
      });

      it('400 for times no store can answer — the same answer on every store', async () => {
        const ranges = [
          'from=8640000000000000&to=8640000000000000',
          'from=2024-05-01&to=8640000000000000',
          'from=3000-01-01&to=3000-02-01',
          'from=1800-01-01&to=1800-01-02',
          'from=2024-05-01T00:00:00Z&to=2300-01-01T00:00:00%2B08:00',
          'from=now-99999999w&to=now',
        ];
        const paths = [
          '/api/v1/stations/outbound/series?',
          '/api/v1/stations/outbound/series?window=raw&',
          '/api/v1/stations/outbound/quality?window=1d&',
          '/api/v1/compliance?window=1d&',
          '/api/v1/dead-letters?',
          '/api/v1/stations/outbound/upstream?at=3000-01-01&hours=24',
        ];
        for (const path of paths) {
          for (const range of path.includes('upstream') ? [''] : ranges) {
            const res = await t.get(`${path}${range}`);
            expect(res.status, `${path}${range}`).toBe(400);
            const problem = await res.json();
            expect(problem.code).toBe('validation-failed');
            expect(problem.errors[0].detail).toMatch(/outside the supported time range|超出支持的时间范围/);
          }
        }
      });

      it('400 for a reversed or unbounded range', async () => {
        const reversed = await t.get('/api/v1/stations/outbound/series?from=2024-05-05&to=2024-05-01');
        expect((await reversed.json()).errors[0]).toMatchObject({ name: 'to', code: 'range_reversed' });
        const open = await t.get('/api/v1/stations/outbound/series?from=2024-05-05');
        expect((await open.json()).errors[0]).toMatchObject({ name: 'to', code: 'required' });
      });
    });

    describe('GET /stations/{id}/quality', () => {
      it('judges a section per local day: class, grade, primary pollutants, compliance, insufficient data', async () => {
        const q = await t.json<J>(`/api/v1/stations/outbound/quality?${MAY}&window=1d`);
        expect(q.standard).toMatchObject({ kind: 'gb3838', target_class: 'III' });
        expect(q.min_valid_share).toBe(0.75);
        expect(q.windows.map((w: J) => [w.start, w.status, w.class, w.compliant])).toEqual([
          ['2024-05-01T00:00:00+08:00', 'compliant', 'III', true],
          ['2024-05-02T00:00:00+08:00', 'non_compliant', 'IV', false],
          ['2024-05-03T00:00:00+08:00', 'insufficient_data', 'III', null],
          ['2024-05-04T00:00:00+08:00', 'non_compliant', 'V', false],
        ]);
        const [d1, d2, d3, d4] = q.windows;
        expect(d1).toMatchObject({ expected: 24, required: 18, excluded: 2, grade: '良好', primary_pollutants: [] });
        expect(d1.items.nh3n).toEqual({
          mean: 0.8,
          count: 22,
          excluded: 2,
          sufficient: true,
          class: 'III',
          exceedance: 0,
          exceedance_target: 0,
        });
        expect(d1.items.temp).toMatchObject({ reference: true, class: null });
        expect(d2).toMatchObject({
          grade: '轻度污染',
          grade_en: 'slightly polluted',
          primary_pollutants: ['tp', 'nh3n'],
        });
        expect(d2.items.nh3n).toMatchObject({
          mean: 1.2,
          count: 24,
          class: 'IV',
          exceedance: 0.2,
          exceedance_target: 0.2,
        });
        expect(d2.items.tp).toMatchObject({ class: 'IV', exceedance: 0.25 });
        expect(d3).toMatchObject({ lacking: ['tp'] });
        expect(d3.items.tp).toMatchObject({ count: 12, sufficient: false });
        expect(d4).toMatchObject({ lacking: ['tp'], primary_pollutants: ['nh3n'] });
        expect(q.summary).toEqual({
          windows: 4,
          compliant: 1,
          non_compliant: 2,
          insufficient_data: 1,
          no_target: 0,
          not_evaluated: 0,
          compliance_rate: 0.3333,
          worst_class: 'V',
          worst_class_window: '2024-05-04T00:00:00+08:00',
          exceeding: [
            { parameter: 'nh3n', windows: 2, max_exceedance: 0.8 },
            { parameter: 'tp', windows: 1, max_exceedance: 0.25 },
          ],
          excluded_readings: 2,
        });
        // The period's means: nh3n 108.8 / 94 → IV; tp 13.2 / 72 → III.
        expect(q.period).toMatchObject({
          status: 'non_compliant',
          class: 'IV',
          primary_pollutants: ['nh3n'],
          expected: 96,
          required: 72,
          excluded: 2,
        });
        // 1.1574… at NH3-N's display precision.
        expect(q.period.items.nh3n).toMatchObject({ mean: 1.16, count: 94 });
        expect(q.note).toContain('insufficient_data');
      });

      it('judges a window cut by the range on the part asked for', async () => {
        const from = encodeURIComponent('2024-05-01T12:00:00+08:00');
        const q = await t.json<J>(`/api/v1/stations/outbound/quality?from=${from}&to=2024-05-02&window=1d`);
        expect(q.windows).toHaveLength(1);
        // 12 hours expected, 9 needed; nh3n has 10 valid (12:00 and 13:00 are M).
        expect(q.windows[0]).toMatchObject({
          start: '2024-05-01T00:00:00+08:00',
          judged_from: '2024-05-01T12:00:00+08:00',
          expected: 12,
          required: 9,
          status: 'compliant',
        });
        expect(q.windows[0].items.nh3n).toMatchObject({ count: 10, excluded: 2 });
      });

      it('aligns months and stops the current one at now', async () => {
        const q = await t.json<J>('/api/v1/stations/control/quality?from=2024-05-01&to=2024-07-01&window=1mo');
        expect(q.windows.map((w: J) => [w.start, w.end, w.judged_to, w.expected])).toEqual([
          ['2024-05-01T00:00:00+08:00', '2024-06-01T00:00:00+08:00', '2024-06-01T00:00:00+08:00', 744],
          // June is judged up to now (June 15 12:00): 14.5 days of hourly readings.
          ['2024-06-01T00:00:00+08:00', '2024-07-01T00:00:00+08:00', '2024-06-15T12:00:00+08:00', 348],
        ]);
        expect(q.windows.every((w: J) => w.status === 'insufficient_data')).toBe(true);
      });

      it('judges plant effluent with the temperature rule (GB 18918-2002 Table 1 note ②)', async () => {
        const q = await t.json<J>('/api/v1/stations/wwtp1-effluent/quality?from=2024-05-01&to=2024-05-04&window=1d');
        expect(q.standard).toMatchObject({ kind: 'discharge', id: 'gb18918-1a' });
        expect(q.windows.map((w: J) => w.status)).toEqual(['compliant', 'non_compliant', 'non_compliant']);
        const [cold, warm, unknown] = q.windows;
        expect(cold.items.nh3n).toMatchObject({ mean: 6, limit: 8, compliant: true, exceedance: 0 });
        expect(cold.items.tp).toMatchObject({ limit: 1, compliant: true });
        expect(warm.items.nh3n).toMatchObject({ limit: 5, compliant: false, exceedance: 0.2 });
        // All temperature readings flagged C: unknown temperature → the stricter limit, and a note saying so.
        expect(unknown.items.temp).toMatchObject({ count: 0, excluded: 24, sufficient: false });
        expect(unknown.items.nh3n).toMatchObject({ limit: 5, compliant: false });
        expect(unknown.notes.join(' ')).toContain('water temperature unknown');
        expect(unknown.excluded).toBe(24);
        expect(q.summary).toMatchObject({
          compliance_rate: 0.3333,
          exceeding: [{ parameter: 'nh3n', windows: 2, max_exceedance: 0.2 }],
        });
      });

      it("applies the construction-date rule and the station's own min_valid_share", async () => {
        const q = await t.json<J>('/api/v1/stations/wwtp2-effluent/quality?from=2024-05-01&to=2024-05-04&window=1d');
        expect(q.min_valid_share).toBe(0.5);
        expect(q.windows.map((w: J) => w.status)).toEqual(['non_compliant', 'insufficient_data', 'insufficient_data']);
        // 13 readings, 12 needed at 0.5 (18 at the default 0.75); built 2012 → TP limit 0.5.
        expect(q.windows[0]).toMatchObject({ expected: 24, required: 12 });
        expect(q.windows[0].items.tp).toMatchObject({ count: 13, limit: 0.5, compliant: false, exceedance: 0.6 });
        expect(q.summary).toMatchObject({ compliant: 0, non_compliant: 1, insufficient_data: 2, compliance_rate: 0 });
      });

      it('grades urban water by the black-odorous guideline; plant influent is not judged', async () => {
        const creek = await t.json<J>('/api/v1/stations/creek/quality?from=2024-05-01&to=2024-05-02');
        expect(creek.standard.kind).toBe('black-odorous');
        expect(creek.windows[0]).toMatchObject({ status: 'compliant', black_odorous: 'none' });
        expect(creek.windows[0].items.nh3n).toMatchObject({ mean: 2, level: 'none' });
        const influent = await t.json<J>('/api/v1/stations/wwtp2-influent/quality?from=2024-05-01&to=2024-05-02');
        expect(influent.standard.kind).toBe('none');
        expect(influent.windows[0]).toMatchObject({ status: 'not_evaluated', compliant: null });
        expect(influent.windows[0].items.cod).toMatchObject({ mean: 300, count: 24 });
      });

      it('answers CSV, one row per window', async () => {
        const lines = await csvLines(await t.get(`/api/v1/stations/outbound/quality?${MAY}&format=csv`));
        expect(lines).toHaveLength(5);
        expect(
          lines[0]!.startsWith(
            '时段开始,时段结束,评价结果,水质类别,水质状况,黑臭程度,是否达标,主要污染指标,有效数据不足项目,应有数据数,按标记剔除数,水温 均值（°C）,水温 有效数据数',
          ),
        ).toBe(true);
        expect(
          lines[2]!.startsWith(
            '2024-05-02T00:00:00+08:00,2024-05-03T00:00:00+08:00,超标,Ⅳ类,轻度污染,,否,总磷、氨氮,,24,0,',
          ),
        ).toBe(true);
      });

      it('400 when the window would make too many windows', async () => {
        const res = await t.get('/api/v1/stations/outbound/quality?from=2024-01-01&to=2024-06-01&window=5m');
        expect(res.status).toBe(400);
        expect((await res.json()).errors[0]).toMatchObject({ name: 'window', code: 'too_many_windows' });
      });
    });

    describe('GET /compliance', () => {
      it('ranks plants by compliance rate, either way, and by station', async () => {
        const rank = async (q: string) =>
          (await t.json<J>(`/api/v1/compliance?kind=plant_effluent&from=2024-05-01&to=2024-05-04&${q}`)).items;
        const asc = await rank('');
        expect(asc.map((r: J) => [r.station.id, r.compliance_rate, r.non_compliant, r.insufficient_data])).toEqual([
          ['wwtp2-effluent', 0, 1, 2],
          ['wwtp1-effluent', 0.3333, 2, 0],
        ]);
        expect(ids(await rank('order=desc'))).toEqual(['wwtp1-effluent', 'wwtp2-effluent']);
        expect(ids(await rank('sort=station'))).toEqual(['wwtp1-effluent', 'wwtp2-effluent']);
        expect(ids(await rank('sort=excluded_readings&order=desc'))).toEqual(['wwtp1-effluent', 'wwtp2-effluent']);
      });

      it('answers the monthly question for outbound sections', async () => {
        const body = await t.json<J>(`/api/v1/compliance?role=outbound&${MAY}`);
        expect(body.count).toBe(1);
        expect(body.items[0]).toMatchObject({
          station: { id: 'outbound', role: 'outbound', target_class: 'III' },
          windows: 4,
          compliant: 1,
          non_compliant: 2,
          insufficient_data: 1,
          compliance_rate: 0.3333,
          worst_class: 'V',
          period_class: 'IV',
          primary_pollutants: ['nh3n'],
          excluded_readings: 2,
        });
      });

      it('covers sections and plants by default; stations without a judged window come last', async () => {
        const body = await t.json<J>(`/api/v1/compliance?${MAY}`);
        expect(ids(body.items)).toEqual([
          'wwtp2-effluent',
          'outbound',
          'wwtp1-effluent',
          'control',
          'inbound',
          'trib-section',
        ]);
        expect(body.items.at(-1).compliance_rate).toBeNull();
      });

      it('answers CSV with the rate in percent', async () => {
        const [header, row] = await csvLines(await t.get(`/api/v1/compliance?role=outbound&${MAY}&format=csv`));
        expect(header).toBe(
          '站点名称,断面类型,目标水质,评价标准,时段数,达标时段数,超标时段数,数据不足时段数,达标率（%）,最差类别,时段均值类别,主要污染指标,超标项目（超标时段数）,按标记剔除数',
        );
        expect(row).toBe(
          '出境断面,出境断面,Ⅲ类,GB 3838-2002 地表水环境质量标准,4,1,2,1,33.33,Ⅴ类,Ⅳ类,氨氮,氨氮（2）、总磷（1）,2',
        );
        const [, coded] = await csvLines(await t.get(`/api/v1/compliance?role=outbound&${MAY}&format=csv&codes=true`));
        expect(coded!.startsWith('outbound,出境断面,出境断面,outbound,Ⅲ类,')).toBe(true);
        expect(coded!.endsWith(',nh3n(2) tp(1),2')).toBe(true);
      });
    });

    describe('GET /stations/{id}/upstream', () => {
      it('lists the stations upstream by river position with their readings over the preceding hours', async () => {
        const body = await t.json<J>('/api/v1/stations/outbound/upstream?at=2024-05-02&hours=24&params=nh3n');
        expect(body).toMatchObject({
          at: '2024-05-02T00:00:00+08:00',
          from: '2024-05-01T00:00:00+08:00',
          window: '1h',
        });
        expect(body.upstream.map((u: J) => [u.station.id, u.distance_km, u.travel_hours])).toEqual([
          ['wwtp2-effluent', 20, 10],
          ['control', 30, 15],
          ['wwtp1-effluent', 40, 20],
          // The Zhi River joins at km 30: 50 km of Qing River at 2 km/h, then 10 km of Zhi River at 1 km/h.
          ['trib-section', 60, 35],
          ['inbound', 70, 35],
        ]);
        const origin = body.origin.series[0].points;
        expect(origin).toHaveLength(24);
        expect(origin[12]).toMatchObject({ start: '2024-05-01T12:00:00+08:00', mean: null, count: 0, excluded: 1 });
        const plant1 = body.upstream[2];
        expect(plant1.limits.nh3n).toMatchObject({ max: 5, max_cold: 8 });
        expect(plant1.series[0].points).toHaveLength(24);
        expect(plant1.series[0].points[0]).toMatchObject({ mean: 6, count: 1 });
      });

      it('leaves out upstream stations the key may not see', async () => {
        const viewer = await t.json<J>('/api/v1/stations/outbound/upstream?at=2024-05-02', 'viewer');
        expect(viewer.upstream.map((u: J) => u.station.id)).toEqual(['inbound']);
        const operator = await t.json<J>('/api/v1/stations/wwtp1-effluent/upstream?at=2024-05-02', 'operatorA');
        expect(operator.upstream).toEqual([]);
      });

      it('validates hours and answers CSV', async () => {
        for (const hours of ['0', '200', 'x']) {
          const res = await t.get(`/api/v1/stations/outbound/upstream?hours=${hours}`);
          expect(res.status).toBe(400);
          expect((await res.json()).errors[0].name).toBe('hours');
        }
        const lines = await csvLines(
          await t.get('/api/v1/stations/outbound/upstream?at=2024-05-02&hours=2&params=nh3n&format=csv'),
        );
        expect(lines[0]).toBe(
          '站点,距离（km）,流经时间（h）,监测项目,单位,时段开始,均值,最小值,最大值,数据条数,按标记剔除数',
        );
        expect(lines[1]).toBe('出境断面,0,0,氨氮,mg/L,2024-05-01T22:00:00+08:00,0.8,0.8,0.8,1,0');
      });
    });

    describe('GET /dead-letters', () => {
      it('pages rejected messages newest first, letters of the same millisecond neither lost nor repeated', async () => {
        const first = await t.json<J>('/api/v1/dead-letters?from=now-7d&to=now&limit=2');
        expect(first.items.map((l: J) => l.detail)).toEqual([
          'second in the same ms',
          'no station "ghost" in the catalog',
        ]);
        expect(first.nextCursor).not.toBeNull();
        const second = await t.json<J>(`/api/v1/dead-letters?from=now-7d&to=now&limit=2&cursor=${first.nextCursor}`);
        expect(second.items.map((l: J) => l.station)).toEqual(['outbound']);
        expect(second.items[0]).toMatchObject({
          received_at: '2024-06-14T10:00:00+08:00',
          reason: 'malformed_json',
          payload: '{"ph": 7.',
        });
        expect(second.nextCursor).toBeNull();
      });

      it('400 for a station filter that cannot be a topic level (a line break), the same on every store', async () => {
        for (const station of ['a%0Ab', 'a%0D', 'x%2Fy', 'x%23', '%00']) {
          const res = await t.get(`/api/v1/dead-letters?from=now-7d&to=now&station=${station}`);
          expect(res.status, station).toBe(400);
          expect((await res.json()).errors[0]).toMatchObject({ name: 'station', code: 'invalid_format' });
        }
        // Quotes and backslashes are text like any other: no match, no error.
        for (const station of ["o'brien", 'a%5Cb', '%22']) {
          const res = await t.get(`/api/v1/dead-letters?from=now-7d&to=now&station=${station}`);
          expect(res.status, station).toBe(200);
          expect((await res.json()).items).toEqual([]);
        }
      });

      it('filters by station and answers CSV safely', async () => {
        const ghost = await t.json<J>('/api/v1/dead-letters?from=now-7d&to=now&station=ghost');
        expect(ghost.items).toHaveLength(2);
        const lines = await csvLines(await t.get('/api/v1/dead-letters?from=now-7d&to=now&station=ghost&format=csv'));
        expect(lines[0]).toBe('接收时间,站点,主题,原因,说明,原始报文');
        expect(lines[2]).toMatch(/,'=cmd\|calc$/);
      });
    });

    describe('POST /evaluate', () => {
      const post = (body: unknown, caller: Caller = 'viewer') =>
        t.app.request('/api/v1/evaluate', {
          method: 'POST',
          headers: { authorization: authorization(caller), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });

      it('answers like `qingliu evaluate`', async () => {
        const res = await post({
          standard: 'gb3838',
          waterbody: 'river',
          target: 'III',
          readings: { 'NH3-N': 1.2, DO: 6.1, pH: 7.4 },
        });
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({
          standard: 'gb3838',
          class: 'IV',
          grade: '轻度污染',
          compliant: false,
          primary_pollutants: ['nh3n'],
        });
        const many = await post([
          { standard: 'gb18918-1a', water_temp_c: 10, readings: { nh3n: 6 } },
          { standard: 'gb18918-1a', water_temp_c: 20, readings: { nh3n: 6 } },
        ]);
        expect(((await many.json()) as J).results.map((r: J) => r.compliant)).toEqual([true, false]);
      });

      it('400 naming every problem with its JSON pointer', async () => {
        const res = await post({ standard: 'gb3838', readings: { xyz: 1, nh3n: -3 } });
        expect(res.status).toBe(400);
        const problem = (await res.json()) as J;
        expect(problem.code).toBe('validation-failed');
        expect(problem.errors.map((e: J) => e.pointer)).toEqual(['/readings/xyz', '/readings/nh3n']);
        expect(problem.errors[0].detail).toBe('未知参数 "xyz"');
        const bad = await post({ standard: 'gb9999' });
        expect(((await bad.json()) as J).errors[0]).toMatchObject({
          in: 'body',
          name: 'standard',
          pointer: '/standard',
        });
      });
    });

    describe('access: each role × each endpoint × own plant / other plant / public / private station', () => {
      // Who may see which station: operators their plants' stations, viewers public ones, staff everything.
      const STATIONS = {
        ownA: 'wwtp1-effluent',
        ownB: 'wwtp2-effluent',
        public: 'outbound',
        private: 'control',
      } as const;
      const SEES: Record<Caller, (keyof typeof STATIONS)[]> = {
        admin: ['ownA', 'ownB', 'public', 'private'],
        bureau: ['ownA', 'ownB', 'public', 'private'],
        operatorA: ['ownA'],
        operatorB: ['ownB'],
        viewer: ['public'],
      };
      const ENDPOINTS = [
        (id: string) => `/api/v1/stations/${id}`,
        (id: string) => `/api/v1/stations/${id}/series?${MAY}&params=nh3n`,
        (id: string) => `/api/v1/stations/${id}/series?${MAY}&params=nh3n&window=raw`,
        (id: string) => `/api/v1/stations/${id}/quality?${MAY}`,
        (id: string) => `/api/v1/stations/${id}/upstream?at=2024-05-02`,
      ];
      const callers = Object.keys(SEES) as Caller[];

      it.each(callers)('%s: 200 for the stations it may see, 404 (never 403) for the others', async (caller) => {
        const got: Record<string, number[]> = {};
        const want: Record<string, number[]> = {};
        for (const [kind, id] of Object.entries(STATIONS) as [keyof typeof STATIONS, string][]) {
          got[kind] = await Promise.all(ENDPOINTS.map(async (e) => (await t.get(e(id), caller)).status));
          want[kind] = ENDPOINTS.map(() => (SEES[caller].includes(kind) ? 200 : 404));
        }
        expect(got).toEqual(want);
        const unseen = await t.get(
          `/api/v1/stations/${SEES[caller].includes('private') ? 'nowhere' : STATIONS.private}`,
          caller,
        );
        const missing = await t.get('/api/v1/stations/nowhere', caller);
        expect(await unseen.json()).toMatchObject({ code: 'station-not-found' });
        expect(unseen.status).toBe(missing.status);
      });

      it.each(callers)(
        '%s: lists and compliance hold only the stations it may see; dead letters for staff only',
        async (caller) => {
          const listed = ids((await t.json<J>('/api/v1/stations', caller)).items);
          const ranked = ids((await t.json<J>(`/api/v1/compliance?${MAY}&sort=station`, caller)).items);
          const visible = (all: string[]) =>
            all.filter((id) =>
              Object.entries(STATIONS).every(
                ([kind, sid]) => sid !== id || SEES[caller].includes(kind as keyof typeof STATIONS),
              ),
            );
          const expectedList = {
            admin: [
              'inbound',
              'trib-section',
              'control',
              'outbound',
              'wwtp1-effluent',
              'wwtp2-effluent',
              'wwtp2-influent',
              'creek',
            ],
            bureau: [
              'inbound',
              'trib-section',
              'control',
              'outbound',
              'wwtp1-effluent',
              'wwtp2-effluent',
              'wwtp2-influent',
              'creek',
            ],
            operatorA: ['wwtp1-effluent'],
            operatorB: ['wwtp2-effluent', 'wwtp2-influent'],
            viewer: ['inbound', 'outbound'],
          }[caller];
          expect(listed).toEqual(expectedList);
          expect(ranked).toEqual(
            visible(expectedList)
              .filter((id) => !['wwtp2-influent', 'creek'].includes(id))
              .sort(),
          );
          const letters = await t.get('/api/v1/dead-letters?from=now-7d&to=now', caller);
          expect(letters.status).toBe(caller === 'admin' || caller === 'bureau' ? 200 : 403);
          const evaluated = await t.app.request('/api/v1/evaluate', {
            method: 'POST',
            headers: { authorization: authorization(caller), 'content-type': 'application/json' },
            body: JSON.stringify({ standard: 'gb3838', readings: { nh3n: 0.3 } }),
          });
          expect(evaluated.status).toBe(200);
        },
      );

      it('401 without a key on every data endpoint', async () => {
        for (const path of [
          '/api/v1/stations',
          '/api/v1/compliance?' + MAY,
          '/api/v1/dead-letters?from=now-1d&to=now',
          '/api/v1/stations/outbound/series?' + MAY,
        ]) {
          expect((await t.app.request(path)).status).toBe(401);
        }
      });
    });

    it('the clock is the injected one', () => {
      expect(NOW).toBe(Date.parse('2024-06-15T04:00:00Z'));
    });
  });
}
