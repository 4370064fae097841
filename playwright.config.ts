/**
 * The journeys in real Chromium against the real server (see e2e/). The
 * extension must be built first (`npm run build:e2e`); `npm run test:e2e`
 * does that and the rest (Firefox, web-ext lint).
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  // Real browsers, a real server, scrypt and PBKDF2 (600,000 iterations) on a shared 2-core machine: generous, but bounded.
  timeout: 150_000,
  expect: { timeout: 15_000 },
  workers: 2,
  fullyParallel: true,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  // e2e/run.ts gives each run its own directory (see there).
  outputDir: process.env.JETON_E2E_OUTPUT ?? 'test-results/e2e',
  // Traces on demand (JETON_E2E_TRACE=1): they cost time on 2 cores.
  use: { trace: process.env.JETON_E2E_TRACE === '1' ? 'retain-on-failure' : 'off', actionTimeout: 15_000 },
});
