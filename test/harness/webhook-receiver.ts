import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST as the receiver saw it. */
export interface ReceivedWebhook {
  key: string;
  event: string;
  receivedAt: number;
  /** The signature matched `X-Qingliu-Signature` over the raw body (docs/alerts.md). */
  signed: boolean;
  body: {
    id?: string;
    event?: string;
    alert?: { id: number; rule: string; station_id: string; state: string; count?: number };
  };
}

export interface WebhookReceiver {
  url: string;
  /** Every POST, in arrival order — redeliveries included. */
  readonly received: readonly ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * A real HTTP server receiving Qingliu's webhook notifications on a free loopback port, as a bureau's system
 * would: it checks the signature and answers 200, and records every POST (a notification may arrive twice;
 * counting is the test's business).
 */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const timestamp = String(req.headers['x-qingliu-timestamp'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex')}`;
      const given = Buffer.from(String(req.headers['x-qingliu-signature'] ?? ''));
      let body: ReceivedWebhook['body'] = {};
      try {
        body = JSON.parse(raw.toString('utf8')) as ReceivedWebhook['body'];
      } catch {
        // recorded with an empty body: the test sees it
      }
      received.push({
        key: String(req.headers['idempotency-key'] ?? ''),
        event: String(req.headers['x-qingliu-event'] ?? ''),
        receivedAt: Date.now(),
        signed: given.length === expected.length && timingSafeEqual(given, Buffer.from(expected)),
        body,
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/qingliu-webhook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
