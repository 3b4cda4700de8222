import { readEnvironment } from '../config/load-environment.js';
import { runTokenCommand } from './token-command.js';

// Entry point of `npm run -s token -- ...` (see token-command.ts).
const result = runTokenCommand(process.argv.slice(2), readEnvironment());
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
