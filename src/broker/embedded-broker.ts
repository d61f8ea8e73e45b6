/**
 * The embedded MQTT broker of `npm start` (no infrastructure needed): aedes 1.x on a TCP port.
 *
 * Scope, on purpose: MQTT 3.1/3.1.1 only (aedes has no MQTT 5), no shared subscriptions (`$share/…`,
 * so one ingester), sessions and queued QoS 1 messages kept in memory for the life of the process.
 * No authentication: it is meant for the one-machine demo; production uses Mosquitto (docs/deploy.md).
 *
 * Its sessions do not survive a restart, so a station that publishes after the broker listens but before the
 * ingester has subscribed again would have its QoS 1 messages acknowledged and then dropped for want of a
 * subscriber. With `gated`, connections to the port are held unanswered until `open()` (a client waits for its
 * CONNACK a little longer: no refusal, which MQTT.js would not retry), while the ingester connects and subscribes
 * through `internalUrl`, a second listener on an ephemeral loopback port.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { startCommand } from '../cli-hint.js';
import type { Logger } from '../logger.js';

export interface EmbeddedBrokerOptions {
  /** TCP port; 0 picks a free one (tests), read it back from `port` after `start()`. */
  port: number;
  /** Interface to bind; defaults to loopback so a demo does not accept stations from the network by accident. */
  host?: string;
  logger: Logger;
  /** Hold connections to `port` until `open()`; in-process clients use `internalUrl` meanwhile. */
  gated?: boolean;
}

export interface EmbeddedBroker {
  /** Listens; rejects with a BrokerPortInUseError when the port is taken. */
  start(): Promise<void>;
  /** Disconnects every client and closes the port; safe to call twice or before start(). */
  stop(): Promise<void>;
  /** Serves the connections held so far and every later one (see `gated`). */
  open(): void;
  /**
   * The first half of a stop: closes the port and disconnects its clients (stations take no more acknowledgements
   * from us), then waits, up to `timeoutMs`, until `subscriber` (the ingester, on `internalUrl`) has acknowledged
   * everything it was sent — what it has not would die with this process's memory. False on timeout.
   */
  closeToStations(subscriber: string, timeoutMs: number): Promise<boolean>;
  /** The bound port (the requested one until start() resolves). */
  readonly port: number;
  readonly host: string;
  /** `mqtt://host:port`: the broker's address for stations and clients of this process. */
  readonly url: string;
  /** For the ingester of a gated broker: served from the start (an ephemeral loopback port); `url` otherwise. */
  readonly internalUrl: string;
}

/** The port cannot be bound. The message tells the operator both ways out, in Chinese and English. */
export class BrokerPortInUseError extends Error {
  readonly code: string;
  constructor(
    readonly host: string,
    readonly port: number,
    cause: NodeJS.ErrnoException,
  ) {
    const hostForUrl = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const why =
      cause.code === 'EACCES'
        ? { zh: `无权监听 MQTT 端口 ${host}:${port}`, en: `no permission to listen on MQTT port ${host}:${port}` }
        : {
            zh: `MQTT 端口 ${host}:${port} 已被占用（可能已有 MQTT 服务器在运行）`,
            en: `MQTT port ${host}:${port} is already in use (probably another MQTT broker is running)`,
          };
    // Written as the user types them: each line is a whole command that starts the demo (test/start covers both).
    const movePort = startCommand(`MQTT_PORT=${port === 1883 ? 1884 : port + 1}`);
    const useBroker = startCommand(`MQTT_URL=mqtt://${hostForUrl}:${port} DEMO=on`);
    super(
      [
        `${why.zh}。`,
        `  · 让内置服务器换一个端口：${movePort}`,
        `  · 或在已有的服务器上运行演示：${useBroker}（如需认证再设置 MQTT_USERNAME / MQTT_PASSWORD）`,
        `${why.en}.`,
        `  · Move the embedded broker to a free port: ${movePort}`,
        `  · Or run the demo on the existing broker: ${useBroker} (plus MQTT_USERNAME / MQTT_PASSWORD if it needs them)`,
      ].join('\n'),
      { cause },
    );
    this.name = 'BrokerPortInUseError';
    this.code = cause.code ?? 'EADDRINUSE';
  }
}

/** The QoS 1 messages aedes has sent a client and not had acknowledged (its in-memory persistence). */
function outgoing(broker: Aedes, clientId: string): AsyncIterable<unknown> {
  const persistence = (
    broker as unknown as { persistence: { outgoingStream(client: { id: string }): AsyncIterable<unknown> } }
  ).persistence;
  return persistence.outgoingStream({ id: clientId });
}

