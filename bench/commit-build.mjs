import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

// A build of another commit of this repository, for bench/compare-builds.mjs --against:
// a git worktree of the commit in a temporary directory, its own dependencies (npm ci,
// from its own package-lock.json) and its own `nest build`. The worktree is registered
// in this repository while it lives (git worktree list shows it); remove() takes it away.

const ROOT = resolve(import.meta.dirname, '..');
const log = (line) => process.stderr.write(`${line}\n`);

function run(command, args, cwd) {
  log(`$ ${command} ${args.join(' ')}   (in ${cwd})`);
  // This Node first on PATH, so that the tools' `#!/usr/bin/env node` run on the Node the servers will run on.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}) in ${cwd}`);
}

/**
 * Builds `commit` (a hash or any name git knows) and returns { commit, dir, main, remove }.
 * keep: a build left by an earlier run with keep is reused, and this one is left too.
 */
export function buildCommit(commit, { keep = false } = {}) {
  const resolved = spawnSync('git', ['rev-parse', '--verify', '--short', `${commit}^{commit}`], { cwd: ROOT, encoding: 'utf8' });
  if (resolved.status !== 0) throw new Error(`git does not know the commit "${commit}": ${resolved.stderr.trim()}`);
  const hash = resolved.stdout.trim();
  const dir = join(tmpdir(), `gatehouse-build-${hash}`);
  const main = join(dir, 'dist/main.js');
  const remove = () => {
    if (keep) return log(`left the build of ${hash} in ${dir} (git worktree remove --force ${dir} takes it away)`);
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
    spawnSync('git', ['worktree', 'prune'], { cwd: ROOT, stdio: 'ignore' });
  };
  if (keep && existsSync(main)) {
    log(`reusing the build of ${hash} in ${dir}`);
    return { commit: hash, dir, main, remove };
  }
  if (existsSync(dir)) {
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
    spawnSync('git', ['worktree', 'prune'], { cwd: ROOT, stdio: 'ignore' });
  }
  run('git', ['worktree', 'add', '--detach', dir, hash], ROOT);
  try {
    run('npm', ['ci', '--no-audit', '--no-fund'], dir);
    run(join(dir, 'node_modules/.bin/nest'), ['build'], dir);
    if (!existsSync(main)) throw new Error(`the build of ${hash} has no ${main}`);
  } catch (error) {
    keep = false;
    remove();
    throw error;
  }
  return { commit: hash, dir, main, remove };
}
