/**
 * Where simulated messages go. The runners only need `publish(topic, payload)` resolving once the broker has
 * the message (PUBACK for QoS 1); the demo can hand in its own, tests can collect messages in memory.
 */
import type { IClientOptions, MqttClient } from 'mqtt';

export interface Publisher {
  /** Resolves when the message is acknowledged (QoS 1 PUBACK); rejects when it cannot be delivered. */
  publish(topic: string, payload: string): Promise<void>;
}

/** Publishes through an existing MQTT.js client at QoS 1 (the client's owner connects and ends it). */
export function mqttPublisher(client: MqttClient): Publisher {
  return {
    async publish(topic, payload) {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
  };
}

export interface MqttPublisherOptions {
  url: string;
  clientId?: string;
  username?: string | undefined;
  password?: string | undefined;
  /** Connection attempt timeout, ms. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface ConnectedPublisher extends Publisher {
  readonly client: MqttClient;
  /** Waits for in-flight messages, then disconnects. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Connects a dedicated MQTT client for the simulator. Clean session: the simulator is a publisher and keeps
 * nothing at the broker. MQTT.js resends unacknowledged QoS 1 messages after a reconnect by itself.
 */
export async function connectMqttPublisher(options: MqttPublisherOptions): Promise<ConnectedPublisher> {
  const { connectAsync } = await import('mqtt');
  const clientOptions: IClientOptions = {
    clientId: options.clientId ?? `qingliu-sim-${process.pid}-${Math.floor(Math.random() * 1e6).toString(36)}`,
    clean: true,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    reconnectPeriod: 1_000,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
  };
  const client = await connectAsync(options.url, clientOptions);
  // MQTT.js emits `error` for broker refusals; without a listener Node would throw it. Failed publishes reject.
  client.on('error', () => undefined);
  let closed = false;
  return {
    client,
    publish: mqttPublisher(client).publish,
    async close() {
      if (closed) return;
      closed = true;
      await client.endAsync();
    },
  };
}

/** Collects messages in memory (tests, `--print`). */
export interface MemoryPublisher extends Publisher {
  readonly messages: { topic: string; payload: string }[];
}

export function memoryPublisher(): MemoryPublisher {
  const messages: { topic: string; payload: string }[] = [];
  return {
    messages,
    async publish(topic, payload) {
      messages.push({ topic, payload });
    },
  };
}

/**
 * Bounds the number of unacknowledged publishes: `run` waits for a free slot, starts the task, and returns
 * without waiting for it to finish. `drain` waits for everything started; the first failure is kept and
 * rethrown by `drain` (and by later `run` calls), so a runner stops on a broken connection.
 */
export interface InFlightLimiter {
  run(task: () => Promise<void>): Promise<void>;
  drain(): Promise<void>;
  readonly inFlight: number;
  readonly failure: unknown;
}

export function createInFlightLimiter(max: number): InFlightLimiter {
  if (!(max >= 1)) throw new Error('in-flight limit must be at least 1');
  const running = new Set<Promise<void>>();
  let failure: unknown;
  let failed = false;
  return {
    get inFlight() {
      return running.size;
    },
    get failure() {
      return failure;
    },
    async run(task) {
      while (running.size >= max) await Promise.race(running);
      if (failed) throw failure;
      const p: Promise<void> = task()
        .catch((err: unknown) => {
          if (!failed) {
            failed = true;
            failure = err;
          }
        })
        .finally(() => running.delete(p));
      running.add(p);
    },
    async drain() {
      while (running.size > 0) await Promise.race(running);
      if (failed) throw failure;
    },
  };
}
