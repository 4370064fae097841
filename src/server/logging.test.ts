import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from './app.ts';

describe('loggerOptions', () => {
  it('keeps Authorization headers, cookies and bodies out of the logs', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _enc, done) => void (lines.push(chunk.toString()), done()) });
    const app = Fastify({ logger: { ...(loggerOptions('info') as object), stream } });
    app.log.info({ req: { headers: { authorization: 'Bearer jk_secret', cookie: 'sid=secret' }, body: { otp: '123456' } }, body: { otp: '654321' } }, 'request');
    app.log.info({ headers: { authorization: 'Bearer jk_other' } }, 'headers');
    await app.close();
    const out = lines.join('');
    expect(out).toContain('[redacted]');
    for (const secret of ['jk_secret', 'sid=secret', '123456', '654321', 'jk_other']) expect(out).not.toContain(secret);
  });
});
