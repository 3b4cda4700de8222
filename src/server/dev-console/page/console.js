// The development console (docs/protocol.md §13.2): mints unsigned tokens in the page,
// drives one GatehouseClient (the built gatehouse/client, served at /dev/client.js), and
// logs every frame, close code, state change and REST answer with its time.
// Plain JavaScript for the browser: nothing to build, nothing fetched from elsewhere.
import { GatehouseClient } from './client.js';

const $ = (id) => document.getElementById(id);
const settings = await (await fetch('/dev/settings.json')).json();

// ── the log ────────────────────────────────────────────────────────────────────────────

const MAX_ROWS = 500;

function clock() {
  const d = new Date();
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** One row: kind is in, out, state, token, socket, close, error or http. */
function log(kind, what, detail = '') {
  const row = document.createElement('tr');
  row.className = `row-${kind}`;
  for (const [name, text] of [
    ['time', clock()],
    ['kind', kind],
    ['what', what],
    ['detail', detail],
  ]) {
    const cell = document.createElement('td');
    cell.className = name;
    cell.textContent = text;
    row.append(cell);
  }
  const body = $('log').tBodies[0];
  body.append(row);
  while (body.rows.length > MAX_ROWS) body.rows[0].remove();
  row.scrollIntoView({ block: 'nearest' });
}

/** Tokens are long: the log shows their start. */
const shortToken = (token) => (token.length > 32 ? `${token.slice(0, 24)}…(${token.length} chars)` : token);

function describeFrame(text) {
  try {
    const frame = JSON.parse(text);
    if (frame.event === 'auth' && typeof frame.data?.token === 'string') {
      return { event: 'auth', detail: JSON.stringify({ token: shortToken(frame.data.token) }) };
    }
    return { event: frame.event, detail: frame.data === undefined ? '' : JSON.stringify(frame.data) };
  } catch {
    return { event: '(not JSON)', detail: String(text) };
  }
}

const inSeconds = (epoch) => `${Math.round(epoch - Date.now() / 1000)} s from now`;

// ── tokens ─────────────────────────────────────────────────────────────────────────────

function base64url(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function readClaims() {
  const text = $('claims').value.trim();
  if (text === '') return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`claims are not JSON: ${error.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('claims must be a JSON object');
  return value;
}

/** Own, plain properties: a namespace key such as __proto__ stays a claim. */
const define = (object, key, value) => Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });

/** Puts the claims where AUTH_JWT_NAMESPACE says the server reads them. */
function placeClaims(payload, claims) {
  if (settings.namespace.length === 0) return Object.assign(payload, claims);
  let node = payload;
  for (const key of settings.namespace.slice(0, -1)) node = define(node, key, {})[key];
  define(node, settings.namespace.at(-1), claims);
  return payload;
}

/**
 * An unsigned token (alg: none), all insecure mode asks for: sub and claims from the
 * form, exp = now + lifetime (0 or empty: no exp; negative: already expired).
 */
function mint() {
  const sub = $('sub').value;
  const lifetime = Number($('lifetime').value || 0);
  if (!Number.isFinite(lifetime)) throw new Error('lifetime must be a number of seconds');
  const now = Math.floor(Date.now() / 1000);
  const payload = lifetime === 0 ? { iat: now } : { iat: now, exp: now + lifetime };
  placeClaims(payload, { ...readClaims(), sub });
  const token = `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}.`;
  $('token').value = token;
  $('payload').textContent = `payload ${JSON.stringify(payload)}`;
  return token;
}

// ── the client ─────────────────────────────────────────────────────────────────────────

/** The browser's WebSocket, logging what the client sends and every open and close. */
class LoggingWebSocket extends WebSocket {
  constructor(url) {
    super(url);
    log('socket', 'connecting', url);
    this.addEventListener('open', () => log('socket', 'open'));
    this.addEventListener('close', (event) => log('close', String(event.code), event.reason || '(no reason given)'));
  }

  send(data) {
    const { event, detail } = describeFrame(data);
    log('out', `→ ${event}`, detail);
    super.send(data);
  }
}

let manualRefresh = false;

function getToken(reason) {
  if (reason === 'refresh' && !manualRefresh && !$('auto-refresh').checked) {
    throw new Error('refresh on session_expiring is off in the console: expect a 4001 at expiry');
  }
  const token = mint();
  log('token', `getToken("${reason}")`, shortToken(token));
  return token;
}

const client = new GatehouseClient({ url: settings.wsPath, getToken, WebSocket: LoggingWebSocket });

client.on('*', ({ event, data }) => {
  if (event === 'error') return; // logged by the error handler below, with the client's own errors
  let detail = data === undefined ? '' : JSON.stringify(data);
  if (typeof data?.expiresAt === 'number') detail += `  (expiresAt ${inSeconds(data.expiresAt)})`;
  log('in', `← ${event}`, detail);
});

client.on('error', (error) => {
  log('error', error.reason, `${error.message}${error.fatal ? '  (fatal: the client stopped)' : ''}`);
});

client.on('state', (change) => {
  $('state').textContent = change.state;
  $('state').className = `state ${change.state}`;
  const parts = [];
  if (change.close) parts.push(`after close ${change.close.code} ${change.close.reason || ''}`.trim());
  if (change.delayMs !== undefined) parts.push(`next attempt in ${change.delayMs} ms`);
  if (change.attempt !== undefined) parts.push(`attempt ${change.attempt}`);
  log('state', `state: ${change.state}`, parts.join(', '));
});

// ── buttons ────────────────────────────────────────────────────────────────────────────

function guarded(action) {
  return async () => {
    try {
      await action();
    } catch (error) {
      log('error', 'console', error.message);
    }
  };
}

$('mint').addEventListener(
  'click',
  guarded(() => void mint()),
);
$('connect').addEventListener(
  'click',
  guarded(() => client.connect()),
);
$('close').addEventListener(
  'click',
  guarded(() => client.close()),
);
$('refresh').addEventListener(
  'click',
  guarded(async () => {
    if (client.state !== 'authenticated') throw new Error('not authenticated: connect first');
    manualRefresh = true;
    try {
      await client.refresh();
    } finally {
      manualRefresh = false;
    }
  }),
);
$('send').addEventListener(
  'click',
  guarded(() => {
    const text = $('data').value.trim();
    client.send($('event').value, text === '' ? undefined : JSON.parse(text));
  }),
);
$('call-session').addEventListener(
  'click',
  guarded(async () => {
    const response = await client.fetch('/api/session');
    log('http', `GET /api/session → ${response.status}`, await response.text());
  }),
);
$('clear').addEventListener('click', () => $('log').tBodies[0].replaceChildren());

const namespace = settings.namespaceSetting ? `claims under AUTH_JWT_NAMESPACE ${settings.namespaceSetting}` : 'claims at the top level';
$('namespace-note').textContent = `unsigned (alg: none), ${namespace}`;
$('timing').textContent =
  `session_expiring comes ${settings.expiryNoticeSeconds} s before exp; unless refreshed, the socket ` +
  `closes with 4001 once exp and ${settings.clockTolerance} s of leeway have passed.`;
mint();
document.body.dataset.ready = 'true';
