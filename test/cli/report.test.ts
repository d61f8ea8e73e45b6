/** `qingliu report` against the embedded store of a DATA_DIR, as an operator of the service would run it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { CATALOG_YAML } from '../api-data/fixture.js';
import { cli } from '../harness/cli.js';
import { seedReports } from '../reports/report-routes.case.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-cli-report-'));
const env = { DATA_DIR: dir, CATALOG: path.join(dir, 'catalog.yaml'), TIMEZONE: 'Asia/Shanghai' };
beforeAll(async () => {
  fs.writeFileSync(env.CATALOG, CATALOG_YAML);
  const store = createSqliteStore({ file: path.join(dir, 'qingliu.db'), logger: silentLogger() });
  await store.start();
  await seedReports(store);
  await store.stop();
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('qingliu report', () => {
  it('writes the XLSX of a month', async () => {
    const out = path.join(dir, 'may.xlsx');
    const r = await cli(['report', '--period', '2024-05', '--format', 'xlsx', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${out}`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const sections = wb.getWorksheet('断面')!;
    expect(sections.getRow(4).getCell(2).value).toBe('入境断面');
  });

  it('prints JSON and CSV on stdout, in English or for some plants only', async () => {
    const json = await cli(['report', '--period', '2024-05', '--scope', 'plants:wwtp1'], env);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { scope: { id: string }; plants: { plant: { id: string } }[] };
    expect(report.scope.id).toBe('operator');
    expect(report.plants.map((p) => p.plant.id)).toEqual(['wwtp1']);
    const csv = await cli(
      ['report', '--period', '2024-05', '--format', 'csv', '--lang', 'en', '--table', 'rivers'],
      env,
    );
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toContain('Qing River');
  });

  it('refuses a bad period or option with exit code 2', async () => {
    expect((await cli(['report', '--period', '2024-13'], env)).code).toBe(2);
    expect((await cli(['report'], env)).code).toBe(2);
    expect((await cli(['report', '--period', '2024-05', '--format', 'docx'], env)).code).toBe(2);
    const help = await cli(['report', '--help'], env);
    expect(help.stdout).toContain('--period');
  });
});
