/**
 * `qingliu simulate --hj212`: simulated HJ 212 data loggers (数采仪) for the catalog's stations that have an `hj212`
 * block, talking to Qingliu's HJ 212 port like real ones: real-time, minute, hourly and daily uploads each waiting
 * for its 9014, heartbeats, an optional outage whose hours Qingliu then asks back (gap fill), split packets.
 * The logger model is sensors/hj212/logger.ts.
 */
import { parseCommandArgs, UsageError, type CliIo } from '../command.js';

export const HJ212_HELP = `Usage: qingliu simulate --hj212 [options]

Simulated HJ 212 data loggers (数采仪) for the stations of the catalog that have an hj212 block (MN, protocol,
password and SM4 key from the variables the catalog names), connected to Qingliu's HJ 212 port.

  --host H              Qingliu's address (default 127.0.0.1)
  --port N              HJ 212 port (default HJ212_PORT, else 9212 — the demo's)
  --catalog FILE        station catalog (default CATALOG, ./sensors/catalog.yaml)
  --stations a,b        only these station ids
  --streams LIST        realtime,minute,hourly,daily (default realtime,hourly)
  --interval D          real-time interval, RtdInterval (default 30s)
  --heartbeat D         heartbeat (9015) interval for HJ 212-2025 and national loggers (default 60s; 0 = none)
  --outage-after D      drop the connection after D …
  --outage-for D        … for D (default 6h); on reconnection Qingliu asks for the missing hours (2061)
  --split-bytes N       write every packet in TCP pieces of N bytes
  --split-items N       split data packets into PNUM/PNO parts of N pollutants
  --cipher F            how HJ 212-2025 ciphertext is sent: raw (default) or braced ({0xE4,…})
  --duration D          stop after D (default: until Ctrl-C)
  --tz ZONE             the loggers' local time zone (default TIMEZONE, Asia/Shanghai)
`;

