// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const WEBCRYPTO = 'WebCrypto goes through src/core/crypto.ts.';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'test-results/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': ['error', { allow: ['warn', 'error', 'info'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='eval']", message: 'No eval.' }],
    },
  },
  {
    // Core is shared by the extension and the server: no browser or Node globals.
    files: ['src/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'webextension-polyfill', 'fastify', 'preact*'] }],
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'process',
        'Buffer',
        'chrome',
        'browser',
        { name: 'crypto', message: WEBCRYPTO },
      ],
      'no-restricted-properties': ['error', { object: 'globalThis', property: 'crypto', message: WEBCRYPTO }],
    },
  },
  {
    // The one WebCrypto user in core.
    files: ['src/core/crypto.ts'],
    rules: {
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'chrome', 'browser'],
      'no-restricted-properties': 'off',
    },
  },
);
