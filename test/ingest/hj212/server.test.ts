/**
 * The gateway over real TCP with a sink over a real spool: answers only after durable, answers in the device's
 * version, bad input as dead letters that cost nothing else, status and heartbeats as events, 1013 → 1012, splits.
 */
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterBudget, OVERFLOW_DEVICE } from '../../../src/ingest/hj212/dead-letter-budget.js';
import { duplicateOutcome } from '../../../src/ingest/hj212/duplicate-mn.js';
import { encodePacket } from '../../../src/ingest/hj212/encode.js';
import type { DeviceEvents } from '../../../src/ingest/hj212/contracts.js';
import { createHj212Metrics, type Hj212Metrics } from '../../../src/ingest/hj212/metrics.js';
import { createHj212Server, type Hj212Server } from '../../../src/ingest/hj212/server.js';
import { createSpool, type Spool } from '../../../src/ingest/spool/spool.js';
import { createLogger, silentLogger } from '../../../src/logger.js';
import { until as untilAsync } from '../e2e.js';
import { tempDir } from '../helpers.js';
import { directory, fixture, KEY_PLANT_2025 } from './fixtures.js';
import { connectLogger, type TestLogger } from './logger-client.js';
import { createSpoolSink, type SpoolSink } from './spool-sink.js';

const T0 = Date.parse('2026-12-06T12:00:00+08:00');

interface Rig {
  server: Hj212Server;
  port: number;
  spool: Spool;
  sink: SpoolSink;
  metrics: Hj212Metrics;
  registry: Registry;
  events: Array<[string, ...unknown[]]>;
  log: string[];
  clock: { now: number };
}

let rig: Rig;
const clients: TestLogger[] = [];

async function startRig(limits = {}): Promise<Rig> {
  const spool = createSpool({
    dir: tempDir('qingliu-hj212-'),
    maxBytes: 8 * 1024 * 1024,
    fsyncIntervalMs: 1000,
    logger: silentLogger(),
  });
  spool.open();
  const sink = createSpoolSink(spool);
  const registry = new Registry();
  const metrics = createHj212Metrics(registry);
  const events: Rig['events'] = [];
  const recorder: DeviceEvents = {
    connected: (...a) => void events.push(['connected', ...a]),
    disconnected: (...a) => void events.push(['disconnected', ...a]),
    packet: (...a) => void events.push(['packet', ...a]),
    heartbeat: (...a) => void events.push(['heartbeat', ...a]),
    status: (...a) => void events.push(['status', ...a]),
    duplicate: (...a) => void events.push(['duplicate', ...a]),
  };
  const log: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (line: Buffer) => log.push(line.toString()));
  const clock = { now: T0 };
  const server = createHj212Server({
    devices: directory,
    sink,
    events: recorder,
    logger: createLogger({ level: 'debug', format: 'json', destination: stream }),
    metrics,
    now: () => clock.now,
    timeZone: 'Asia/Shanghai',
    port: 0,
    host: '127.0.0.1',
    limits,
  });
  const { port } = await server.start();
  return { server, port, spool, sink, metrics, registry, events, log, clock };
}

async function connect(): Promise<TestLogger> {
  const c = await connectLogger(rig.port, (mn) => (directory.byMn(mn)?.sm4Key ? [directory.byMn(mn)!.sm4Key!] : []));
  clients.push(c);
  return c;
}

/** Everything in the spool now (readings and dead letters), without committing. */
function spooled(spool: Spool) {
  const readings = [];
  const letters = [];
  for (let b = spool.read(1 << 20); b; b = spool.read(1 << 20)) {
    readings.push(...b.readings);
    letters.push(...b.deadLetters);
  }
  return { readings, letters };
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await rig.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}

beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.end();
  await rig.server.stop(100);
  rig.spool.close();
});

