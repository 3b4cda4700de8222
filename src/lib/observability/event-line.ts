/** An authentication event as the logs get it: `msg` in words and `event` as a code, plus its details. */
export interface LogEvent {
  readonly msg: string;
  readonly event: string;
  readonly [field: string]: string | number | boolean | undefined;
}

/**
 * The event as one line of text, for loggers that print objects over several lines
 * (Nest's default ConsoleLogger): `authentication rejected: event=auth_rejected
 * transport=http reason=token_expired ...`. Values that hold a space, a quote or `=`,
 * or are empty, are JSON strings; the values never hold line breaks (log-safety.ts).
 */
export function eventLine({ msg, ...fields }: LogEvent): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' && (value === '' || /[\s"=]/.test(value)) ? JSON.stringify(value) : String(value)}`,
    );
  return `${msg}: ${pairs.join(' ')}`;
}
