/** The demo user `npm start` creates so Jeton can be tried at once. Not for production data. */
import type { AppContext } from './context.ts';
import { createUser, findUser } from './store/users.ts';

export const DEMO_USER = {
  username: 'demo',
  email: 'demo@example.org',
  password: 'demo-jeton',
  question: 'Quelle est la couleur du jeton ?',
  answer: 'bleu',
  message: 'Bonjour Démo ! Ce message est le vôtre : si vous ne le reconnaissez pas, n’allez pas plus loin.',
} as const;

/** Creates the demo user unless a user named `demo` exists; says which. */
export async function ensureDemoUser(ctx: AppContext): Promise<{ created: boolean }> {
  if (await findUser(ctx, DEMO_USER.username)) return { created: false };
  await createUser(ctx, {
    username: DEMO_USER.username,
    email: DEMO_USER.email,
    password: DEMO_USER.password,
    message: DEMO_USER.message,
    questions: [{ question: DEMO_USER.question, answer: DEMO_USER.answer }],
  });
  return { created: true };
}
