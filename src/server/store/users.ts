/**
 * Users: creation (one by one or from CSV), unlock, and their tokens as the
 * portal and the admin CLI show them.
 */
import type { Selectable } from 'kysely';
import { isUserId, normalizeUserId } from '../../core/user-id.ts';
import type { AppContext } from '../context.ts';
import { daysLeft } from '../../core/expiry.ts';
import type { SecurityQuestionsTable, TokenState, User } from '../db/schema.ts';
import { hashAnswer, hashSecret, normalizeAnswer } from '../secrets.ts';
import { audit } from './audit.ts';
import { catalogueImage, DECOY_QUESTIONS, IMAGE_CATALOGUE } from '../web/decoy.ts';
import { revokeToken } from './tokens/revoke.ts';

/** Input a person got wrong: `field` says which. */
export class UserInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'UserInputError';
  }
}

export interface NewUserInput {
  username: string;
  email: string;
  questions: Array<{ question: string; answer: string }>;
  /** Personal message shown on the portal; empty: a stable one is derived (see web/decoy.ts). */
  message?: string | undefined;
  /** An uploaded picture, or the number of a catalogue image (web/decoy.ts IMAGE_CATALOGUE). */
  image?: { type: string; data: Uint8Array } | { catalogue: number } | undefined;
  password?: string | undefined;
}

const LIMITS = {
  email: 254,
  question: 200,
  answer: 200,
  message: 280,
  passwordMin: 8,
  passwordMax: 256,
  imageBytes: 256 * 1024,
} as const;

const IMAGE_SIGNATURES: Array<{ type: string; test: (b: Uint8Array) => boolean }> = [
  { type: 'image/png', test: (b) => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  { type: 'image/jpeg', test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', test: (b) => b.length > 6 && String.fromCharCode(...b.subarray(0, 4)) === 'GIF8' },
  {
    type: 'image/webp',
    test: (b) => b.length > 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP',
  },
];

/**
 * The MIME type of an image from its first bytes; PNG, JPEG, GIF and WebP only
 * (never SVG: it can carry script).
 */
export function sniffImageType(bytes: Uint8Array): string | null {
  return IMAGE_SIGNATURES.find((s) => s.test(bytes))?.type ?? null;
}

/** `users.image_type` of a catalogue image; `image_data` then holds its number. */
export const CATALOGUE_IMAGE_TYPE = 'x-jeton/catalogue';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;

function text(field: string, value: unknown, max: number, { required = true, multiline = false } = {}): string {
  if (typeof value !== 'string') throw new UserInputError(field, `${field} is missing.`);
  const v = value.normalize('NFC').trim();
  if (required && v.length === 0) throw new UserInputError(field, `${field} is empty.`);
  if (v.length > max) throw new UserInputError(field, `${field} is longer than ${max} characters.`);
  if (CONTROL.test(v) || (!multiline && /[\r\n]/.test(v))) throw new UserInputError(field, `${field} contains control characters.`);
  return v;
}

/** Checks every field and hashes the secrets; throws UserInputError at the first fault. */
async function prepare(input: NewUserInput, createdAt: number) {
  if (typeof input.username !== 'string' || !isUserId(input.username)) {
    throw new UserInputError('username', 'username must be 1 to 64 characters among letters, digits and . _ @ -');
  }
  const username = normalizeUserId(input.username);
  const email = text('email', input.email, LIMITS.email);
  if (!EMAIL.test(email)) throw new UserInputError('email', 'email is not an e-mail address.');
  if (input.questions.length === 0) throw new UserInputError('question', 'a security question is required.');
  const questions = input.questions.map((q) => ({ question: text('question', q.question, LIMITS.question), answer: text('answer', q.answer, LIMITS.answer) }));
  for (const q of questions) if (normalizeAnswer(q.answer).length === 0) throw new UserInputError('answer', 'answer is empty.');
  const message = text('message', input.message ?? '', LIMITS.message, { required: false });
  let imageType: string | null = null;
  let imageData: string | null = null;
  if (input.image && 'catalogue' in input.image) {
    if (catalogueImage(input.image.catalogue) === undefined) throw new UserInputError('image', `image must be a catalogue number from 1 to ${IMAGE_CATALOGUE.length}.`);
    imageType = CATALOGUE_IMAGE_TYPE;
    imageData = String(input.image.catalogue);
  } else if (input.image) {
    if (input.image.data.length === 0) throw new UserInputError('image', 'image is empty.');
    if (input.image.data.length > LIMITS.imageBytes) throw new UserInputError('image', `image is larger than ${LIMITS.imageBytes / 1024} KiB.`);
    const sniffed = sniffImageType(input.image.data);
    if (sniffed === null) throw new UserInputError('image', 'image must be PNG, JPEG, GIF or WebP.');
    if (input.image.type && input.image.type !== sniffed) throw new UserInputError('image', `image is ${sniffed}, not ${input.image.type}.`);
    imageType = sniffed;
    imageData = Buffer.from(input.image.data).toString('base64');
  }
  let passwordHash: string | null = null;
  if (input.password !== undefined && input.password !== '') {
    if (input.password.length < LIMITS.passwordMin || input.password.length > LIMITS.passwordMax) {
      throw new UserInputError('password', `password must be ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters.`);
    }
    passwordHash = await hashSecret(input.password);
  }
  const answerHashes = await Promise.all(questions.map((q) => hashAnswer(q.answer)));
  return {
    user: { username, email, password_hash: passwordHash, message, image_type: imageType, image_data: imageData, created_at: createdAt },
    questions: questions.map((q, i) => ({ question: q.question, answer_hash: answerHashes[i]! })),
  };
}

/** Creates a user with their security question(s); a taken username is a UserInputError. */
export async function createUser(ctx: AppContext, input: NewUserInput): Promise<{ id: number; username: string }> {
  const prepared = await prepare(input, ctx.now());
  const { username } = prepared.user;
  const id = await ctx.db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (taken) throw new UserInputError('username', `user ${username} already exists.`);
    let row: { id: number };
    try {
      row = await trx.insertInto('users').values(prepared.user).returning('id').executeTakeFirstOrThrow();
    } catch {
      // Another instance created the same username between our check and insert.
      throw new UserInputError('username', `user ${username} already exists.`);
    }
    await trx
      .insertInto('security_questions')
      .values(prepared.questions.map((q) => ({ ...q, user_id: row.id })))
      .execute();
    return row.id;
  });
  await audit(ctx, 'user.created', { username });
  return { id, username };
}

