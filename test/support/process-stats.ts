import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

// What another process costs, as Linux reports it: for attacks whose harm is the memory
// the server holds (resident set, and its peak since the last reset).

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** Resident memory now, in bytes. */
export const rssOf = (pid: number): number => statusField(pid, 'VmRSS');

/** The highest resident memory since the last resetPeakRss (or since the start), in bytes. */
export const peakRssOf = (pid: number): number => statusField(pid, 'VmHWM');

/** Starts a new peak (Linux: writing 5 to clear_refs resets VmHWM to the current RSS). */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

export const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET's time to the end of its answer, in ms (one kept-alive connection, as a steady client has). */
export function timedGet(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; status: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `count` GETs one after the other; their times in ms, sorted. */
export async function latencies(url: string, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push((await timedGet(url, headers)).ms);
  return times.sort((a, b) => a - b);
}

export const median = (sorted: readonly number[]): number => sorted[Math.floor(sorted.length / 2)];
