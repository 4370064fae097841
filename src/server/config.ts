/**
 * The server's configuration: environment variables and the profiles file
 * (`JETON_CONFIG`). Read once at start; everything else takes it as a value.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { normalizeOrigin } from '../core/origins.ts';
import type { OTPAlgorithm } from '../core/totp.ts';

/** A token profile: what tokens issued under it look like and how they are guarded. */
export interface Profile {
  issuer: string;
  algorithm: OTPAlgorithm;
  digits: number;
  period: number;
  validityDays: number;
  renewWindowDays: number;
  allowRenewal: boolean;
  pinRequired: boolean;
  pinMinLength: number;
  loginOrigins: string[];
  portalUrl: string;
  activationValidityHours: number;
  activationMaxAttempts: number;
  window: number;
  maxFailures: number;
  lockoutSeconds: number;
  reminderDays: number[];
}

export interface Config {
  port: number;
  host: string;
  /** Public origin used in every URL the server hands out, e.g. `https://jeton.example`. */
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL schema (`JETON_DATABASE_SCHEMA`, created if missing); default: the URL's search_path. */
  databaseSchema?: string | undefined;
  smtpUrl: string | undefined;
  /** From `JETON_MASTER_KEY` (base64url of 32 bytes); undefined means "use or create the data dir's key". */
  masterKey: string | undefined;
  /** Mail sender address. */
  mailFrom: string;
  profiles: Record<string, Profile>;
  defaultProfile: string;
  /** `JETON_TRUSTED_PROXIES`: proxies whose X-Forwarded-For is believed (addresses, CIDRs, `loopback`…); empty: none. Default loopback. */
  trustedProxies?: string[];
  /** `JETON_RATE_LIMIT_FACTOR`: multiplies every rate limit (see store/rate-limits.ts); 0 turns them off. Default 1. */
  rateLimitFactor?: number;
  /** `JETON_SERVICE_CENTRE`: how to reach the service centre (e.g. a phone number), shown where the portal says to call it. */
  serviceCentre?: string;
}

/** The profile of a stored token, falling back to the default profile if it was removed from the config. */
export function profileOf(ctx: { config: Pick<Config, 'profiles' | 'defaultProfile'> }, name: string): Profile {
  return ctx.config.profiles[name] ?? ctx.config.profiles[ctx.config.defaultProfile]!;
}

const DEFAULT_PROFILE_NAME = 'teleacces';

function defaultProfile(publicUrl: string): Profile {
  return {
    issuer: 'Téléaccès',
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    validityDays: 365,
    renewWindowDays: 30,
    allowRenewal: true,
    pinRequired: true,
    pinMinLength: 4,
    loginOrigins: [publicUrl],
    portalUrl: `${publicUrl}/virtuel`,
    activationValidityHours: 72,
    activationMaxAttempts: 5,
    window: 1,
    maxFailures: 5,
    lockoutSeconds: 900,
    reminderDays: [30, 14, 7, 1],
  };
}

export class ConfigError extends Error {}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Checks a profile from the file, filling defaults; throws ConfigError with the field at fault. */
export function checkProfile(name: string, input: unknown, publicUrl: string): Profile {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError(`Profile ${name}: not an object.`);
  const base = defaultProfile(publicUrl);
  const known = new Set(Object.keys(base));
  for (const key of Object.keys(input)) if (!known.has(key)) throw new ConfigError(`Profile ${name}: unknown field ${key}.`);
  const p = { ...base, ...(input as Partial<Profile>) };
  const fail = (field: string, why: string): never => {
    throw new ConfigError(`Profile ${name}: ${field} ${why}.`);
  };
  if (typeof p.issuer !== 'string' || p.issuer.length === 0 || p.issuer.length > 64) fail('issuer', 'must be 1 to 64 characters');
  if (!['SHA1', 'SHA256', 'SHA512'].includes(p.algorithm)) fail('algorithm', 'must be SHA1, SHA256 or SHA512');
  if (!isInt(p.digits, 6, 8)) fail('digits', 'must be 6 to 8');
  if (!isInt(p.period, 10, 300)) fail('period', 'must be 10 to 300 seconds');
  if (!isInt(p.validityDays, 1, 3650)) fail('validityDays', 'must be 1 to 3650');
  if (!isInt(p.renewWindowDays, 0, p.validityDays)) fail('renewWindowDays', 'must be 0 to validityDays');
  if (typeof p.allowRenewal !== 'boolean') fail('allowRenewal', 'must be true or false');
  if (typeof p.pinRequired !== 'boolean') fail('pinRequired', 'must be true or false');
  if (!isInt(p.pinMinLength, 0, 32)) fail('pinMinLength', 'must be 0 to 32');
  if (!Array.isArray(p.loginOrigins) || p.loginOrigins.length === 0) fail('loginOrigins', 'must list at least one origin');
  const origins = p.loginOrigins.map((o) => normalizeOrigin(String(o)) ?? fail('loginOrigins', `has ${String(o)}, not an https origin`));
  if (typeof p.portalUrl !== 'string') fail('portalUrl', 'must be a URL');
  if (!isInt(p.activationValidityHours, 1, 24 * 30)) fail('activationValidityHours', 'must be 1 to 720');
  if (!isInt(p.activationMaxAttempts, 1, 100)) fail('activationMaxAttempts', 'must be 1 to 100');
  if (!isInt(p.window, 0, 10)) fail('window', 'must be 0 to 10');
  if (!isInt(p.maxFailures, 1, 100)) fail('maxFailures', 'must be 1 to 100');
  if (!isInt(p.lockoutSeconds, 1, 86_400 * 7)) fail('lockoutSeconds', 'must be 1 to 604800');
  if (!Array.isArray(p.reminderDays) || !p.reminderDays.every((d) => isInt(d, 1, 365))) fail('reminderDays', 'must be whole days');
  return { ...p, loginOrigins: origins, reminderDays: [...p.reminderDays].sort((a, b) => b - a) };
}

