import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The shape of the code, checked: the library (src/lib, exported by src/index.ts) never
// depends on the server; the server uses the library only through its public entry and
// src/internal.ts (what only the server needs, kept out of the package's API);
// and the library's folders depend on each other without cycles.

const SRC = import.meta.dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Relative imports of a file, as paths under src/ (`lib/auth/guard.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)];
  return found.map((m) => relative(SRC, resolve(dirname(file), (m[1] ?? m[2]).replace(/\.js$/, '.ts'))));
}

const files = sourceFiles(SRC).map((file) => ({ path: relative(SRC, file), imports: importsOf(file) }));
const folderOf = (path: string) => dirname(path);

describe('layout', () => {
  it('the library never imports the server, the CLI or the public entry', () => {
    const offending = files
      .filter((f) => f.path.startsWith('lib/'))
      .flatMap((f) => f.imports.filter((i) => !i.startsWith('lib/')).map((i) => `${f.path} -> ${i}`));
    expect(offending).toEqual([]);
  });

  it('the server uses the library only through the public entry (src/index.ts) and src/internal.ts', () => {
    const offending = files
      .filter((f) => f.path.startsWith('server/') || f.path === 'main.ts')
      .flatMap((f) => f.imports.filter((i) => i.startsWith('lib/')).map((i) => `${f.path} -> ${i}`));
    expect(offending).toEqual([]);
  });

  it("the library's folders import each other without cycles", () => {
    const edges = new Map<string, Set<string>>();
    for (const file of files.filter((f) => f.path.startsWith('lib/'))) {
      for (const target of file.imports) {
        const [from, to] = [folderOf(file.path), folderOf(target)];
        if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
