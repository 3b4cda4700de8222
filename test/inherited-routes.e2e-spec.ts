import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { PLATFORMS } from './support/host-app.js';

// docs/protocol.md §14, public or guarded decided once: `@Public() class Open extends
// Base` and `class Closed extends Base` share Base's route methods. Each order of first
// requests runs in a fresh process, so that no earlier request can have decided
// anything: the answer must not depend on which came first, and GET and POST agree.

const APP = resolve(import.meta.dirname, 'support/inherited-routes-app.ts');
const run = promisify(execFile);

async function statuses(platform: string, requests: string[]): Promise<number[]> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', APP, platform, ...requests], { timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as number[];
}

describe.each(PLATFORMS)('routes inherited from one base controller (%s)', (platform) => {
  it('the public subclass first: its routes open, the other still guarded', async () => {
    expect(await statuses(platform, ['GET /open', 'GET /closed', 'POST /open', 'POST /closed'])).toEqual([200, 401, 201, 401]);
  });

  it('the guarded subclass first: the same answers', async () => {
    expect(await statuses(platform, ['GET /closed', 'POST /closed', 'GET /open', 'POST /open'])).toEqual([401, 401, 200, 201]);
  });

  it('POST first: GET and POST of one route agree', async () => {
    expect(await statuses(platform, ['POST /open', 'GET /open', 'POST /closed', 'GET /closed'])).toEqual([201, 200, 401, 401]);
  });
});
