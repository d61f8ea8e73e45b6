/**
 * The address a request came from, for per-client limits (invalid API keys). The TCP peer, except when the peer
 * is the loopback interface: docs/deploy.md puts a reverse proxy on the same host, and then every request would
 * share 127.0.0.1, so the last `X-Forwarded-For` entry (the one the proxy appended) is the client. Only a process
 * on this host can send a loopback request with a forged header, and it could reach the API directly anyway.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function clientAddress(c: Context): string {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    // `app.request()` in tests has no socket.
  }
  if (peer === undefined || LOOPBACK.test(peer)) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return peer ?? 'unknown';
}
