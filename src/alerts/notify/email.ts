/**
 * E-mail over SMTP (nodemailer). One message per notification to the unit's addresses; the notification id is
 * the Message-ID, so a mail system (or a person) can recognise a retried delivery.
 */
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { isAlertNotification, type OutboxMessage, type ReportAttachment } from '../notification.js';
import { ChannelNotConfiguredError, DeliveryError, type Channel } from './channel.js';

export interface EmailTransportOptions {
  /** smtp://user:pass@host:port or smtps://… */
  smtpUrl: string;
  from: string;
  timeoutMs?: number;
}

/** Lazily creates one pooled-less transport per URL; `close()` releases it. */
export interface Mailer {
  sendMail(message: SendMailOptions): Promise<unknown>;
  close(): void;
}

export function createMailer(options: EmailTransportOptions): Mailer {
  const url = new URL(options.smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 25,
    secure: url.protocol === 'smtps:',
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    // STARTTLS when the server offers it; a plain local relay is allowed.
    ignoreTLS: url.searchParams.get('tls') === 'off',
    connectionTimeout: options.timeoutMs ?? 10_000,
    greetingTimeout: options.timeoutMs ?? 10_000,
    socketTimeout: options.timeoutMs ?? 10_000,
  });
  return {
    sendMail: (message) => transport.sendMail({ from: options.from, ...message }),
    close: () => transport.close(),
  };
}

/** Markdown to readable plain text: drop heading marks and turn [label](url) into "label: url". */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/^#{1,6}\s*/gm, '')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1: $2');
}

/** Reads an issued report's file for an attachment (the report archive); undefined when it is not there. */
export type AttachmentSource = (ref: ReportAttachment) => Promise<Buffer | undefined>;

export function emailMessage(
  n: OutboxMessage,
  to: readonly string[],
  attachments?: { filename: string; content: Buffer; contentType: string }[],
): SendMailOptions {
  return {
    to: [...to],
    subject: n.title,
    text: markdownToText(n.text),
    messageId: `<${n.id}@qingliu.alerts>`,
    headers: {
      'X-Qingliu-Event': n.event,
      ...(isAlertNotification(n) ? { 'X-Qingliu-Alert': String(n.alert.id) } : {}),
    },
    ...(attachments && attachments.length > 0 ? { attachments } : {}),
  };
}

export function createEmailChannel(options: {
  mailer: Mailer | undefined;
  to: readonly string[];
  attachments?: AttachmentSource;
}): Channel {
  return {
    type: 'email',
    async send(notification) {
      if (!options.mailer) throw new ChannelNotConfiguredError('e-mail channel: SMTP_URL is not configured');
      const files =
        notification.event === 'report'
          ? await Promise.all(
              notification.attachments.map(async (ref) => {
                const content = await options.attachments?.(ref);
                // Issued reports are immutable, so a missing file will not appear later: give up on this e-mail.
                if (!content) throw new DeliveryError(`report file ${ref.filename} is not in the report archive`, true);
                return { filename: ref.filename, content, contentType: ref.contentType };
              }),
            )
          : undefined;
      try {
        await options.mailer.sendMail(emailMessage(notification, options.to, files));
      } catch (err) {
        throw new DeliveryError(`SMTP delivery failed: ${(err as Error).message}`, false, { cause: err });
      }
    },
  };
}
