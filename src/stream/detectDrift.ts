import { tap, type MonoTypeOperatorFunction } from 'rxjs';

import type { EngineElement } from './engineTypes.js';

/**
 * Drift detection (docs/conventions.md, alerts) for each model, on its own cadence: every learned batch feeds its
 * model's loss, label-rate and input-sparsity detectors event by event; every
 * `drift.checkEveryEvents` learned events the live model's support and signs are checked (O(its
 * support), whatever the snapshot cadence); every refit snapshot is checked as its own source (but
 * for one that is no estimate: `LiveModel.isEstimate`).
 * Alerts go into the element's outputs, right after what raised them.
 *
 * @example
 * engine$.pipe(detectDrift())
 */
export function detectDrift(): MonoTypeOperatorFunction<EngineElement> {
  return tap((element: EngineElement) => {
    const alerts = element.outputs.alerts;
    if (element.kind === 'refit') {
      if (element.snapshot !== null && element.live !== null && element.live.isEstimate(element.snapshot))
        for (const a of element.live.drift.onSnapshot(
          element.live.driftSnapshot(element.snapshot),
          element.live.refitMovesOf(element.snapshot),
        ))
          alerts.push(a);
      return;
    }
    for (const { live, learned } of element.parts) {
      const { jumps, dropped } = live.model.takeJumps();
      const outliers = jumps.length > 0 ? live.drift.onJumps(learned.key, jumps, dropped) : [];
      // in offset order (a batch's outliers and its other alerts interleave)
      let o = 0;
      for (const a of live.drift.onBatch(learned)) {
        while (o < outliers.length && outliers[o].offset <= a.offset) alerts.push(outliers[o++]);
        alerts.push(a);
      }
      while (o < outliers.length) alerts.push(outliers[o++]);
      if (live.checkDue()) {
        live.lastCheckOffset = live.model.offset;
        const filter = live.drift.materialFilter();
        if (filter !== null)
          for (const a of live.drift.onSnapshot(live.model.driftView(filter))) alerts.push(a);
      }
    }
  });
}
