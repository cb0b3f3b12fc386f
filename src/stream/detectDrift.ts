import { mergeMap, type OperatorFunction } from 'rxjs';

import type { DriftMonitor } from '../drift/driftMonitor.js';
import type { Alert, ModelSnapshot } from '../model/snapshot.js';
import type { LearnedBatch } from './types.js';

/** What `detectDrift` consumes: learned batches and model snapshots, interleaved in stream order. */
export type DriftInput = LearnedBatch | ModelSnapshot;

function isSnapshot(x: DriftInput): x is ModelSnapshot {
  return 'coefficients' in x;
}

/**
 * Maps learned batches and model snapshots to the drift alerts they raise (DESIGN §4), through a
 * `DriftMonitor` whose state lives as long as the monitor (so a resubscription continues, it does
 * not start over). Alerts come out synchronously, right after the element that raised them, in the
 * order they were detected. Event-count windows need no scheduler: the stream is its own clock.
 *
 * @example
 * merge(learned$, snapshots$).pipe(detectDrift(new DriftMonitor({ family: 'binomial' })))
 *   .subscribe((alert) => alerts.write(alert));
 */
export function detectDrift(monitor: DriftMonitor): OperatorFunction<DriftInput, Alert> {
  return mergeMap((x: DriftInput) => (isSnapshot(x) ? monitor.onSnapshot(x) : monitor.onBatch(x)));
}

/** `detectDrift` for a stream of learned batches only (loss, label rate, input sparsity). */
export function detectBatchDrift(monitor: DriftMonitor): OperatorFunction<LearnedBatch, Alert> {
  return mergeMap((b: LearnedBatch) => monitor.onBatch(b));
}

/** `detectDrift` for a stream of model snapshots only (support drift, sign flips). */
export function detectSnapshotDrift(monitor: DriftMonitor): OperatorFunction<ModelSnapshot, Alert> {
  return mergeMap((s: ModelSnapshot) => monitor.onSnapshot(s));
}
