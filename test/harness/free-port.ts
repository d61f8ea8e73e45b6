import net from 'node:net';

/**
 * A port is free when asked for and taken later, by a service that starts, or starts again after an outage: in
 * between, another call here (this process's or the other vitest worker's) could be given the same port, and then
 * one service cannot listen, or a readiness check meets the other's. So this process never hands out a port twice,
 * and each vitest worker (VITEST_POOL_ID, 1…maxWorkers) takes only the ports of its own share.
 */
const handedOut = new Set<number>();
const SHARES = 8;
const share = process.env.VITEST_POOL_ID ? (Number(process.env.VITEST_POOL_ID) - 1) % SHARES : undefined;
// Linux gives bind(0) odd ports (connect() even ones): the share is taken from the bits above the lowest.
const inShare = (port: number) => share === undefined || Math.floor(port / 2) % SHARES === share;

/** Asks the kernel for a free loopback port. Tests never use fixed ports: 1883 and others are taken here. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await kernelPort();
    // Past a few hundred tries (a kernel that does not pick ports at random), any port not handed out yet.
    if (!handedOut.has(port) && (inShare(port) || attempt >= 500)) {
      handedOut.add(port);
      return port;
    }
  }
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