const OPTIONS = {
  hj212: { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  catalog: { type: 'string' },
  stations: { type: 'string' },
  streams: { type: 'string' },
  interval: { type: 'string' },
  heartbeat: { type: 'string' },
  'outage-after': { type: 'string' },
  'outage-for': { type: 'string' },
  'split-bytes': { type: 'string' },
  'split-items': { type: 'string' },
  cipher: { type: 'string' },
  duration: { type: 'string' },
  tz: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const STREAMS = ['realtime', 'minute', 'hourly', 'daily'] as const;
type Stream = (typeof STREAMS)[number];
const PERIOD: Record<Exclude<Stream, 'realtime'>, number> = { minute: 60_000, hourly: 3_600_000, daily: 86_400_000 };

export async function runHj212Simulation(args: string[], io: CliIo): Promise<number> {
  const v = parseCommandArgs({ args, options: OPTIONS, allowPositionals: false, strict: true }, HJ212_HELP).values;
  if (v.help) {
    io.stdout.write(HJ212_HELP);
    return 0;
  }
  const { parseDuration } = await import('../../domain/duration.js');
  const ms = (name: string, text: string | undefined, fallback: number | undefined): number | undefined => {
    if (text === undefined) return fallback;
    if (text.trim() === '0') return 0;
    try {
      return parseDuration(text);
    } catch (err) {
      throw new UsageError(`--${name}: ${(err as Error).message}`);
    }
  };
  const int = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: "${text}" is not a positive integer`);
    return n;
  };
  const streams = (v.streams ?? 'realtime,hourly').split(',').map((s) => s.trim());
  for (const s of streams)
    if (!(STREAMS as readonly string[]).includes(s))
      throw new UsageError(`--streams: "${s}" is not one of ${STREAMS.join(', ')}`);
  const cipher = v.cipher;
  if (cipher !== undefined && cipher !== 'raw' && cipher !== 'braced') throw new UsageError('--cipher: raw or braced');

  const { loadConfig } = await import('../../config.js');
  const config = loadConfig(io.env);
  const { loadCatalog } = await import('../../catalog/load.js');
  const { resolveLoggerSecrets } = await import('../../catalog/logger-secrets.js');
  const { parameter } = await import('../../domain/parameters.js');
  const { zone } = await import('../../domain/time-window.js');
  const { SimLogger } = await import('../../../sensors/hj212/logger.js');
  const catalog = await loadCatalog(v.catalog ?? config.CATALOG);
  const { secrets, issues } = resolveLoggerSecrets(catalog, io.env);
  for (const issue of issues) io.stderr.write(`warning: ${issue.path}: ${issue.message}\n`);
  const only = v.stations?.split(',').map((s) => s.trim());
  const tz = zone(v.tz ?? config.TIMEZONE);
  const port = int('port', v.port ?? io.env.HJ212_PORT ?? '9212')!;
  const host = v.host ?? '127.0.0.1';
  const interval = ms('interval', v.interval, 30_000)!;
  const heartbeat = ms('heartbeat', v.heartbeat, 60_000)!;
  const outageAfter = ms('outage-after', v['outage-after'], undefined);
  const outageFor = ms('outage-for', v['outage-for'], 6 * 3_600_000)!;
  const duration = ms('duration', v.duration, undefined);
  const splitBytes = int('split-bytes', v['split-bytes']);
  const splitItems = int('split-items', v['split-items']);

  const loggers = catalog.stations.flatMap((station) => {
    const h = station.hj212;
    const secret = secrets.get(station.id);
    if (!h || !secret || (only && !only.includes(station.id))) return [];
    const codes = station.parameters.flatMap((p) => parameter(p).hj212.slice(0, 1));
    return [
      {
        station: station.id,
        protocol: h.protocol,
        logger: new SimLogger({
          host,
          port,
          mn: h.mn,
          pw: secret.password ?? '123456',
          st: h.protocol === 'surface-water' || station.kind === 'river_section' ? '21' : '32',
          protocol: h.protocol,
          ...(secret.sm4Key ? { key: secret.sm4Key } : {}),
          ...(cipher ? { cipherForm: cipher } : {}),
          codes,
          zone: tz,
          now: Date.now,
          reconnectMs: 5_000,
          ...(splitBytes ? { chunkBytes: splitBytes } : {}),
          ...(splitItems ? { itemsPerPart: splitItems } : {}),
          onError: (err) => io.stderr.write(`${station.id}: ${err.message}\n`),
        }),
      },
    ];
  });
  if (loggers.length === 0) {
    io.stderr.write('no station of the catalog has an hj212 block (with its secrets set): nothing to simulate\n');
    return 1;
  }
  io.stdout.write(
    `HJ 212 loggers → ${host}:${port}: ${loggers.map((l) => `${l.station} (${l.protocol})`).join(', ')}\n`,
  );

  const started = Date.now();
  const timers: NodeJS.Timeout[] = [];
  let failures = 0;
  const run = (p: Promise<void>) => p.catch(() => void failures++);
  await Promise.allSettled(loggers.map((l) => l.logger.connect()));
  for (const { logger, protocol } of loggers) {
    // Offline, a logger measures but does not send: the gap is what Qingliu asks back on reconnection.
    const live = (send: () => Promise<void>) => () => void (logger.isOffline ? undefined : run(send()));
    if (streams.includes('realtime'))
      timers.push(
        setInterval(
          live(() => logger.upload('realtime', Date.now())),
          interval,
        ),
      );
    if (heartbeat > 0 && protocol !== 'hj212-2017')
      timers.push(
        setInterval(
          live(() => logger.heartbeat()),
          heartbeat,
        ),
      );
  }
  // Aggregates at each period's end, stamped with the period's start (HJ 212-2017: DataTime = start of the period).
  let lastTick = Date.now();
  timers.push(
    setInterval(() => {
      const now = Date.now();
      for (const s of streams) {
        if (s === 'realtime') continue;
        const period = PERIOD[s as keyof typeof PERIOD];
        const offset = s === 'daily' ? tz.offsetAt(now) : 0;
        const boundary = Math.floor((now + offset) / period) * period - offset;
        if (boundary > lastTick && boundary <= now)
          for (const { logger } of loggers)
            if (!logger.isOffline) void run(logger.upload(s as Stream, boundary - period));
      }
      lastTick = now;
    }, 1_000),
  );
  if (outageAfter !== undefined) {
    timers.push(
      setTimeout(() => {
        io.stdout.write(`outage: disconnecting for ${Math.round(outageFor / 60_000)} min\n`);
        for (const { logger } of loggers) logger.goOffline();
        timers.push(
          setTimeout(() => {
            io.stdout.write('outage over: reconnecting (Qingliu asks for the missing hours)\n');
            for (const { logger } of loggers) void run(logger.goOnline());
          }, outageFor),
        );
      }, outageAfter),
    );
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (duration !== undefined) timers.push(setTimeout(resolve, duration));
  });
  for (const t of timers) clearTimeout(t);
  const stats = loggers.reduce(
    (sum, { logger }) => ({
      sent: sum.sent + logger.stats.sent,
      answered: sum.answered + logger.stats.answered,
      resent: sum.resent + logger.stats.resent,
    }),
    { sent: 0, answered: 0, resent: 0 },
  );
  for (const { logger } of loggers) logger.stop();
  io.stdout.write(
    `${Math.round((Date.now() - started) / 1000)} s: ${stats.sent} packets sent, ${stats.answered} answered, ${stats.resent} resent${failures ? `, ${failures} failed` : ''}\n`,
  );
  return 0;
}
