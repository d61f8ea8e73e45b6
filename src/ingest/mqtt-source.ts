/**
 * The MQTT side of ingest: one persistent session (fixed client id, clean=false, QoS 1 subscriptions), so the
 * broker queues messages while the ingester is down. Every message goes through `onMessage`, and its PUBACK
 * is sent only when `done` is called (MQTT.js delays it until the `handleMessage` callback).
 *
 * Subscriptions are renewed on every (re)connection, whether or not the broker kept the session. A retained
 * status topic says `online`, and a last will says `offline` when the connection dies.
 * Errors are logged, never thrown: the client reconnects by itself.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../logger.js';
import { maskUrl } from '../secrets.js';
import type { IngestMetrics } from '../metrics.js';
import type { AckHold, Delivery } from './ingest-pipeline.js';
import { statusTopic as defaultStatusTopic, subscriptionTopics } from './topics.js';

export interface MqttSourceOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  shareGroup?: string;
  logger: Logger;
  metrics: IngestMetrics;
  onMessage(topic: string, payload: Uint8Array, done: () => void, delivery: Delivery): void;
  /** Retained `online`/`offline`; default `wq/_status/{clientId}` (the service ACL of src/broker/mosquitto-auth.ts allows it). */
  statusTopic?: string;
  keepaliveSeconds?: number;
  reconnectPeriodMs?: number;
}

export interface MqttSource {
  /** Starts connecting; resolves at once (the client keeps trying in the background; see `connected`). */
  start(): Promise<void>;
  /** Says `offline`, closes the connection. Messages not yet acknowledged stay with the broker. Safe twice. */
  stop(): Promise<void>;
  readonly connected: boolean;
  /** Resolves when the broker first grants the subscriptions (the embedded broker waits for it; app.ts). */
  readonly subscribed: Promise<void>;
  /** Fire-and-forget QoS 0 publication (dead-letter notices). */
  publish(topic: string, payload: string): void;
  /**
   * Corks the connection: PUBACKs (and anything else) written from now on stay in the process until
   * `release()`; `abort()` drops the connection instead, so they are never sent and the broker redelivers.
   * Undefined when there is no live connection to cork (acknowledgements would be queued for the next one).
   */
  holdAcknowledgements(): AckHold | undefined;
}

