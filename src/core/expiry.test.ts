import { describe, expect, it } from 'vitest';
import { clockOffset, DAY_MS, daysLeft, dueWarning, reachedThresholds, renewalOpen, skewWorthSaying } from './expiry.ts';
import { parsePolicy } from './policy.ts';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const at = (days: number, extraMs = 0) => new Date(T0 + days * DAY_MS + extraMs).toISOString();

describe('daysLeft', () => {
  it('counts days up, as a reader of the date would, and 0 or less once expired', () => {
    expect(daysLeft(at(10), T0)).toBe(10);
    expect(daysLeft(at(9, 3_600_000), T0)).toBe(10);
    expect(daysLeft(at(0, 1), T0)).toBe(1);
    expect(daysLeft(at(0), T0)).toBe(0);
    expect(daysLeft(at(-2), T0)).toBe(-2);
  });
});

describe('reachedThresholds', () => {
  const days = [30, 14, 7, 1];
  it('reaches a threshold when at most that many days are left, most urgent last', () => {
    expect(reachedThresholds(at(31), days, T0)).toEqual([]);
    expect(reachedThresholds(at(30), days, T0)).toEqual([30]);
    expect(reachedThresholds(at(14, 1), days, T0)).toEqual([30]);
    expect(reachedThresholds(at(7), days, T0)).toEqual([30, 14, 7]);
    expect(reachedThresholds(at(0, 1), days, T0)).toEqual([30, 14, 7, 1]);
  });
  it('says [0] once expired, and sorts and dedupes a policy list', () => {
    expect(reachedThresholds(at(0), days, T0)).toEqual([0]);
    expect(reachedThresholds(at(5), [7, 30, 7], T0)).toEqual([30, 7]);
    expect(reachedThresholds(T0 + 5 * DAY_MS, [], T0)).toEqual([]);
  });
});

describe('dueWarning', () => {
  it('warns once for the most urgent threshold, remembering those passed unseen', () => {
    expect(dueWarning(at(20), [30, 14, 7, 1], [], T0)).toEqual({ days: 30, reached: [30] });
    expect(dueWarning(at(20), [30, 14, 7, 1], [30], T0)).toBeNull();
    // The browser was closed from 20 days left to 6: one warning, for 7.
    expect(dueWarning(at(6), [30, 14, 7, 1], [30], T0)).toEqual({ days: 7, reached: [30, 14, 7] });
    expect(dueWarning(at(6), [30, 14, 7, 1], [30, 14, 7], T0)).toBeNull();
    expect(dueWarning(at(-1), [30, 14, 7, 1], [30, 14, 7, 1], T0)).toEqual({ days: 0, reached: [0] });
    expect(dueWarning(at(-1), [30, 14, 7, 1], [30, 14, 7, 1, 0], T0)).toBeNull();
  });
});

describe('clockOffset', () => {
  it('is 0 within the tolerance (whole seconds and network time are noise)', () => {
    expect(clockOffset(Math.floor(T0 / 1000), T0)).toBe(0);
    expect(clockOffset(Math.floor(T0 / 1000) + 1, T0)).toBe(0);
    expect(clockOffset(Math.floor(T0 / 1000) - 2, T0)).toBe(0);
  });
  it('corrects a clock that is behind or ahead', () => {
    expect(clockOffset(Math.floor(T0 / 1000) + 120, T0)).toBe(120_500);
    expect(clockOffset(Math.floor(T0 / 1000) - 45, T0)).toBe(-44_500);
  });
  it('says so above 30 s', () => {
    expect(skewWorthSaying(30_000)).toBe(false);
    expect(skewWorthSaying(-30_001)).toBe(true);
  });
});

describe('renewalOpen', () => {
  it('is open from renewOpensAt until expiry, and never when unknown', () => {
    expect(renewalOpen(undefined, at(5), T0)).toBe(false);
    expect(renewalOpen(at(1), at(5), T0)).toBe(false);
    expect(renewalOpen(at(0), at(5), T0)).toBe(true);
    expect(renewalOpen(at(-3), at(0), T0)).toBe(false);
  });
});

describe('expiry keys of the policy', () => {
  it('reads warning days, notifications and autoRenew, ignoring what is not whole days', () => {
    expect(parsePolicy({ expiryWarningDays: [7, 60, 7, 0, 1.5, 'x', 400, 2] })).toMatchObject({ managed: true, warningDays: [60, 7, 2] });
    expect(parsePolicy({ expiryNotifications: false, autoRenew: true })).toMatchObject({ managed: true, notifications: false, autoRenew: true });
    expect(parsePolicy({ expiryNotifications: 'no', autoRenew: 1 })).toMatchObject({ managed: false });
  });
});
