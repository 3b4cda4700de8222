import { text } from 'node:stream/consumers';
import { readEnvironment } from '../server/config/load-environment.js';
import { runExplainCommand } from './explain-command.js';
import { runRevokeCommand } from './revoke-command.js';
import { runTokenCommand } from './token-command.js';

// Entry point of `npm run -s token -- ...` (token-command.ts),
// `npm run -s token -- explain <token>` (explain-command.ts) and
// `npm run -s token -- revoke --sub <id>` (revoke-command.ts).
const [first, ...rest] = process.argv.slice(2);
const result =
  first === 'explain'
    ? await runExplainCommand(rest, readEnvironment(), () => text(process.stdin))
    : first === 'revoke'
      ? await runRevokeCommand(rest, readEnvironment())
      : runTokenCommand(process.argv.slice(2), readEnvironment());
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
