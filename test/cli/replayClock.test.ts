import type { SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { engineConfigFrom, replayFlagOptions } from '../../src/cli/engineFlags.js';
import { Engine } from '../../src/engine/engine.js';
import { gaussianEvents } from '../engine/helpers.js';
import { memorySource, MemorySink } from '../engine/memoryPorts.js';

/**
 * The snapshots and refits (`source:offset`) and alerts of a replay configured by `flags`, on a
 * clock that moves `step` ms each time it is read (61 s: a machine so slow that a minute passes
 * between any two batches).
 */
async function replayOn(step: number, flags: readonly string[] = []): Promise<string[]> {
  const { config } = await engineConfigFrom(
    [
      '--input',
      'events.jsonl',
      '--family',
      'gaussian',
      '--snapshot-every',
      '500',
      '--refit-every',
      '700',
    ].concat('--refit-window', '300', '--refit-threads', '0', ...flags),
    replayFlagOptions,
  );
  let t = 0;
  const scheduler = { now: () => (t += step) } as unknown as SchedulerLike;
  const sink = new MemorySink();
  const source = memorySource(gaussianEvents(3, 3000), 256);
  await new Engine(config, { source, sink }, { scheduler }).run();
  return [
    ...sink.models.map((m) => `${m.source}:${m.offset}`),
    ...sink.alerts.map((a) => `${a.type}:${a.offset}`),
  ];
}

describe('replay cadences', () => {
  it('the outputs of a replay do not depend on the clock: snapshots and refits by events only', async () => {
    const fast = await replayOn(0);
    expect(fast.filter((m) => m.startsWith('online:'))).toEqual([
      'online:500',
      'online:1000',
      'online:1500',
      'online:2000',
      'online:2500',
      'online:3000',
    ]);
    // refits are judged at batch boundaries (256 events): the first past each multiple of 700
    expect(fast.filter((m) => m.startsWith('refit:'))).toEqual([
      'refit:768',
      'refit:1536',
      'refit:2304',
      'refit:2816',
    ]);
    expect(await replayOn(61_000)).toEqual(fast);
  });

  it('seconds are opt-in (--snapshot-seconds, refit.everySeconds): then they follow the clock', async () => {
    const slow = await replayOn(61_000, ['--snapshot-seconds', '60']);
    // a snapshot at every batch boundary (256 events), besides those every 500 events
    expect(slow.filter((m) => m.startsWith('online:')).length).toBeGreaterThan(11);
  });
});
