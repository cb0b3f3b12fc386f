import { constants } from 'node:os';

/** The signals that stop a command. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

const signals: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM'];

/** What is told of the first signal, in the order registered. */
const handlers = new Set<(signal: InterruptSignal) => void>();
/** The first signal since the handlers were registered, or null. */
let received: InterruptSignal | null = null;

/** Set by `holdSignalsUntilExit`: once the last handler is gone, the listeners stay. */
let holdUntilExit = false;
/** `onInt` and `onTerm` are listening. */
let listening = false;
/** Milliseconds a held signal waits for the process to end by itself before it ends it. */
const HELD_MS = 1000;

const onSignal = (signal: InterruptSignal): void => {
  if (received !== null) {
    exitAtOnce(signal);
    return;
  }
  received = signal;
  // held (the command has stopped listening and is finishing): its outputs are written, so the
  // process ends with the command's own status; if it is still alive after HELD_MS, the signal ends it
  if (handlers.size === 0) exitIfHeld(signal, HELD_MS);
  for (const handler of handlers) handler(signal);
};
const onInt = () => onSignal('SIGINT');
const onTerm = () => onSignal('SIGTERM');

/**
 * Calls `first` on the first SIGINT or SIGTERM, which starts a clean stop (`replay` and `run`
 * share this: every handler registered hears the same first signal). A second signal while any
 * handler is registered exits at once (`exitAtOnce`). Returns the function that unregisters
 * `first`; once none is left, the signals have their default effect again, unless they are held
 * (`holdSignalsUntilExit`).
 */
export function onInterrupt(first: (signal: InterruptSignal) => void): () => void {
  if (handlers.size === 0) {
    received = null;
    // (held from an earlier command: still listening)
    if (!listening) {
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      listening = true;
    }
  }
  handlers.add(first);
  return () => {
    if (!handlers.delete(first) || handlers.size > 0 || holdUntilExit) return;
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    listening = false;
  };
}

/**
 * For the command line's own process (bin/l1stream.js): once a command that handles SIGINT and
 * SIGTERM has stopped listening (its outputs written, its last lines being printed), a signal
 * does not end the process by its default effect (exit status 130 / 143 for a run that did its
 * work) but lets it end with the command's own status; a second signal, or the process still
 * alive a second later, ends it by the signal (`exitAtOnce`).
 */
export function holdSignalsUntilExit(): void {
  holdUntilExit = true;
}

/**
 * Ends the process now, by `signal`: the 'exit' listeners run first (they remove the directory
 * locks and the temporary state directory), then the signal is raised again with its default
 * effect, so the exit status says which signal ended the process (a shell shows 130 / 143).
 */
export function exitAtOnce(signal: InterruptSignal): void {
  for (const s of signals) process.removeAllListeners(s);
  listening = false;
  const code = 128 + constants.signals[signal];
  process.exitCode = code;
  const listeners = process.listeners('exit');
  process.removeAllListeners('exit');
  for (const listener of listeners) {
    try {
      listener(code);
    } catch {
      // the others still run: each removes its own files
    }
  }
  process.kill(process.pid, signal);
  // still here: the signal is ignored (a background job of a shell that ignores SIGINT)
  process.exit(code);
}

/**
 * Ends the process, by `signal`, if it is still alive `ms` after its command returned: a read of a
 * pipe or a FIFO that an interrupted replay stopped reading waits in a thread of libuv's pool for
 * its writer, and held the process until that writer closed (21 s in a trial, 55 s for a FIFO)
 * after its last line said it had stopped. `process.exit` waits for that thread too: the signal,
 * raised again with its default effect (`exitAtOnce`), ends it. The timer does not itself keep the
 * process alive.
 */
export function exitIfHeld(signal: InterruptSignal, ms = 500): void {
  setTimeout(() => exitAtOnce(signal), ms).unref();
}
