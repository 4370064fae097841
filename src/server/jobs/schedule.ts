/** Runs the jobs inside the server: shortly after start, then every hour. */
import type { AppContext } from '../context.ts';
import { purge } from './purge.ts';
import { sendDueReminders } from './reminders.ts';

export interface JobLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const JOB_INTERVAL_MS = 3_600_000;

/** Starts the hourly jobs; returns a function that stops them. Timers never keep the process alive. */
export function startJobs(ctx: AppContext, log: JobLog, { intervalMs = JOB_INTERVAL_MS, firstRunMs = 60_000 } = {}): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async (): Promise<void> => {
    try {
      const reminders = await sendDueReminders(ctx);
      const purged = await purge(ctx);
      log.info({ reminders: reminders.sent.length, reminderFailures: reminders.failed.length, purged }, 'jobs ran');
    } catch (err) {
      log.error({ err }, 'jobs failed');
    }
    if (!stopped) schedule(intervalMs);
  };
  const schedule = (ms: number): void => {
    timer = setTimeout(() => void run(), ms);
    timer.unref();
  };
  schedule(firstRunMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
