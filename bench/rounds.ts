/**
 * Alternating rounds for the benchmarks that time l1stream beside a peer on a shared machine:
 * every contender runs once per round, in turn (l1stream, peer, l1stream, peer, ...), so load
 * that comes and goes falls on both sides alike. Times are medians per contender; a ratio
 * between two contenders is taken within each round, then its median over the rounds.
 */

export function median(a: readonly number[]): number {
  if (a.length === 0) throw new Error('median of no values');
  const s = [...a].sort((u, v) => u - v);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median over rounds of `num[r] / den[r]` (rounds that only one side ran are left out). */
export function medianRatio(num: readonly number[], den: readonly number[]): number {
  const n = Math.min(num.length, den.length);
  if (n === 0) throw new Error('medianRatio: no round with both sides');
  return median(Array.from({ length: n }, (_, r) => num[r]! / den[r]!));
}

/**
 * Runs each of `runs` once per round, in the order given, for `rounds` rounds; `run` resolves to
 * the measurement of that run (seconds, or anything with them). Returns each key's measurements
 * in round order.
 */
export async function alternate<K, T>(
  rounds: number,
  runs: ReadonlyArray<readonly [K, () => T | Promise<T>]>,
  onRun?: (key: K, value: T, round: number) => void,
): Promise<Map<K, T[]>> {
  const out = new Map<K, T[]>(runs.map(([k]) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [key, run] of runs) {
      const value = await run();
      out.get(key)!.push(value);
      onRun?.(key, value, round);
    }
  }
  return out;
}
