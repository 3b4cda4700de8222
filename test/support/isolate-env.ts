import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENV_VARIABLES } from '../../src/server/config/server-settings.js';
import { staleBuild } from './fresh-build.js';

// Tests decide every setting themselves: blank (= unset) all of Gatehouse's variables
// so that neither the shell nor a developer's .env file (which never overrides a
// variable already present) leaks into a test.
for (const name of Object.keys(ENV_VARIABLES)) process.env[name] = '';

// Each test file runs in a directory of its own (files run in parallel processes, and
// one process at a time may use a data directory): an app's default ./data and .env
// are that file's alone. The directory is under the repository's node_modules, so that
// what resolves packages from the working directory (`node --import tsx`) still finds
// them; it is removed when the file's process ends, or (a process that was killed) by a
// run an hour later.
const root = resolve(import.meta.dirname, '../..');
const cache = join(root, 'node_modules/.cache');
mkdirSync(cache, { recursive: true });
for (const name of readdirSync(cache)) {
  const old = join(cache, name);
  try {
    if (name.startsWith('gatehouse-test-') && Date.now() - statSync(old).mtimeMs > 3_600_000) rmSync(old, { recursive: true, force: true });
  } catch {
    // removed by another file's process meanwhile
  }
}
const dir = mkdtempSync(join(cache, 'gatehouse-test-'));
process.chdir(dir);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// An end-to-end file never runs a build older than the source (fresh-build.ts); unit
// specs import the source itself and need no build.
beforeAll(() => {
  const file = expect.getState().testPath ?? '';
  const stale = file.endsWith('.e2e-spec.ts') ? staleBuild(root) : undefined;
  if (stale !== undefined) throw new Error(stale);
});
