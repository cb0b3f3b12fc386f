/**
 * Snapshots of `models.jsonl` written again after a resume. A resumed run appends the snapshots
 * after its checkpoint once more (at-least-once outputs), so a key's offsets, increasing while a
 * run writes, go back where it resumed. Each key and source keeps its runs of increasing offsets
 * (a few numbers per restart, not per snapshot): a snapshot is rewritten when a later run wrote
 * snapshots over its offset, and only the later one counts.
 */
export class SnapshotRuns {
  private readonly runs = new Map<string, Runs>();

  /** Pass 1: the next snapshot of `key` from `source`, in file order. */
  add(key: string, source: 'online' | 'refit', offset: number): void {
    const id = runId(key, source);
    let r = this.runs.get(id);
    if (r === undefined) this.runs.set(id, (r = { first: [], last: [], start: [], count: 0 }));
    const k = r.last.length - 1;
    if (k < 0 || offset <= r.last[k]!) {
      r.first.push(offset);
      r.last.push(offset);
      r.start.push(r.count);
    } else r.last[k] = offset;
    r.count++;
  }

  /** A reader for a later pass over the same file, in the same order. */
  reader(): (key: string, source: 'online' | 'refit', offset: number) => boolean {
    const seen = new Map<string, number>();
    return (key, source, offset) => {
      const id = runId(key, source);
      const r = this.runs.get(id);
      const i = seen.get(id) ?? 0;
      seen.set(id, i + 1);
      if (r === undefined) return false;
      // the run of the i-th snapshot: the last run starting at or before it
      let k = r.start.length - 1;
      while (k > 0 && r.start[k]! > i) k--;
      for (let m = k + 1; m < r.first.length; m++)
        if (r.first[m]! <= offset && offset <= r.last[m]!) return true;
      return false;
    };
  }
}

interface Runs {
  readonly first: number[];
  readonly last: number[];
  /** The index of each run's first snapshot among the key's snapshots from this source. */
  readonly start: number[];
  count: number;
}

/** One map entry per key and source; the NUL cannot end a JSON key, so ids never collide. */
const runId = (key: string, source: 'online' | 'refit'): string => `${source}\u0000${key}`;
