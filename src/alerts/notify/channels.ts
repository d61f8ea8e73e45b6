/** Builds the channel for a catalog channel spec; the outbox calls this for each stored notification. */
import type { ChannelSpec } from '../alert-catalog.js';
import type { Channel, HttpOptions, SecretLookup } from './channel.js';
import { dingtalkFromSpec } from './dingtalk.js';
import { createEmailChannel, type AttachmentSource, type Mailer } from './email.js';
import { feishuFromSpec } from './feishu.js';
import { createMqttChannel, type Publish } from './mqtt.js';
import { webhookFromSpec } from './webhook.js';
import { wecomFromSpec } from './wecom.js';

export interface ChannelDeps extends HttpOptions {
  /** Resolves `secret_env` / `url_env` names. */
  secrets: SecretLookup;
  mailer?: Mailer;
  publish?: Publish;
  /** Files of issued reports for e-mail attachments (the report archive). */
  attachments?: AttachmentSource;
}

export type ChannelFactory = (spec: ChannelSpec) => Channel;

export function createChannelFactory(deps: ChannelDeps): ChannelFactory {
  const http: HttpOptions = {
    now: deps.now,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
  };
  return (spec) => {
    switch (spec.type) {
      case 'webhook':
        return webhookFromSpec(spec, deps.secrets, http);
      case 'dingtalk':
        return dingtalkFromSpec(spec, deps.secrets, http);
      case 'wecom':
        return wecomFromSpec(spec, deps.secrets, http);
      case 'feishu':
        return feishuFromSpec(spec, deps.secrets, http);
      case 'email':
        return createEmailChannel({
          mailer: deps.mailer,
          to: spec.to ?? [],
          ...(deps.attachments ? { attachments: deps.attachments } : {}),
        });
      case 'mqtt':
        return createMqttChannel({ publish: deps.publish });
    }
  };
}
