import { describe, expect, it } from 'vitest';
import { MESSAGE_AUDIENCE, parseWireMessage, REQUEST_READERS, wireMessage } from './messages.ts';

describe('parseWireMessage', () => {
  it('accepts each message with a valid request', () => {
    expect(parseWireMessage(wireMessage('state.get', {}))).toEqual({ jeton: 1, name: 'state.get', req: {} });
    expect(parseWireMessage(wireMessage('account.add', { serverUrl: 'https://x.example/p', userId: 'u', code: '1234 5678' })).req).toEqual({
      serverUrl: 'https://x.example/p',
      userId: 'u',
      code: '1234 5678',
    });
    expect(parseWireMessage(wireMessage('settings.set', { autoLockMinutes: 5 })).req).toEqual({ autoLockMinutes: 5 });
    expect(parseWireMessage(wireMessage('demo.set', { enabled: true })).req).toEqual({ enabled: true });
  });

  it.each([
    ['not an object', 'state.get'],
    ['null', null],
    ['an array', [1, 'state.get', {}]],
    ['no marker', { name: 'state.get', req: {} }],
    ['an unknown name', { jeton: 1, name: 'vault.dump', req: {} }],
    ['a prototype name', { jeton: 1, name: '__proto__', req: {} }],
    ['an extra top-level field', { jeton: 1, name: 'state.get', req: {}, extra: 1 }],
    ['an extra request field', { jeton: 1, name: 'state.get', req: { seed: true } }],
    ['a missing field', { jeton: 1, name: 'account.unlock', req: { id: 'a' } }],
    ['a wrong type', { jeton: 1, name: 'account.unlock', req: { id: 'a', pin: 1234 } }],
    ['a too long PIN', { jeton: 1, name: 'account.unlock', req: { id: 'a', pin: '1'.repeat(65) } }],
    ['an empty id', { jeton: 1, name: 'account.remove', req: { id: '' } }],
    ['an unknown language', { jeton: 1, name: 'settings.set', req: { language: 'de' } }],
    ['an arbitrary auto-lock delay', { jeton: 1, name: 'settings.set', req: { autoLockMinutes: 7 } }],
    ['a non-boolean flag', { jeton: 1, name: 'demo.set', req: { enabled: 'yes' } }],
  ])('rejects %s', (_, message) => {
    expect(() => parseWireMessage(message)).toThrow(expect.objectContaining({ code: 'invalid_message' }));
  });

  it('has a reader and an audience for every message', () => {
    expect(Object.keys(MESSAGE_AUDIENCE).sort()).toEqual(Object.keys(REQUEST_READERS).sort());
  });
});
