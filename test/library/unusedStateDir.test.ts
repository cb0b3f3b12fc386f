/**
 * `state.dir` in a configuration is read by the command line (replay --state, run); an Engine of the
 * library keeps state only in the store it is given as a port. A state.dir with no store was
 * accepted silently, and nothing outlived the run (found by a library trial): it is a warning now.
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, MemoryStateStore, checkEngineConfig } from '../../src/index.js';
import { batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({
  model: { family: 'binomial' },
  refit: { enabled: false },
  state: { dir: 'my-state' },
});

describe('state.dir given to an Engine without a state store', () => {
  it('is a warning of the run that says which store to pass', async () => {
    const stats = await new Engine(config, {
      source: { batches$: from([batchOf(0, 50)]) },
      sink: keepingSink(),
    }).run();
    expect(stats.warnings).toEqual([
      'state.dir is "my-state" but this Engine was given no state store, so nothing was kept there: pass new DirectoryStateStore("my-state") (l1stream/file) as ports.store',
    ]);
  });

  it('with a store: no warning', async () => {
    const stats = await new Engine(config, {
      source: { batches$: from([batchOf(0, 50)]) },
      sink: keepingSink(),
      store: new MemoryStateStore(),
    }).run();
    expect(stats.warnings).toEqual([]);
  });
});
