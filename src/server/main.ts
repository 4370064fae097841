/** `npm run server`: starts the provisioning server; listening is all it does. */
import { createContext } from './bootstrap.ts';
import { loadConfigOrExit } from './config.ts';
import { serve } from './serve.ts';

const config = loadConfigOrExit();
const ctx = await createContext(config);
const app = await serve(ctx, process.env.LOG_LEVEL ?? 'info');
app.log.info({ portal: `${config.publicUrl}/virtuel`, database: ctx.dialect }, 'Jeton server ready');