describe('HJ 212 server', () => {
  it('answers a 2017 upload with 9014 (its QN, ST=91, Flag=4) only once its readings are in the spool', async () => {
    const logger = await connect();
    let inSpoolWhenAnswered = -1;
    logger.onPacket = () => {
      inSpoolWhenAnswered = spooled(rig.spool).readings.length;
    };
    logger.send(fixture('plant-2017-2011-realtime.txt'));
    const answer = await logger.nth(0);
    expect(answer).toMatchObject({
      qn: '20261206101500123',
      st: '91',
      cn: '9014',
      mn: '020000A8900016F000169DC1',
      flag: 4,
      cp: '',
    });
    expect(inSpoolWhenAnswered).toBe(6);
    expect(
      encodePacket({ qn: answer.qn, st: '91', cn: '9014', pw: answer.pw, mn: answer.mn, flag: 4, cp: '' }),
    ).toEqual(fixture('answer-9014-2017.txt'));
    expect(rig.sink.batches[0]).toMatchObject({ stationId: 'wwtp1-effluent', stream: 'realtime', late: false });
    expect(await metric('qingliu_hj212_readings_accepted_total')).toBe(6);
    expect(rig.events.map((e) => e[0])).toEqual(['connected', 'packet']);
  });

  it('holds the answer and the next packet while the spool write is pending; a failed write is never answered', async () => {
    const logger = await connect();
    let release!: () => void;
    rig.sink.gate = new Promise((r) => (release = r));
    const packet = fixture('plant-2017-2011-realtime.txt');
    logger.send(packet);
    logger.send(fixture('plant-2017-2061-hourly.txt'));
    // The first packet reached the sink; the second waits behind it (the socket is paused).
    await until(() => rig.events.some((e) => e[0] === 'packet'));
    expect(logger.received).toHaveLength(0);
    expect(rig.sink.batches).toHaveLength(0);
    rig.sink.failNext = new Error('disk full');
    release();
    rig.sink.gate = undefined;
    // The failed one gets no answer (the logger will resend); the next one, written, does.
    const answer = await logger.nth(0);
    expect(answer.qn).toBe('20261206110000456');
    expect(rig.sink.batches.map((b) => b.cn)).toEqual(['2061']);
    expect(await metric('qingliu_hj212_answers_total', { cn: '9014' })).toBe(1);
    logger.send(packet); // the resend
    expect((await logger.nth(1)).qn).toBe('20261206101500123');
    expect(spooled(rig.spool).readings).toHaveLength(3 + 6);
    // Counted per packet and answer, each once however often /metrics is read.
    expect(await metric('qingliu_hj212_packets_total', { cn: '2011' })).toBe(2);
    expect(await metric('qingliu_hj212_packets_total', { cn: '2061' })).toBe(1);
    expect(await metric('qingliu_hj212_answers_total', { cn: '9014' })).toBe(2);
    expect(await metric('qingliu_hj212_answers_total', { cn: '9014' })).toBe(2);
  });

  it('2017 and 2025 (SM4) loggers and a national station side by side, each answered in its own version', async () => {
    const [plant17, plant25, national] = [await connect(), await connect(), await connect()];
    plant17.send(fixture('plant-2017-2061-hourly.txt'));
    plant25.send(fixture('plant-2025-2031-daily-sm4.bin'));
    national.send(fixture('national-9015-heartbeat.txt'));
    national.send(fixture('national-2061-hourly.txt'));
    national.send(fixture('national-3020-status.txt'));
    expect(await plant17.nth(0)).toMatchObject({ cn: '9014', flag: 4, qn: '20261206110000456' });
    expect(await plant25.nth(0)).toMatchObject({
      cn: '9014',
      flag: 8,
      qn: '20261206000500789',
      mn: '030000A8900016F000169DC2',
    });
    expect(await national.nth(0)).toMatchObject({ cn: '9013', flag: 8, st: '91', mn: 'A140100_2006' });
    expect(await national.nth(1)).toMatchObject({ cn: '9014', flag: 8, qn: '20261206100512000' });
    expect(await national.nth(2)).toMatchObject({ cn: '9014', flag: 8, qn: '20190430101750562' });
    const byStation = Object.fromEntries(rig.sink.batches.map((b) => [b.stationId, b]));
    expect(byStation['wwtp2-effluent']).toMatchObject({ stream: 'daily', ts: Date.parse('2026-12-05T00:00:00+08:00') });
    expect(byStation['wwtp2-effluent']!.values).toContainEqual({
      parameter: 'cod',
      value: 22.4,
      min: 18,
      max: 27.9,
      flag: 'N',
    });
    expect(byStation['national-01']).toMatchObject({ stream: 'hourly', ts: Date.parse('2026-12-06T09:00:00+08:00') });
    expect(byStation['national-01']!.values).toContainEqual({ parameter: 'pb', value: 0.00011, flag: 'N' });
    expect(rig.events).toContainEqual(['heartbeat', 'A140100_2006', T0]);
    expect(rig.events).toContainEqual([
      'status',
      'A140100_2006',
      T0,
      '3020',
      expect.objectContaining({ 'w21003/i12001-Info': '0' }),
    ]);
    expect(rig.events).toContainEqual(['packet', 'A140100_2006', T0, '2061', 'surface-water']);
    expect(rig.sink.letters).toEqual([]);
  });

  it('bad input becomes dead letters with reasons; the password is neither stored nor logged; other loggers unaffected', async () => {
    const bad = await connect();
    const good = await connect();
    const withWrongPw = wrongPassword('20261206101500999');
    bad.send(Buffer.from('\x00\x01garbage bytes before anything\r\n', 'latin1'));
    bad.send(fixture('bad-crc.txt'));
    bad.send(
      encodePacket({ st: '32', cn: '2011', mn: 'NOT-REGISTERED', flag: 5, cp: 'DataTime=20261206101500;w01018-Rtd=1' }),
    );
    bad.send(withWrongPw);
    bad.send(
      fixture('std2025-2051-braced.txt').toString('latin1').replace('MN=010000A8900016F000169DC0', 'MN=A140100_2006'),
    );
    bad.send(encodePacket({ st: '32', cn: '1001', pw: '123456', mn: '020000A8900016F000169DC1', flag: 5, cp: '' }));
    bad.send(
      encodePacket({
        qn: '20261206101500777',
        st: '32',
        cn: '2011',
        pw: '123456',
        mn: '020000A8900016F000169DC1',
        flag: 5,
        cp: 'DataTime=20261206101500;w01018-Rtd=2;x00001-Rtd=5',
      }),
    );
    // Another logger (one connection per MN: wwtp1's is the bad connection).
    good.send(fixture('national-2061-hourly.txt'));
    expect(await good.nth(0)).toMatchObject({ cn: '9014' });
    // The bad connection is still served: the partly valid upload is answered after its dead letter.
    expect(await bad.nth(0)).toMatchObject({ cn: '9014', qn: '20261206101500777' });
    const reasons = rig.sink.letters.map((l) => l.reason);
    expect(reasons).toEqual([
      'garbage',
      'crc_mismatch',
      'unknown_device',
      'wrong_password',
      'encrypted_no_key',
      'unsupported_command',
      'unknown_parameter',
    ]);
    const pw = rig.sink.letters[3]!;
    expect(pw).toMatchObject({ stationId: 'wwtp1-effluent', topic: 'hj212/020000A8900016F000169DC1/2011' });
    expect(pw.payload).toContain('PW=***;');
    expect(pw.payload).not.toContain('hunter2');
    expect(rig.log.join('')).not.toContain('hunter2');
    expect(rig.sink.letters[4]!.payload.startsWith('##0295QN=')).toBe(true);
    expect(await metric('qingliu_hj212_rejected_total', { reason: 'crc_mismatch' })).toBe(1);
    expect(spooled(rig.spool).letters).toHaveLength(7);
    expect(spooled(rig.spool).readings).toHaveLength(0); // read above already
  });

  it('one connection per MN: a second one is refused while the first is live, and takes over once it fell silent', async () => {
    const heartbeat = fixture('national-9015-heartbeat.txt');
    const first = await connect();
    first.send(heartbeat);
    expect((await first.nth(0)).cn).toBe('9013');
    // 30 s later a second connection with the same MN, while the first is live: refused, unanswered, closed.
    rig.clock.now = T0 + 30_000;
    const second = await connect();
    second.send(heartbeat);
    await second.closed;
    expect(second.received).toEqual([]);
    expect(rig.sink.letters.map((l) => [l.reason, l.stationId, l.topic])).toEqual([
      ['duplicate_connection', 'national-01', 'hj212/A140100_2006/9015'],
    ]);
    // The first is not disturbed.
    first.send(heartbeat);
    expect((await first.nth(1)).cn).toBe('9013');
    // Then the first falls silent (its link half-open after a network change): a minute later the logger's new
    // connection takes over and the old one is closed.
    rig.clock.now = T0 + 90_000;
    const third = await connect();
    third.send(heartbeat);
    expect((await third.nth(0)).cn).toBe('9013');
    await first.closed;
    expect(rig.server.connectedDevices()).toEqual(['A140100_2006']);
    expect(await metric('qingliu_hj212_duplicate_connections_total', { outcome: 'refused' })).toBe(1);
    expect(await metric('qingliu_hj212_duplicate_connections_total', { outcome: 'took_over' })).toBe(1);
    expect(await metric('qingliu_hj212_connections_closed_total', { reason: 'duplicate_mn' })).toBe(1);
    expect(await metric('qingliu_hj212_connections_closed_total', { reason: 'superseded' })).toBe(1);
    const mine = rig.events.filter((e) => e[0] !== 'packet' && e[0] !== 'heartbeat').map((e) => [e[0], e[2], e.at(-1)]);
    expect(mine).toEqual([
      ['connected', T0, expect.any(String)],
      ['duplicate', T0 + 30_000, 'refused'],
      ['duplicate', T0 + 90_000, 'took_over'],
      ['disconnected', T0 + 90_000, 'superseded'],
      ['connected', T0 + 90_000, expect.any(String)],
    ]);
    const warnings = rig.log.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    expect(warnings.map((w) => w.msg)).toEqual([
      expect.stringContaining('refused'),
      expect.stringContaining('takes over'),
    ]);
  });

  it('a logger stuck on a wrong PW: every packet counted, 10 letters an hour kept, then one summary with the last', async () => {
    const pw = (i: number) => wrongPassword(`202612061015${String(i).padStart(5, '0')}`);
    const stuck = await connect();
    const stranger = await connect();
    for (let i = 0; i < 15; i++) {
      rig.clock.now = T0 + i * 30_000;
      stuck.send(pw(i));
      await until(async () => (await metric('qingliu_hj212_rejected_total', { reason: 'wrong_password' })) === i + 1);
    }
    // Another device's refusals have their own share.
    for (let i = 0; i < 3; i++)
      stranger.send(encodePacket({ st: '32', cn: '9015', mn: 'NOT-REGISTERED', flag: 5, cp: '' }));
    await until(async () => (await metric('qingliu_hj212_rejected_total', { reason: 'unknown_device' })) === 3);
    await until(async () => rig.sink.letters.length === 13);
    expect(rig.sink.letters.filter((l) => l.reason === 'wrong_password')).toHaveLength(10);
    expect(await metric('qingliu_hj212_dead_letters_suppressed_total', { reason: 'wrong_password' })).toBe(5);
    expect(stuck.received).toEqual([]);
    // The hour is over: the sweep writes the summary — how many, when, and the last packet (PW masked).
    rig.clock.now = T0 + 3_600_000;
    rig.server.sweep();
    await until(async () => rig.sink.letters.length === 14);
    const summary = rig.sink.letters[13]!;
    expect(summary).toMatchObject({ reason: 'wrong_password', stationId: 'wwtp1-effluent' });
    expect(summary.detail).toContain('5 more wrong_password packet(s) from 020000A8900016F000169DC1');
    expect(summary.detail).toContain(
      `between ${new Date(T0 + 10 * 30_000).toISOString()} and ${new Date(T0 + 14 * 30_000).toISOString()}`,
    );
    expect(summary.payload).toContain('QN=20261206101500014;');
    expect(summary.payload).toContain('PW=***;');
    // A new hour: kept again.
    stuck.send(pw(99));
    await until(async () => rig.sink.letters.length === 15);
    expect(rig.sink.letters[14]!.payload).toContain('QN=20261206101500099;');
    expect(rig.log.join('')).not.toContain('hunter2');
  });

  it('an encrypted packet from a logger without a key, binary bytes kept as hex', async () => {
    const c = await connect();
    const cp = 'DataTime=20261206090000;w21003-Avg=0.212,w21003-Flag=N;w21011-Avg=0.071,w21011-Flag=N';
    c.send(
      encodePacket({ st: '21', cn: '2061', pw: '624930', mn: 'A140100_2006', flag: 9, cp }, { key: KEY_PLANT_2025 }),
    );
    await until(() => rig.sink.letters.length === 1);
    expect(rig.sink.letters[0]).toMatchObject({ reason: 'encrypted_no_key', stationId: 'national-01' });
    expect(rig.sink.letters[0]!.payload).toMatch(/^hex:2323/);
    expect(rig.sink.letters[0]!.payload).toContain(Buffer.from(';PW=***;').toString('hex'));
    expect(rig.sink.letters[0]!.payload).not.toContain(Buffer.from('624930').toString('hex'));
  });

  it('1013 time request → 9013, then 1012 with the platform time in the device zone', async () => {
    const c = await connect();
    c.send(
      encodePacket({
        qn: '20261206115959000',
        st: '32',
        cn: '1013',
        pw: '123456',
        mn: '020000A8900016F000169DC1',
        flag: 5,
        cp: '',
      }),
    );
    expect(await c.nth(0)).toMatchObject({ cn: '9013', qn: '20261206115959000', flag: 4 });
    expect(await c.nth(1)).toMatchObject({ cn: '1012', st: '32', flag: 5, cp: 'SystemTime=20261206120000' });
  });

  it('split packets: reassembled, answered part by part after durable; an incomplete one expires as a dead letter', async () => {
    const c = await connect();
    const part = (pno: number, cp: string, cn = '2061') =>
      encodePacket({
        qn: `2026120611000000${pno}`,
        st: '32',
        cn,
        pw: '123456',
        mn: '020000A8900016F000169DC1',
        flag: 7,
        pnum: 2,
        pno,
        cp,
      });
    c.send(part(1, 'DataTime=20261206100000;w01018-Avg=20.5'));
    c.send(part(2, 'w21003-Avg=1.5'));
    expect((await c.nth(0)).qn).toBe('20261206110000001');
    expect((await c.nth(1)).qn).toBe('20261206110000002');
    expect(rig.sink.batches).toHaveLength(1);
    expect(rig.sink.batches[0]!.values.map((v) => v.parameter)).toEqual(['cod', 'nh3n']);
    c.send(part(1, 'DataTime=20261206100000;w01018-Avg=20.5', '2051'));
    await until(() => rig.events.filter((e) => e[0] === 'packet').length === 3);
    rig.clock.now += 60_000;
    rig.server.sweep();
    await until(() => rig.sink.letters.length === 1);
    expect(rig.sink.letters[0]).toMatchObject({ reason: 'split_incomplete' });
    expect(c.received).toHaveLength(2);
  });

  it('a connection silent for the idle timeout is closed by the sweep; one that sent since the last sweep is not', async () => {
    await rig.server.stop(100);
    rig.spool.close();
    rig = await startRig({ idleTimeoutMs: 15 * 60_000 });
    const beat = (mn: string) => encodePacket({ st: '32', cn: '9015', pw: '123456', mn, flag: 9, cp: '' });
    const silent = await connect();
    const talking = await connect();
    silent.send(beat('010000A8900016F000169DC0'));
    talking.send(beat('020000A8900016F000169DC1'));
    await until(() => silent.received.length === 1 && talking.received.length === 1);
    rig.server.sweep(); // both were heard since the start: active now
    rig.clock.now += 10 * 60_000;
    talking.send(beat('020000A8900016F000169DC1'));
    await until(() => talking.received.length === 2);
    rig.server.sweep(); // 10 min: neither idle yet; `talking` heard again
    rig.clock.now += 5 * 60_000;
    rig.server.sweep(); // `silent`: 15 min without a byte; `talking`: 5 min
    await silent.closed;
    expect(rig.server.connections).toBe(1);
    expect(await metric('qingliu_hj212_connections_closed_total', { reason: 'idle' })).toBe(1);
  });

  it('a half-sent packet, a logger that never reads and a slow one do not delay anyone else', async () => {
    const half = await connect();
    half.send(fixture('plant-2017-2061-hourly.txt').subarray(0, 60));
    const deaf = await connect();
    deaf.socket.pause(); // never reads its answers
    // Another logger than the slow one's (one connection per MN).
    const beat = encodePacket({ st: '32', cn: '9015', pw: '123456', mn: '010000A8900016F000169DC0', flag: 9, cp: '' });
    for (let i = 0; i < 20; i++) deaf.send(beat);
    const slow = await connect();
    const bytes = fixture('national-2061-hourly.txt');
    for (let i = 0; i < bytes.length; i += 7) slow.send(bytes.subarray(i, i + 7));
    const good = await connect();
    good.send(fixture('plant-2017-2011-realtime.txt'));
    expect(await good.nth(0)).toMatchObject({ cn: '9014' });
    expect(await slow.nth(0)).toMatchObject({ cn: '9014', mn: 'A140100_2006' });
    expect(half.received).toHaveLength(0);
    expect(rig.server.connections).toBe(4);
  });

  it('closes a connection that sends only garbage, or nothing valid in time; counts why', async () => {
    await rig.server.stop(100);
    rig.spool.close();
    // 2 s, not less: the garbage must arrive before the first-packet timer fires, or the noisy connection is closed
    // as silent (after a stall of this process between accept and read, the timer runs first).
    rig = await startRig({ maxDiscardBytes: 1000, firstPacketTimeoutMs: 2_000 });
    const noisy = await connect();
    noisy.send(Buffer.alloc(2000, 0x41));
    await noisy.closed;
    const silent = await connect();
    await silent.closed;
    expect(await metric('qingliu_hj212_connections_closed_total', { reason: 'garbage' })).toBe(1);
    expect(await metric('qingliu_hj212_connections_closed_total', { reason: 'no_valid_packet' })).toBe(1);
    expect(rig.server.connections).toBe(0);
  });
});

