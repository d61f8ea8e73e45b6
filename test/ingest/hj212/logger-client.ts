/** A minimal logger end for the server tests: writes bytes, collects the packets the server sends back. */
import net from 'node:net';
import { createFramer } from '../../../src/ingest/hj212/framer.js';
import { decodeFrame, type Hj212Packet } from '../../../src/ingest/hj212/packet.js';

export interface TestLogger {
  socket: net.Socket;
  received: Hj212Packet[];
  send(bytes: Buffer | string): void;
  /** Resolves with the n-th packet received (0-based), whenever it arrives. */
  nth(n: number): Promise<Hj212Packet>;
  /** Called synchronously as each packet arrives (to check the spool at that very moment). */
  onPacket?: (p: Hj212Packet) => void;
  closed: Promise<void>;
  end(): void;
}

export async function connectLogger(port: number, keys: (mn: string) => Buffer[] = () => []): Promise<TestLogger> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const framer = createFramer();
  const waiters = new Map<number, (p: Hj212Packet) => void>();
  const client: TestLogger = {
    socket,
    received: [],
    send: (bytes) => socket.write(bytes),
    nth(n) {
      const got = client.received[n];
      if (got) return Promise.resolve(got);
      return new Promise((resolve) => waiters.set(n, resolve));
    },
    closed: new Promise((resolve) => socket.once('close', () => resolve())),
    end: () => socket.destroy(),
  };
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    for (const e of framer.push(chunk)) {
      if (e.type !== 'frame') throw new Error(`server sent garbage: ${e.discard.reason}`);
      const d = decodeFrame(e.frame, { keysFor: keys });
      if (!d.ok) throw new Error(`server sent an invalid packet: ${d.problem.detail}`);
      client.received.push(d.packet);
      client.onPacket?.(d.packet);
      const i = client.received.length - 1;
      waiters.get(i)?.(d.packet);
      waiters.delete(i);
    }
  });
  return client;
}
