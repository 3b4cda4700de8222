import type { IncomingMessage } from 'node:http';
import { clientAddressOf } from './client-address.js';

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

describe('clientAddressOf (TRUST_PROXY for the WebSocket upgrade)', () => {
  it('without TRUST_PROXY, X-Forwarded-For is ignored', () => {
    expect(clientAddressOf(false)(request('10.0.0.1', '203.0.113.9'))).toBe('10.0.0.1');
  });
  it('TRUST_PROXY=true takes the first forwarded address', () => {
    expect(clientAddressOf(true)(request('10.0.0.1', '203.0.113.9, 10.0.0.2'))).toBe('203.0.113.9');
  });
  it('a hop count trusts that many proxies', () => {
    expect(clientAddressOf(1)(request('10.0.0.1', '203.0.113.9, 198.51.100.7'))).toBe('198.51.100.7');
  });
  it('a list trusts only those proxies', () => {
    expect(clientAddressOf(['10.0.0.0/8'])(request('10.0.0.1', '203.0.113.9'))).toBe('203.0.113.9');
    expect(clientAddressOf(['10.0.0.0/8'])(request('192.0.2.1', '203.0.113.9'))).toBe('192.0.2.1');
  });
});
