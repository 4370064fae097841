/** `npm run server`: starts the provisioning server; listening is all it does. */
import { buildApp } from './app.ts';
import { createContext } from './bootstrap.ts';
import { loadConfig } from './config.ts';

const config = loadConfig();
const ctx = await createContext(config);
const app = await buildApp(ctx, { logger: { level: process.env.LOG_LEVEL ?? 'info' } });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => ctx.close());
  });
}

await app.listen({ port: config.port, host: config.host });
app.log.info({ portal: `${config.publicUrl}/virtuel`, database: ctx.dialect }, 'Jeton server ready');
