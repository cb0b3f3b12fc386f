/** The examples' command lines: `--help`, and a bad option as one line with the usage (exit 2), not a stack trace. */

/** Writes `program: message` and the usage to stderr and exits with 2 (a usage error, as the CLI's). */
export function usageError(program: string, usage: string, message: string): never {
  process.stderr.write(`${program}: ${message}\n${usage}\n`);
  process.exit(2);
}

/**
 * Runs `parse` (a `parseArgs` call with a `help` switch); `--help` prints the usage to stdout and
 * exits 0, an option `parseArgs` refuses is a usage error.
 */
export function parseExampleArgs<T extends { readonly values: { readonly help?: boolean | undefined } }>(
  program: string,
  usage: string,
  parse: () => T,
): T {
  let parsed: T;
  try {
    parsed = parse();
  } catch (err) {
    // parseArgs' first sentence says it; the rest is about positionals, which no example takes
    return usageError(program, usage, (err as Error).message.split('. ')[0]!);
  }
  if (parsed.values.help === true) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return parsed;
}

/** A whole number at least `min`, or a usage error naming the option. */
export function wholeNumber(
  program: string,
  usage: string,
  option: string,
  text: string,
  min: number,
): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min)
    usageError(
      program,
      usage,
      `--${option} must be a whole number${min > -Infinity ? ` ≥ ${min}` : ''}, got "${text}"`,
    );
  return n;
}
