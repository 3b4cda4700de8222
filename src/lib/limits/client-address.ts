import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/**
 * The client address of a raw request (the WebSocket upgrade, which Fastify never
 * sees), with the same TRUST_PROXY rules Fastify applies to REST requests, so that
 * both count failed authentications against the same address.
 */
export function clientAddressOf(trustProxy: boolean | number | readonly string[]): (request: IncomingMessage) => string {
  if (trustProxy === false) return (request) => request.socket.remoteAddress ?? '';
  const trust =
    trustProxy === true
      ? () => true
      : typeof trustProxy === 'number'
        ? (_address: string, hop: number) => hop < trustProxy
        : proxyAddr.compile([...trustProxy]);
  return (request) => proxyAddr(request, trust);
}
