import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMailer } from './index.ts';

describe('mail without SMTP_URL', () => {
  it('is written to the outbox as .eml files only the owner reads, and the log says where once', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'jeton-mail-')), 'data');
    const logs: string[] = [];
    const mailer = createMailer({ smtpUrl: undefined, dataDir, mailFrom: 'Jeton <jeton@example.org>' }, (m) => void logs.push(m));
    await mailer.send({ to: 'format01@example.org', subject: 'Votre code d’activation', text: 'Code : 12345678' });
    await mailer.send({ to: 'format02@example.org', subject: 'Votre code d’activation', text: 'Code : 87654321' });
    const outbox = join(dataDir, 'outbox');
    const files = readdirSync(outbox);
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.eml'))).toBe(true);
    const texts = files.map((f) => readFileSync(join(outbox, f), 'utf8'));
    expect(texts.some((t) => t.includes('To: format01@example.org') && t.includes('12345678'))).toBe(true);
    for (const f of files) expect(statSync(join(outbox, f)).mode & 0o777).toBe(0o600);
    expect(statSync(outbox).mode & 0o777).toBe(0o700);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(logs).toEqual([`SMTP_URL is not set: mail goes to ${outbox}`]);
  });
});
