import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The runtime the project promises (docs/development.md): Node 22 or later, which NestJS
// 12's own dependencies need. The `node` dev dependency puts Node 22 first on the PATH of
// npm scripts, so the tests (and the processes they start with process.execPath) run on it.

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGE = resolve(ROOT, 'packages/nestjs-gatehouse');
const manifest = (dir: string) => JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as Record<string, any>;
const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

describe('the runtime', () => {
  it('is Node 22 or later, here and in the processes the tests start', () => {
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(22);
    const child = execFileSync(process.execPath, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    expect(major(child)).toBeGreaterThanOrEqual(22);
  });

  it('is what both manifests ask for, and what the node dev dependency brings', () => {
    expect(manifest(ROOT).engines.node).toBe('>=22.12.0');
    expect(manifest(PACKAGE).engines.node).toBe('>=22.12.0');
    expect(manifest(ROOT).devDependencies.node).toMatch(/^\^22\./);
  });
});

// The optional peers (docs/library.md): importing the package loads none of them; the
// part that uses one loads it. Checked in a fresh process that records every module
// Node resolves, with the peers installed (in the packed install they are absent:
// test/package.e2e-spec.ts).
const OPTIONAL_PEERS = ['socket.io', '@nestjs/platform-socket.io', 'ioredis', 'prom-client', '@nestjs/terminus', 'helmet'];

function packagesLoadedBy(code: string): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const urls = [];
    registerHooks({ resolve(specifier, context, next) { const found = next(specifier, context); urls.push(found.url); return found; } });
    ${code}
    const names = new Set(urls.map((url) => /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url)?.[1]).filter(Boolean));
    process.stdout.write(JSON.stringify([...names]));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE, encoding: 'utf8' })) as string[];
}

describe('the optional peers', () => {
  it('are not loaded by importing the package, its client or its test helpers', () => {
    const loaded = packagesLoadedBy(`
      await import('reflect-metadata');
      await import('./dist/index.js');
      await import('./dist/client/gatehouse-client.js');
      await import('./dist/testing/index.js');`);
    expect(loaded).toContain('@nestjs/common');
    expect(loaded.filter((name) => OPTIONAL_PEERS.includes(name))).toEqual([]);
  });

  it('are loaded by the parts that use them', () => {
    const loaded = packagesLoadedBy(`
      await import('reflect-metadata');
      const { GatehouseMetrics } = await import('./dist/index.js');
      new GatehouseMetrics().registry;`);
    expect(loaded).toContain('prom-client');
  });
});
