/**
 * E-mail over SMTP (nodemailer). One message per notification to the unit's addresses; the notification id is
 * the Message-ID, so a mail system (or a person) can recognise a retried delivery.
 */
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { OutboxMessage } from '../notification.js';
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

export function emailMessage(n: OutboxMessage, to: readonly string[]): SendMailOptions {
  return {
    to: [...to],
    subject: n.title,
    text: markdownToText(n.text),
    messageId: `<${n.id}@qingliu.alerts>`,
    headers: { 'X-Qingliu-Event': n.event, ...(n.event === 'digest' ? {} : { 'X-Qingliu-Alert': String(n.alert.id) }) },
  };
}

export function createEmailChannel(options: { mailer: Mailer | undefined; to: readonly string[] }): Channel {
  return {
    type: 'email',
    async send(notification) {
      if (!options.mailer) throw new ChannelNotConfiguredError('e-mail channel: SMTP_URL is not configured');
      try {
        await options.mailer.sendMail(emailMessage(notification, options.to));
      } catch (err) {
        throw new DeliveryError(`SMTP delivery failed: ${(err as Error).message}`, false, { cause: err });
      }
    },
  };
}
