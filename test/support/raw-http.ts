import { connect } from 'node:net';

/**
 * Sends a GET with an Authorization header written as raw bytes, which an HTTP client
 * library would refuse to send (control characters, non-ASCII). Resolves the status.
 */
export function rawGet(port: number, path: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`no HTTP answer: ${JSON.stringify(data.slice(0, 80))}`));
    });
    socket.end(
      Buffer.concat([
        Buffer.from(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer `),
        Buffer.from(authorization, 'utf8'),
        Buffer.from('\r\n\r\n'),
      ]),
    );
  });
}
