import { EngineError } from '../core/errors.js';
import type { Alert, ModelSnapshot } from '../model/snapshot.js';
import type { DeadLetter } from '../stream/types.js';
import type { OutputSink } from './ports.js';
import type { ScoreRecord } from './records.js';

/** A sink method that threw, or whose promise rejected: the run fails with it. */
export class SinkError extends EngineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('L1S_SINK', message, options);
  }
}

type Written = 'model' | 'score' | 'alert' | 'deadLetter' | 'flush';

/**
 * The engine's view of a user's sink: a write method may return a promise (an `async model()`),
 * which is awaited before the sink's `flush` and fails the run when it rejects (it is never left
 * unhandled); `failure()` tells the engine between batches.
 */
export class AwaitingSink implements OutputSink {
  private readonly pending = new Set<Promise<void>>();
  private error: SinkError | null = null;

  constructor(private readonly sink: OutputSink) {}

  model(snapshot: ModelSnapshot): void {
    this.track('model', () => this.sink.model(snapshot));
  }

  score(score: ScoreRecord): void {
    this.track('score', () => this.sink.score(score));
  }

  alert(alert: Alert): void {
    this.track('alert', () => this.sink.alert(alert));
  }

  deadLetter(letter: DeadLetter): void {
    this.track('deadLetter', () => this.sink.deadLetter(letter));
  }

  /** Waits for the writes' promises, throws the first failure, then flushes the sink. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
    this.throwIfFailed();
    try {
      await this.sink.flush();
    } catch (err) {
      // an application's sink: its own error, typed (ours throw EngineErrors already)
      throw err instanceof EngineError ? err : sinkFailure('flush', err);
    }
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  discard(): void {
    this.sink.discard?.();
  }

  /** Throws the first write that failed so far (between batches: the run stops at once). */
  throwIfFailed(): void {
    if (this.error !== null) throw this.error;
  }

  private track(method: Written, write: () => unknown): void {
    this.throwIfFailed();
    let result: unknown;
    try {
      result = write();
    } catch (err) {
      // thrown at once: the same failure as a rejected promise, and the run stops now
      this.error = sinkFailure(method, err);
      throw this.error;
    }
    if (!isThenable(result)) return;
    const done: Promise<void> = Promise.resolve(result).then(
      () => void this.pending.delete(done),
      (err: unknown) => {
        this.pending.delete(done);
        this.error ??= sinkFailure(method, err);
      },
    );
    this.pending.add(done);
  }
}

function sinkFailure(method: Written, err: unknown): SinkError {
  return new SinkError(`the sink's ${method}() failed: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
