import {
  concatMap,
  concatWith,
  defer,
  EMPTY,
  filter,
  finalize,
  identity,
  mergeMap,
  of,
  tap,
  type Observable,
  type OperatorFunction,
} from 'rxjs';

import { shownValue } from '../config/unknownKey.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import type { Checkpointer } from '../engine/checkpointer.js';
import type { EventSource, OutputSink } from '../engine/ports.js';
import type { EngineElement, ProcessedBatch } from './engineTypes.js';

function write(sink: OutputSink, element: EngineElement): void {
  if (element.kind === 'refit' && element.snapshot !== null) sink.model(element.snapshot);
  const { models, scores, alerts, deadLetters } = element.outputs;
  for (const d of deadLetters) sink.deadLetter(d);
  for (const m of models) sink.model(m);
  for (const s of scores) sink.score(s);
  for (const a of alerts) sink.alert(a);
}

/** The sink's methods `publish` calls. */
const SINK_METHODS = ['model', 'score', 'alert', 'deadLetter', 'flush'] as const;

/**
 * From JavaScript, a sink without a method `publish` calls, or no source, failed at the first
 * batch with a TypeError (`sink.flush is not a function`); each is named at once, in a ConfigError.
 */
function checkPublishArguments(sink: unknown, source: unknown): void {
  const problems: ConfigProblem[] = [];
  const methods = sink as Readonly<Record<string, unknown>> | null;
  if (typeof sink !== 'object' || methods === null)
    problems.push({
      path: 'publish: sink',
      message: `must be an OutputSink (FileOutputSink.open(dir), a Kafka sink, or your own), got ${shownValue(sink)}`,
    });
  else {
    const missing = SINK_METHODS.filter((m) => typeof methods[m] !== 'function');
    if (missing.length > 0)
      problems.push({
        path: 'publish: sink',
        message: `has no method ${missing.join(', ')}: it must be an OutputSink (${SINK_METHODS.join(', ')})`,
      });
  }
  const commit = (source as { readonly commit?: unknown } | null)?.commit;
  if (typeof source !== 'object' || source === null)
    problems.push({
      path: 'publish: source',
      message: `must be the EventSource whose records are committed, got ${shownValue(source)}`,
    });
  else if (commit !== undefined && typeof commit !== 'function')
    problems.push({ path: 'publish: source.commit', message: 'must be a function when given' });
  if (problems.length > 0) throw new ConfigError(problems);
}

const wholeBatch = (e: EngineElement): e is ProcessedBatch => e.kind === 'batch' && !e.partial;

/** A refit's snapshot, or a batch without records that has outputs (snapshots made by time). */
const madeIdle = (e: EngineElement): boolean =>
  e.kind === 'refit' ||
  (e.kind === 'batch' && !e.partial && e.records.length === 0 && e.outputs.models.length > 0);

/**
 * Writes each element's outputs to the sink (models, scores, alerts, in that order; a refit's
 * snapshot first), then, for batches, waits until the sink has made them durable and commits the
 * batch's records at the source (at-least-once: docs/conventions.md, delivery). Emits each batch once committed.
 * Flushes are chained in order by the sink and overlapping commits are merged by the source, so
 * batch k+1 need not wait for k's commit.
 *
 * With a `checkpointer` (a durable state store), elements are published strictly one after the
 * other, and records are committed only at checkpoints: each batch's outputs are made durable,
 * then the checkpointer notes it (and writes the checkpoint captured at it, if any); a last
 * checkpoint follows when the stream completes.
 */
export function publish(
  sink: OutputSink,
  source: EventSource,
  checkpointer?: Checkpointer,
): OperatorFunction<EngineElement, ProcessedBatch> {
  checkPublishArguments(sink, source);
  if (checkpointer) {
    return (elements: Observable<EngineElement>) =>
      elements.pipe(
        concatMap(async (element) => {
          // learned before a rewind (exactly-once, after a rebalance): read again, not published
          if (!checkpointer.current(element)) {
            await checkpointer.published(element);
            return element;
          }
          write(sink, element);
          // a refit's snapshot is sent now, not with the next batch: on an idle stream there may be none
          if (wholeBatch(element) || element.kind === 'refit') await sink.flush();
          await checkpointer.published(element);
          return element;
        }),
        filter(wholeBatch),
        concatWith(
          defer(async () => {
            await sink.flush();
            await checkpointer.finish();
          }).pipe(mergeMap(() => EMPTY)),
        ),
        finalize(() => checkpointer.stopTimer()),
      );
  }
  return (elements) =>
    elements.pipe(
      tap((element) => write(sink, element)),
      // outputs made without records (snapshots by time, a refit's) are sent now: on an idle
      // stream no batch may come after them to flush them (a file sink held them until then)
      concatMap((element) => (madeIdle(element) ? sink.flush().then(() => element) : of(element))),
      filter(wholeBatch),
      source.commit
        ? mergeMap(async (batch) => {
            await sink.flush();
            await source.commit!(batch.records);
            return batch;
          })
        : identity,
    );
}