type Env = Record<string, string | undefined>;

/** Reads the configuration from the environment (and the profiles file it names). */
export function loadConfig(env: Env = process.env): Config {
  const port = env.PORT ? Number(env.PORT) : 8080;
  if (!isInt(port, 0, 65_535)) throw new ConfigError('PORT must be a port number.');
  const host = env.HOST ?? '127.0.0.1';
  const rawPublic = env.JETON_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const publicUrl = normalizeOrigin(rawPublic.replace(/\/+$/, ''));
  if (publicUrl === null) throw new ConfigError('JETON_PUBLIC_URL must be an https origin (http only on loopback).');
  const dataDir = resolve(env.JETON_DATA_DIR ?? 'data');

  let profiles: Record<string, Profile> = { [DEFAULT_PROFILE_NAME]: defaultProfile(publicUrl) };
  let chosenDefault = DEFAULT_PROFILE_NAME;
  if (env.JETON_CONFIG) {
    let file: unknown;
    try {
      file = JSON.parse(readFileSync(env.JETON_CONFIG, 'utf8'));
    } catch (err) {
      throw new ConfigError(`JETON_CONFIG: cannot read ${env.JETON_CONFIG}: ${(err as Error).message}`);
    }
    const f = file as { profiles?: Record<string, unknown>; defaultProfile?: string; mailFrom?: string };
    if (typeof f !== 'object' || f === null || typeof f.profiles !== 'object' || f.profiles === null) {
      throw new ConfigError('JETON_CONFIG: expected {"profiles": {"name": {…}}}.');
    }
    profiles = {};
    for (const [name, profile] of Object.entries(f.profiles)) {
      if (!/^[a-z0-9_-]{1,32}$/.test(name)) throw new ConfigError(`Profile name ${name}: use a-z, 0-9, _ and -.`);
      profiles[name] = checkProfile(name, profile, publicUrl);
    }
    chosenDefault = f.defaultProfile ?? Object.keys(profiles)[0] ?? DEFAULT_PROFILE_NAME;
    if (!profiles[chosenDefault]) throw new ConfigError(`defaultProfile ${chosenDefault} is not a profile.`);
  }

  return {
    port,
    host,
    publicUrl,
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.JETON_DATABASE_SCHEMA || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    masterKey: env.JETON_MASTER_KEY || undefined,
    mailFrom: env.JETON_MAIL_FROM ?? `Jeton <no-reply@${new URL(publicUrl).hostname}>`,
    profiles,
    defaultProfile: chosenDefault,
    trustedProxies: parseTrustedProxies(env.JETON_TRUSTED_PROXIES),
    rateLimitFactor: parseRateLimitFactor(env.JETON_RATE_LIMIT_FACTOR),
    serviceCentre: parseServiceCentre(env.JETON_SERVICE_CENTRE),
  };
}

/** One short line of plain text (a phone number, hours): no control characters, at most 120 characters. */
function parseServiceCentre(raw: string | undefined): string | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  if (text.length > 120 || [...text].some((c) => c < ' ' || c === '\u007f')) throw new ConfigError('JETON_SERVICE_CENTRE must be one line of at most 120 characters.');
  return text;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `JETON_TRUSTED_PROXIES`: comma-separated addresses, CIDR ranges or the names
 * loopback, linklocal and uniquelocal; `none` trusts no proxy. Default loopback.
 */
export function parseTrustedProxies(raw: string | undefined): string[] {
  const value = (raw ?? 'loopback').trim();
  if (value === '' || value === 'none') return [];
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    if (PROXY_NAMES.has(entry)) continue;
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(`JETON_TRUSTED_PROXIES: "${entry}" is not an IP address, a CIDR range, loopback, linklocal, uniquelocal or none.`);
    }
  }
  return entries;
}

function parseRateLimitFactor(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1;
  const factor = Number(raw);
  if (!Number.isFinite(factor) || factor < 0 || factor > 1_000_000) throw new ConfigError('JETON_RATE_LIMIT_FACTOR must be a number from 0 (no limits) to 1000000.');
  return factor;
}

export const sqliteFile = (config: Config): string => join(config.dataDir, 'jeton.db');

/** The server URL users are given for a profile. @see docs/protocol.md §3 */
export const provisionUrl = (config: Config, profile: string): string =>
  `${config.publicUrl}/aotp/v1/provision?profile=${encodeURIComponent(profile)}`;

/**
 * `loadConfig` for a process that starts: a configuration error is printed as
 * one line on stderr (no stack trace) and the process exits with code 3, as
 * the admin CLI does.
 */
export function loadConfigOrExit(env: Env = process.env, exit: (code: number) => never = process.exit, write = (line: string) => void process.stderr.write(line)): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    write(`Jeton cannot start: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
    return exit(3);
  }
}
