import type { IncomingMessage } from 'node:http';
import { clientAddress, clientAddressOf, parseAddress, proxyTrust, type ProxyTrust } from './client-address.js';

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

describe('clientAddressOf (TRUST_PROXY)', () => {
  it('without TRUST_PROXY, X-Forwarded-For is ignored', () => {
    expect(clientAddressOf(false)(request('10.0.0.1', '203.0.113.9'))).toBe('10.0.0.1');
  });
  it('TRUST_PROXY=true trusts one proxy: the rightmost entry, never the leftmost as given', () => {
    expect(clientAddressOf(true)(request('10.0.0.1', '203.0.113.9, 198.51.100.7'))).toBe('198.51.100.7');
    expect(clientAddressOf(true)(request('10.0.0.1', '203.0.113.9'))).toBe('203.0.113.9');
    expect(clientAddressOf(true)(request('10.0.0.1'))).toBe('10.0.0.1');
  });
  it('a hop count trusts that many proxies', () => {
    const twoHops = clientAddressOf(2);
    expect(twoHops(request('10.0.0.1', '1.1.1.1, 203.0.113.9, 198.51.100.7'))).toBe('203.0.113.9');
    // Fewer entries than hops: the leftmost, as it is the furthest that can be seen.
    expect(twoHops(request('10.0.0.1', '198.51.100.7'))).toBe('198.51.100.7');
  });
  it('a list trusts only those proxies, each hop checked', () => {
    const listed = clientAddressOf(['10.0.0.0/8']);
    expect(listed(request('10.0.0.1', '203.0.113.9'))).toBe('203.0.113.9');
    expect(listed(request('192.0.2.1', '203.0.113.9'))).toBe('192.0.2.1');
    expect(listed(request('10.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.2'))).toBe('203.0.113.9');
    // IPv4-mapped peers match an IPv4 range (a dual-stack listener).
    expect(listed(request('::ffff:10.0.0.1', '203.0.113.9'))).toBe('203.0.113.9');
  });
});

describe('clientAddress: entries that are not IP addresses', () => {
  const oneHop = proxyTrust(1) as ProxyTrust;
  const twoHops = proxyTrust(2) as ProxyTrust;

  it('end the walk at the last address that could be read', () => {
    expect(clientAddress('10.0.0.1', 'unknown', oneHop)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', '203.0.113.9, evil.example', twoHops)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', 'evil.example, 198.51.100.7', twoHops)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', '203.0.113.9, , 198.51.100.7', twoHops)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', '', oneHop)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', ',', oneHop)).toBe('10.0.0.1');
  });

  it('reads a bounded part of a huge header: only as many entries as there are trusted hops', () => {
    const huge = `${'9.9.9.9, '.repeat(1_700)}203.0.113.9`;
    const seen: number[] = [];
    const counting: ProxyTrust = (address, hop) => (seen.push(hop), hop < 1);
    expect(clientAddress('10.0.0.1', huge, counting)).toBe('203.0.113.9');
    expect(seen).toEqual([0, 1]);
    // One entry of 15,000 characters is not an address: not read past 65 of them.
    expect(clientAddress('10.0.0.1', `${'x'.repeat(15_000)}`, oneHop)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', `1.2.3.4${' '.repeat(15_000)}`, oneHop)).toBe('10.0.0.1');
  });
});

describe('parseAddress', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    [' 203.0.113.9\t', '203.0.113.9'],
    ['203.0.113.9:4711', '203.0.113.9'],
    ['2001:db8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['::ffff:203.0.113.9', '::ffff:203.0.113.9'],
  ])('%j is %s', (entry, address) => {
    expect(parseAddress(entry)).toBe(address);
  });

  it.each([
    '',
    'unknown',
    '_hidden',
    'evil.example',
    '1.2.3.4.5',
    '999.1.1.1',
    '1.2.3',
    '[1.2.3.4]',
    '[2001:db8::1]x',
    '203.0.113.9:',
    '<script>',
  ])('%j is not an address', (entry) => {
    expect(parseAddress(entry)).toBeUndefined();
  });
});
