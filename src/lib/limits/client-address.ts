import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';

// The client address failed authentications are counted against (TRUST_PROXY), for
// REST and the WebSocket upgrade alike: the Authenticator calls it on the Node request.
//
// X-Forwarded-For is read from the right: each proxy appends the address it got the
// request from, so the rightmost entries were written by our own proxies and the left
// ones by whoever sent the request, who can write anything there. The walk starts at
// the socket's peer and moves one entry left for as long as the address in hand is a
// trusted proxy; the first address that is not one is the client.

export type TrustProxy = boolean | number | readonly string[];

/** Is the address in hand, `hop` steps from the server (0: the socket's peer), a proxy we trust? */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * The longest entry that can be an address: an IPv6 address with a zone, brackets
 * and a port fits. Past it the walk stops reading, so a huge header costs nothing.
 */
const MAX_ENTRY_CHARS = 64;

/** TRUST_PROXY as a trust function; false: X-Forwarded-For is never read. */
export function proxyTrust(trustProxy: TrustProxy): ProxyTrust | false {
  if (trustProxy === false) return false;
  // true means one hop: our own proxy, never the entries a client sent before it.
  const hops = trustProxy === true ? 1 : trustProxy;
  if (typeof hops === 'number') return (_address, hop) => hop < hops;
  const listed = proxyAddr.compile([...hops]);
  return (address, hop) => listed(address, hop);
}

/** The client address of a raw request (TRUST_PROXY applied). */
export function clientAddressOf(trustProxy: TrustProxy): (request: IncomingMessage) => string {
  const trust = proxyTrust(trustProxy);
  if (trust === false) return (request) => request.socket.remoteAddress ?? '';
  return (request) => {
    const header = request.headers['x-forwarded-for'];
    return clientAddress(request.socket.remoteAddress ?? '', typeof header === 'string' ? header : undefined, trust);
  };
}

/**
 * Walks `forwardedFor` from the right past trusted proxies. An entry that is not an IP
 * address ends the walk: the chain cannot be followed past it, so the answer is the
 * last address that could be read (the proxy that wrote the entry, or the peer).
 * Reads at most MAX_ENTRY_CHARS + 1 characters per step, and makes as many steps as
 * there are trusted proxies: linear, however long the header.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trust: ProxyTrust): string {
  if (forwardedFor === undefined) return peer;
  let address = peer;
  let end = forwardedFor.length;
  for (let hop = 0; end > 0 && trust(address, hop); hop++) {
    const entry = entryBefore(forwardedFor, end);
    const next = entry.text === undefined ? undefined : parseAddress(entry.text);
    if (next === undefined) break;
    address = next;
    end = entry.start;
  }
  return address;
}

/**
 * The entry that ends at `end` (exclusive) and where it starts (its comma, or 0).
 * text undefined: longer than any address, so not one (the rest is not read).
 */
function entryBefore(header: string, end: number): { text: string | undefined; start: number } {
  const stop = Math.max(0, end - MAX_ENTRY_CHARS - 1);
  for (let i = end - 1; i >= stop; i--) {
    if (header.charCodeAt(i) === 0x2c /* , */) return { text: header.slice(i + 1, end), start: i };
  }
  return stop === 0 ? { text: header.slice(0, end), start: 0 } : { text: undefined, start: stop };
}

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;

/**
 * An IPv4 or IPv6 address, as written by proxies: bare, IPv4 with a port, or IPv6 in
 * brackets with or without a port (the port is dropped). Anything else: undefined.
 */
export function parseAddress(entry: string): string | undefined {
  const text = entry.trim();
  if (isIP(text) !== 0) return text;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const inside = text.slice(1, close);
    const rest = text.slice(close + 1);
    return close > 0 && isIP(inside) === 6 && (rest === '' || /^:\d{1,5}$/.test(rest)) ? inside : undefined;
  }
  const withPort = IPV4_WITH_PORT.exec(text);
  return withPort !== null && isIP(withPort[1]) === 4 ? withPort[1] : undefined;
}
