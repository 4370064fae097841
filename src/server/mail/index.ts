/**
 * Sends mail over SMTP (`SMTP_URL`) with nodemailer; without it, writes each
 * message as an `.eml` file under `<data dir>/outbox` and logs where.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { Mailer, MailMessage } from '../context.ts';

export function createMailer(config: Pick<Config, 'smtpUrl' | 'dataDir' | 'mailFrom'>, log: (msg: string) => void): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(message: MailMessage) {
        await transport.sendMail({ from: config.mailFrom, ...message });
      },
    };
  }
  const outbox = join(config.dataDir, 'outbox');
  // Builds the RFC 5322 message without sending it anywhere.
  const writer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let told = false;
  return {
    async send(message: MailMessage) {
      const info = await writer.sendMail({ from: config.mailFrom, ...message });
      mkdirSync(outbox, { recursive: true, mode: 0o700 });
      const file = join(outbox, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      if (!told) {
        log(`SMTP_URL is not set: mail goes to ${outbox}`);
        told = true;
      }
    },
  };
}
