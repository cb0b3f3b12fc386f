/**
 * A restarted run that skips records its restored models already learned says so: one info line
 * per run with how many events (nothing said it before; only stats.skippedCovered counted them).
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, checkEngineConfig } from '../../src/index.js';
import { MapStore, batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({
  model: { family: 'binomial', lambda: 0.01 },
  refit: { enabled: false },
  state: { everyEvents: 500 },
});

function logged() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const logger = {
    info: (obj: object, msg: string) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg: string) => void lines.push({ level: 'warn', obj, msg }),
  };
  return { lines, logger };
}

describe('a restart that skips events already learned', () => {
  it('logs one info line with how many, and none when nothing was skipped', async () => {
    const store = new MapStore();
    const first = logged();
    await new Engine(
      config,
      { source: { batches$: from([batchOf(0, 1000), batchOf(1000, 2000)]) }, sink: keepingSink(), store },
      { logger: first.logger },
    ).run();
    expect(first.lines.filter((l) => l.msg.includes('not learned again'))).toEqual([]);

    const second = logged();
    const stats = await new Engine(
      config,
      {
        source: { batches$: from([batchOf(0, 1000), batchOf(1000, 2000), batchOf(2000, 2500)]) },
        sink: keepingSink(),
        store,
      },
      { logger: second.logger },
    ).run();
    expect(stats.skippedCovered).toBe(2000);
    const skipped = second.lines.filter((l) => l.msg.includes('not learned again'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ level: 'info', obj: { skippedCovered: 2000 } });
    expect(skipped[0]!.msg).toBe(
      "2000 events not learned again: their models' restored state already covered them (learned before a restart, or by the instance that held their partition before)",
    );
  });
});
