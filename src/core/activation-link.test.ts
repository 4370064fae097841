import { describe, expect, it } from 'vitest';
import { generateActivationCode } from './activation-code.ts';
import { formatActivationLink, parseActivationLink } from './activation-link.ts';

const code = generateActivationCode();
const serverUrl = 'https://teleacces.example/aotp/v1/provision?profile=teleacces';

describe('otp:// activation links', () => {
  it('round-trips the three fields, query of the server URL included', () => {
    const link = formatActivationLink({ serverUrl, userId: 'format01', code });
    expect(link.startsWith('otp://p?u=https%3A%2F%2Fteleacces.example')).toBe(true);
    expect(parseActivationLink(link)).toEqual({ serverUrl, userId: 'format01', code });
  });

  it('accepts surrounding whitespace and a spaced code', () => {
    const link = `  otp://p?u=${encodeURIComponent(serverUrl)}&n=Format01&c=${code.slice(0, 4)}%20${code.slice(4)}\n`;
    expect(parseActivationLink(link)).toEqual({ serverUrl, userId: 'format01', code });
  });

  it.each([
    ['another scheme', `https://p?u=${encodeURIComponent(serverUrl)}&n=a&c=${code}`, 'invalid_link'],
    ['a missing field', `otp://p?u=${encodeURIComponent(serverUrl)}&n=a`, 'invalid_link'],
    ['a repeated field', `otp://p?u=${encodeURIComponent(serverUrl)}&n=a&n=b&c=${code}`, 'invalid_link'],
    ['an extra field', `otp://p?u=${encodeURIComponent(serverUrl)}&n=a&c=${code}&x=1`, 'invalid_link'],
    ['an http server', `otp://p?u=${encodeURIComponent('http://evil.example/p')}&n=a&c=${code}`, 'insecure_url'],
    ['a javascript: server', `otp://p?u=${encodeURIComponent('javascript:alert(1)')}&n=a&c=${code}`, 'insecure_url'],
    ['credentials in the URL', `otp://p?u=${encodeURIComponent('https://u:p@evil.example/')}&n=a&c=${code}`, 'invalid_url'],
    ['a user ID with markup', `otp://p?u=${encodeURIComponent(serverUrl)}&n=%3Cscript%3E&c=${code}`, 'invalid_user_id'],
    ['a mistyped code', `otp://p?u=${encodeURIComponent(serverUrl)}&n=a&c=${code.slice(0, 7)}${(Number(code[7]) + 1) % 10}`, 'code_checksum'],
    ['a huge link', `otp://p?u=${'a'.repeat(5000)}`, 'invalid_link'],
  ])('rejects %s', (_name, link, expected) => {
    expect(() => parseActivationLink(link)).toThrow(expect.objectContaining({ code: expected }));
  });

  it('allows http on loopback only', () => {
    const local = 'http://127.0.0.1:8080/aotp/v1/provision?profile=teleacces';
    expect(parseActivationLink(formatActivationLink({ serverUrl: local, userId: 'demo', code })).serverUrl).toBe(local);
  });
});
