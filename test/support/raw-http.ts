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

/**
 * Writes `request` (a head announcing a body, and at most part of it) and resolves the
 * answer's head once it is complete, without sending the rest: a server that waited for
 * the body would never answer, and after 3 s this rejects.
 */
export function answerBeforeBody(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer before the body was sent'));
    }, 3000);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(data.slice(0, end + 2));
    });
    socket.on('error', reject);
    socket.write(request);
  });
}
