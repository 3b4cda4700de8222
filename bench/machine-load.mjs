import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

// How busy the rest of the machine was during a phase: all CPU time used (/proc/stat)
// minus this process's and its finished children's (the servers, once stopped), as a
// share of every CPU over the phase. 0 is a quiet machine; on 2 CPUs, 0.5 means other
// work took one whole core.

const TICKS_PER_SECOND = 100;

function machineBusyTicks() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + irq + softirq + steal;
}

/** This process and its children that have exited and been waited for. */
function ownTicks() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

/** Starts a measurement; call the result once the phase's servers are stopped. */
export function watchMachineLoad() {
  try {
    const start = { machine: machineBusyTicks(), own: ownTicks(), at: performance.now(), loadavg: loadAverage() };
    return () => {
      const seconds = (performance.now() - start.at) / 1000;
      const others = machineBusyTicks() - start.machine - (ownTicks() - start.own);
      return {
        others: Math.max(0, others / TICKS_PER_SECOND / seconds / cpus().length),
        loadavg: [start.loadavg, loadAverage()],
      };
    };
  } catch {
    return () => ({ others: Number.NaN, loadavg: [] }); // no /proc
  }
}

function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
