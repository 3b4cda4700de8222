import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { assertBuilt } from './support/server-process.js';

// The soak (npm run soak) at toy size: every phase runs against dist/main.js, prints its
// rows and says PASS or FAIL for each check. What must hold at any size is asserted (the
// server survives, no 5xx, both floods really are refused, the well-behaved client gets
// every answer); latency ratios and memory are not (a toy run on a shared machine is noise),
// only that they were measured and judged.

const SOAK = resolve(import.meta.dirname, '../bench/soak.mjs');

function runSoak(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [SOAK, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** The cells of the table row whose first cell starts with `name`, in the section after `heading`. */
function row(output: string, heading: string, name: string): string[] {
  const section = output.slice(output.indexOf(heading));
  const line = section.split('\n').find((l) => l.startsWith(`| ${name}`));
  expect(line, `row "${name}" after "${heading}" in:\n${output}`).toBeDefined();
  return line!
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

const verdict = (output: string, check: string) => new RegExp(`^(PASS|FAIL) ${check}`, 'm').exec(output)?.[1];

describe('npm run soak', () => {
  it('runs the main soak, the frame flood and the Socket.IO handshake flood, and judges each', { timeout: 180_000 }, async () => {
    assertBuilt();
    const { code, stdout, stderr } = await runSoak(
      ['--seconds', '3', '--warmup', '2', '--idle', '1', '--attack', '2', '--sockets', '20', '--slow', '4', '--flood', '20'].concat([
        '--rest',
        '10',
        '--addresses',
        '100',
        '--frame-sockets',
        '4',
        '--handshake-concurrency',
        '4',
        '--auth-timeout-ms',
        '1000',
        '--no-pin',
      ]),
    );
    expect(stdout, stderr).not.toContain('soak failed');
    // The exit code is the verdict: 0 only when every check passed (at this size the main
    // soak's "at least 60 s" cannot).
    expect(verdict(stdout, 'main soak: lasted at least 60 s')).toBe('FAIL');
    expect(code).toBe(1);

    for (const phase of ['main soak', 'frame flood', 'Socket.IO handshake flood']) {
      expect(verdict(stdout, `${phase}: no crash`), phase).toBe('PASS');
      expect(verdict(stdout, `${phase}: no 5xx, no 1011`), phase).toBe('PASS');
    }
    for (const [phase, transport] of [
      ['frame flood', 'ws'],
      ['Socket.IO handshake flood', 'socket.io'],
    ] as const) {
      expect(verdict(stdout, `${phase}: every request and round trip of the well-behaved client answered`), phase).toBe('PASS');
      expect(verdict(stdout, `${phase}: the flood was refused`), phase).toBe('PASS');
      // Idle and under the flood side by side, each judged against 5x idle.
      for (const name of ['well-behaved client, GET /health p99', `well-behaved client, WebSocket round trip p99 (${transport})`]) {
        const [, idle, busy, limit, result] = row(stdout, `${phase}:`, name);
        expect(parseFloat(idle), name).toBeGreaterThan(0);
        expect(parseFloat(busy), name).toBeGreaterThan(0);
        expect(limit).toMatch(/^< 5x idle \(\d+\.\d\dx\)$/);
        expect(result).toMatch(/^(PASS|FAIL)$/);
      }
      // Memory against the documented bound, measured and judged.
      const [, before, peak, limit] = row(stdout, `${phase}:`, 'server RSS: settled before; peak during the flood');
      expect(parseFloat(before)).toBeGreaterThan(0);
      expect(peak).toMatch(/MiB/);
      expect(limit).toMatch(/^growth <= \d+\.\d MiB$/);
      expect(verdict(stdout, `${phase}: heap held by the flood's sessions within`)).toMatch(/^(PASS|FAIL)$/);
    }
    // The floods did what they say: sockets closed for their rate, handshakes refused past the cap.
    expect(row(stdout, 'frame flood:', 'flood: close codes, reasons')[1]).toMatch(/"rate_limited":[1-9]/);
    expect(row(stdout, 'Socket.IO handshake flood:', 'flood: handshake answers')[1]).toMatch(/"429":[1-9]/);
  });
});
