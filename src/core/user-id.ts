/** User IDs: 1–64 of `A-Z a-z 0-9 . _ @ -`, compared trimmed, lower-cased, NFC. @see docs/protocol.md §1 */
import { JetonError } from './errors.ts';

const USER_ID = /^[a-z0-9._@-]{1,64}$/;

class UserIdError extends JetonError {
  constructor() {
    super('invalid_user_id', 'A user ID has 1 to 64 characters among letters, digits and . _ @ -');
  }
}

/** The canonical form of a user ID; throws UserIdError when it is not one. */
export function normalizeUserId(input: string): string {
  const id = input.normalize('NFC').trim().toLowerCase();
  if (!USER_ID.test(id)) throw new UserIdError();
  return id;
}

export function isUserId(input: string): boolean {
  try {
    normalizeUserId(input);
    return true;
  } catch {
    return false;
  }
}
