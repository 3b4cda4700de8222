// The framework-free reference: node:http and `ws`, no framework, the same HS256 check
// as Gatehouse's secure mode (alg, signature, exp/iat/nbf with leeway, required iat and
// exp, sub), and verified tokens kept in a Map as a hand-tuned server would. Sockets
// authenticate with the upgrade's header or with a first `auth` frame (within 5 s, one
// Node timer per waiting socket); a later `auth` frame refreshes the session (same sub).
// Env: PORT, HOST, SECRET (the HS256 key as text).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const LEEWAY = 2;
// Gatehouse's cache capacity, so that both servers keep (or drop) a socket's token alike:
// a larger cache here would count a cached token in the reference's memory per socket
// and not in Gatehouse's, whose cache the warm-up has filled.
const MAX_CACHED = 10_000;
const secret = Buffer.from(process.env.SECRET ?? '', 'utf8');
const verified = new Map(); // token -> session

function verify(token) {
  const now = Math.floor(Date.now() / 1000);
  const hit = verified.get(token);
  if (hit !== undefined) {
    if (hit.expiresAt >= now - LEEWAY) return hit;
    verified.delete(token);
    return undefined;
  }
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let header, payload;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  } catch {
    return undefined;
  }
  if (header?.alg !== 'HS256' || typeof payload !== 'object' || payload === null) return undefined;
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const { exp, iat, nbf, sub } = payload;
  if (typeof exp !== 'number' || typeof iat !== 'number') return undefined;
  if (exp < now - LEEWAY || iat > now + LEEWAY) return undefined;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + LEEWAY)) return undefined;
  if (typeof sub !== 'string' || sub.trim() === '') return undefined;
  const session = { sub, expiresAt: exp, claims: payload, authMode: 'secure' };
  if (verified.size >= MAX_CACHED) dropOldest(MAX_CACHED / 64);
  verified.set(token, session);
  return session;
}

/**
 * Drops the `count` oldest tokens at once, as Gatehouse's cache does: one at a time, a Map
 * walks past the slots of deleted entries from its head on every eviction.
 */
function dropOldest(count) {
  let left = count;
  for (const token of verified.keys()) {
    verified.delete(token);
    if (--left <= 0) return;
  }
}

function bearer(header) {
  if (header === undefined || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return header.slice(7).trim() || undefined;
}

const UNAUTHORIZED = JSON.stringify({ statusCode: 401, error: 'Unauthorized', reason: 'token_invalid', message: 'Invalid token' });

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    return res.end('{"status":"ok"}');
  }
  if (req.url !== '/api/session') {
    res.writeHead(404);
    return res.end();
  }
  const token = bearer(req.headers.authorization);
  const session = token === undefined ? undefined : verify(token);
  if (session === undefined) {
    res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="reference"' });
    return res.end(UNAUTHORIZED);
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(session));
});

const SESSION = Symbol('session');
const AUTH_TIMEOUT_MS = 5000;
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => {});
  if (req.url !== '/ws') {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const token = bearer(req.headers.authorization);
  const session = token === undefined ? undefined : verify(token);
  if (token !== undefined && session === undefined) {
    socket.end(`HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: ${UNAUTHORIZED.length}\r\n\r\n${UNAUTHORIZED}`);
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => {});
    ws.on('message', onMessage);
    if (session !== undefined) return start(ws, session);
    // No header: the first frame must authenticate, within the timeout.
    ws.authTimer = setTimeout(() => ws.close(4408, 'auth_timeout'), AUTH_TIMEOUT_MS);
  });
});

function start(ws, session) {
  ws[SESSION] = session;
  ws.send(JSON.stringify({ event: 'session', data: session }));
}

/** Only `auth` frames: the first one authenticates, later ones refresh (same sub). */
function onMessage(data, isBinary) {
  let frame;
  try {
    frame = isBinary ? undefined : JSON.parse(data.toString());
  } catch {
    // not JSON: closed below
  }
  if (frame?.event !== 'auth') return this.close(1007, 'bad_message');
  clearTimeout(this.authTimer);
  const token = typeof frame.data?.token === 'string' ? frame.data.token : undefined;
  const session = token === undefined ? undefined : verify(token);
  if (session === undefined) return this.close(4401, 'token_invalid');
  const current = this[SESSION];
  if (current !== undefined && current.sub !== session.sub) return this.close(4403, 'sub_mismatch');
  start(this, session);
}

// Keepalive as a real server would have it: one shared interval, no per-socket timers.
setInterval(() => {
  for (const ws of wss.clients) ws.ping();
}, 30_000).unref();

server.listen(Number(process.env.PORT ?? 3100), process.env.HOST ?? '127.0.0.1');
// Exit 0 on SIGTERM (as Gatehouse does), so that `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
