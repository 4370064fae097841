/** Jeton's core: pure TypeScript shared by the extension and the server. */
export * from './errors.ts';
export * from './bytes.ts';
export * from './activation-code.ts';
export * from './activation-link.ts';
export * from './user-id.ts';
export * from './origins.ts';
export * from './totp.ts';
export * from './protocol/errors.ts';
export * from './protocol/messages.ts';
