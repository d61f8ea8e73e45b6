import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startInfluxd, type Influxd } from './influxd.js';
import { startMosquitto, type Mosquitto } from './mosquitto.js';

describe('test harness: real services on free ports', () => {
  let broker: Mosquitto;
  let influx: Influxd;
  beforeAll(async () => {
    [broker, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
  });
  afterAll(async () => {
    await Promise.all([broker?.dispose(), influx?.dispose()]);
  });

  it('runs a mosquitto that relays a QoS 1 message, on a port other than 1883', async () => {
    expect(broker.port).not.toBe(1883);
    const client = await mqtt.connectAsync(broker.url);
    await client.subscribeAsync('harness/#', { qos: 1 });
    const received = new Promise<string>((resolve) =>
      client.on('message', (_t, payload) => resolve(payload.toString())),
    );
    await client.publishAsync('harness/x', 'hello', { qos: 1 });
    expect(await received).toBe('hello');
    await client.endAsync();
  });

  it('runs an influxd 1.x that accepts line protocol and answers InfluxQL', async () => {
    const ping = await fetch(`${influx.url}/ping`);
    expect(ping.headers.get('x-influxdb-version')).toMatch(/^1\./);
    await fetch(`${influx.url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE h' }) });
    const write = await fetch(`${influx.url}/write?db=h&precision=ms`, {
      method: 'POST',
      body: 'm,t=a v=1 1700000000000',
    });
    expect(write.status).toBe(204);
    const res = await fetch(`${influx.url}/query?db=h&q=${encodeURIComponent('SELECT v FROM m')}`);
    const body = (await res.json()) as { results: { series?: { values: unknown[][] }[] }[] };
    expect(body.results[0]?.series?.[0]?.values).toEqual([['2023-11-14T22:13:20Z', 1]]);
  });

  it('restarts the broker on the same port', async () => {
    await broker.restart();
    const client = await mqtt.connectAsync(broker.url);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });
});

describe('test helpers', () => {
  it('tempDir adds one exit listener however many directories a file makes (no MaxListenersExceededWarning)', async () => {
    const { tempDir } = await import('../ingest/helpers.js');
    const before = process.listenerCount('exit');
    const dirs = Array.from({ length: 25 }, () => tempDir('qingliu-harness-'));
    expect(new Set(dirs).size).toBe(25);
    expect(process.listenerCount('exit') - before).toBeLessThanOrEqual(1);
  });
});
