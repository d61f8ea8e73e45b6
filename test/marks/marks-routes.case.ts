/**
 * The data-mark API end to end over a real reading store (SQLite, influxd 1.6.7) and the real SQLite mark store:
 * who may mark what, pending until approved, the effect on quality and compliance, include=original, the audit
 * record (JSON and CSV), revocation, and precise 400s.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- reading JSON responses */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerMarkRoutes } from '../../src/api/routes/marks.js';
import { registerDataRoutes } from '../../src/api/routes/index.js';
import type { WindowTouch } from '../../src/alerts/window-touches.js';
import type { ParameterCode } from '../../src/domain/parameters.js';
import type { Reading } from '../../src/domain/reading.js';
import { silentLogger } from '../../src/logger.js';
import { withDataMarks } from '../../src/marks/marked-reading-store.js';
import { createMarkService } from '../../src/marks/mark-service.js';
import type { MarkStore } from '../../src/marks/mark-store.js';
import { createSqliteMarkStore } from '../../src/marks/sqlite-mark-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { createTestApp } from '../api/test-app.js';
import { authorization, NOW, OPERATOR_B_KEY, seed, sh, testCatalog, type Caller } from '../api-data/fixture.js';

type J = Record<string, any>;

/**
 * control (hourly, target III) on 2024-05-10: ph 7.5, do 6.5, codmn 3.0, tp 0.15 all day (class III at most);
 * nh3n 0.8 except 10:00–13:00 = 5.0 (the analyser was serviced and the logger did not flag it): the day's
 * nh3n mean (20 × 0.8 + 4 × 5.0) / 24 = 1.5 → class IV, non-compliant. With those 4 hours marked M:
 * 0.8 over 20 readings (≥ 75 % of 24) → class III, compliant.
 */
function serviceDay(): Reading[] {
  const out: Reading[] = [];
  for (let h = 0; h < 24; h++) {
    const ts = sh(2024, 5, 10, h);
    const values: Partial<Record<ParameterCode, number>> = {
      ph: 7.5,
      do: 6.5,
      codmn: 3.0,
      tp: 0.15,
      nh3n: h >= 10 && h <= 13 ? 5.0 : 0.8,
    };
    for (const [parameter, value] of Object.entries(values))
      out.push({ stationId: 'control', parameter: parameter as ParameterCode, ts, value: value!, flag: 'N' });
  }
  return out;
}

const MARK = {
  parameters: ['nh3n'],
  from: '2024-05-10T10:00:00+08:00',
  to: '2024-05-10T14:00:00+08:00',
  flag: 'M',
  reason: '氨氮分析仪维护 NH3-N analyser serviced',
};

