import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { assertBuilt } from './support/server-process.js';

// The bench (npm run bench) at toy size: it starts its servers, measures every row and
// prints the table. Nothing here is about speed: no timing is asserted.

const BENCH = resolve(import.meta.dirname, '../bench/bench.mjs');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BENCH, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** The table row whose first cell starts with `name`, as its cells. */
function row(table: string, name: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(`| ${name}`));
  expect(line, `row "${name}" in:\n${table}`).toBeDefined();
  return line!
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

const number = (cell: string) => Number(cell.replaceAll(',', ''));

describe('npm run bench', () => {
  it('prints every row with measured numbers', async () => {
    assertBuilt();
    const { code, stdout, stderr } = await runBench([
      '--sockets',
      '50',
      '--batches',
      '1',
      '--rounds',
      '1',
      '--duration',
      '0.5',
      '--warmup',
      '0.2',
      '--ws-rounds',
      '1',
      '--memory-runs',
      '1',
      '--pin',
      'off',
    ]);
    expect(code, stderr).toBe(0);

    // REST: each row and the one it is measured against, requests/s, the ratio, CPU per
    // request, the CPU ratio: the server on Fastify, the library host app on Express,
    // @RequireScopes and 100 issuers.
    const rest: [string, string][] = [
      ['GET /health, public', 'bare Nest, Fastify'],
      ['GET /api/session, guarded, defaults', 'bare Nest, Fastify'],
      ['GET /api/session, guarded, metrics off', 'bare Nest, Fastify'],
      ['Express host app: GET /api/public, @Public()', 'bare Nest, Express'],
      ['Express host app: GET /api/session, guarded', 'bare Nest, Express'],
      ["Express host app: + @RequireScopes('notes:read')", 'the same route without it'],
      ['Express host app: 100 issuers', 'one issuer'],
    ];
    for (const [name, against] of rest) {
      const cells = row(stdout, name);
      expect(cells[1]).toBe(against);
      const numbers = cells.slice(2, 8).map(number);
      expect(
        numbers.every((n) => n > 0),
        `${name}: ${numbers.join(', ')}`,
      ).toBe(true);
    }
    // The rows with a target say whether it was met, by CPU and by rate.
    expect(row(stdout, "Express host app: + @RequireScopes('notes:read')").slice(9)).toEqual([
      '>= 0.97',
      expect.stringMatching(/^(yes|NO) \/ (yes|NO)$/),
    ]);
    expect(row(stdout, 'Express host app: 100 issuers')[9]).toBe('>= 0.95');
    expect(stdout).toMatch(/Floors, in the same rounds: bare Nest with a global guard .* [\d,]+ req\/s/);

    // WebSocket: three steps against the reference, rates and CPU. At this toy size 50
    // refreshes can cost less CPU than the clock's tick (10 ms): a CPU cell of 0 is a
    // measurement, and when both are 0 their ratio is no number (0 / 0).
    for (const name of ['connect, Authorization header', 'connect, first-frame auth', 'refresh: auth frame on a live socket']) {
      const cells = row(stdout, name).slice(1, 7).map(number);
      const [cpu, referenceCpu, cpuRatio] = cells.slice(3);
      const cpuMeasured = cpu >= 0 && referenceCpu >= 0 && (cpuRatio >= 0 || (cpu === 0 && referenceCpu === 0 && Number.isNaN(cpuRatio)));
      expect(cells.slice(0, 3).every((n) => n > 0) && cpuMeasured, `${name}: ${cells.join(', ')}`).toBe(true);
    }
    // 50 sockets are within RSS noise: only that a figure was measured.
    const memory = row(stdout, 'RSS per socket');
    expect(Number.isFinite(number(memory[1]))).toBe(true);
    expect(Number.isFinite(number(memory[2]))).toBe(true);
    expect(row(stdout, 'sockets held at once').slice(1, 3)).toEqual(['50', '50']);

    // Idle memory: the reference and Gatehouse, and what their heaps hold.
    expect(number(row(stdout, 'bare NestJS + Fastify (the reference)')[1])).toBeGreaterThan(0);
    expect(number(row(stdout, 'Gatehouse, defaults')[1])).toBeGreaterThan(0);
    expect(number(row(stdout, 'code: bytecode')[2])).toBeGreaterThan(0);
  }, 180_000);
});
