/**
 * What the portal shows for a username: the user's own message, image and
 * question, or — for a username nobody has — a decoy derived from the
 * username with an HMAC under the master key: stable from visit to visit and
 * across instances, so the page cannot tell who exists.
 *
 * Users without a personal image (or message) get the same kind of derived
 * picture (or message) as decoys do, so "has a generated image" says nothing.
 * Decoys draw from the same catalogues administrators pick users' questions
 * and images from (`question list`, `image list` in the CLI): a user set up
 * from the catalogues looks like any decoy.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../context.ts';

export const DECOY_MESSAGES = [
  'Bonne journée ! Votre message personnel est bien celui-ci.',
  'Le soleil se lève toujours sur le fleuve.',
  'Un café, une tâche à la fois.',
  'Merci pour votre travail auprès des patients.',
  'Les érables rougissent en octobre.',
  'Prenez une grande respiration avant de commencer.',
  'La neige tombe doucement sur Québec.',
  'Chaque jour compte, chaque geste aussi.',
  'Le printemps finit toujours par arriver.',
  'Un sourire vaut mille mots.',
  'Bienvenue ! Vérifiez que ce message est bien le vôtre.',
  'Le chemin du Roy mène toujours quelque part.',
  'Une tasse de thé et on s’y met.',
  'Les outardes reviennent chaque année.',
  'Patience et longueur de temps.',
  'Le fleuve ne se presse jamais.',
] as const;

export const DECOY_QUESTIONS = [
  'Quel est le nom de votre premier animal de compagnie ?',
  'Dans quelle ville êtes-vous né ?',
  'Quel est le nom de jeune fille de votre mère ?',
  'Quel était le nom de votre école primaire ?',
  'Quel est votre plat préféré ?',
  'Quel est le prénom de votre meilleur ami d’enfance ?',
  'Quelle était la marque de votre première voiture ?',
  'Quel est votre film préféré ?',
  'Dans quelle rue avez-vous grandi ?',
  'Quel est le deuxième prénom de votre père ?',
] as const;

/** A 5×5 mirrored pattern and a colour: the derived "personal image". */
export interface Pattern {
  hue: number;
  /** 5 rows × 5 columns, left-right mirrored. */
  cells: boolean[][];
}

export interface Derived {
  message: string;
  question: string;
  pattern: Pattern;
}

/** The picture of `bytes`: five mirrored rows from five bytes, a hue from two more. */
function patternOf(bytes: Uint8Array): Pattern {
  const at = (i: number): number => bytes[i] ?? 0;
  const cells: boolean[][] = [];
  for (let row = 0; row < 5; row++) {
    const left = [0, 1, 2].map((col) => ((at(2 + row) >> col) & 1) === 1);
    cells.push([left[0]!, left[1]!, left[2]!, left[1]!, left[0]!]);
  }
  return { hue: ((at(0) << 8) | at(1)) % 360, cells };
}

/**
 * The images users pick from and decoys are drawn from: fixed patterns, the
 * same on every server (derived from their number, not from a key).
 */
export const IMAGE_CATALOGUE: readonly Pattern[] = Array.from({ length: 24 }, (_, i) => patternOf(createHash('sha256').update(`jeton/portal-image/${i + 1}`).digest()));

/** The catalogue image numbered `n` (from 1), or undefined. */
export const catalogueImage = (n: number): Pattern | undefined => (Number.isInteger(n) && n >= 1 ? IMAGE_CATALOGUE[n - 1] : undefined);

/** The derived message, question and picture for a (normalised) username. */
export async function derive(ctx: Pick<AppContext, 'masterKey'>, username: string): Promise<Derived> {
  const mac = await ctx.masterKey.mac('portal-decoy', username);
  const at = (i: number): number => mac[i] ?? 0;
  const pick = <T>(list: readonly T[], i: number): T => list[((at(i) << 8) | at(i + 1)) % list.length]!;
  return {
    message: pick(DECOY_MESSAGES, 0),
    question: pick(DECOY_QUESTIONS, 2),
    pattern: pick(IMAGE_CATALOGUE, 4),
  };
}