export function createMqttSource(options: MqttSourceOptions): MqttSource {
  const log = options.logger.child({ component: 'mqtt', clientId: options.clientId });
  const { metrics } = options;
  const statusTopic = options.statusTopic ?? defaultStatusTopic(options.clientId);
  const topics = subscriptionTopics(options.shareGroup);
  let client: MqttClient | undefined;
  let stopped = false;
  let wasConnected = false;
  let markSubscribed: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (markSubscribed = resolve));

  function subscribe(c: MqttClient): void {
    c.subscribe(topics, { qos: 1 }, (err, granted) => {
      if (err) {
        log.error({ err, topics }, 'subscription failed; retrying on the next connection');
        return;
      }
      const refused = (granted ?? []).filter((g) => g.qos === 128);
      if (refused.length > 0)
        log.error({ topics: refused.map((g) => g.topic) }, 'the broker refused subscriptions (ACL?)');
      else {
        log.info({ topics }, 'subscribed');
        markSubscribed();
      }
    });
  }

  return {
    async start() {
      if (client || stopped) return;
      const clientOptions: IClientOptions = {
        clientId: options.clientId,
        // Persistent session: the broker keeps our subscriptions and queues QoS 1 messages while we are away.
        clean: false,
        protocolVersion: 4,
        username: options.username,
        password: options.password,
        keepalive: options.keepaliveSeconds ?? 30,
        reconnectPeriod: options.reconnectPeriodMs ?? 1000,
        connectTimeout: 10_000,
        // We subscribe on every connect ourselves (below); MQTT.js's own resubscription would do it twice.
        resubscribe: false,
        will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
        // MQTT.js traces every packet through `debug`; even disabled, that is ~1 % of the ingest CPU.
        log: () => undefined,
      };
      const c = mqtt.connect(options.url, clientOptions);
      client = c;
      c.handleMessage = (packet, callback) => {
        let called = false;
        try {
          options.onMessage(
            packet.topic,
            packet.payload as Buffer,
            () => {
              if (called) return;
              called = true;
              // PUBACKs the socket cannot send yet (the broker is slow to read them) stay in the process: at full
              // speed, 150,000 write requests and 100 MB of heap within a second. Take the next message only once
              // they have left: MQTT.js stops reading, and TCP holds the broker back (it queues for the session).
              const stream = c.stream as (typeof c.stream & { writableNeedDrain?: boolean }) | undefined;
              if (stream?.writableNeedDrain && !stream.destroyed) stream.once('drain', callback);
              else callback();
            },
            { retained: packet.retain === true },
          );
        } catch (err) {
          // Not acknowledged: the broker redelivers it after the next reconnection. Never crash the client loop.
          log.error({ err, topic: packet.topic }, 'message handler threw; message left unacknowledged');
        }
      };
      c.on('connect', (connack) => {
        wasConnected = true;
        metrics.mqttConnected.set(1);
        metrics.mqttConnects.inc();
        log.info({ url: maskUrl(options.url), sessionPresent: connack.sessionPresent }, 'connected to the broker');
        subscribe(c);
        // QoS 0: a QoS 1 PUBACK could wait behind held messages and make a later stop() wait for it.
        c.publish(statusTopic, 'online', { qos: 0, retain: true }, (err) => {
          if (err) log.debug({ err }, 'could not publish the online status');
        });
      });
      c.on('close', () => {
        metrics.mqttConnected.set(0);
        if (wasConnected && !stopped) log.warn('disconnected from the broker; reconnecting');
        wasConnected = false;
      });
      c.on('reconnect', () => log.debug('reconnecting'));
      c.on('offline', () => log.debug('offline'));
      c.on('disconnect', (packet) => log.warn({ reasonCode: packet.reasonCode }, 'the broker sent DISCONNECT'));
      // Never rethrow: an 'error' without a listener would crash the process; MQTT.js reconnects by itself.
      c.on('error', (err) =>
        log.error({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'MQTT error'),
      );
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      const c = client;
      if (!c) return;
      if (c.connected) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          c.publish(statusTopic, 'offline', { qos: 0, retain: true }, () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      // Not forced: PUBACKs already queued on the socket are flushed before it closes.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => c.end(true, () => resolve()), 3000);
        c.end(false, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      metrics.mqttConnected.set(0);
      log.info('disconnected (stopping)');
    },

    get connected() {
      return client?.connected === true;
    },
    subscribed,

    holdAcknowledgements() {
      const stream = client?.stream;
      if (!client?.connected || !stream || stream.destroyed) return undefined;
      stream.cork();
      let settled = false;
      return {
        release() {
          if (settled) return;
          settled = true;
          stream.uncork();
        },
        abort(reason) {
          if (settled) return;
          settled = true;
          log.error(
            { err: reason },
            'dropping the connection without sending held acknowledgements; the broker redelivers',
          );
          stream.destroy();
        },
      };
    },

    publish(topic, payload) {
      if (!client || stopped) return;
      // A notice is a courtesy (the dead letter itself is in the store): never let notices queue up. Offline,
      // MQTT.js would keep every QoS 0 publication in memory; on a backed-up socket each one would wait on its own
      // 'drain' listener. A station flooding invalid messages must not grow the ingester's memory either way.
      const stream = client.stream as { writableNeedDrain?: boolean } | undefined;
      if (!client.connected || stream?.writableNeedDrain === true) {
        metrics.deadLetterNoticesDropped.inc();
        return;
      }
      client.publish(topic, payload, { qos: 0 }, (err) => {
        if (err) log.debug({ err, topic }, 'publication failed');
      });
    },
  };
}
