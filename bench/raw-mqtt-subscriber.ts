/**
 * The raw MQTT ceiling's subscriber: MQTT.js subscribing with QoS 1 and doing nothing with the messages (the
 * default `handleMessage` acknowledges at once). Runs in its own process, like the ingester it is compared with.
 * Protocol over IPC: sends {ready}; after `expected` messages sends {done, firstAt, lastAt}.
 */
import mqtt from 'mqtt';

const [url, topic, expectedText] = process.argv.slice(2);
const expected = Number(expectedText);
if (!url || !topic || !Number.isInteger(expected)) throw new Error('usage: raw-mqtt-subscriber <url> <topic filter> <expected messages>');

const client = await mqtt.connectAsync(url, { clientId: `bench-raw-${process.pid}`, clean: true });
client.on('error', () => undefined);
let count = 0;
let firstAt = 0;
client.on('message', () => {
  if (count === 0) firstAt = Date.now();
  count++;
  if (count === expected) process.send?.({ done: true, firstAt, lastAt: Date.now() });
});
await client.subscribeAsync(topic, { qos: 1 });
process.send?.({ ready: true });
process.on('disconnect', () => {
  void client.endAsync().finally(() => process.exit(0));
});
