/** Turns a configuration into a running context: database, master key, mailer, clock. */
import type { Config } from './config.ts';
import { sqliteFile } from './config.ts';
import type { AppContext } from './context.ts';
import { openDatabase } from './db/index.ts';
import { createMailer } from './mail/index.ts';
import { loadMasterKey } from './secrets.ts';
import { settleInterruptedRotation } from './store/key-rotation.ts';

export interface RunningContext extends AppContext {
  close(): Promise<void>;
}

export async function createContext(config: Config, log: (msg: string) => void = (m) => console.warn(m)): Promise<RunningContext> {
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    sqliteFile: sqliteFile(config),
    ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
    onConnectionLost: log,
    onMigrationWait: log,
  });
  let masterKey = loadMasterKey(config.masterKey, config.dataDir, log);
  if (!config.masterKey) masterKey = await settleInterruptedRotation(handle.db, config.dataDir, masterKey, log);
  return {
    config,
    db: handle.db,
    dialect: handle.dialect,
    masterKey,
    mailer: createMailer(config, log),
    now: () => Date.now(),
    close: () => handle.close(),
  };
}
