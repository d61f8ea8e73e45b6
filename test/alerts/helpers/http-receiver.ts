/** A real local HTTP receiver on a free loopback port: records every request and answers as told. */
import http from 'node:http';
import { freePort } from '../../harness/free-port.js';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpReceiver {
  port: number;
  url(path?: string): string;
  requests: ReceivedRequest[];
  /** How to answer; default 200 `{"errcode":0,"errmsg":"ok"}`. */
  answer: (req: ReceivedRequest) => { status: number; body: string };
  /** Stops listening (the receiver is "down"); requests then fail with ECONNREFUSED. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const port = await freePort();
  let server: http.Server | undefined;
  const receiver: HttpReceiver = {
    port,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    requests: [],
    answer: () => ({ status: 200, body: JSON.stringify({ errcode: 0, errmsg: 'ok' }) }),
    async up() {
      if (server) return;
      const s = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const received = {
            method: req.method ?? '',
            url: req.url ?? '',
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          };
          receiver.requests.push(received);
          const { status, body } = receiver.answer(received);
          res.writeHead(status, { 'content-type': 'application/json' }).end(body);
        });
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      server = s;
    },
    async down() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    close: () => receiver.down(),
  };
  await receiver.up();
  return receiver;
}
