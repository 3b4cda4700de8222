// AUTH_JWT_NAMESPACE: where in the payload the custom claims (sub among them) live.
// Parsed once into a path of keys so that each request only walks it.

export type NamespacePath = readonly string[];

/**
 * `/a/b` is an RFC 6901 JSON Pointer; anything else is one literal top-level key
 * (`https://electric-sql.com/jwt/claims`); unset or empty is the payload itself.
 */
export function parseNamespace(value: string | undefined): NamespacePath | Error {
  if (value === undefined || value === '') return [];
  if (!value.startsWith('/')) return [value];
  const tokens = value.slice(1).split('/');
  for (const token of tokens) {
    if (/~(?![01])/.test(token)) {
      return new Error(`"~" must be followed by 0 or 1 in a JSON Pointer (RFC 6901), as in ~0 for "~" and ~1 for "/"`);
    }
  }
  return tokens.map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at `path`, or undefined. Own properties only: never the prototype. */
export function resolvePath(root: unknown, path: NamespacePath): unknown {
  let current = root;
  for (const key of path) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(key)) return undefined;
      current = current[Number(key)];
    } else if (current !== null && typeof current === 'object') {
      if (!Object.hasOwn(current, key)) return undefined;
      current = (current as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
  }
  return current;
}

/** The inverse, for minting tokens: puts `value` at `path` inside `root`. */
export function placeAtPath(root: Record<string, unknown>, path: NamespacePath, value: Record<string, unknown>): Record<string, unknown> {
  if (path.length === 0) return Object.assign(root, value);
  // Own properties only, defined rather than assigned: a key such as `__proto__` or
  // `constructor` becomes a plain claim and never reaches Object.prototype.
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const own = (obj: Record<string, unknown>, key: string): unknown => (Object.hasOwn(obj, key) ? obj[key] : undefined);
  const define = (obj: Record<string, unknown>, key: string, v: unknown) =>
    Object.defineProperty(obj, key, { value: v, writable: true, enumerable: true, configurable: true });
  let current = root;
  for (const key of path.slice(0, -1)) {
    const next = own(current, key);
    if (!isObject(next)) define(current, key, {});
    current = own(current, key) as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  const existing = own(current, last);
  if (isObject(existing)) Object.assign(existing, value);
  else define(current, last, value);
  return root;
}