/** The user with this username (any spelling of it), or undefined; never throws on odd input. */
export async function findUser(ctx: Pick<AppContext, 'db'>, username: string): Promise<User | undefined> {
  if (!isUserId(username)) return undefined;
  return ctx.db.selectFrom('users').selectAll().where('username', '=', normalizeUserId(username)).executeTakeFirst();
}

export async function securityQuestions(ctx: Pick<AppContext, 'db'>, userId: number): Promise<Array<Selectable<SecurityQuestionsTable>>> {
  return ctx.db.selectFrom('security_questions').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}

// ---- CSV import ----------------------------------------------------------

const CSV_HEADER = ['username', 'email', 'question', 'answer', 'message', 'password'] as const;

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. Returns rows with their first line number. */
export function parseCsv(input: string): Array<{ line: number; fields: string[] }> {
  const textIn = input.replace(/^\uFEFF/, ''); // Excel writes a BOM
  const rows: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let atFieldStart = true;
  for (let i = 0; i < textIn.length; i++) {
    const c = textIn[i]!;
    if (quoted) {
      if (c === '"') {
        if (textIn[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && textIn[i + 1] === '\n') i++;
      fields.push(field);
      if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: rowLine, fields });
      fields = [];
      field = '';
      atFieldStart = true;
      line++;
      rowLine = line;
    } else {
      field += c;
      atFieldStart = false;
    }
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    rows.push({ line: rowLine, fields });
  }
  return rows;
}

export interface ImportReport {
  imported: string[];
  errors: Array<{ line: number; username?: string; error: string }>;
  /** Imported users whose question is not from the catalogue: the portal shows that they exist. */
  customQuestions: string[];
}

/**
 * Imports users from CSV with the header `username,email,question,answer,message,password`
 * (message and password may be empty). A bad line is reported and skipped; the rest are imported.
 */
