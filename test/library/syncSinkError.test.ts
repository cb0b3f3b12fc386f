/**
 * A sink write method that throws synchronously fails `run()` with the same `SinkError` as one
 * whose promise rejects (it used to fail with the sink's raw error).
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, SinkError, checkEngineConfig, type ModelSnapshot } from '../../src/index.js';
import { batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({
  model: { family: 'binomial' },
  refit: { enabled: false },
  snapshots: { everyEvents: 500 },
});

describe('a sink that throws synchronously', () => {
  it('model() fails run() with SinkError, the same message as a rejected promise, the error as cause', async () => {
    const thrown = new Error('db insert failed');
    const sink = keepingSink({
      model: (m: ModelSnapshot) => {
        if (m.version >= 2) throw thrown;
      },
    });
    const run = new Engine(config, { source: { batches$: from([batchOf(0, 3000)]) }, sink }).run();
    await expect(run).rejects.toThrow(SinkError);
    await expect(run).rejects.toThrow("the sink's model() failed: db insert failed");
    await expect(run).rejects.toHaveProperty('cause', thrown);
  });

  it('deadLetter() fails run() with SinkError', async () => {
    const sink = keepingSink({
      deadLetter: () => {
        throw new Error('dlq down');
      },
    });
    const batch = { records: [{ value: 'not json', position: { source: 's', offset: '0' } }] };
    const run = new Engine(config, { source: { batches$: from([batch]) }, sink }).run();
    await expect(run).rejects.toThrow("the sink's deadLetter() failed: dlq down");
    await expect(run).rejects.toThrow(SinkError);
  });
});
