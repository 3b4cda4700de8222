import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENV_VARIABLES } from '../../src/server/config/server-settings.js';

// Tests decide every setting themselves: blank (= unset) all of Gatehouse's variables
// so that neither the shell nor a developer's .env file (which never overrides a
// variable already present) leaks into a test.
for (const name of Object.keys(ENV_VARIABLES)) process.env[name] = '';

// Each test file runs in a directory of its own (files run in parallel processes, and
// one process at a time may use a data directory): an app's default ./data and .env
// are that file's alone. The directory is under the repository's node_modules, so that
// what resolves packages from the working directory (`node --import tsx`) still finds
// them; it is removed when the file's process ends.
const root = resolve(import.meta.dirname, '../..');
mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
const dir = mkdtempSync(join(root, 'node_modules/.cache/gatehouse-test-'));
process.chdir(dir);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
