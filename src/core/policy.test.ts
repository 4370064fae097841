import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUTO_LOCK_CHOICES } from './messages.ts';
import { allowedLoginOrigins, autoLockChoices, effectiveAutoFill, checkLoginOrigins, effectiveAutoLock, NO_POLICY, parsePolicy, pinRule, type Policy } from './policy.ts';

const TELEACCES = 'https://teleacces.example';

describe('parsePolicy', () => {
  it('reads every key of a full policy', () => {
    expect(
      parsePolicy({
        defaultServerUrl: ' https://jeton.sante.example/aotp/v1/provision?profile=teleacces ',
        allowedLoginOrigins: ['https://TELEACCES.example', 'https://teleacces.example:443', 'https://autre.example'],
        forcePin: true,
        minPinLength: 6,
        autoLockMinutes: 30,
        demoMode: false,
      }),
    ).toEqual({
      managed: true,
      defaultServerUrl: 'https://jeton.sante.example/aotp/v1/provision?profile=teleacces',
      allowedLoginOrigins: [TELEACCES, 'https://autre.example'],
      forcePin: true,
      minPinLength: 6,
      autoLockMaxMinutes: 30,
      demoAllowed: false,
      fillEnabled: true,
    });
  });

  it('is "no policy" for nothing, an empty object, or anything that is not an object', () => {
    for (const raw of [undefined, null, {}, [], 'forcePin', 42, true, () => ({ forcePin: true }), [{ forcePin: true }]]) {
      expect(parsePolicy(raw), String(raw)).toEqual(NO_POLICY);
    }
  });

  it('ignores unknown keys and ill-typed values', () => {
    expect(
      parsePolicy({
        defaultServerUrl: 42,
        allowedLoginOrigins: 'https://teleacces.example',
        forcePin: 'true',
        minPinLength: '6',
        autoLockMinutes: '30',
        demoMode: 0,
        somethingElse: { forcePin: true },
      }),
    ).toEqual(NO_POLICY);
    expect(parsePolicy({ minPinLength: 4.5, autoLockMinutes: Number.NaN })).toEqual(NO_POLICY);
    expect(parsePolicy({ minPinLength: 0, autoLockMinutes: -5 })).toEqual(NO_POLICY);
    expect(parsePolicy({ autoLockMinutes: Number.POSITIVE_INFINITY, minPinLength: Number.MAX_VALUE })).toMatchObject({ managed: true, minPinLength: 64 });
  });

  it('refuses a server URL that is not https, or holds credentials', () => {
    for (const url of ['http://jeton.example/p', 'javascript:alert(1)', 'https://user:pw@jeton.example/p', 'not a url', 'x'.repeat(3000)]) {
      expect(parsePolicy({ defaultServerUrl: url }).defaultServerUrl, url).toBeUndefined();
    }
    expect(parsePolicy({ defaultServerUrl: 'http://127.0.0.1:8080/p' }).defaultServerUrl).toBe('http://127.0.0.1:8080/p');
  });

  it('keeps only exact https origins, and fails closed when none of a list is valid', () => {
    expect(parsePolicy({ allowedLoginOrigins: ['https://a.example/', 'https://a.example/login', 'http://a.example', '*', 7, null, 'https://*.example'] })).toMatchObject({
      managed: true,
      allowedLoginOrigins: ['https://a.example'],
    });
    expect(parsePolicy({ allowedLoginOrigins: ['teleacces.example'] }).allowedLoginOrigins).toEqual([]);
    expect(parsePolicy({ allowedLoginOrigins: [] }).allowedLoginOrigins).toEqual([]);
  });

  it('bounds a huge origin list', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `https://h${i}.example`);
    expect(parsePolicy({ allowedLoginOrigins: many }).allowedLoginOrigins).toHaveLength(64);
  });

  it('rounds the auto-lock maximum down to a choice the popup offers', () => {
    expect(parsePolicy({ autoLockMinutes: 10 }).autoLockMaxMinutes).toBe(5);
    expect(parsePolicy({ autoLockMinutes: 1 }).autoLockMaxMinutes).toBe(1);
    expect(parsePolicy({ autoLockMinutes: 100_000 }).autoLockMaxMinutes).toBe(240);
  });

  it('does not follow prototypes or inherited keys', () => {
    const inherited = Object.create({ forcePin: true, demoMode: false }) as object;
    expect(parsePolicy(inherited)).toEqual(NO_POLICY);
    expect(parsePolicy(JSON.parse('{"__proto__": {"forcePin": true}}'))).toEqual(NO_POLICY);
  });

  it('never throws, whatever it is given', () => {
    const exotic = {
      get forcePin(): boolean {
        throw new Error('boom');
      },
    };
    expect(parsePolicy(exotic)).toEqual(NO_POLICY);
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }), (raw) => {
        const policy = parsePolicy(raw);
        expect(typeof policy.managed).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            defaultServerUrl: fc.oneof(fc.webUrl(), fc.string(), fc.anything()),
            allowedLoginOrigins: fc.oneof(fc.array(fc.oneof(fc.webUrl(), fc.string(), fc.anything())), fc.anything()),
            forcePin: fc.anything(),
            minPinLength: fc.oneof(fc.integer(), fc.double(), fc.anything()),
            autoLockMinutes: fc.oneof(fc.integer(), fc.double(), fc.anything()),
            demoMode: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        (raw) => {
          const policy = parsePolicy(raw);
          if (policy.autoLockMaxMinutes !== undefined) expect(AUTO_LOCK_CHOICES).toContain(policy.autoLockMaxMinutes);
          if (policy.minPinLength !== undefined) expect(policy.minPinLength).toBeGreaterThanOrEqual(1);
          for (const o of policy.allowedLoginOrigins ?? []) expect(o).toMatch(/^https?:\/\/[^/]+$/);
        },
      ),
    );
  });
});

