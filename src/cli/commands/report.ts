/**
 * `qingliu report`: a monthly, quarterly or annual water-quality report from the command line — the same report
 * as `GET /api/v1/reports/{kind}` for the whole city (or the public sections, or some plants), as JSON, XLSX,
 * PDF or CSV, read from the store the service uses (INFLUX_URL, else DATA_DIR's embedded store).
 */
import { writeFile } from 'node:fs/promises';
import { parseCommandArgs, UsageError, wantsHelp, type CliIo, type Command } from '../command.js';

const HELP = `qingliu report — 水环境质量月报/季报/年报 / monthly, quarterly or annual water-quality report

Usage: qingliu report --period PERIOD [--format json|xlsx|pdf|csv] [--out FILE] [options]

  --period P     2026-11 (monthly), 2026-Q4 (quarterly) or 2026 (annual); the kind follows from the form
  --format F     json (default), xlsx, pdf or csv
  --out FILE     where to write it; default stdout for json and csv, qingliu-<kind>-<period>.<ext> for xlsx and pdf
  --lang L       zh-CN (default: LANG_UI) or en
  --scope S      all (default), public (the public sections, as a viewer sees it), or plants:wwtp1,wwtp2
                 (those plants only, as their operator sees it)
  --table T      csv only: summary, sections (default), ranking, rivers, jurisdictions, plants, black-odorous, basis
  --catalog FILE the station catalog (default: CATALOG)
  -h, --help     this text

Reads the readings from INFLUX_URL (with its hourly rollups) or the embedded store in DATA_DIR, in TIMEZONE,
like the service. Methods and the data basis: docs/reports.md.

Example:
  qingliu report --period 2026-11 --format xlsx --out 2026-11-月报.xlsx
`;

const FORMATS = ['json', 'xlsx', 'pdf', 'csv'] as const;

export const command: Command = {
  name: 'report',
  summary: '水环境质量月报/季报/年报 (monthly, quarterly or annual report as JSON, XLSX, PDF or CSV)',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    if (wantsHelp(args)) {
      io.stdout.write(HELP);
      return 0;
    }
    const { values } = parseCommandArgs(
      {
        args,
        options: {
          period: { type: 'string' },
          format: { type: 'string', default: 'json' },
          out: { type: 'string' },
          lang: { type: 'string' },
          scope: { type: 'string', default: 'all' },
          table: { type: 'string' },
          catalog: { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
      },
      HELP,
    );
    if (!values.period) throw new UsageError(`--period is required, e.g. --period 2026-11\n\n${HELP}`);
    const format = values.format as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    if (values.lang !== undefined && values.lang !== 'zh-CN' && values.lang !== 'en')
      throw new UsageError('--lang must be zh-CN or en');
    const scopeText = values.scope ?? 'all';
    const scope =
      scopeText === 'all'
        ? ({ kind: 'all' } as const)
        : scopeText === 'public'
          ? ({ kind: 'public' } as const)
          : scopeText.startsWith('plants:')
            ? ({ kind: 'operator', plants: scopeText.slice('plants:'.length).split(',').filter(Boolean) } as const)
            : undefined;
    if (!scope) throw new UsageError('--scope must be all, public or plants:ID,ID');

    const [
      { loadConfig },
      { loadCatalog },
      { silentLogger },
      { createStore },
      period,
      service,
      marks,
      markStoreModule,
      reportMarks,
      pdf,
      xlsx,
      csv,
    ] = await Promise.all([
      import('../../config.js'),
      import('../../catalog/index.js'),
      import('../../logger.js'),
      import('../../store/create-store.js'),
      import('../../domain/report/period.js'),
      import('../../reports/report-service.js'),
      import('../../marks/marked-reading-store.js'),
      import('../../marks/sqlite-mark-store.js'),
      import('../../marks/report-marks.js'),
      import('../../reports/render/pdf.js'),
      import('../../reports/render/xlsx.js'),
      import('../../reports/render/report-csv.js'),
    ]);
    const kind = /^\d{4}$/.test(values.period) ? 'annual' : /Q/i.test(values.period) ? 'quarterly' : 'monthly';
    let parsed;
    try {
      parsed = period.parsePeriod(kind, values.period);
    } catch (err) {
      if (err instanceof period.PeriodError) throw new UsageError(`--period: ${err.message} / ${err.messageZh}`);
      throw err;
    }
    const config = loadConfig(io.env);
    const lang = (values.lang as 'zh-CN' | 'en' | undefined) ?? config.LANG_UI;
    if (period.periodBounds(parsed, config.TIMEZONE).from >= Date.now())
      throw new UsageError(`--period: ${values.period} has not started yet`);
    const catalog = await loadCatalog(values.catalog ?? config.CATALOG);
    const controlDb = config.DATABASE_URL ? await openMarksDatabase(config.DATABASE_URL) : undefined;
    // A reader only: no ingest role, so an InfluxDB store keeps no rollups of its own here (it reads them).
    const store = createStore({ ...config, ROLES: ['api'] }, silentLogger());
    await store.start();
    // The same effective flags as the service's reports: the approved data marks apply — in PostgreSQL with
    // DATABASE_URL, else in DATA_DIR/marks.db.
    const markStore = controlDb
      ? (await import('../../marks/pg-mark-store.js')).createPgMarkStore(controlDb)
      : markStoreModule.createSqliteMarkStore({ dataDir: config.DATA_DIR });
    try {
      const report = await service
        .createReportService({
          readings: reportMarks.markedReadings(marks.withDataMarks(store, markStore)),
          marks: reportMarks.reportDataMarks(markStore),
          catalog: () => catalog,
          timeZone: config.TIMEZONE,
          now: Date.now,
        })
        .build(parsed, scope);
      let body: string | Buffer;
      if (format === 'xlsx') body = await xlsx.renderXlsx(report, lang);
      else if (format === 'pdf')
        body = await pdf.renderPdf(report, lang, config.REPORT_FONT ? { font: config.REPORT_FONT } : {});
      else if (format === 'csv') {
        const table = csv.reportCsv(report, lang, values.table);
        if (!table) throw new UsageError(`--table: this report has no "${values.table}" table`);
        body = table.text;
      } else body = `${JSON.stringify(report, null, 2)}\n`;
      const out =
        values.out ?? (format === 'xlsx' || format === 'pdf' ? csv.reportFilename(report, format) : undefined);
      if (out === undefined) {
        io.stdout.write(body);
      } else {
        await writeFile(out, body);
        io.stderr.write(`qingliu report: wrote ${out} (${Buffer.byteLength(body)} bytes)\n`);
      }
      return 0;
    } finally {
      await markStore.close();
      await controlDb?.close();
      await store.stop();
    }
  },
};

/** The control-state database (migrated first, under its lock: the CLI may run before any server did). */
async function openMarksDatabase(url: string) {
  const [{ openPostgres, checkConnection }, { migrate }, { silentLogger }] = await Promise.all([
    import('../../db/postgres.js'),
    import('../../db/migrate.js'),
    import('../../logger.js'),
  ]);
  const db = openPostgres({ url, logger: silentLogger(), applicationName: 'qingliu-cli', max: 2 });
  try {
    await checkConnection(db);
    await migrate(db, silentLogger());
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
