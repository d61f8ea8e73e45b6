/**
 * Issue 14 §5: the compliance export states how many windows were re-judged in the period — from the real SQLite
 * alert store where re-judgments are recorded (ADR 0013) — per station (each row's `rejudged_windows`, a CSV column)
 * and for the stations answered (`rejudged_windows` of the JSON and the `Qingliu-Rejudged-Windows` header, CSV
 * too); null, never 0, where the instance has no alert store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertStore, type AlertStore } from '../../src/alerts/alert-store.js';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dataTestApp, seed, sh } from './fixture.js';

const HOUR = 3_600_000;
const DAY = '/api/v1/compliance?from=2024-05-10&to=2024-05-11&window=1d&kind=river_section';

describe('compliance export: windows re-judged in the period', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-compliance-rejudged-'));
  const readings = createSqliteStore({ file: path.join(dir, 'qingliu.db'), logger: silentLogger() });
  let alerts: AlertStore;
  let withAlerts: ReturnType<typeof dataTestApp>;
  let withoutAlerts: ReturnType<typeof dataTestApp>;

  /** A window judged when it closed, then judged again at `at` (late data). */
  async function rejudge(start: number, at: number, stationId = 'control'): Promise<void> {
    const w = { rule: 'section_compliance' as const, stationId, start, end: start + 4 * HOUR };
    await alerts.markProcessed({ ...w, outcome: 'insufficient', alertId: null, at: w.end });
    await alerts.rejudged({ ...w, outcome: 'compliant', severity: null, alertId: null, cause: 'late_data', at });
  }

  beforeAll(async () => {
    await readings.start();
    await seed(readings);
    alerts = createAlertStore({ dataDir: dir });
    withAlerts = dataTestApp(readings, undefined, { alertStore: () => alerts });
    withoutAlerts = dataTestApp(readings);
  });
  afterAll(async () => {
    await alerts?.close();
    await readings.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const byStation = (json: Record<string, unknown>) =>
    Object.fromEntries(
      (json.items as { station: { id: string }; rejudged_windows: number | null }[]).map((r) => [
        r.station.id,
        r.rejudged_windows,
      ]),
    );

  it('counts the re-judgments made in [from, to) per station, their total in the JSON and a header of the CSV', async () => {
    const before = await withAlerts.json(DAY);
    expect(before.rejudged_windows).toBe(0);
    expect(byStation(before)).toEqual({ inbound: 0, 'trib-section': 0, control: 0, outbound: 0 });

    await rejudge(sh(2024, 5, 9, 0), sh(2024, 5, 10, 3)); // re-judged during the day: counts
    await rejudge(sh(2024, 5, 10, 0), sh(2024, 5, 10, 23, 59)); // counts
    await rejudge(sh(2024, 5, 10, 4), sh(2024, 5, 11, 0)); // re-judged at `to` (exclusive): does not
    await rejudge(sh(2024, 5, 10, 0), sh(2024, 5, 10, 12), 'outbound'); // another section: its own row
    await rejudge(sh(2024, 5, 10, 0), sh(2024, 5, 10, 12), 'wwtp1-effluent'); // a plant: not in this answer

    const json = await withAlerts.json(DAY);
    expect(byStation(json)).toEqual({ inbound: 0, 'trib-section': 0, control: 2, outbound: 1 });
    expect(json.rejudged_windows).toBe(3);
    // The plant's row, in the plants' answer; the service's figure (the daily digest's) counts all of them.
    const plants = await withAlerts.json(`${DAY.replace('river_section', 'plant_effluent')}`);
    expect([byStation(plants), plants.rejudged_windows]).toEqual([{ 'wwtp1-effluent': 1, 'wwtp2-effluent': 0 }, 1]);
    expect((await alerts.rejudgeCounts(sh(2024, 5, 10), sh(2024, 5, 11))).rejudged).toBe(4);

    const csv = await withAlerts.get(`${DAY}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('Qingliu-Rejudged-Windows')).toBe('3');
    expect(csv.headers.get('Qingliu-Flags')).toBe('effective');
    const [header, ...lines] = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    const column = header!.split(',').indexOf('重新评价时段数');
    expect(column).toBeGreaterThan(0);
    expect(Object.fromEntries(lines.map((l) => l.split(',')).map((cells) => [cells[0], cells[column]]))).toMatchObject({
      控制断面: '2',
      出境断面: '1',
      入境断面: '0',
    });

    // The figure is part of the ETag: a cached CSV is not revalidated with a stale header.
    const etag = csv.headers.get('etag')!;
    expect((await withAlerts.get(`${DAY}&format=csv`, 'admin', { 'if-none-match': etag })).status).toBe(304);
    await rejudge(sh(2024, 5, 10, 8), sh(2024, 5, 10, 20));
    const fresh = await withAlerts.get(`${DAY}&format=csv`, 'admin', { 'if-none-match': etag });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('Qingliu-Rejudged-Windows')).toBe('4');
  });

  it('says null, not 0, where the instance has no alert store', async () => {
    const json = await withoutAlerts.json(DAY);
    expect(json.rejudged_windows).toBeNull();
    expect(Object.values(byStation(json))).toEqual([null, null, null, null]);
    const csv = await withoutAlerts.get(`${DAY}&format=csv`);
    expect(csv.headers.get('Qingliu-Rejudged-Windows')).toBe('null');
    expect(await csv.text()).not.toContain('重新评价时段数');
  });

  it('documents the field and the header in the OpenAPI document', async () => {
    const doc = (await (await withAlerts.app.request('/openapi.json')).json()) as {
      paths: Record<string, { get: { responses: Record<string, { headers: Record<string, unknown> }> } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(doc.paths['/api/v1/compliance']!.get.responses['200']!.headers['Qingliu-Rejudged-Windows']).toBeDefined();
    expect(doc.components.schemas.ComplianceResponse!.properties.rejudged_windows).toBeDefined();
    const row = doc.components.schemas.ComplianceRow as unknown as {
      allOf: { properties?: Record<string, unknown> }[];
    };
    expect(row.allOf.some((part) => part.properties?.rejudged_windows)).toBe(true);
  });
});