export async function importUsersCsv(ctx: AppContext, csv: string): Promise<ImportReport> {
  const rows = parseCsv(csv);
  const report: ImportReport = { imported: [], errors: [], customQuestions: [] };
  const header = rows.shift();
  const names = header?.fields.map((f) => f.trim().toLowerCase());
  if (!names || names.join(',') !== CSV_HEADER.join(',')) {
    report.errors.push({ line: header?.line ?? 1, error: `the first line must be: ${CSV_HEADER.join(',')}` });
    return report;
  }
  for (const row of rows) {
    const [username = '', email = '', question = '', answer = '', message = '', password = ''] = row.fields;
    if (row.fields.length !== CSV_HEADER.length) {
      report.errors.push({ line: row.line, username, error: `expected ${CSV_HEADER.length} fields, found ${row.fields.length}` });
      continue;
    }
    try {
      // A question given as a number is the catalogue's (the CLI's question list).
      const numbered = /^\d{1,3}$/.test(question.trim()) ? DECOY_QUESTIONS[Number(question) - 1] : question;
      if (numbered === undefined) throw new UserInputError('question', `question must be a catalogue number from 1 to ${DECOY_QUESTIONS.length}, or a question.`);
      const created = await createUser(ctx, { username, email, questions: [{ question: numbered, answer }], message, password });
      report.imported.push(created.username);
      if (!DECOY_QUESTIONS.includes(numbered.normalize('NFC').trim() as (typeof DECOY_QUESTIONS)[number])) report.customQuestions.push(created.username);
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      report.errors.push({ line: row.line, username, error: err.message });
    }
  }
  return report;
}

// ---- lockouts ----------------------------------------------------------------

/** Lifts both lockouts of a user: §7 login codes and the portal's identity step. */
export async function unlockUser(ctx: AppContext, username: string): Promise<boolean> {
  const user = await findUser(ctx, username);
  if (!user) return false;
  await ctx.db.updateTable('users').set({ login_failures: 0, login_locked_until: null }).where('id', '=', user.id).execute();
  await ctx.db.deleteFrom('identity_attempts').where('username', '=', user.username).execute();
  await audit(ctx, 'user.unlocked', { username: user.username });
  return true;
}

// ---- tokens ------------------------------------------------------------------

/** A token's state as people see it: an active token past its expiry is "expired". */
type TokenView = TokenState | 'expired';

export interface TokenSummary {
  id: string;
  username: string;
  profile: string;
  deviceName: string;
  state: TokenView;
  issuedAt: number;
  expiresAt: number;
  /** Whole days left (rounded up); 0 or negative once expired. */
  daysLeft: number;
}

export interface TokenQuery {
  username?: string | undefined;
  /** Only tokens that are active and expire within this many days (expired ones included). */
  expiringDays?: number | undefined;
  /** Only these states (before "expired" is derived). */
  states?: TokenState[] | undefined;
}

/** Tokens with their owner and expiry, soonest expiry first. */
export async function listTokens(ctx: Pick<AppContext, 'db' | 'now'>, query: TokenQuery = {}): Promise<TokenSummary[]> {
  const now = ctx.now();
  let q = ctx.db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.id', 'users.username', 'tokens.profile', 'tokens.device_name', 'tokens.state', 'tokens.issued_at', 'tokens.expires_at']);
  if (query.username !== undefined) {
    if (!isUserId(query.username)) return [];
    q = q.where('users.username', '=', normalizeUserId(query.username));
  }
  if (query.states) q = q.where('tokens.state', 'in', query.states);
  if (query.expiringDays !== undefined) {
    q = q.where('tokens.state', '=', 'active').where('tokens.expires_at', '<=', now + query.expiringDays * 86_400_000);
  }
  const rows = await q.orderBy('tokens.expires_at').orderBy('tokens.id').execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    profile: r.profile,
    deviceName: r.device_name,
    state: r.state === 'active' && r.expires_at <= now ? 'expired' : r.state,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    daysLeft: daysLeft(r.expires_at, now),
  }));
}

/**
 * Revokes a pending or active token (see tokens/revoke.ts) and audits it; with
 * `userId`, only that user's. Returns the device name and owner, or null when
 * there was nothing to revoke.
 */
export async function revokeUserToken(
  ctx: AppContext,
  tokenId: string,
  options: { userId?: number; ip?: string | null; via: 'portal' | 'cli' },
): Promise<{ deviceName: string; username: string } | null> {
  if (typeof tokenId !== 'string' || tokenId.length === 0 || tokenId.length > 64) return null;
  const token = await ctx.db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.device_name', 'tokens.user_id', 'users.username'])
    .where('tokens.id', '=', tokenId)
    .executeTakeFirst();
  if (!token || (options.userId !== undefined && token.user_id !== options.userId)) return null;
  if (!(await revokeToken(ctx, tokenId))) return null;
  await audit(ctx, 'token.revoked', { username: token.username, ip: options.ip ?? null, detail: { tokenId, via: options.via } });
  return { deviceName: token.device_name, username: token.username };
}
