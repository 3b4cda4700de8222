import { ENV_VARIABLES } from '../../src/server/config/server-settings.js';

// Tests decide every setting themselves: blank (= unset) all of Gatehouse's variables
// so that neither the shell nor a developer's .env file (which never overrides a
// variable already present) leaks into a test.
for (const name of Object.keys(ENV_VARIABLES)) process.env[name] = '';
