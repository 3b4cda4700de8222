import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// End-to-end tests run the built files: the server (dist/main.js, spawned) and the package
// as users import it (packages/nestjs-gatehouse/dist, the `nestjs-gatehouse` alias). A
// build older than the source would test yesterday's code and pass or fail for nothing,
// so such a run stops at once, saying what to do (`npm test` builds first).

/** Why the build cannot be trusted for this source tree, or undefined when it can. */
export function staleBuild(root: string): string | undefined {
  const outputs = ['dist/main.js', 'packages/nestjs-gatehouse/dist/index.js'];
  let built = Number.POSITIVE_INFINITY;
  for (const output of outputs) {
    const time = mtime(join(root, output));
    if (time === undefined) return `${output} is missing: run \`npm run build\` first (npm test does)`;
    built = Math.min(built, time);
  }
  const newer = newestSource(join(root, 'src'));
  if (newer !== undefined && newer.time > built) {
    return `the build is older than ${relative(root, newer.path)}: run \`npm run build\` first (npm test does), or the end-to-end tests run stale code`;
  }
  return undefined;
}

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The most recently changed file the build compiles or copies (specs are not built). */
function newestSource(dir: string): { path: string; time: number } | undefined {
  let newest: { path: string; time: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const found = entry.isDirectory()
      ? newestSource(path)
      : entry.name.endsWith('.spec.ts')
        ? undefined
        : { path, time: statSync(path).mtimeMs };
    if (found !== undefined && (newest === undefined || found.time > newest.time)) newest = found;
  }
  return newest;
}
