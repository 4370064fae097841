/** The `otp://p?u=<server URL>&n=<user ID>&c=<code>` activation link. @see docs/protocol.md §2 */
import { normalizeActivationCode } from './activation-code.ts';
import { JetonError } from './errors.ts';
import { parseServerURL } from './origins.ts';
import { normalizeUserId } from './user-id.ts';

export interface Activation {
  serverUrl: string;
  userId: string;
  code: string;
}

class ActivationLinkError extends JetonError {}

const MAX_LINK_LENGTH = 2048;

/** Reads the three fields from a link; anything else is rejected with a clear error. */
export function parseActivationLink(input: string): Activation {
  const text = input.trim();
  if (text.length > MAX_LINK_LENGTH) throw new ActivationLinkError('invalid_link', 'The activation link is too long.');
  if (!/^otp:\/\/p\?/i.test(text)) {
    throw new ActivationLinkError('invalid_link', 'An activation link starts with otp://p?');
  }
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(text.slice(text.indexOf('?') + 1));
  } catch {
    throw new ActivationLinkError('invalid_link', 'The activation link is damaged.');
  }
  const keys = [...params.keys()];
  const expected = ['u', 'n', 'c'];
  if (keys.length !== 3 || !expected.every((k) => params.getAll(k).length === 1)) {
    throw new ActivationLinkError('invalid_link', 'The activation link must have exactly u, n and c.');
  }
  const serverUrl = parseServerURL(params.get('u')!).href;
  const userId = normalizeUserId(params.get('n')!);
  const code = normalizeActivationCode(params.get('c')!);
  return { serverUrl, userId, code };
}

/** Writes an activation link. */
export function formatActivationLink({ serverUrl, userId, code }: Activation): string {
  return `otp://p?u=${encodeURIComponent(serverUrl)}&n=${encodeURIComponent(userId)}&c=${encodeURIComponent(code)}`;
}
