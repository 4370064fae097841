/**
 * Serving a running context: the app, the hourly jobs (reminders and purge,
 * safe with several instances), and a clean stop on SIGINT or SIGTERM. Used
 * by `npm run server` and `npm start`.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp, loggerOptions } from './app.ts';
import type { RunningContext } from './bootstrap.ts';
import { startJobs } from './jobs/schedule.ts';

/** Listens on the configured port; when it cannot (the port is taken…), says why in one line and exits 1. */
export async function serve(ctx: RunningContext, logLevel: string): Promise<FastifyInstance> {
  const app = await buildApp(ctx, { logger: loggerOptions(logLevel) });
  const stopJobs = startJobs(ctx, app.log);
  const stop = async () => {
    stopJobs();
    await app.close();
    await ctx.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
  try {
    await app.listen({ port: ctx.config.port, host: ctx.config.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    console.error(code === 'EADDRINUSE' ? `Port ${ctx.config.port} is taken: start with another one, e.g. PORT=8081.` : `Cannot start: ${(err as Error).message}`);
    await stop();
    process.exit(1);
  }
  return app;
}
