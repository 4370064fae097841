import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerCors } from './cors.ts';

describe('CORS', () => {
  const app = Fastify();
  registerCors(app);
  app.post('/aotp/v1/provision', async () => ({ ok: 1 }));
  app.post('/aotp/v1/verify', async () => ({ ok: 1 }));

  it('answers the preflight of a client endpoint', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/aotp/v1/provision?profile=teleacces', headers: { origin: 'chrome-extension://abc', 'access-control-request-method': 'POST' } });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toBe('content-type');
  });

  it('marks client answers readable from any origin', async () => {
    const res = await app.inject({ method: 'POST', url: '/aotp/v1/provision', payload: {} });
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('gives the server-to-server verify endpoint no CORS', async () => {
    const res = await app.inject({ method: 'POST', url: '/aotp/v1/verify', payload: {} });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await app.inject({ method: 'OPTIONS', url: '/aotp/v1/verify' });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });
});