export function createEmbeddedBroker(options: EmbeddedBrokerOptions): EmbeddedBroker {
  const log = options.logger.child({ component: 'embedded-broker' });
  const host = options.host ?? '127.0.0.1';
  let port = options.port;
  let admitAll = options.gated !== true;
  const held = new Set<net.Socket>();
  /** Every connection to `port` (held or served), for closeToStations. */
  const stations = new Set<net.Socket>();
  let aedes: Aedes | undefined;
  let server: net.Server | undefined;
  let internal: net.Server | undefined;
  let stopping: Promise<void> | undefined;

  const listen = (srv: net.Server, at = port) =>
    new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        srv.off('listening', onListening);
        reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new BrokerPortInUseError(host, port, err) : err);
      };
      const onListening = () => {
        srv.off('error', onError);
        resolve();
      };
      srv.once('error', onError);
      srv.once('listening', onListening);
      srv.listen(at, host);
    });

  const closeAedes = (instance: Aedes) => new Promise<void>((resolve) => instance.close(() => resolve()));
  const closeServer = (srv: net.Server) =>
    new Promise<void>((resolve) => {
      if (!srv.listening) return resolve();
      srv.close(() => resolve());
    });

  return {
    get port() {
      return port;
    },
    host,
    get url() {
      return `mqtt://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
    },
    get internalUrl() {
      const address = internal?.address();
      return address && typeof address === 'object' ? `mqtt://127.0.0.1:${address.port}` : this.url;
    },

    async start() {
      if (aedes) return;
      stopping = undefined;
      // The broker is created here, not in the factory: aedes starts heartbeat timers as soon as it listens.
      const broker = await Aedes.createBroker({
        // A client that stops reading must not stall delivery to everyone else.
        drainTimeout: 30_000,
      });
      // A client that went away ("connection closed", a reset) is routine — it reconnects — and must not fill the
      // demo's console at every stop; a protocol error is worth a warning.
      broker.on('clientError', (client, err) => {
        const gone = /connection closed|ECONNRESET|EPIPE/i.test(err.message);
        log[gone ? 'debug' : 'warn']({ clientId: client.id, err: err.message }, 'client error');
      });
      broker.on('connectionError', (client, err) =>
        log.warn({ clientId: client.id, err: err.message }, 'connection error'),
      );
      broker.on('client', (client) => log.debug({ clientId: client.id, clean: client.clean }, 'client connected'));
      broker.on('clientDisconnect', (client) => log.debug({ clientId: client.id }, 'client disconnected'));

      const srv = net.createServer((socket) => {
        stations.add(socket);
        socket.once('close', () => stations.delete(socket));
        if (admitAll) return broker.handle(socket);
        // Not read until open(): the client's CONNECT waits in the socket (aedes reads in paused mode).
        held.add(socket);
        socket.once('close', () => held.delete(socket));
        socket.on('error', () => socket.destroy());
      });
      // Errors after listening (e.g. EMFILE) are logged, never thrown: a broker hiccup must not kill ingest.
      try {
        await listen(srv);
        if (!admitAll) {
          internal = net.createServer(broker.handle);
          await listen(internal, 0);
          internal.on('error', (err) => log.error({ err }, 'broker server error'));
        }
      } catch (err) {
        await closeAedes(broker);
        await closeServer(srv);
        throw err;
      }
      srv.on('error', (err) => log.error({ err }, 'broker server error'));
      const address = srv.address();
      if (address && typeof address === 'object') port = address.port;
      aedes = broker;
      server = srv;
      log.info({ host, port }, `embedded MQTT broker on mqtt://${host}:${port}`);
    },

    open() {
      if (admitAll) return;
      admitAll = true;
      log.debug({ held: held.size }, 'serving every connection');
      for (const socket of held) {
        socket.removeAllListeners('error');
        aedes?.handle(socket);
      }
      held.clear();
    },

    async closeToStations(subscriber, timeoutMs) {
      const broker = aedes;
      if (!broker || !server) return true;
      server.close();
      for (const socket of stations) socket.destroy();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let pending = 0;
        for await (const _packet of outgoing(broker, subscriber)) pending++;
        if (pending === 0) return true;
        if (Date.now() > deadline) {
          log.warn({ pending, subscriber }, 'stopping with messages the ingester has not acknowledged');
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },

    stop() {
      stopping ??= (async () => {
        const broker = aedes;
        const srv = server;
        const inner = internal;
        aedes = undefined;
        server = undefined;
        internal = undefined;
        for (const socket of held) socket.destroy();
        held.clear();
        // Each step on its own: a failure closing one must not leave the other open.
        if (broker) await closeAedes(broker).catch((err) => log.warn({ err }, 'closing aedes failed'));
        if (srv) await closeServer(srv).catch((err) => log.warn({ err }, 'closing the broker port failed'));
        if (inner) await closeServer(inner).catch((err) => log.warn({ err }, 'closing the broker port failed'));
        if (broker || srv) log.info('embedded MQTT broker stopped');
      })();
      return stopping;
    },
  };
}
