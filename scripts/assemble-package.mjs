// `npm run build`, second step: assembles the publishable package in packages/nestjs-gatehouse
// from what `nest build` compiled into dist/. The repository root is the server's project
// (its dependencies are what dist/main.js loads, so that `npm prune --omit=dev` leaves a
// server that runs); the package has a manifest of its own, whose dependencies are only
// what the library needs, and ships the library, the client, the CLI and the test helpers,
// never the server. Then checks that every import of the shipped files resolves inside the
// package or to a package its manifest names.
import { builtinModules } from 'node:module';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const PACKAGE = join(ROOT, 'packages/nestjs-gatehouse');

/** What the package ships from dist/: the public entry and what it, the client, the CLI and the test helpers load. */
const SHIPPED = ['index.js', 'index.d.ts', 'lib', 'client', 'cli', 'testing'];
/** Compiled files that are not part of it: tests, source maps (their sources are not shipped), build state. */
const LEFT_OUT = /\.spec\.|\.map$|\.tsbuildinfo$/;
/** The user's documentation (the repository's own development notes and measurements stay there). */
const DOCS_LEFT_OUT = new Set(['development.md', 'performance.md', 'console.png']);
/** Declarations may name the types of packages that the platform peers bring along (fastify with @nestjs/platform-fastify...). */
const TYPE_ONLY = new Set(['fastify', 'express', 'socket.io']);

if (!existsSync(join(DIST, 'index.js'))) throw new Error('dist/index.js is missing: run "nest build" first');

for (const generated of ['dist', 'docs', 'LICENSE']) rmSync(join(PACKAGE, generated), { recursive: true, force: true });
for (const entry of SHIPPED) {
  cpSync(join(DIST, entry), join(PACKAGE, 'dist', entry), { recursive: true, filter: (source) => !LEFT_OUT.test(source) });
}
// The maps stay behind, so the comments that point at them go too (a tool that follows
// one would report a missing file).
for (const file of filesUnder(join(PACKAGE, 'dist'))) {
  if (!file.endsWith('.js')) continue;
  const text = readFileSync(file, 'utf8');
  const stripped = text.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n');
  if (stripped !== text) writeFileSync(file, stripped);
}
chmodSync(join(PACKAGE, 'dist/cli/token.js'), 0o755);
mkdirSync(join(PACKAGE, 'docs'));
for (const doc of readdirSync(join(ROOT, 'docs'))) {
  if (!DOCS_LEFT_OUT.has(doc)) copyFileSync(join(ROOT, 'docs', doc), join(PACKAGE, 'docs', doc));
}
copyFileSync(join(ROOT, 'LICENSE'), join(PACKAGE, 'LICENSE'));

// Every import of a shipped .js file: a file of the package, a Node built-in, or a
// package the manifest names (a dependency or a peer). Catches a library file that
// starts importing the server, or a new package missing from the manifest.
const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));
const named = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
const builtins = new Set(builtinModules);
const problems = [];
const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
for (const file of files(join(PACKAGE, 'dist')).filter((path) => path.endsWith('.js') || path.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  for (const [, specifier] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) {
    const where = relative(PACKAGE, file);
    if (specifier.startsWith('.')) {
      if (!existsSync(resolve(dirname(file), specifier))) problems.push(`${where} imports ${specifier}, which the package does not ship`);
    } else if (!builtins.has(specifier) && !specifier.startsWith('node:')) {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      // Type-only imports from packages that peers bring along (fastify, express, socket.io's types).
      if (!named.has(name) && !(file.endsWith('.d.ts') && TYPE_ONLY.has(name))) {
        problems.push(`${where} imports ${specifier}: not a dependency or peer of ${manifest.name}`);
      }
    }
  }
}
if (problems.length > 0) {
  process.stderr.write(`packages/nestjs-gatehouse is not self-contained:\n${problems.join('\n')}\n`);
  process.exit(1);
}

/** Every file under `dir`, recursively. */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
