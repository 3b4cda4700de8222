import { isIP } from 'node:net';

/** The answer to one failed authentication (docs/protocol.md §10). */
export interface FailureCount {
  /** 0: counted, the address may go on trying; otherwise it is over the limit for this many more seconds. */
  readonly retryAfterSeconds: number;
  /** This failure used up the address's allowance (logged once, not for each refusal after it). */
  readonly blocked: boolean;
}

export const COUNTED: FailureCount = Object.freeze({ retryAfterSeconds: 0, blocked: false });
export const COUNTED_AND_BLOCKED: FailureCount = Object.freeze({ retryAfterSeconds: 0, blocked: true });

/**
 * Failed authentications per client address, counted in this process's memory
 * (FailureLimiter) or, with several processes, in Redis (RedisFailureLimiter). Only
 * failures are counted, so a valid token never waits for the count; and the
 * in-memory count answers synchronously.
 */
export abstract class FailureLimit {
  /** Failures allowed per address per window; 0: no limit. */
  abstract readonly limit: number;
  abstract readonly windowMs: number;

  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Addresses tracked by this process, for the metrics gauge; undefined when counted elsewhere. */
  abstract readonly trackedAddresses: number | undefined;

  /**
   * One failing attempt from `address`: counted, or (the address being over the
   * limit already) not counted and answered with how long it must wait.
   */
  abstract countFailure(address: string): FailureCount | Promise<FailureCount>;
}

/**
 * What failures are counted against: an IPv4 address as it is, an IPv6 client by its
 * /64 network (one site's subnet: a client that holds one has 2^64 addresses to move
 * between), an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, how a dual-stack socket
 * shows an IPv4 peer) as the IPv4 address. Anything else (no address known) as it is.
 * Idempotent: a key passed again is the same key.
 */
export function failureKeyOf(address: string): string {
  const zone = address.indexOf('%');
  const ip = zone === -1 ? address : address.slice(0, zone);
  if (isIP(ip) !== 6) return address;
  const groups = ipv6Groups(ip);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 part read as two groups). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...Array.from({ length: 8 - left.length - right.length }, () => 0), ...right];
}
