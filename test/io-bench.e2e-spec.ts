import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { assertBuilt } from './support/server-process.js';

// npm run bench:io at toy size: it starts Gatehouse (WS_TRANSPORT=socket.io) and the bare
// Socket.IO reference, measures every row and prints the table. No timing is asserted.

const BENCH = resolve(import.meta.dirname, '../bench/io-bench.mjs');

describe('npm run bench:io', () => {
  it('prints every row with measured numbers, for both transports', async () => {
    assertBuilt();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [BENCH, '--sockets', '30', '--rounds', '1']);
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (exit) => done({ code: exit, stdout: out, stderr: err }));
    });
    expect(code, stderr).toBe(0);
    for (const transport of ['websocket', 'polling']) {
      for (const name of ['connects per second', 'server CPU per connect (µs)']) {
        const line = stdout.split('\n').find((l) => l.startsWith(`| Socket.IO ${transport}: ${name}`));
        expect(line, stdout).toBeDefined();
        const [gatehouse, reference] = line!
          .split('|')
          .slice(2, 4)
          .map((cell) => Number(cell.trim().replaceAll(',', '')));
        expect(gatehouse).toBeGreaterThan(0);
        expect(reference).toBeGreaterThan(0);
      }
      expect(stdout).toContain(`| Socket.IO ${transport}: memory per idle socket (RSS bytes)`);
    }
  }, 120_000);
});
