/**
 * Wires the alert core from Config for the composition root (the alerts role): the alert store (DATA_DIR/alerts.db,
 * or PostgreSQL when the control database is given: DATABASE_URL, shared by the instances), the channels (secrets from the environment, SMTP from SMTP_URL, MQTT through the given
 * publish function), the outbox and the service. Constructors wire; start() starts the outbox loop; stop()
 * undoes in reverse order and may be called twice.
 */
import type { Config } from '../config.js';
import type { Postgres } from '../db/postgres.js';
import { envSecret } from '../config.js';
import type { Logger } from '../logger.js';
import type { AlertCatalog, ChannelSpec } from './alert-catalog.js';
import { createAlertService, type AlertService } from './alert-service.js';
import { createAlertStore, type AlertStore } from './alert-store.js';
import type { SecretLookup } from './notify/channel.js';
import { createChannelFactory } from './notify/channels.js';
import { createMailer, type AttachmentSource, type Mailer } from './notify/email.js';
import type { Publish } from './notify/mqtt.js';
import { createOutbox, type Outbox } from './outbox.js';
import { createPgAlertEventRelay } from './pg-alert-events.js';
import { createPgAlertStore } from './pg-alert-store.js';
import { defaultAlertSettings, type AlertSettings } from './settings.js';
import type { WindowReadings } from './window-data.js';

export type AlertConfig = Pick<
  Config,
  'DATA_DIR' | 'TIMEZONE' | 'LANG_UI' | 'ALERT_WEBHOOK_URL' | 'ALERT_WEBHOOK_SECRET' | 'SMTP_URL' | 'SMTP_FROM'
>;

/** The name under which the default webhook's secret is looked up (it comes from Config, not the catalog). */
const DEFAULT_SECRET_NAME = 'ALERT_WEBHOOK_SECRET';

/** The deployment's default channel (ALERT_WEBHOOK_URL), if configured. */
export function defaultChannels(config: AlertConfig): ChannelSpec[] {
  if (!config.ALERT_WEBHOOK_URL) return [];
  return [
    {
      type: 'webhook',
      url: config.ALERT_WEBHOOK_URL,
      ...(config.ALERT_WEBHOOK_SECRET ? { secret_env: DEFAULT_SECRET_NAME } : {}),
    },
  ];
}

/** Secrets named in the catalog come from the environment; the default webhook's from Config. */
export function secretLookup(config: AlertConfig, fallback: SecretLookup = (name) => envSecret(name)): SecretLookup {
  return (name) => (name === DEFAULT_SECRET_NAME ? config.ALERT_WEBHOOK_SECRET : fallback(name));
}

export interface Alerts {
  store: AlertStore;
  outbox: Outbox;
  service: AlertService;
  start(): void;
  stop(): Promise<void>;
}

export function createAlerts(deps: {
  config: AlertConfig;
  catalog: AlertCatalog;
  readings: WindowReadings;
  logger: Logger;
  now?: () => number;
  settings?: AlertSettings;
  /** Publishes on the service's MQTT connection, for `mqtt` channels. */
  publish?: Publish;
  /** Overrides the environment lookup (tests). */
  secrets?: SecretLookup;
  /** Files of issued reports, attached to report e-mails (src/reports/report-archive.ts). */
  attachments?: AttachmentSource;
  /** Demo mode: the demo catalog names channels nobody configures, so saying so is not a warning there. */
  demo?: boolean;
  /** The control database (DATABASE_URL, migrated): the alert state is kept there, shared by the instances. */
  db?: Postgres;
}): Alerts {
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const store = deps.db ? createPgAlertStore(deps.db) : createAlertStore({ dataDir: config.DATA_DIR });
  const mailer: Mailer | undefined = config.SMTP_URL
    ? createMailer({ smtpUrl: config.SMTP_URL, from: config.SMTP_FROM })
    : undefined;
  const channels = createChannelFactory({
    secrets: secretLookup(config, deps.secrets),
    now,
    ...(mailer ? { mailer } : {}),
    ...(deps.publish ? { publish: deps.publish } : {}),
    ...(deps.attachments ? { attachments: deps.attachments } : {}),
  });
  const outbox = createOutbox({
    store,
    channels,
    now,
    logger: deps.logger,
    ...(deps.demo && { unconfiguredLevel: 'info' as const }),
  });
  const local = createAlertService({
    store,
    catalog: deps.catalog,
    readings: deps.readings,
    settings: deps.settings ?? defaultAlertSettings(),
    now,
    logger: deps.logger,
    timeZone: config.TIMEZONE,
    lang: config.LANG_UI,
    defaultChannels: defaultChannels(config),
    outbox,
  });
  // Instances sharing PostgreSQL hear each other's alert events: an API instance's live stream shows the alerts the
  // alerts leader opens (pg-alert-events.ts). Listening starts now, whatever the roles: every such instance serves it.
  const relay = deps.db
    ? createPgAlertEventRelay({ db: deps.db, alert: (id) => store.get(id), logger: deps.logger })
    : undefined;
  const service: AlertService = relay
    ? {
        ...local,
        subscribe(listener) {
          const offLocal = local.subscribe(listener);
          const offRelayed = relay.subscribe(listener);
          return () => {
            offLocal();
            offRelayed();
          };
        },
      }
    : local;
  const stopTelling = relay ? local.subscribe((event) => relay.publish(event)) : undefined;
  const listening = relay?.start();
  let stopped = false;
  return {
    store,
    outbox,
    service,
    start: () => outbox.start(),
    async stop() {
      if (stopped) return;
      stopped = true;
      stopTelling?.();
      await listening;
      await relay?.stop();
      try {
        await outbox.stop();
      } catch (err) {
        deps.logger.error({ err }, 'stopping the alert outbox failed');
      }
      try {
        mailer?.close();
      } catch (err) {
        deps.logger.error({ err }, 'closing the SMTP transport failed');
      }
      await store.close();
    },
  };
}
