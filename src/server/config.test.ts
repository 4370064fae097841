import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('JETON_SERVICE_CENTRE', () => {
  it('is one trimmed line of plain text, absent when empty', () => {
    expect(loadConfig({ JETON_SERVICE_CENTRE: '  1 877 644-4545  ' }).serviceCentre).toBe('1 877 644-4545');
    expect(loadConfig({ JETON_SERVICE_CENTRE: '   ' }).serviceCentre).toBeUndefined();
    expect(loadConfig({}).serviceCentre).toBeUndefined();
  });

  it('refuses a value that would break the page: a second line or an essay', () => {
    expect(() => loadConfig({ JETON_SERVICE_CENTRE: '1 877 644-4545\nSet-Cookie: x' })).toThrow(ConfigError);
    expect(() => loadConfig({ JETON_SERVICE_CENTRE: 'x'.repeat(121) })).toThrow(/at most 120 characters/);
  });
});
