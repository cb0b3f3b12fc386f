import { describe, expect, it } from 'vitest';

import { EngineProgressLog } from '../../connectors/kafka/progressLog.js';
import type { Engine } from '../../src/index.js';

/** The part of an engine the progress line reads: its counts, moved by the test. */
function countingEngine() {
  const counts = { records: 0, learned: 0, scored: 0, rejected: 0, snapshots: 0, alerts: 0, keys: 1 };
  const engine = {
    stats: () => ({ ...counts, refits: { completed: 0 } }),
    metrics: { progressiveLoss: 0.25 },
  } as unknown as Engine;
  return { counts, engine };
}

describe('EngineProgressLog', () => {
  it('logs when a count moved, else once a minute saying idle; every line names the instance', () => {
    let now = 0;
    const lines: { fields: Record<string, unknown>; msg: string }[] = [];
    const logger = { info: (fields: object, msg: string) => void lines.push({ fields: { ...fields }, msg }) };
    const { counts, engine } = countingEngine();
    const log = new EngineProgressLog(logger, engine, { clientId: 'svc-a', now: () => now });
    const tick = (ms: number) => {
      now += ms;
      log.tick();
    };
    counts.records = counts.learned = 100;
    tick(10_000); // moved: a line
    for (let i = 0; i < 5; i++) tick(10_000); // 50 s without a change: nothing
    tick(10_000); // 60 s: one idle line
    tick(10_000);
    counts.records = counts.scored = 101;
    tick(10_000); // moved again
    expect(lines.map((l) => l.msg)).toEqual([
      'progress',
      'progress: idle, nothing read in the last 60 s',
      'progress',
    ]);
    expect(lines.map((l) => l.fields.uptimeSeconds)).toEqual([10, 70, 90]);
    expect(lines.every((l) => l.fields.clientId === 'svc-a')).toBe(true);
    expect(lines[1].fields).toMatchObject({ events: 100, records: 100, idleSeconds: 60 });
    expect(lines[2].fields).toMatchObject({ events: 100, scored: 101, records: 101 });
  });
});