/** wwtp1's real-time upload with the wrong access password `hunter2`. */
const wrongPassword = (qn: string) =>
  encodePacket({
    qn,
    st: '32',
    cn: '2011',
    pw: 'hunter2',
    mn: '020000A8900016F000169DC1',
    flag: 5,
    cp: 'DataTime=20261206101500;w01018-Rtd=1',
  });

const until = (condition: () => boolean | Promise<boolean>) => untilAsync(condition, 10_000, 'the expected state');

describe('DeadLetterBudget', () => {
  it('keeps the first n per device and reason in a period, then summarises; devices and reasons apart; bounded', () => {
    const budget = new DeadLetterBudget<number>({ perPeriod: 2, periodMs: 1000, maxKeys: 3 });
    expect([1, 2, 3, 4].map((i) => budget.admit('a', 'x', i, i).keep)).toEqual([true, true, false, false]);
    expect(budget.admit('a', 'y', 5, 5).keep).toBe(true);
    expect(budget.admit('b', 'x', 5, 5).keep).toBe(true);
    // A fourth key shares the overflow budget of its reason.
    expect([6, 7, 8].map((i) => budget.admit(`c${i}`, 'x', i, i).keep)).toEqual([true, true, false]);
    expect(budget.expire(999)).toEqual([]);
    // The next letter of (a, x) after the period starts a new one and carries the summary of the last.
    expect(budget.admit('a', 'x', 1001, 9)).toEqual({
      keep: true,
      summary: { device: 'a', reason: 'x', count: 2, from: 3, to: 4, last: 4 },
    });
    expect(budget.expire(1006)).toEqual([{ device: OVERFLOW_DEVICE, reason: 'x', count: 1, from: 8, to: 8, last: 8 }]);
  });
});

describe('duplicateOutcome', () => {
  it('refuses the newcomer while the holder sent within the window, takes over from a silent one', () => {
    expect(duplicateOutcome(T0, T0, 60_000)).toBe('refused');
    expect(duplicateOutcome(T0, T0 + 59_999, 60_000)).toBe('refused');
    expect(duplicateOutcome(T0, T0 + 60_000, 60_000)).toBe('took_over');
    expect(duplicateOutcome(Number.NEGATIVE_INFINITY, T0, 60_000)).toBe('took_over');
  });
});
