/**
 * Issue 14 §5: the compliance export states how many windows were re-judged in the period — from the real SQLite
 * alert store where re-judgments are recorded (ADR 0013) — as `rejudged_windows` (JSON) and the
 * `Qingliu-Rejudged-Windows` header (CSV too); null, never 0, where the instance has no alert store.
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
  async function rejudge(start: number, at: number): Promise<void> {
    const w = { rule: 'section_compliance' as const, stationId: 'control', start, end: start + 4 * HOUR };
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

  it('counts the re-judgments made in [from, to), in the JSON and in a header of the CSV', async () => {
    expect((await withAlerts.json(DAY)).rejudged_windows).toBe(0);

    await rejudge(sh(2024, 5, 9, 0), sh(2024, 5, 10, 3)); // re-judged during the day: counts
    await rejudge(sh(2024, 5, 10, 0), sh(2024, 5, 10, 23, 59)); // counts
    await rejudge(sh(2024, 5, 10, 4), sh(2024, 5, 11, 0)); // re-judged at `to` (exclusive): does not

    const json = await withAlerts.json(DAY);
    expect(json.rejudged_windows).toBe(2);
    const csv = await withAlerts.get(`${DAY}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('Qingliu-Rejudged-Windows')).toBe('2');
    expect(csv.headers.get('Qingliu-Flags')).toBe('effective');

    // The figure is part of the ETag: a cached CSV is not revalidated with a stale header.
    const etag = csv.headers.get('etag')!;
    expect((await withAlerts.get(`${DAY}&format=csv`, 'admin', { 'if-none-match': etag })).status).toBe(304);
    await rejudge(sh(2024, 5, 10, 8), sh(2024, 5, 10, 20));
    const fresh = await withAlerts.get(`${DAY}&format=csv`, 'admin', { 'if-none-match': etag });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('Qingliu-Rejudged-Windows')).toBe('3');
  });

  it('says null, not 0, where the instance has no alert store', async () => {
    expect((await withoutAlerts.json(DAY)).rejudged_windows).toBeNull();
    const csv = await withoutAlerts.get(`${DAY}&format=csv`);
    expect(csv.headers.get('Qingliu-Rejudged-Windows')).toBe('null');
  });

  it('documents the field and the header in the OpenAPI document', async () => {
    const doc = (await (await withAlerts.app.request('/openapi.json')).json()) as {
      paths: Record<string, { get: { responses: Record<string, { headers: Record<string, unknown> }> } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(doc.paths['/api/v1/compliance']!.get.responses['200']!.headers['Qingliu-Rejudged-Windows']).toBeDefined();
    expect(doc.components.schemas.ComplianceResponse!.properties.rejudged_windows).toBeDefined();
  });
});
