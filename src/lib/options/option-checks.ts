import { ConfigurationError } from './configuration-error.js';
import { showValue, type OptionNaming } from './option-naming.js';

/** Options as given: checked as untyped input, since they often come from JavaScript or a ConfigService. */
export type RawOptions = Readonly<Record<string, unknown>>;

/** Blank strings count as unset, as blank environment variables do. */
export function isSet(value: unknown): boolean {
  return value !== undefined && !(typeof value === 'string' && value.trim() === '');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Collects the problems of one resolveOptions run, worded through the user's naming,
 * and the warnings. Each reader answers a usable value (the default on a problem) so
 * that checking goes on and every problem is found.
 */
export class OptionChecks {
  readonly errors: string[];
  readonly warnings: string[];

  constructor(
    private readonly naming: OptionNaming,
    /** A nested check's parent: its lines join the parent's. */
    parent?: OptionChecks,
  ) {
    this.errors = parent?.errors ?? [];
    this.warnings = parent?.warnings ?? [];
  }

  /**
   * Checks for an object inside the options (an entry of `issuers`): its lines name
   * `<prefix>.<key>` and join this check's.
   */
  nested(prefix: string): OptionChecks {
    return new OptionChecks({ name: (path) => `${prefix}.${path}` }, this);
  }

  name(path: string): string {
    return this.naming.name(path);
  }

  /** Options converted from text: lists are written comma-separated there. */
  get textual(): boolean {
    return this.naming.written !== undefined;
  }

  /** The value given for `path`, as the user wrote it. */
  given(path: string, value: unknown): string {
    const written = this.naming.written?.(path);
    return written !== undefined ? JSON.stringify(written) : showValue(value);
  }

  /** An allowed value, in the user's notation. */
  literal(value: unknown): string {
    return this.textual ? JSON.stringify(String(value)) : showValue(value);
  }

  error(line: string): void {
    this.errors.push(line);
  }

  invalid(path: string, value: unknown, must: string): void {
    this.error(`${this.name(path)} has invalid value: ${this.given(path, value)}. ${must}`);
  }

  integer(path: string, value: unknown, [min, max]: readonly [number, number], fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.invalid(path, value, `Must be a whole number from ${min} to ${max}`);
    return fallback;
  }

  flag(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.invalid(path, value, `Must be one of [${this.literal(true)}, ${this.literal(false)}]`);
    return fallback;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): T | undefined {
    if ((allowed as readonly unknown[]).includes(value)) return value as T;
    this.invalid(path, value, `Must be one of [${allowed.map((a) => JSON.stringify(a)).join(', ')}]`);
    return undefined;
  }

  /** A string option; blank is unset. */
  text(path: string, value: unknown): string | undefined {
    if (!isSet(value)) return undefined;
    if (typeof value === 'string') return value;
    this.invalid(path, value, 'Must be a string');
    return undefined;
  }

  /** Keys of `object` that are no option: a typo would otherwise be silently ignored. */
  unknownKeys(object: Record<string, unknown>, known: readonly string[], prefix = ''): void {
    for (const key of Object.keys(object)) {
      if (!known.includes(key)) this.error(`${this.name(prefix + key)} is not a Gatehouse option`);
    }
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw new ConfigurationError(this.errors);
  }
}
