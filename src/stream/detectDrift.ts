import { tap, type MonoTypeOperatorFunction } from 'rxjs';

import type { EngineElement } from './engineTypes.js';

/**
 * Drift detection (DESIGN §4) for each model, on its own cadence: every learned batch feeds its
 * model's loss, label-rate and input-sparsity detectors event by event; every
 * `drift.checkEveryEvents` learned events the live model's support and signs are checked (O(its
 * support), whatever the snapshot cadence); every refit snapshot is checked as its own source.
 * Alerts go into the element's outputs, right after what raised them.
 *
 * @example
 * engine$.pipe(detectDrift())
 */
export function detectDrift(): MonoTypeOperatorFunction<EngineElement> {
  return tap((element: EngineElement) => {
    const alerts = element.outputs.alerts;
    if (element.kind === 'refit') {
      if (element.snapshot !== null && element.live !== null)
        for (const a of element.live.drift.onSnapshot(element.snapshot)) alerts.push(a);
      return;
    }
    for (const { live, learned } of element.parts) {
      for (const a of live.drift.onBatch(learned)) alerts.push(a);
      if (live.checkDue()) {
        live.lastCheckOffset = live.model.offset;
        const filter = live.drift.materialFilter();
        if (filter !== null)
          for (const a of live.drift.onSnapshot(live.model.driftView(filter))) alerts.push(a);
      }
    }
  });
}
