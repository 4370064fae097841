// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const WEBCRYPTO = 'WebCrypto goes through src/core/crypto.ts.';
/** Test support lives in src/testing: shipped code never imports it, only tests do. */
const TEST_SUPPORT = { regex: '(^|/)testing/', message: 'Test support (src/testing) is for test files only.' };

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
    files: ['src/server/**/*.{ts,tsx}', 'src/background/**/*.{ts,tsx}', 'src/popup/**/*.{ts,tsx}', 'src/content/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [TEST_SUPPORT] }],
    },
  },
  {
    // Core is shared by the extension and the server: no browser or Node globals.
    files: ['src/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'webextension-polyfill', 'fastify', 'preact*'] }, TEST_SUPPORT] }],
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
