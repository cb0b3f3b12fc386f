/**
 * A run whose every refit fails does not end as a success without a word: `stats.warnings` says
 * so with the first failure, and the engine's logger is told.
 */
import { from, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, RefitError, checkEngineConfig, type RefitRunner } from '../../src/index.js';
import { batchOf, keepingSink } from './helpers.js';

/** A runner whose every refit fails (as with a worker that cannot load its solver). */
const failingRunner: RefitRunner = {
  idle: true,
  run: (job) => throwError(() => new RefitError(`refit of "${job.key}" failed: no solver here`)),
  close: async () => undefined,
};

describe('refits that all fail', () => {
  it('are a warning in the stats and the log', async () => {
    const warned: string[] = [];
    const logger = {
      info: () => undefined,
      warn: (_: object, message: string) => void warned.push(message),
      error: () => undefined,
    };
    const config = checkEngineConfig({
      model: { family: 'binomial' },
      refit: { everyEvents: 1000, window: 1000 },
    });
    const source = { batches$: from([batchOf(0, 1500), batchOf(1500, 3000)]) };
    const stats = await new Engine(
      config,
      { source, sink: keepingSink(), runner: failingRunner },
      { logger },
    ).run();
    expect(stats.refits.failed).toBeGreaterThan(0);
    const warning = `every refit failed (${stats.refits.failed}), so the models are the online learner's alone; the first failure: refit of "default" failed: no solver here`;
    expect(stats.warnings).toEqual([warning]);
    expect(warned).toContain(warning);
  });
});
