/**
 * The online PIN check's outcomes as errors the popup can word exactly:
 * a wrong PIN with the tries left before the lockout, and the lockout with
 * its end. @see docs/protocol.md §5 (`failuresLeft`, `locked`, `retryAfter`)
 */
import { JetonError } from './errors.ts';

export interface PinCheckFacts {
  /** Wrong codes the server still accepts before it locks the user. */
  failuresLeft?: number;
  /** Seconds until the lock ends, as the server said. */
  retryAfter?: number;
  /** When the lock ends (epoch ms, local clock: what the user's clock will show). */
  lockedUntil?: number;
  /** How long a lock lasts, when the server says (not in docs/protocol.md §5: read only if present). */
  lockoutSeconds?: number;
}

/** `pin_incorrect` (with `failuresLeft` when the server says) or `login_locked` (with `lockedUntil`). */
export class PinCheckError extends JetonError {
  constructor(
    code: 'pin_incorrect' | 'login_locked',
    message: string,
    readonly facts: PinCheckFacts = {},
  ) {
    super(code, message);
  }
}
