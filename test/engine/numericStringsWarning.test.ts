import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { engineConfig } from './helpers.js';
import { memorySource, MemorySink } from './memoryPorts.js';

/**
 * `EngineOptions.warnNumericStrings` (`l1stream run`): a field of numbers sent as strings is
 * warned of at a model's first snapshot, once per field, as replay warns of it at its end.
 */
describe('warnNumericStrings', () => {
  const config = engineConfig({
    model: { family: 'gaussian', keyBy: 'plan', lambda: 0.01 },
    refit: { enabled: false },
    drift: { enabled: false },
    snapshots: { everyEvents: 500, everySeconds: 'Infinity' },
  });
  // "age" as strings ("42"), "zip" as strings too but a list (ids: categorical), "x" a number
  const events = Array.from({ length: 3000 }, (_, i) => ({
    label: (i % 11) - 5,
    features: {
      x: (i % 7) - 3,
      age: String(20 + (i % 50)),
      zip: [`${10000 + (i % 30)}`, '99999'],
      plan: `p${i % 3}`,
    },
  }));

  async function run(warn: boolean | undefined) {
    const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const logger = {
      warn: (obj: object, msg: string) => warnings.push({ obj: obj as Record<string, unknown>, msg }),
    };
    const engine = new Engine(
      config,
      { source: memorySource(events, 250), sink: new MemorySink() },
      { logger, ...(warn === undefined ? {} : { warnNumericStrings: warn }) },
    );
    await lastValueFrom(engine.pipeline(), { defaultValue: null });
    return warnings.filter((w) => w.obj.field !== undefined);
  }

  it('names the field once, at the first snapshot of the first model, with what replay says', async () => {
    const warnings = await run(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj.field).toBe('age');
    expect(warnings[0]!.msg).toMatch(
      /^field "age": 500 of 500 values in learned events were numeric strings \("\d+", "\d+", "\d+", \.\.\.\) and became \d+ one-hot features age=\.\.\.; send numbers as JSON numbers/,
    );
  });

  it('is off by default', async () => {
    expect(await run(undefined)).toEqual([]);
  });
});
