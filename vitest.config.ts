import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// The package as a user imports it: its built, assembled files (npm run build).
const PACKAGE_DIST = resolve(import.meta.dirname, 'packages/nestjs-gatehouse/dist');

// One run for everything: unit specs next to the code, e2e specs in test/. Each file
// runs in its own process, so each e2e file can pick its own auth mode (passport's
// strategy registry is global to a process).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^nestjs-gatehouse\/client$/, replacement: `${PACKAGE_DIST}/client/gatehouse-client.js` },
      { find: /^nestjs-gatehouse\/testing$/, replacement: `${PACKAGE_DIST}/testing/index.js` },
      { find: /^nestjs-gatehouse$/, replacement: `${PACKAGE_DIST}/index.js` },
    ],
  },
  test: {
    globals: true,
    root: './',
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    // The fixtures are apps of their own, tested by test/package.e2e-spec.ts in their own installs.
    exclude: ['test/fixtures/**', '**/node_modules/**'],
    setupFiles: ['test/support/isolate-env.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
