/** What every part of the server is handed: no module-level state anywhere else. */
import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import type { Dialect } from './db/index.ts';
import type { Database } from './db/schema.ts';
import type { MasterKey } from './secrets.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export interface AppContext {
  config: Config;
  db: Kysely<Database>;
  dialect: Dialect;
  masterKey: MasterKey;
  mailer: Mailer;
  /** The clock, in milliseconds since the epoch; tests pin it. */
  now: () => number;
}
