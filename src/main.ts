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
const app = createApp({ config, logger });

try {
  await app.start();
} catch (err) {
  logger.fatal({ err }, 'start-up failed');
  await app.stop().catch(() => undefined);
  process.exit(1);
}

const server = serve({ fetch: app.http.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  logger.info(`HTTP on http://${config.HOST}:${info.port}`);
});

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
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
