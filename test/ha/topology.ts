/**
 * Several Qingliu instances of every role, as the compose scale profile runs them, on this machine: real
 * `src/main.ts` processes with ROLES and DATABASE_URL, each with its own DATA_DIR and fixed loopback ports (so a
 * restart comes back where it was), and the repository's haproxy.cfg in front of the ingesters' HJ 212 gateways
 * and the API instances. The infrastructure (mosquitto, influxd, PostgreSQL) is started by the caller with the
 * harness and passed in. Used by the chaos test and `npm run bench:ha`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../harness/free-port.js';
import { startProductionHaproxy, type ProductionHaproxy } from '../harness/haproxy.js';
import { qingliuProcess, type QingliuProcess } from '../harness/qingliu.js';

export const ADMIN_KEY = 'chaos-admin-key-0123456789abcdef';

export interface TopologyOptions {
  mqttUrl: string;
  influxUrl: string;
  bucket: string;
  databaseUrl: string;
  catalog: string;
  ingesters: number;
  apis: number;
  alerts: number;
  /** Settings every instance gets (ALERT_EVAL_DELAY, the catalog's HJ 212 secrets …). */
  env?: Record<string, string>;
  /** Settings of the alerts instances only (LEADER_LEASE, job schedules, the webhook …). */
  alertsEnv?: Record<string, string>;
  /** Settings of the API instances only. */
  apiEnv?: Record<string, string>;
}

export interface Topology {
  ingesters: QingliuProcess[];
  apis: QingliuProcess[];
  alerts: QingliuProcess[];
  haproxy: ProductionHaproxy;
  all(): QingliuProcess[];
  /** The alerts instance leading now, from the logs (elected after it last lost the leadership). */
  leader(): QingliuProcess | undefined;
  dispose(): Promise<void>;
}

/** The instance's own log says it leads: its last "elected leader" after its last step-down, in this run. */
export function isLeading(p: QingliuProcess): boolean {
  if (!p.running) return false;
  const log = p.logSinceStart();
  return log.lastIndexOf('"msg":"elected leader"') > log.lastIndexOf('"msg":"lost the leadership');
}

/**
 * Creates the processes (not started: `startIngest`, `startApis`, `startAlerts` start them, so a caller decides
 * the order) and haproxy in front of the ingesters' gateways and the API instances.
 */
export async function createTopology(options: TopologyOptions): Promise<
  Topology & {
    startIngest(): Promise<void>;
    startApis(): Promise<void>;
    startAlerts(): Promise<void>;
    root: string;
  }
> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qingliu-ha-'));
  const common = {
    MQTT_URL: options.mqttUrl,
    INFLUX_URL: options.influxUrl,
    INFLUX_BUCKET: options.bucket,
    CATALOG: options.catalog,
    TIMEZONE: 'Asia/Shanghai',
    ADMIN_API_KEY: ADMIN_KEY,
    ...options.env,
  };
  const make = async (name: string, env: Record<string, string>) =>
    qingliuProcess({ name, port: await freePort(), dataDir: path.join(root, name), env: { ...common, ...env } });

  const ingesters: QingliuProcess[] = [];
  const hj212Ports: number[] = [];
  for (let i = 1; i <= options.ingesters; i++) {
    const hj212Port = await freePort();
    hj212Ports.push(hj212Port);
    ingesters.push(
      await make(`ingest-${i}`, {
        ROLES: 'ingest',
        // Fixed per instance: its persistent session (and what the broker queued for it) survives a kill.
        MQTT_CLIENT_ID: `qingliu-ingest-${i}`,
        MQTT_SHARE_GROUP: 'qingliu',
        HJ212_PORT: String(hj212Port),
      }),
    );
  }
  const apis: QingliuProcess[] = [];
  for (let i = 1; i <= options.apis; i++)
    apis.push(
      await make(`api-${i}`, {
        ROLES: 'api',
        DATABASE_URL: options.databaseUrl,
        ...options.apiEnv,
      }),
    );
  const alerts: QingliuProcess[] = [];
  for (let i = 1; i <= options.alerts; i++)
    alerts.push(
      await make(`alerts-${i}`, {
        ROLES: 'alerts',
        DATABASE_URL: options.databaseUrl,
        MQTT_CLIENT_ID: `qingliu-alerts-${i}`,
        ...options.alertsEnv,
      }),
    );
  const haproxy = await startProductionHaproxy({ hj212: hj212Ports, api: apis.map((a) => a.port) });
  const all = () => [...ingesters, ...apis, ...alerts];
  return {
    root,
    ingesters,
    apis,
    alerts,
    haproxy,
    all,
    leader: () => alerts.find(isLeading),
    startIngest: async () => void (await Promise.all(ingesters.map((p) => p.start()))),
    startApis: async () => void (await Promise.all(apis.map((p) => p.start()))),
    startAlerts: async () => void (await Promise.all(alerts.map((p) => p.start()))),
    async dispose() {
      await Promise.all(all().map((p) => p.kill()));
      await haproxy.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The catalog's HJ 212 secrets for the chaos catalog's two loggers (read by the gateway and the simulator). */
export const LOGGER_SECRETS = {
  CHAOS_PLANT_A_PW: 'chaos-a-pw',
  CHAOS_PLANT_B_PW: 'chaos-b-pw',
  CHAOS_PLANT_B_SM4: '00112233445566778899aabbccddeeff',
} as const;
