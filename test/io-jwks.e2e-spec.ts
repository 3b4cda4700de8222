import type { RunningApp } from './support/app.js';
import { JwksServer, publicJwk, startWithKeySet } from './support/jwks-server.js';
import { IO_TRANSPORTS, ioAuthenticated, ioConnect, ioRefused } from './support/io-client.js';
import { generateEc, signedToken, validFor, type TestKeyPair } from './support/tokens.js';

// Socket.IO with a key set, where verification can wait for a fetch: a handshake that
// names a new kid waits for the refetch instead of failing; an `auth` refresh that waits
// holds the events behind it (WS_MAX_PENDING_FRAMES of them, one more is bad_message),
// which then see its outcome; an unknown kid is key_not_found at the handshake.

describe.each(IO_TRANSPORTS)('Socket.IO with a key set, over %s', (transport) => {
  const first = generateEc('P-256');
  const rotated = generateEc('P-256');
  const jwks = new JwksServer();
  let running: RunningApp | undefined;

  beforeAll(async () => {
    await jwks.start();
  });
  beforeEach(async () => {
    // An app per test: each may trigger the one unknown-kid refetch per cooldown.
    jwks.keys = [publicJwk(first.publicKey, { kid: 'k1', alg: 'ES256' })];
    jwks.delayMs = 0;
    running = await startWithKeySet(jwks, { AUTH_JWT_ALG: 'ES256', WS_TRANSPORT: 'socket.io', WS_MAX_PENDING_FRAMES: '2' });
  });
  afterEach(() => running?.app.close());
  afterAll(() => jwks.stop());

  const es256 = ({ privateKey }: TestKeyPair, kid: string, sub = 'alice', claims: Record<string, unknown> = {}) =>
    signedToken({ sub, ...claims, ...validFor() }, { alg: 'ES256', key: privateKey, kid });
  const rotate = () => {
    jwks.keys = [...jwks.keys, publicJwk(rotated.publicKey, { kid: 'k2', alg: 'ES256' })];
    jwks.delayMs = 800;
  };

  it('a handshake naming a new kid waits for the refetch and connects; an unknown kid is key_not_found', async () => {
    rotate();
    const client = await ioConnect(running!.url, { transport, token: es256(rotated, 'k2', 'alice') });
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'alice' } });
    client.close();
    const refusal = await ioRefused(running!.url, { transport, token: es256(first, 'nobody') });
    expect(refusal.data).toEqual({ reason: 'key_not_found', message: "No key found for the token's kid" });
  });

  it('events behind a slow refresh wait for it and see the new session', async () => {
    const client = await ioAuthenticated(running!.url, { transport, token: es256(first, 'k1', 'bob') });
    rotate();
    client.auth(es256(rotated, 'k2', 'bob', { v: 2 }));
    client.emit('whoami');
    client.emit('whoami');
    for (let i = 0; i < 3; i++) expect(await client.next(5000)).toMatchObject({ event: 'session', data: { sub: 'bob', claims: { v: 2 } } });
    client.close();
  });

  it('one event more than WS_MAX_PENDING_FRAMES behind a refresh: bad_message, then disconnect', async () => {
    const client = await ioAuthenticated(running!.url, { transport, token: es256(first, 'k1', 'carol') });
    rotate();
    client.auth(es256(rotated, 'k2', 'carol'));
    for (let i = 0; i < 3; i++) client.emit('whoami');
    expect(await client.next(5000)).toEqual({
      event: 'error',
      data: { reason: 'bad_message', message: 'Too many frames sent before authentication completed' },
    });
    expect(await client.disconnected).toBe('io server disconnect');
  });
});
