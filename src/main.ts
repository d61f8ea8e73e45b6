/** Process entry: load config → createApp → start → serve; signals. The only place that exits the process. */
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';

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

const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
const app = await createApp({ config, logger, progress: process.stderr });

try {
  await app.start();
} catch (err) {
  // Start-up errors (a bad catalog, a taken port, missing API keys) are written for a person to act on.
  const message = err instanceof Error ? err.message : String(err);
  // The message says what to do; the stack is for developers (LOG_LEVEL=debug).
  logger.debug({ err }, 'start-up failed');
  logger.fatal({ reason: message }, 'start-up failed');
  process.stderr.write(`\nqingliu: start-up failed\n${message}\n`);
  await app.stop().catch(() => undefined);
  process.exit(1);
}

const server = serve({ fetch: app.http.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${info.port}/`;
  logger.info({ url }, 'HTTP listening');
  const lines = [
    '',
    `  清流 Qingliu is running`,
    `  仪表盘 Dashboard:      ${url}`,
    `  API reference:        ${url}docs`,
    ...(app.mqttUrl ? [`  MQTT:                 ${app.mqttUrl}`] : []),
    ...(app.demoAdminKey ? [`  管理员密钥 Admin key: ${app.demoAdminKey}`] : []),
    '  Ctrl-C 停止 to stop',
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
});
server.on('error', (err: NodeJS.ErrnoException) => {
  process.stderr.write(`qingliu: cannot listen on ${config.HOST}:${config.PORT}: ${err.message}. Set PORT to a free port.\n`);
  void app.stop().finally(() => process.exit(1));
});

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) {
    // A second signal means "now": what is not yet stored stays in the spool for the next start.
    logger.warn({ signal }, 'second signal: exiting without waiting');
    process.exit(1);
  }
  shuttingDown = true;
  logger.info({ signal }, 'shutting down');
  server.close();
  try {
    await app.stop();
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
