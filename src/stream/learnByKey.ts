import { map, type OperatorFunction } from 'rxjs';

import { optionKeyProblems } from '../config/optionKeys.js';
import { optionProblems, optionValueProblems, type OptionKind } from '../config/optionValues.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import type { LiveModel } from '../model/liveModel.js';
import type { ModelRegistry } from '../model/registry.js';
import type { L1Event } from '../core/event.js';
import { coverageKey } from '../model/liveModel.js';
import {
  emptyOutputs,
  type BatchOutputs,
  type KeyedEvents,
  type ProcessedBatch,
  type RoutedBatch,
} from './engineTypes.js';
import { LearnedBatchBuilder, type OnProcessed } from './learn.js';
import type { DeadLetterSink, RecordPosition } from './types.js';

export interface LearnByKeyOptions {
  readonly deadLetters: DeadLetterSink;
  /** Score records for unlabelled events: off, or with this many named contributions. */
  readonly scores: { readonly enabled: boolean; readonly top: number };
  /** Serializes a rejected event for its dead letter (default JSON). */
  readonly serialize?: (event: unknown) => string;
  /** Counts events skipped because the model's restored state already covers them. */
  readonly skipped?: { count: number };
  /**
   * Skip the events at or below the offsets a model has learned up to, per source and partition
   * (default true): with a durable state store, the records a restored model's state covers are
   * read again. False: every event is learned, the offsets are only recorded.
   */
  readonly skipCovered?: boolean;
}

const learnByKeyKinds: ReadonlyArray<readonly [keyof LearnByKeyOptions, OptionKind]> = [
  ['deadLetters', 'deadLetterSink'],
  ['scores', 'object'],
  ['serialize', 'function'],
  ['skipped', 'object'],
  ['skipCovered', 'boolean'],
];
const scoresKinds: ReadonlyArray<readonly [string, OptionKind]> = [
  ['enabled', 'boolean'],
  ['top', 'wholeNonNegative'],
];

/** The problems of the object under `options.<name>`, named `learnByKey: <name>.<key>`. */
function nestedProblems(
  name: string,
  value: unknown,
  kinds: ReadonlyArray<readonly [string, OptionKind]>,
): ConfigProblem[] {
  const inner = `learnByKey: ${name}`;
  const problems = optionProblems(
    inner,
    value,
    kinds,
    kinds.map(([k]) => k),
  );
  return problems.map((q) => ({ path: q.path.replace(`${inner}: `, `${inner}.`), message: q.message }));
}

/**
 * `learnByKey`'s options from plain JavaScript: a misspelled key was ignored (`scores: { enable:
 * true }` published no score, as `enabled` was undefined), and `top: "5"` named contributions by
 * a string.
 */
