/** `npm run server`: starts the provisioning server; listening is all it does. */
import { buildApp, loggerOptions } from './app.ts';
import { createContext } from './bootstrap.ts';
import { loadConfigOrExit } from './config.ts';
import { startJobs } from './jobs/schedule.ts';

const config = loadConfigOrExit();
const ctx = await createContext(config);
const app = await buildApp(ctx, { logger: loggerOptions(process.env.LOG_LEVEL ?? 'info') });
// Reminders and purge, hourly; safe with several instances (see src/server/jobs).
const stopJobs = startJobs(ctx, app.log);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopJobs();
    void app.close().then(() => ctx.close());
  });
}

await app.listen({ port: config.port, host: config.host });
app.log.info({ portal: `${config.publicUrl}/virtuel`, database: ctx.dialect }, 'Jeton server ready');
