import { constants } from 'node:os';

/** The signals that stop a command. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

const signals: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM'];

/** What is told of the first signal, in the order registered. */
const handlers = new Set<(signal: InterruptSignal) => void>();
/** The first signal since the handlers were registered, or null. */
let received: InterruptSignal | null = null;

const onSignal = (signal: InterruptSignal): void => {
  if (received !== null) {
    exitAtOnce(signal);
    return;
  }
  received = signal;
  for (const handler of handlers) handler(signal);
};
const onInt = () => onSignal('SIGINT');
const onTerm = () => onSignal('SIGTERM');

/**
 * Calls `first` on the first SIGINT or SIGTERM, which starts a clean stop (`replay` and `run`
 * share this: every handler registered hears the same first signal). A second signal while any
 * handler is registered exits at once (`exitAtOnce`). Returns the function that unregisters
 * `first`; once none is left, the signals have their default effect again.
 */
export function onInterrupt(first: (signal: InterruptSignal) => void): () => void {
  if (handlers.size === 0) {
    received = null;
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  }
  handlers.add(first);
  return () => {
    if (!handlers.delete(first) || handlers.size > 0) return;
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

/**
 * Ends the process now, by `signal`: the 'exit' listeners run first (they remove the directory
 * locks and the temporary state directory), then the signal is raised again with its default
 * effect, so the exit status says which signal ended the process (a shell shows 130 / 143).
 */
export function exitAtOnce(signal: InterruptSignal): void {
  for (const s of signals) process.removeAllListeners(s);
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
