#!/usr/bin/env node
import { text } from 'node:stream/consumers';
import { runExplainCommand } from './explain-command.js';
import { readEnvironment } from './read-environment.js';
import { runRevokeCommand } from './revoke-command.js';
import { runTokenCommand } from './token-command.js';

// The `gatehouse` bin of the package, and `npm run -s token -- ...` in this repository:
//   gatehouse token --sub alice             (token-command.ts; `token` may be left out)
//   gatehouse explain <token>               (explain-command.ts)
//   gatehouse revoke --sub <id> | --jti ... (revoke-command.ts)
const [first, ...rest] = process.argv.slice(2);
const result =
  first === 'explain'
    ? await runExplainCommand(rest, readEnvironment(), () => text(process.stdin))
    : first === 'revoke'
      ? await runRevokeCommand(rest, readEnvironment())
      : runTokenCommand(first === 'token' ? rest : process.argv.slice(2), readEnvironment());
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
