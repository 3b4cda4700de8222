import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process.js';

// A real redis-server for the tests (no mock): on a free loopback port, in a temporary
// directory, with the append-only file on, so that a stop and a start keep its data as
// a production Redis with persistence would. `npm test` installs redis-server when it
// is missing (scripts/system-deps.sh).

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

export class RedisServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  /** A new server, started. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'gatehouse-redis-')));
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null;
  }

  /** Starts it again, on the same port, with the same data. */
  async resume(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--protected-mode',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout!.on('data', (chunk) => (this.output = (this.output + chunk).slice(-10_000)));
    child.stderr!.on('data', (chunk) => (this.output = (this.output + chunk).slice(-10_000)));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(new Error(`cannot start ${REDIS_SERVER}: ${error.message} (npm test installs it: scripts/system-deps.sh)`)),
      );
    });
    await spawned;
    const deadline = Date.now() + 10_000;
    while (!(await this.answers())) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops it (SIGTERM: a clean shutdown) and waits for the process to end. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** One command through a raw connection (inline protocol): its reply as text. */
  command(...words: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, '127.0.0.1');
      let reply = '';
      socket.on('data', (chunk) => {
        reply += chunk;
        if (reply.endsWith('\r\n')) socket.end();
      });
      socket.on('close', () => resolve(reply));
      socket.on('error', reject);
      socket.write(`${words.map((w) => JSON.stringify(w)).join(' ')}\r\n`);
    });
  }

  private async answers(): Promise<boolean> {
    try {
      return (await this.command('PING')).startsWith('+PONG');
    } catch {
      return false;
    }
  }
}