function checkLearnByKeyOptions(options: LearnByKeyOptions): void {
  const problems = optionKeyProblems(
    'learnByKey',
    options,
    learnByKeyKinds.map(([k]) => k),
  );
  if (problems.length === 0) {
    const o = options as unknown as Readonly<Record<string, unknown>>;
    problems.push(...optionValueProblems('learnByKey', o, learnByKeyKinds, ['deadLetters', 'scores']));
    if (problems.every((q) => q.path !== 'learnByKey: scores'))
      problems.push(...nestedProblems('scores', o.scores, scoresKinds));
    if (o.skipped !== undefined && problems.every((q) => q.path !== 'learnByKey: skipped'))
      problems.push(...nestedProblems('skipped', o.skipped, [['count', 'wholeNonNegative']]));
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * The part without the events its model already covers (read again after a restore), and marks
 * the rest covered; with `skip` false, the whole part, marked covered. Each part comes from one
 * partition in order (Kafka batches are per partition, files are one source): one lookup decides,
 * per event only when a part mixes them.
 */
export function takeUncovered(part: KeyedEvents, live: LiveModel, skip = true): KeyedEvents {
  const { events, positions } = part;
  const n = positions.length;
  if (n === 0) return part;
  const first = positions[0];
  const last = positions[n - 1];
  const covered = live.covered;
  live.dirty = true;
  if (first.source === last.source && first.partition === last.partition) {
    const key = coverageKey(last);
    const upTo = covered.get(key);
    const lastOffset = Number(last.offset);
    if (upTo === undefined || lastOffset > upTo) covered.set(key, lastOffset);
    if (!skip || upTo === undefined || Number(first.offset) > upTo) return part;
    let i = 0;
    while (i < n && Number(positions[i].offset) <= upTo) i++;
    return { key: part.key, events: events.slice(i), positions: positions.slice(i) };
  }
  const keptEvents: L1Event[] = [];
  const keptPositions: RecordPosition[] = [];
  const before = new Map(covered);
  for (let i = 0; i < n; i++) {
    const key = coverageKey(positions[i]);
    const offset = Number(positions[i].offset);
    const upTo = before.get(key);
    if (skip && upTo !== undefined && offset <= upTo) continue;
    keptEvents.push(events[i]);
    keptPositions.push(positions[i]);
    if (!(offset <= (covered.get(key) ?? -Infinity))) covered.set(key, offset);
  }
  return { key: part.key, events: keptEvents, positions: keptPositions };
}

/**
 * Feeds each key's events to that key's live model (created, or restored from the state store, on
 * first sight): predict, then learn (progressive validation). Emits the batch with, per key, the
 * per-event outcomes (`LearnedBatch`) for the stages after it, and the scores of its unlabelled
 * events. Models are updated synchronously: downstream sees them current.
 */
export function learnByKey(
  registry: ModelRegistry<LiveModel>,
  options: LearnByKeyOptions,
): OperatorFunction<RoutedBatch, ProcessedBatch> {
  checkLearnByKeyOptions(options);
  const serialize = options.serialize ?? ((e: unknown) => JSON.stringify(e));
  // One handler for every batch, reading the part it is called for from `at` (set right before each
  // synchronous `learn`): a new closure per batch would deoptimize the builder's learning loop.
  let at: { live: LiveModel; outputs: BatchOutputs } | null = null;
  const onProcessed: OnProcessed = (event, position, outcome) => {
    const { live, outputs } = at!;
    if (outcome.labelled) {
      live.recordServed(outcome.prediction, event.label!, event.weight ?? 1);
      if (live.countSnapshotDue()) outputs.models.push(live.takeSnapshot());
    } else if (options.scores.enabled)
      outputs.scores.push(live.score(event, position, outcome.prediction, options.scores.top));
  };
  return map((batch: RoutedBatch): ProcessedBatch => {
    const outputs = emptyOutputs();
    const parts: Array<ProcessedBatch['parts'][number]> = [];
    for (const whole of batch.parts) {
      const live = registry.acquire(whole.key);
      const part = takeUncovered(whole, live, options.skipCovered !== false);
      if (part !== whole && options.skipped)
        options.skipped.count += whole.events.length - part.events.length;
      const builder = new LearnedBatchBuilder(
        part.events.length,
        live.drift.readsFieldCodes,
        live.indicesPerEvent,
        live.drift.feed,
        live.driftReadsIndices,
      );
      // a literal, not a spread: its map is the same batch after batch (a spread's clone map can be
      // collected between batches, and each new one deoptimizes the builder's learning loop)
      const withRecords = {
        key: part.key,
        events: part.events,
        positions: part.positions,
        records: batch.records,
      };
      at = { live, outputs };
      try {
        builder.learn(withRecords, live.model, options.deadLetters, serialize, onProcessed);
      } finally {
        at = null;
      }
      parts.push({ live, learned: builder.build(live.model, batch) });
      live.indicesPerEvent = builder.indicesPerEvent();
    }
    return { kind: 'batch', parts, records: batch.records, partial: batch.partial, outputs };
  });
}
