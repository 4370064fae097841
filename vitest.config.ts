import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tags PostgreSQL test schemas per run and drops them at the end.
    globalSetup: ['src/testing/server/global-setup.ts'],
  },
});
