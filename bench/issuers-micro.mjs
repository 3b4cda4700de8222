// A token check with 100 issuers configured against one issuer (docs/protocol.md §16),
// in one process (`node bench/issuers-micro.mjs`, after `npx nest build`): CPU µs per
// check (user + system, best of 7 runs), side by side. The check itself is the server's
// TokenVerifier, built as GatehouseModule builds it; no HTTP, so the figures are the
// issuer choice and the verification alone.
import { randomBytes } from 'node:crypto';
import { keySourceFor } from '../dist/lib/verify/key-source-for.js';
import { resolveOptions } from '../dist/lib/options/resolve-options.js';
import { jwtVerifierFor } from '../dist/lib/verify/jwt-verifier-for.js';
import { signHs256 } from './tokens.mjs';

const secretOf = () => randomBytes(32).toString('base64url');
const issuerUrl = (i) => `https://tenant-${i}.idp.example/`;

function verifierOf(options) {
  const settings = resolveOptions({ mode: 'secure', ...options }, undefined, 'production');
  return jwtVerifierFor(settings.auth, keySourceFor(settings.auth), settings.rights);
}

/** `count` distinct tokens of issuer `i` (each a new string, as a request's header gives). */
function tokensOf(i, secret, count) {
  const iat = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, n) =>
    signHs256({ iss: issuerUrl(i), aud: 'api', sub: `user-${n}`, iat, exp: iat + 3600 }, secret),
  );
}

/** Best of 7 runs of `n` checks: CPU µs per check. */
function cpuPerCheck(verifier, tokenAt, n) {
  for (let i = 0; i < Math.min(n, 20_000); i++) verifier.verify(tokenAt(i));
  let best = Infinity;
  for (let run = 0; run < 7; run++) {
    const started = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const result = verifier.verify(tokenAt(i));
      if (result.sub === undefined) throw new Error(`refused: ${result.reason}`);
    }
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / n);
  }
  return best;
}

const secrets = Array.from({ length: 100 }, secretOf);
const entry = (i) => ({ issuer: issuerUrl(i), key: secrets[i], algorithms: 'HS256', audience: 'api' });
const configs = {
  'one issuer (single options)': { issuer: issuerUrl(0), key: secrets[0], algorithms: 'HS256', audience: 'api' },
  'issuers: 1': { issuers: [entry(0)] },
  'issuers: 100': { issuers: secrets.map((_, i) => entry(i)) },
};

// The token of the issuer listed last is as cheap to route as the first's: a Map lookup.
const FRESH = 30_000; // more distinct tokens than the verified-token cache holds (10,000): every check a miss
const rows = [
  ['cached token (seen before)', (name) => (name === 'issuers: 100' ? 99 : 0), 'hit'],
  ['new token (full check: parse, HS256, claims)', (name) => (name === 'issuers: 100' ? 99 : 0), 'miss'],
];
const table = [];
for (const [label, issuerFor, kind] of rows) {
  const cells = [];
  for (const [name, options] of Object.entries(configs)) {
    const verifier = verifierOf(options);
    const i = issuerFor(name);
    const tokens = tokensOf(i, secrets[i], kind === 'hit' ? 1000 : FRESH);
    // A new string each time: what a server slices from the Authorization header.
    const at = (n) => (' ' + tokens[n % tokens.length]).slice(1);
    cells.push(cpuPerCheck(verifier, at, kind === 'hit' ? 300_000 : FRESH));
  }
  table.push([label, ...cells]);
}

const names = Object.keys(configs);
const width = Math.max(...table.map((row) => row[0].length));
console.log(`| ${'CPU µs per token check'.padEnd(width)} | ${names.join(' | ')} | 100 vs 1 |`);
console.log(`|:${'-'.repeat(width + 1)}|${names.map((name) => `${'-'.repeat(name.length + 1)}:`).join('|')}|---------:|`);
for (const [label, ...cells] of table) {
  const ratio = `${(((cells[2] - cells[1]) / cells[1]) * 100).toFixed(1)} %`;
  console.log(
    `| ${label.padEnd(width)} | ${cells.map((cell, k) => cell.toFixed(3).padStart(names[k].length)).join(' | ')} | ${ratio.padStart(8)} |`,
  );
}