export function describeMarkRoutes(name: string, makeStore: () => ReadingStore | Promise<ReadingStore>): void {
  describe(`data-mark API on ${name}`, () => {
    let store: ReadingStore;
    let marks: MarkStore;
    const touches: WindowTouch[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-mark-routes-'));
    let t: ReturnType<typeof createTestApp>;
    const catalog = testCatalog();

    beforeAll(async () => {
      store = await makeStore();
      await store.start();
      await seed(store);
      await store.write(serviceDay());
      marks = createSqliteMarkStore({ dataDir: dir });
      const readings = withDataMarks(store, marks);
      const service = createMarkService({
        store: marks,
        // Records what the re-judgment is told (its own tests are the re-judgment's).
        touches: { touch: async (list) => void touches.push(...list) },
        now: () => NOW,
        autoApproveOperator: false,
        logger: silentLogger(),
      });
      t = createTestApp({
        startAt: NOW,
        routes: [
          registerDataRoutes({
            store: readings,
            catalog: () => catalog,
            now: () => NOW,
            timeZone: 'Asia/Shanghai',
            maxRangeDays: 366,
          }),
          (app) =>
            registerMarkRoutes(app, {
              service,
              catalog: () => catalog,
              now: () => NOW,
              timeZone: 'Asia/Shanghai',
              maxRangeDays: 366,
            }),
        ],
        extraKeys: [
          { id: 'test-operator-b', name: '第二污水处理厂', role: 'operator', plants: ['wwtp2'], key: OPERATOR_B_KEY },
        ],
      });
    });
    afterAll(async () => {
      await marks?.close();
      await store?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const call = (method: string, url: string, caller: Caller, body?: unknown) =>
      t.app.request(url, {
        method,
        headers: { authorization: authorization(caller), 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    const json = async (res: Response, status: number): Promise<J> => {
      const text = await res.text();
      expect(res.status, text).toBe(status);
      return JSON.parse(text) as J;
    };
    const day = async (station = 'control') =>
      (
        await json(
          await call('GET', `/api/v1/stations/${station}/quality?from=2024-05-10&to=2024-05-11&window=1d`, 'bureau'),
          200,
        )
      ).windows[0];

    it('a bureau mark takes effect at once: the day becomes compliant, include=original still shows the device', async () => {
      expect(await day()).toMatchObject({ status: 'non_compliant', class: 'IV' });
      const mark = await json(await call('POST', '/api/v1/stations/control/marks', 'bureau', MARK), 201);
      expect(mark).toMatchObject({
        station: { id: 'control' },
        parameters: ['nh3n'],
        from: '2024-05-10T10:00:00+08:00',
        to: '2024-05-10T14:00:00+08:00',
        flag: 'M',
        state: 'approved',
        marked_by: { key_id: 'test-bureau', name: '市生态环境局', role: 'bureau' },
        verdict: { kind: 'approved', automatic: true, by: { key_id: 'test-bureau' } },
        revocation: null,
      });
      expect(touches.at(-1)).toEqual({
        stationId: 'control',
        from: sh(2024, 5, 10, 10),
        to: sh(2024, 5, 10, 14),
        cause: 'mark',
        at: NOW,
      });
      const marked = await day();
      expect(marked).toMatchObject({ status: 'compliant', class: 'III' });
      expect(marked.items.nh3n).toMatchObject({ mean: 0.8, count: 20, excluded: 4 });
      const compliance = await json(
        await call('GET', '/api/v1/compliance?from=2024-05-10&to=2024-05-11&window=1d&kind=river_section', 'bureau'),
        200,
      );
      expect(compliance.items.find((i: J) => i.station.id === 'control')).toMatchObject({
        compliant: 1,
        non_compliant: 0,
        excluded_readings: 4,
        readings_under_marks: 4,
      });
      const csv = await call(
        'GET',
        '/api/v1/compliance?from=2024-05-10&to=2024-05-11&window=1d&kind=river_section&format=csv',
        'bureau',
      );
      const [header, ...csvRows] = (await csv.text())
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      expect(header!.split(',').at(-1)).toBe('数据标记覆盖数据条数');
      expect(
        csvRows
          .find((l) => l.startsWith('控制断面,'))!
          .split(',')
          .at(-1),
      ).toBe('4');

      const raw = await json(
        await call(
          'GET',
          '/api/v1/stations/control/series?params=nh3n&from=2024-05-10T09:00&to=2024-05-10T11:00&window=raw&include=original',
          'bureau',
        ),
        200,
      );
      expect(raw.items.map((i: J) => [i.time, i.value, i.flag, i.original_flag, i.mark_id])).toEqual([
        ['2024-05-10T09:00:00+08:00', 0.8, 'N', 'N', null],
        ['2024-05-10T10:00:00+08:00', 5, 'M', 'N', mark.id],
      ]);
      const effective = await json(
        await call(
          'GET',
          '/api/v1/stations/control/series?params=nh3n&from=2024-05-10&to=2024-05-11&window=1d',
          'bureau',
        ),
        200,
      );
      const original = await json(
        await call(
          'GET',
          '/api/v1/stations/control/series?params=nh3n&from=2024-05-10&to=2024-05-11&window=1d&include=original',
          'bureau',
        ),
        200,
      );
      expect(effective.series[0].points[0]).toMatchObject({ mean: 0.8, count: 20, excluded: 4 });
      expect(original.series[0].points[0]).toMatchObject({ mean: 1.5, count: 24, excluded: 0 });

      // Revoking restores the device's flags: the day is non-compliant again, and the record keeps both.
      const revoked = await json(
        await call('POST', `/api/v1/stations/control/marks/${mark.id}/revoke`, 'bureau', { note: '维护记录有误' }),
        200,
      );
      expect(revoked).toMatchObject({
        state: 'revoked',
        revocation: { kind: 'revoked', note: '维护记录有误', by: { key_id: 'test-bureau' } },
      });
      expect(await day()).toMatchObject({ status: 'non_compliant', class: 'IV' });
      expect(touches).toHaveLength(2);
    });

    it('include=original on quality and compliance (and their CSV) answers by the flags the device sent', async () => {
      const hour = 'from=2024-05-10T10:00&to=2024-05-10T11:00&window=1h';
      const quality = async (include = '') =>
        await call('GET', `/api/v1/stations/control/quality?${hour}${include}`, 'bureau');
      const compliance = async (include = '', format = '') =>
        await call('GET', `/api/v1/compliance?${hour}&kind=river_section${include}${format}`, 'bureau');
      const control = (body: J) => body.items.find((i: J) => i.station.id === 'control');

      // Unmarked, both answers agree: 10:00 is a class-V hour (nh3n 5.0) against a target of III.
      const before = await json(await quality(), 200);
      expect(before).toMatchObject({ flags: 'effective', windows: [{ status: 'non_compliant' }] });
      const worst = before.windows[0].class;

      const mark = await json(await call('POST', '/api/v1/stations/control/marks', 'bureau', MARK), 201);
      expect(mark.state).toBe('approved');

      const effective = await quality();
      expect(effective.headers.get('Qingliu-Flags')).toBe('effective');
      expect((await json(effective, 200)).windows[0]).toMatchObject({ status: 'insufficient_data' });
      const original = await quality('&include=original');
      expect(original.headers.get('Qingliu-Flags')).toBe('original');
      const originalBody = await json(original, 200);
      expect(originalBody.flags).toBe('original');
      expect(originalBody.windows[0]).toMatchObject({ status: 'non_compliant', class: worst });
      expect(originalBody.windows[0].items.nh3n).toMatchObject({ mean: 5, count: 1, excluded: 0 });

      const marked = await json(await compliance(), 200);
      expect(marked.flags).toBe('effective');
      expect(control(marked)).toMatchObject({ non_compliant: 0, insufficient_data: 1, readings_under_marks: 1 });
      const unmarked = await json(await compliance('&include=original'), 200);
      expect(unmarked.flags).toBe('original');
      expect(control(unmarked)).toMatchObject({
        non_compliant: 1,
        insufficient_data: 0,
        worst_class: worst,
        excluded_readings: 0,
        readings_under_marks: null,
      });

      const csv = await compliance('&include=original', '&format=csv&codes=true');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('Qingliu-Flags')).toBe('original');
      const [header, ...lines] = (await csv.text())
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      const columns = header!.split(',');
      expect(columns).not.toContain('数据标记覆盖数据条数');
      const row = lines.find((l) => l.startsWith('control,'))!.split(',');
      expect(row[columns.indexOf('超标时段数')]).toBe('1');
      const effectiveCsv = await compliance('', '&format=csv&codes=true');
      expect(effectiveCsv.headers.get('Qingliu-Flags')).toBe('effective');
      const [effHeader, ...effLines] = (await effectiveCsv.text())
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      const effRow = effLines.find((l) => l.startsWith('control,'))!.split(',');
      expect(effRow[effHeader!.split(',').indexOf('超标时段数')]).toBe('0');

      // An unknown value is a 400, not silently the effective flags.
      expect((await quality('&include=all')).status).toBe(400);

      await json(
        await call('POST', `/api/v1/stations/control/marks/${mark.id}/revoke`, 'bureau', { note: '测试结束' }),
        200,
      );
    });

    it("an operator's mark is pending and changes nothing until a bureau user approves it; the audit list shows both", async () => {
      const body = {
        ...MARK,
        parameters: ['NH3-N'],
        from: '2024-05-02T00:00:00+08:00',
        to: '2024-05-02T06:00:00+08:00',
        reason: '进水冲击，设备维护',
      };
      const mark = await json(await call('POST', '/api/v1/stations/wwtp1-effluent/marks', 'operatorA', body), 201);
      expect(mark).toMatchObject({
        state: 'pending',
        verdict: null,
        parameters: ['nh3n'],
        marked_by: { key_id: 'test-operator', role: 'operator' },
      });
      const touched = touches.length;
      const q = '/api/v1/stations/wwtp1-effluent/quality?from=2024-05-02&to=2024-05-03&window=1d';
      const pendingDay = (await json(await call('GET', q, 'bureau'), 200)).windows[0];
      expect(pendingDay.items.nh3n).toMatchObject({ count: 24, excluded: 0 });
      expect(touches).toHaveLength(touched);

      // The bureau's pending page sees it; operator B sees nothing of plant 1.
      const pending = await json(await call('GET', '/api/v1/marks?state=pending', 'bureau'), 200);
      expect(pending.items.map((m: J) => m.id)).toContain(mark.id);
      expect((await json(await call('GET', '/api/v1/marks?state=pending', 'operatorB'), 200)).items).toEqual([]);
      // Operators cannot approve (403), not even their own.
      expect(
        (await call('POST', `/api/v1/stations/wwtp1-effluent/marks/${mark.id}/approve`, 'operatorA', {})).status,
      ).toBe(403);

      const approved = await json(
        await call('POST', `/api/v1/stations/wwtp1-effluent/marks/${mark.id}/approve`, 'bureau', {
          note: '已核实运维记录',
        }),
        200,
      );
      expect(approved).toMatchObject({
        state: 'approved',
        verdict: {
          kind: 'approved',
          automatic: false,
          note: '已核实运维记录',
          by: { key_id: 'test-bureau', role: 'bureau' },
        },
      });
      expect(touches).toHaveLength(touched + 1);
      const approvedDay = (await json(await call('GET', q, 'bureau'), 200)).windows[0];
      expect(approvedDay.items.nh3n).toMatchObject({ count: 18, excluded: 6 });
      // Approving again is a conflict; the operator may no longer revoke an approved mark.
      const again = await call('POST', `/api/v1/stations/wwtp1-effluent/marks/${mark.id}/approve`, 'bureau', {});
      expect(again.status).toBe(409);
      expect(((await again.json()) as J).code).toBe('mark-state-conflict');
      const opRevoke = await call('POST', `/api/v1/stations/wwtp1-effluent/marks/${mark.id}/revoke`, 'operatorA', {
        note: 'x',
      });
      expect(opRevoke.status).toBe(403);

      // The audit record: JSON for the operator's own station, CSV with who marked and who approved.
      const list = await json(
        await call('GET', '/api/v1/stations/wwtp1-effluent/marks?state=approved', 'operatorA'),
        200,
      );
      expect(list.items).toHaveLength(1);
      expect(list.items[0]).toMatchObject({
        id: mark.id,
        marked_by: { name: '第一污水处理厂' },
        verdict: { by: { name: '市生态环境局' } },
      });
      const csv = await call('GET', '/api/v1/stations/wwtp1-effluent/marks?format=csv', 'bureau');
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const lines = (await csv.text())
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      expect(lines[0]).toBe(
        '标记编号,站点,监测项目,开始时间,结束时间,标记,状态,原因,标记人,标记时间,审核结果,审核人,审核时间,审核意见,撤销人,撤销时间,撤销说明',
      );
      expect(lines[1]).toContain('第一污水处理厂 (test-operator, operator)');
      expect(lines[1]).toContain('市生态环境局 (test-bureau, bureau)');
      expect(lines[1]).toContain('已核实运维记录');
      expect(lines[1]).toContain('M 维护');
    });

    it('an operator cannot mark another plant (404, like every route) and a viewer cannot mark (403)', async () => {
      const other = await call('POST', '/api/v1/stations/wwtp2-effluent/marks', 'operatorA', MARK);
      expect(other.status).toBe(404);
      expect(((await other.json()) as J).code).toBe('station-not-found');
      expect((await call('GET', '/api/v1/stations/wwtp2-effluent/marks', 'operatorA')).status).toBe(404);
      expect((await call('POST', '/api/v1/stations/outbound/marks', 'viewer', MARK)).status).toBe(403);
      expect((await call('GET', '/api/v1/stations/outbound/marks', 'viewer')).status).toBe(200);
      expect((await call('GET', '/api/v1/stations/control/marks', 'viewer')).status).toBe(404);
      // A mark of plant 2 by operator B, and a decision about it through plant 1's URL: not found.
      const b = await json(
        await call('POST', '/api/v1/stations/wwtp2-effluent/marks', 'operatorB', { ...MARK, parameters: 'all' }),
        201,
      );
      expect((await call('POST', `/api/v1/stations/wwtp1-effluent/marks/${b.id}/approve`, 'bureau', {})).status).toBe(
        404,
      );
      // Operator B withdraws its own pending mark.
      const withdrawn = await json(
        await call('POST', `/api/v1/stations/wwtp2-effluent/marks/${b.id}/revoke`, 'operatorB', { note: '标错了' }),
        200,
      );
      expect(withdrawn).toMatchObject({
        state: 'revoked',
        verdict: null,
        revocation: { by: { key_id: 'test-operator-b' } },
      });
    });

    it('rejects a pending mark with a note, which never takes effect', async () => {
      const m = await json(
        await call('POST', '/api/v1/stations/wwtp1-effluent/marks', 'operatorA', {
          ...MARK,
          from: '2024-05-01T00:00:00+08:00',
          to: '2024-05-01T12:00:00+08:00',
          flag: 'D',
        }),
        201,
      );
      const noNote = await call('POST', `/api/v1/stations/wwtp1-effluent/marks/${m.id}/reject`, 'bureau', {});
      expect(noNote.status).toBe(400);
      const rejected = await json(
        await call('POST', `/api/v1/stations/wwtp1-effluent/marks/${m.id}/reject`, 'bureau', { note: '无运维记录' }),
        200,
      );
      expect(rejected).toMatchObject({ state: 'rejected', verdict: { kind: 'rejected', note: '无运维记录' } });
      const first = (
        await json(
          await call(
            'GET',
            '/api/v1/stations/wwtp1-effluent/quality?from=2024-05-01&to=2024-05-02&window=1d',
            'bureau',
          ),
          200,
        )
      ).windows[0];
      expect(first.items.nh3n).toMatchObject({ count: 24, excluded: 0 });
      const rejectedList = await json(
        await call('GET', '/api/v1/marks?state=rejected&flag=D&parameter=nh3n&from=2024-05-01&to=2024-05-02', 'bureau'),
        200,
      );
      expect(rejectedList.items.map((x: J) => x.id)).toEqual([m.id]);
    });

    it('answers a bad mark with a 400 problem naming each field', async () => {
      const res = await call('POST', '/api/v1/stations/wwtp1-effluent/marks', 'bureau', {
        parameters: ['nh3n', 'xyz'],
        from: 'yesterday-ish',
        to: '2024-05-10',
        flag: 'X',
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as J;
      expect(problem.code).toBe('validation-failed');
      expect(problem.errors.map((e: J) => e.pointer).sort()).toEqual(['/flag', '/reason']);
      const semantic = (await json(
        await call('POST', '/api/v1/stations/wwtp1-effluent/marks', 'bureau', {
          parameters: ['do', 'xyz'],
          from: 'soon',
          to: '2024-05-10',
          flag: 'M',
          reason: 'r',
        }),
        400,
      )) as J;
      expect(semantic.errors.map((e: J) => [e.pointer, e.code])).toEqual([
        ['/parameters', 'unknown_parameter'],
        ['/from', 'invalid_format'],
      ]);
      const notMeasured = await json(
        await call('POST', '/api/v1/stations/wwtp1-effluent/marks', 'bureau', { ...MARK, parameters: ['do'] }),
        400,
      );
      expect(notMeasured.errors[0]).toMatchObject({ pointer: '/parameters', code: 'parameter_not_measured' });
      const reversed = await json(
        await call('POST', '/api/v1/stations/wwtp1-effluent/marks', 'bureau', {
          ...MARK,
          from: MARK.to,
          to: MARK.from,
        }),
        400,
      );
      expect(reversed.errors[0]).toMatchObject({ pointer: '/to', code: 'range_reversed' });
      const extra = await json(
        await call('POST', '/api/v1/stations/wwtp1-effluent/marks', 'bureau', { ...MARK, state: 'approved' }),
        400,
      );
      expect(extra.code).toBe('validation-failed');
      expect((await call('GET', '/api/v1/marks?state=open', 'bureau')).status).toBe(400);
      expect((await call('POST', '/api/v1/stations/wwtp1-effluent/marks/999/approve', 'bureau', {})).status).toBe(404);
    });
  });
}
