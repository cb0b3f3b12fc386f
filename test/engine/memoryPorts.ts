import { concatMap, from, Subject, type Observable } from 'rxjs';

import type { Alert, DeadLetter, ModelSnapshot, OutputSink, RawBatch, ScoreRecord } from '../../src/index.js';
import type { EventSource } from '../../src/engine/ports.js';
import type { RawRecord } from '../../src/stream/types.js';

/**
 * Events (objects or raw lines) as a source of batches of `batchSize` JSON records, each batch in
 * its own turn of the event loop (as a real source's are: a long run must not hold the test
 * worker's event loop for minutes, which vitest reports as an RPC timeout).
 */
export function memorySource(
  lines: ReadonlyArray<string | object>,
  batchSize = 256,
): EventSource & { batches$: Observable<RawBatch> } {
  const batches: RawBatch[] = [];
  for (let i = 0; i < lines.length; i += batchSize) {
    batches.push({
      records: lines.slice(i, i + batchSize).map((l, k) => ({
        value: typeof l === 'string' ? l : JSON.stringify(l),
        position: { source: 'memory', offset: String(i + k + 1) },
      })),
    });
  }
  return { batches$: from(batches).pipe(concatMap(async (b) => (await new Promise(setImmediate), b))) };
}

/**
 * A source fed by hand (`input.next(batch)`, `input.complete()`) whose commits are recorded: the
 * largest offset of each commit, in order.
 */
export function handFedSource(): { input: Subject<RawBatch>; source: EventSource; commits: number[] } {
  const input = new Subject<RawBatch>();
  const commits: number[] = [];
  const source: EventSource = {
    batches$: input,
    commit: (records: readonly RawRecord[]) => {
      if (records.length > 0) commits.push(Math.max(...records.map((r) => Number(r.position.offset))));
      return Promise.resolve();
    },
  };
  return { input, source, commits };
}

/** Collects every output in memory. */
export class MemorySink implements OutputSink {
  readonly models: ModelSnapshot[] = [];
  readonly scores: ScoreRecord[] = [];
  readonly alerts: Alert[] = [];
  readonly deadLetters: DeadLetter[] = [];
  model(s: ModelSnapshot): void {
    this.models.push(s);
  }
  score(s: ScoreRecord): void {
    this.scores.push(s);
  }
  alert(a: Alert): void {
    this.alerts.push(a);
  }
  deadLetter(l: DeadLetter): void {
    this.deadLetters.push(l);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
