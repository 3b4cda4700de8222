import { defineConfig } from 'vitest/config';

// One run for everything: unit specs next to the code, e2e specs in test/. Each file
// runs in its own process, so each e2e file can pick its own auth mode (passport's
// strategy registry is global to a process).
export default defineConfig({
  test: {
    globals: true,
    root: './',
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    setupFiles: ['test/support/isolate-env.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
