import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseTrustedProxies } from './config.ts';
import { testDatabases } from '../testing/server/databases.ts';
import { useHarness } from '../testing/server/harness.ts';

describe('JETON_TRUSTED_PROXIES', () => {
  it('defaults to loopback, takes addresses, CIDR ranges and names, and none', () => {
    expect(parseTrustedProxies(undefined)).toEqual(['loopback']);
    expect(parseTrustedProxies('10.0.0.0/8, 192.0.2.1,::1,fd00::/8,uniquelocal')).toEqual(['10.0.0.0/8', '192.0.2.1', '::1', 'fd00::/8', 'uniquelocal']);
    expect(parseTrustedProxies('none')).toEqual([]);
    expect(loadConfig({ JETON_TRUSTED_PROXIES: 'none' }).trustedProxies).toEqual([]);
  });

  it('refuses what is not an address or a range, in one clear sentence', () => {
    for (const bad of ['*', 'proxy.example', '10.0.0.0/33', '10.0.0.1/8/1', '300.1.1.1']) {
      expect(() => parseTrustedProxies(bad)).toThrow(ConfigError);
    }
    expect(() => parseTrustedProxies('everyone')).toThrow('JETON_TRUSTED_PROXIES: "everyone" is not an IP address, a CIDR range, loopback, linklocal, uniquelocal or none.');
  });
});

describe('the client address the audit records', () => {
  const h = useHarness(testDatabases()[0]!);

  /** The address audited for one refused form POST, sent from `from` with `forwarded`, by an app that trusts `trusted`. */
  async function auditedIp(trusted: string | undefined, from: string, forwarded: string | undefined): Promise<string | null> {
    await h.reset({ env: trusted === undefined ? {} : { JETON_TRUSTED_PROXIES: trusted } });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (forwarded !== undefined) headers['x-forwarded-for'] = forwarded;
    const res = await h.app.inject({ method: 'POST', url: '/virtuel/identify', remoteAddress: from, headers, payload: 'csrf=x&username=format01' });
    expect(res.statusCode).toBe(403);
    return (await h.ctx.db.selectFrom('audit').select('ip').where('event', '=', 'portal.rejected').executeTakeFirstOrThrow()).ip;
  }

  it('believes X-Forwarded-For only from a trusted proxy, and takes the right-most untrusted hop', async () => {
    // Default: the loopback proxy is trusted; the hop it saw is the client, not what the client claimed before it.
    expect(await auditedIp(undefined, '127.0.0.1', '203.0.113.9, 198.51.100.7')).toBe('198.51.100.7');
    expect(await auditedIp('loopback,198.51.100.0/24', '127.0.0.1', '203.0.113.9, 198.51.100.7')).toBe('203.0.113.9');
    // A caller that is not a trusted proxy cannot choose its address.
    expect(await auditedIp(undefined, '192.0.2.50', '203.0.113.9')).toBe('192.0.2.50');
    expect(await auditedIp('none', '127.0.0.1', '203.0.113.9')).toBe('127.0.0.1');
  });
});
