/**
 * `qingliu store rollup|status`: the InfluxDB store's hourly rollups (docs/adr/0006). `rollup` computes them
 * for readings written before they existed (after an upgrade, or after loading data around the ingester);
 * `status` says which hours readers currently answer from them.
 */
import { parseCommandArgs, UsageError, wantsHelp, type CliIo, type Command } from '../command.js';

const HELP = `Usage: qingliu store <rollup|status> [options]

The InfluxDB store's hourly rollups (小时汇总), which answer long trends and compliance fast (docs/adr/0006).
Ingest processes keep them current for what they write; these commands are for the readings before that.

  qingliu store rollup --from TIME [--to TIME] [--stations a,b]
      Computes the rollups of [from, to) (whole hours; --to defaults to now) for every catalog station, or
      for --stations, and extends the covered range back to --from. Safe to run while ingest runs, and to
      run again. TIME: ISO 8601 (2024-01-01, 2024-01-01T08:00:00+08:00; local times in TIMEZONE), epoch
      milliseconds, or now-90d.
  qingliu store status [--json]
      The covered range, each writer's clean_before, and so the hours answered from rollups.

Options:
  --catalog FILE     the station catalog (default: CATALOG)
  -h, --help         this help

Uses INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET and INFLUX_VERSION like the service.
`;

const iso = (ms: number) => new Date(ms).toISOString();

export const command: Command = {
  name: 'store',
  summary: 'the InfluxDB store: compute hourly rollups for older readings (rollup), show what they cover (status)',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    if (wantsHelp(args)) {
      io.stdout.write(HELP);
      return 0;
    }
    const {
      values,
      positionals: [sub, ...rest],
    } = parseCommandArgs(
      {
        args,
        options: {
          from: { type: 'string' },
          to: { type: 'string' },
          stations: { type: 'string' },
          catalog: { type: 'string' },
          json: { type: 'boolean' },
        },
        strict: true,
        allowPositionals: true,
      },
      HELP,
    );
    if (sub !== 'rollup' && sub !== 'status')
      throw new UsageError(`a sub-command is required: rollup or status\n\n${HELP}`);
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);

    const [
      { loadConfig, isEmbeddedStore },
      { silentLogger },
      { createInfluxStore },
      { parseTimeInput, resolveTimeInput },
    ] = await Promise.all([
      import('../../config.js'),
      import('../../logger.js'),
      import('../../store/influx/influx-store.js'),
      import('../../api/query/time-range.js'),
    ]);
    const config = loadConfig(io.env);
    if (isEmbeddedStore(config)) {
      throw new UsageError('INFLUX_URL is not set: the embedded SQLite store needs no rollups');
    }
    const time = (flag: string, raw: string) => {
      const parsed = parseTimeInput(raw);
      if (!parsed.ok) throw new UsageError(`--${flag}: ${parsed.en}`);
      return resolveTimeInput(parsed.value, { now: Date.now(), timeZone: config.TIMEZONE });
    };
    const store = createInfluxStore({
      url: config.INFLUX_URL!,
      token: config.INFLUX_TOKEN,
      org: config.INFLUX_ORG,
      bucket: config.INFLUX_BUCKET,
      version: config.INFLUX_VERSION,
      logger: silentLogger(),
    });
    await store.start();
    try {
      if (sub === 'status') {
        const status = await store.rollups.status();
        if (values.json) {
          io.stdout.write(`${JSON.stringify(status)}\n`);
        } else {
          io.stdout.write(
            `covered from:   ${status.coveredFrom === undefined ? '(nothing yet)' : iso(status.coveredFrom)}\n`,
          );
          for (const w of status.writers) io.stdout.write(`writer ${w.instance}: clean before ${iso(w.cleanBefore)}\n`);
          if (status.writers.length === 0) io.stdout.write('writers:        (none in the last 7 days)\n');
          io.stdout.write(
            status.trusted
              ? `answered from rollups: ${iso(status.trusted.from)} … ${iso(status.trusted.to)}\n`
              : 'answered from rollups: nothing (every aggregate reads the raw readings)\n',
          );
        }
        return 0;
      }
      if (values.from === undefined)
        throw new UsageError('--from is required, e.g. --from 2024-01-01 or --from now-90d');
      const from = time('from', values.from);
      const to = values.to === undefined ? Date.now() : time('to', values.to);
      if (!(from < to)) throw new UsageError('--from must be before --to');
      let stations = (values.stations ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (stations.length === 0) {
        const { loadCatalog } = await import('../../catalog/index.js');
        stations = (await loadCatalog(values.catalog ?? config.CATALOG)).stations.map((s) => s.id);
      }
      const started = performance.now();
      const done = await store.rollups.backfill(stations, from, to);
      const seconds = (performance.now() - started) / 1000;
      io.stdout.write(
        `rolled up ${done.hours} station-hours of ${stations.length} stations (${iso(from)} … ${iso(to)}): ` +
          `${done.rollups} rollups, ${done.queries} queries, ${seconds.toFixed(1)} s\n`,
      );
      return 0;
    } finally {
      await store.stop();
    }
  },
};
