import { merge, tap, type Observable } from 'rxjs';

import type { Family } from '../core/event.js';
import { DriftMonitor, type AlertLogger } from '../drift/driftMonitor.js';
import type { Alert, ModelSnapshot } from '../model/snapshot.js';
import { detectDrift } from '../stream/detectDrift.js';
import type { LearnedBatch } from '../stream/types.js';

/** What the drift monitor needs to know about the model it watches. */
export interface DriftContext {
  /** `binomial` also watches the label rate. */
  readonly family?: Family;
  /** Standard deviation of a feature by name (the online scaler's), for scale-free criteria. */
  readonly scaleOf?: (name: string) => number;
  /** Alerts are also logged here at warn level. */
  readonly logger?: AlertLogger;
  /** Clock for `createdAt`. */
  readonly clock?: () => Date;
}

/**
 * Connects drift detection (DESIGN §4) to a pipeline: learned batches and model snapshots, merged
 * in stream order, go through one `DriftMonitor` (configured by the `drift` config section); each
 * alert raised is handed to `write` and emitted.
 */
export function attachDrift(
  config: unknown,
  batches: Observable<LearnedBatch>,
  snapshots: Observable<ModelSnapshot>,
  write: (alert: Alert) => void,
  context: DriftContext = {},
): Observable<Alert> {
  const monitor = new DriftMonitor({ config, ...context });
  return merge(batches, snapshots).pipe(detectDrift(monitor), tap(write));
}
