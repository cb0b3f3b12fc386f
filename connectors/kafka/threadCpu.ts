import { readFileSync } from 'node:fs';

/**
 * The CPU time this thread has run so far, in seconds (Linux: `/proc/thread-self/schedstat`), or
 * null where that is not available. Unlike an event loop's busy time, it leaves out the time the
 * thread was ready to run but waited for a core (other threads, other processes), which on a
 * machine with fewer free cores than busy threads can be most of it.
 */
export function threadCpuSeconds(): number | null {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1e9 : null;
  } catch {
    return null;
  }
}
