import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_VARIABLES } from '../../src/server/config/server-settings.js';

// Tests decide every setting themselves: blank (= unset) all of Gatehouse's variables
// so that neither the shell nor a developer's .env file (which never overrides a
// variable already present) leaks into a test.
for (const name of Object.keys(ENV_VARIABLES)) process.env[name] = '';

// Each test file runs in a directory of its own (files run in parallel processes): an
// app's default data directory (./data, which one process at a time may use) and .env
// are that file's alone. Tests name every other path from their own location.
process.chdir(mkdtempSync(join(tmpdir(), 'gatehouse-test-')));