describe('auto-lock rules', () => {
  it('offers every choice without a policy, and keeps the user’s', () => {
    expect(autoLockChoices(NO_POLICY)).toEqual([...AUTO_LOCK_CHOICES]);
    expect(effectiveAutoLock(NO_POLICY, 0)).toBe(0);
    expect(effectiveAutoLock(NO_POLICY, 240)).toBe(240);
  });

  it('offers 1 minute up to the maximum, never "only on screen lock"; a longer choice becomes the maximum', () => {
    const policy = parsePolicy({ autoLockMinutes: 30 });
    expect(autoLockChoices(policy)).toEqual([1, 5, 15, 30]);
    expect(effectiveAutoLock(policy, 15)).toBe(15);
    expect(effectiveAutoLock(policy, 30)).toBe(30);
    expect(effectiveAutoLock(policy, 60)).toBe(30);
    expect(effectiveAutoLock(policy, 0)).toBe(30);
  });
});

describe('PIN rule', () => {
  const noPin = { required: false, minLength: 0 };
  const pin4 = { required: true, minLength: 4 };

  it('follows the server’s profile without a policy', () => {
    expect(pinRule(NO_POLICY, noPin)).toEqual({ required: false, minLength: 1, byPolicy: false });
    expect(pinRule(NO_POLICY, pin4)).toEqual({ required: true, minLength: 4, byPolicy: false });
  });

  it('forces a PIN the profile does not ask for, 4 characters unless the policy says', () => {
    expect(pinRule(parsePolicy({ forcePin: true }), noPin)).toEqual({ required: true, minLength: 4, byPolicy: true });
    expect(pinRule(parsePolicy({ forcePin: true, minPinLength: 8 }), noPin)).toEqual({ required: true, minLength: 8, byPolicy: true });
  });

  it('takes the stricter minimum of the profile and the policy', () => {
    expect(pinRule(parsePolicy({ minPinLength: 6 }), pin4)).toEqual({ required: true, minLength: 6, byPolicy: true });
    expect(pinRule(parsePolicy({ forcePin: true, minPinLength: 2 }), pin4)).toEqual({ required: true, minLength: 4, byPolicy: false });
    expect(pinRule(parsePolicy({ minPinLength: 6 }), noPin)).toEqual({ required: false, minLength: 6, byPolicy: false });
  });
});

describe('login origins rule', () => {
  const token = [TELEACCES, 'https://autre.example'];

  it('keeps every origin without a list', () => {
    expect(checkLoginOrigins(NO_POLICY, token)).toEqual(token);
    expect(checkLoginOrigins(parsePolicy({ forcePin: true }), [])).toEqual([]);
  });

  it('keeps only the allowed origins of a token', () => {
    const policy = parsePolicy({ allowedLoginOrigins: [TELEACCES] });
    expect(checkLoginOrigins(policy, token)).toEqual([TELEACCES]);
    expect(allowedLoginOrigins(policy, ['https://autre.example'])).toEqual([]);
  });

  it('refuses a token none of whose origins is allowed, with a clear code', () => {
    const policies: Policy[] = [parsePolicy({ allowedLoginOrigins: ['https://ailleurs.example'] }), parsePolicy({ allowedLoginOrigins: [] }), parsePolicy({ allowedLoginOrigins: ['nonsense'] })];
    for (const policy of policies) {
      expect(() => checkLoginOrigins(policy, token)).toThrow(expect.objectContaining({ code: 'login_origin_not_allowed' }));
      expect(() => checkLoginOrigins(policy, [])).toThrow(expect.objectContaining({ code: 'login_origin_not_allowed' }));
    }
  });

  it('matches origins exactly: no subdomain, no other port or scheme', () => {
    const policy = parsePolicy({ allowedLoginOrigins: [TELEACCES] });
    expect(allowedLoginOrigins(policy, ['https://evil.teleacces.example', 'https://teleacces.example:8443', 'http://teleacces.example', 'https://teleacces.example.evil'])).toEqual([]);
  });
});

describe('filling on login pages', () => {
  it('reads fillEnabled and autoFill, and ignores anything but booleans', () => {
    expect(parsePolicy({ fillEnabled: false, autoFill: true })).toMatchObject({ managed: true, fillEnabled: false, autoFill: true });
    const ignored = parsePolicy({ fillEnabled: 'no', autoFill: 1 });
    expect(ignored).toMatchObject({ managed: false, fillEnabled: true });
    expect(ignored.autoFill).toBeUndefined();
  });

  it('fills by itself only as the user chose, unless the organisation decides, and never when filling is off', () => {
    expect(effectiveAutoFill(NO_POLICY, false)).toBe(false);
    expect(effectiveAutoFill(NO_POLICY, true)).toBe(true);
    expect(effectiveAutoFill(parsePolicy({ autoFill: true }), false)).toBe(true);
    expect(effectiveAutoFill(parsePolicy({ autoFill: false }), true)).toBe(false);
    expect(effectiveAutoFill(parsePolicy({ fillEnabled: false, autoFill: true }), true)).toBe(false);
  });
});
