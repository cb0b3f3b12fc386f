import type { Engine } from '../../src/index.js';

/** The progress line a long-running `l1stream run` logs every 10 s (on one thread or on a worker). */
export function logEngineProgress(logger: { info(o: object, msg: string): void }, engine: Engine): void {
  const s = engine.stats();
  logger.info(
    {
      events: s.learned,
      scored: s.scored,
      rejected: s.rejected,
      keys: s.keys,
      refits: s.refits.completed,
      progressiveLoss: engine.metrics.progressiveLoss,
    },
    'progress',
  );
}
