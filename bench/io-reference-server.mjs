// The bare Socket.IO reference for bench/io-bench.mjs: node:http and socket.io, no
// framework, doing what Gatehouse does for a Socket.IO client: the HS256 check of
// bench/reference-server.mjs on the handshake's auth.token (verified tokens kept in a
// Map), connect_error {reason, message} on refusal, the `session` event first, and a
// disconnect at exp (one timer per socket, as a hand-written server would have).
// Env: PORT, HOST, SECRET (the HS256 key as text).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const LEEWAY = 2;
const MAX_CACHED = 100_000;
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
  if (verified.size >= MAX_CACHED) verified.clear();
  verified.set(token, session);
  return session;
}

const http = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    return res.end('{"status":"ok"}');
  }
  res.writeHead(404);
  res.end();
});

// Gatehouse's defaults for the same limits: 64 KiB payloads, a ping every 30 s.
const io = new Server(http, { maxHttpBufferSize: 64 * 1024, pingInterval: 30_000 });
const INVALID = { reason: 'token_invalid', message: 'Invalid token' };

io.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  const session = typeof token === 'string' ? verify(token) : undefined;
  if (session === undefined) return next(Object.assign(new Error(INVALID.message), { data: INVALID }));
  socket.data.session = session;
  next();
});

io.on('connection', (socket) => {
  const { session } = socket.data;
  socket.emit('session', session);
  const expiry = setTimeout(() => {
    socket.emit('error', { reason: 'token_expired', message: 'Expired token' });
    socket.disconnect(true);
  }, (session.expiresAt + LEEWAY + 1) * 1000 - Date.now());
  socket.on('disconnect', () => clearTimeout(expiry));
});

http.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => io.close(() => process.exit(0)));
