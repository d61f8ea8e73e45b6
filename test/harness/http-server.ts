import { serve, type ServerType } from '@hono/node-server';
import { freePort } from './free-port.js';

export interface ServedApp {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** Stops listening and drops open connections (event streams). */
  close(): Promise<void>;
}

/** Serves a Hono app (anything with `fetch`) on a real loopback socket, for tests that need one. */
export async function serveOnFreePort(app: {
  fetch: (request: Request) => Response | Promise<Response>;
}): Promise<ServedApp> {
  const port = await freePort();
  let server: ServerType | undefined;
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve());
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server!.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
