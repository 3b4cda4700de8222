import { readFileSync } from 'node:fs';

// CPU time a process has used (user + system), from /proc/<pid>/stat, in microseconds.
// Dividing it by the work done gives a cost per request that other load on the
// machine changes far less than it changes requests per second.

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node supports

export function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN; // no /proc: the CPU rows stay empty
  }
}
