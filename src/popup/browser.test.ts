import { afterEach, describe, expect, it, vi } from 'vitest';
import { extensionAPI } from './browser.ts';

const api = (name: string) => ({ name, runtime: {}, permissions: {} });

describe('extensionAPI', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("takes Firefox's `browser` where it exists", () => {
    vi.stubGlobal('browser', api('browser'));
    vi.stubGlobal('chrome', api('chrome'));
    expect(extensionAPI()).toMatchObject({ name: 'browser' });
  });

  it("takes Chrome's `chrome` otherwise", () => {
    vi.stubGlobal('chrome', api('chrome'));
    expect(extensionAPI()).toMatchObject({ name: 'chrome' });
  });

  it('throws outside an extension page', () => {
    expect(() => extensionAPI()).toThrow('no extension API');
    // A `chrome` object without `runtime` is not the extension API.
    vi.stubGlobal('chrome', {});
    expect(() => extensionAPI()).toThrow('no extension API');
  });
});
