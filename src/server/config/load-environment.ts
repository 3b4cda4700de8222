// One reader of `.env` for the server and the CLI (the CLI ships in the package, the server does not).
export { readEnvironment, type Environment } from '../../cli/read-environment.js';
