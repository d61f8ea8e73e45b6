/**
 * The raw ceiling of bench:hj212: a do-nothing TCP server that frames HJ 212 packets like the gateway and writes
 * each packet straight back — no decoding, no spool, no database. Run as a child process; prints its port.
 */
import net from 'node:net';
import { createFramer } from '../src/ingest/hj212/framer.js';

const server = net.createServer({ noDelay: true }, (socket) => {
  const framer = createFramer();
  socket.on('data', (chunk: Buffer) => {
    for (const e of framer.push(chunk)) if (e.type === 'frame') socket.write(e.frame.raw);
  });
  socket.on('error', () => socket.destroy());
});
server.maxConnections = 100_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
});
