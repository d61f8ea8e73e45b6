/**
 * MQTT: the notification as JSON on `wq/alerts/{stationId}`, QoS 1, not retained (an alert is an event, not a
 * state; the current state is in the API). Takes a publish function so it shares the service's connection.
 * The daily digest goes to `wq/reports/digest` (not a station topic).
 */
import { isAlertNotification, type OutboxMessage } from '../notification.js';
import { DeliveryError, type Channel } from './channel.js';
import { notificationToWire } from './wire.js';

export type Publish = (topic: string, payload: string, options: { qos: 1; retain: false }) => Promise<void>;

export function alertTopic(stationId: string): string {
  return `wq/alerts/${stationId}`;
}

export const DIGEST_TOPIC = 'wq/reports/digest';
/** Issued monthly, quarterly and annual reports (their summary; the files are in the API and the e-mails). */
export const REPORT_TOPIC = 'wq/reports/issued';

export function createMqttChannel(options: { publish: Publish | undefined }): Channel {
  return {
    type: 'mqtt',
    async send(notification: OutboxMessage) {
      if (!options.publish) throw new DeliveryError('MQTT channel: no broker connection is configured');
      try {
        await options.publish(
          isAlertNotification(notification)
            ? alertTopic(notification.alert.stationId)
            : notification.event === 'digest'
              ? DIGEST_TOPIC
              : REPORT_TOPIC,
          JSON.stringify(notificationToWire(notification)),
          { qos: 1, retain: false },
        );
      } catch (err) {
        throw new DeliveryError(`MQTT publish failed: ${(err as Error).message}`, false, { cause: err });
      }
    },
  };
}
