import { describe, expect, it } from 'vitest';
import { cleanDeviceName, cleanLabel, hasControl } from './text.ts';

describe('cleanDeviceName', () => {
  it.each([
    ['Chrome 156 on Windows', 'Chrome 156 on Windows'],
    ['Edge\r\nInjected: line', 'Edge Injected: line'],
    ['A\u0000B', 'A B'],
    ['\u001b[31mred\u001b[0m', 'red'],
    ['\u001b]0;title\u0007Firefox', 'Firefox'],
    ['\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\', 'link'],
    ['Safe \u202eexe.pdf', 'Safe exe.pdf'],
    ['\u2066isolated\u2069 \u200fmark', 'isolated mark'],
    ['tab\there', 'tab here'],
    ['\u009b2Jcleared', 'cleared'],
    ['  spaced   out  ', 'spaced out'],
    ['e\u0301', 'é'],
  ])('%j → %j', (input, expected) => {
    expect(cleanDeviceName(input)).toBe(expected);
    expect(hasControl(cleanDeviceName(input))).toBe(false);
  });

  it('keeps at most 64 characters without splitting a surrogate pair', () => {
    expect(cleanDeviceName('x'.repeat(100))).toHaveLength(64);
    const emoji = cleanLabel(`${'a'.repeat(3)}😀😀`, 4);
    expect(emoji).toBe('aaa😀');
  });
});
