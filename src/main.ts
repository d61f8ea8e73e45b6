/**
 * Process entry: load config → bind the HTTP port → createApp → start → serve; signals. The only place that exits
 * the process.
 *
 * The port is bound first, so a taken PORT is reported at once rather than after the whole start-up; until the
 * app has started, requests other than /healthz answer 503. Start-up errors are written once, as text for a person
 * on stderr (the log file, if any, records them too).
 */
import path from 'node:path';
import { createAdaptorServer, type ServerType } from '@hono/node-server';
import { createApp, type App } from './app.js';
import { startCommand } from './cli-hint.js';
import { startingResponse } from './api/starting.js';
import { configSecrets, consoleLogLevel, ConfigError, isDemo, loadConfig, logFile, type Config } from './config.js';
import { createLoggers } from './logger.js';
import { createScrubber } from './secrets.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`qingliu: ${err.message}\nSee .env.example for every variable.\n`);
    process.exit(2);
  }
  throw err;
}

const secrets = configSecrets(config);
const scrub = createScrubber(secrets);
const logPath = logFile(config);
const { logger, fileOnly } = createLoggers({
  level: config.LOG_LEVEL,
  format: config.LOG_FORMAT,
  consoleLevel: consoleLogLevel(config),
  ...(logPath && { file: logPath }),
  secrets,
});

/** For a person at the terminal: once, on stderr, with nothing secret in it. */
function say(text: string): void {
  process.stderr.write(scrub(text));
}

/** A start-up failure: the text on stderr, the event in the log file; then stop what started and exit 1. */
async function failStartup(message: string, err: unknown, app?: App): Promise<never> {
  say(`\nqingliu: start-up failed 启动失败\n${message}\n`);
  fileOnly?.fatal({ err, reason: message }, 'start-up failed');
  await app?.stop().catch(() => undefined);
  process.exit(1);
}

/** A path as the user would type it: relative to the working directory when it is inside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

// Constructing wires the components and connects nothing: quick, and start() below does the long part.
const app: App = await createApp({ config, logger, progress: process.stderr });

// ── Bind the HTTP port before anything starts ────────────────────────────────────────────────────────────────
let serving = false;
const server: ServerType = createAdaptorServer({
  fetch: (req: Request) => {
    if (serving || new URL(req.url).pathname === '/healthz') return app.http.fetch(req);
    return startingResponse(req, shuttingDown ? 'stopping' : 'starting');
  },
});
const hostForUrl = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
try {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  const taken = e.code === 'EADDRINUSE';
  const next = config.PORT === 8080 ? 8081 : config.PORT + 1;
  await failStartup(
    [
      taken
        ? `HTTP 端口 ${config.HOST}:${config.PORT} 已被占用：换一个空闲端口，例如 ${startCommand(`PORT=${next}`)}`
        : `无法监听 HTTP 端口 ${config.HOST}:${config.PORT}（${e.code ?? e.message}）：检查 HOST 和 PORT`,
      taken
        ? `HTTP port ${config.HOST}:${config.PORT} is already in use: choose a free port, e.g. ${startCommand(`PORT=${next}`)}`
        : `cannot listen on HTTP port ${config.HOST}:${config.PORT} (${e.code ?? e.message}): check HOST and PORT`,
    ].join('\n'),
    err,
  );
}
server.on('error', (err) => logger.error({ err }, 'HTTP server error'));

// ── Signals: registered before the long start-up, so Ctrl-C during the demo's backfill also stops cleanly ──
let shuttingDown: string | undefined;
let firstSignalAt = 0;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (shuttingDown) {
    // A wrapper that relays the terminal's Ctrl-C to us (which the terminal also sent us) delivers it twice at once:
    // only a later signal means "now". What is not yet stored stays in the spool for the next start.
    if (Date.now() - firstSignalAt < 1000) {
      logger.info({ signal }, 'the same signal again within 1 s: taken as the same Ctrl-C');
      return;
    }
    logger.warn({ signal }, 'second signal: exiting without waiting');
    say('qingliu: exiting without waiting 未等待即退出\n');
    process.exit(1);
  }
  shuttingDown = signal;
  firstSignalAt = Date.now();
  logger.info({ signal }, 'shutting down');
  if (process.stderr.isTTY) say('\n  正在停止 stopping… (Ctrl-C again to exit at once 再按一次立即退出)\n');
  serving = false;
  server.close();
  try {
    await app.stop();
    say('  已停止 stopped\n');
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

// ── Start ──────────────────────────────────────────────────────────────────────────────────────────────────
try {
  await app.start();
} catch (err) {
  // Ctrl-C during start-up stops the components under it: their errors are the shutdown, not a failure.
  if (shuttingDown) await new Promise(() => undefined);
  // The message says what to do (a bad catalog, a taken port, missing API keys); the stack is in the log file.
  await failStartup(err instanceof Error ? err.message : String(err), err, app);
}
if (shuttingDown) await new Promise(() => undefined);
serving = true;
const url = `http://${hostForUrl}:${config.PORT}/`;
logger.info({ url }, 'HTTP listening');
const mqtt = app.mqttUrl;
say(
  [
    '',
    `  清流 Qingliu is running${isDemo(config) ? '  ·  演示模式 demo mode: simulated stations' : ''}`,
    `  仪表盘 Dashboard:      ${url}`,
    `  API 文档 API docs:     ${url}docs`,
    ...(mqtt ? [`  MQTT:                 ${mqtt}${config.MQTT_URL ? '' : ' (内置 embedded)'}`] : []),
    // Where a data logger (数采仪) is pointed: docs/hj212.md.
    ...(app.hj212Address ? [`  HJ 212 数采仪 loggers: ${app.hj212Address.host}:${app.hj212Address.port}`] : []),
    ...(app.demoAdminKey
      ? [
          `  管理员密钥 Admin key: ${app.demoAdminKey}`,
          `                        (${shown(app.demoAdminKeyFile ?? '')})`,
        ]
      : []),
    ...(logPath ? [`  日志 Log:             ${shown(logPath)}`] : []),
    '  Ctrl-C 停止 to stop',
    '',
    '',
  ].join('\n'),
);
