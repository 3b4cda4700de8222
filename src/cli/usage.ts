import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line: the command prints it and exits with status 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The command's options, parsed strictly (no positionals, no unknown options); a
 * malformed command line is a UsageError that ends with the command's usage text.
 */
export function parseOptions<const O extends Options>(argv: readonly string[], options: O, usage: string) {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
}
