import type { CliIO } from './io.js';

/** A sub-command: parses its own flags, returns the exit code. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[], io: CliIO): Promise<number>;
}
