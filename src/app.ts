/**
 * Composition root: builds every component from Config and returns the HTTP app with start/stop.
 * Constructors wire; start() connects; stop() undoes in reverse order and may be called twice.
 */
import { Hono } from 'hono';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export interface App {
  http: Hono;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createApp(deps: { config: Config; logger: Logger }): App {
  const log = deps.logger.child({ component: 'app' });
  const http = new Hono();
  http.get('/healthz', (c) => c.json({ status: 'ok' }));

  let stopped = false;
  return {
    http,
    async start() {
      log.info({ dataDir: deps.config.DATA_DIR }, 'started');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      log.info('stopped');
    },
  };
}
