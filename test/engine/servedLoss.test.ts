/**
 * docs/outputs.md: with `refit.serve` "refit", an online snapshot's `servedProgressiveLoss` is the
 * progressive loss of the predictions served: the latest refit's while it is recent, else the
 * online model's (beside `progressiveLoss`, the online learner's own). Checked against a reference
 * online model and the refit snapshots scored by `SnapshotScorer`.
 */
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore } from '../../src/engine/ports.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { SnapshotScorer } from '../../src/model/snapshotScorer.js';
import { engineConfig, gaussianEvents } from './helpers.js';
import { MemorySink, memorySource } from './memoryPorts.js';

/** A memory store that outlives its engine (as a directory or the Kafka state topic does). */
class DurableMemoryStore extends MemoryStateStore {
  readonly durable = true;
  override release(): void {}
}

describe('servedProgressiveLoss (refit.serve "refit")', () => {
  it("is the mean squared error of the online model's predictions until the first refit, then of the refit's", async () => {
    const events = gaussianEvents(11, 2000);
    const doc = {
      model: { lambda: 0.01 },
      // inline refits every 500 events, in batches of 100: each is applied right after the batch
      // that made it due, and serves from the next event on (always recent: the next comes 500 later)
      refit: { threads: 0, everyEvents: 500, window: 400, serve: 'refit' },
      snapshots: { everyEvents: 100, everySeconds: 'Infinity' },
    };
    const config = engineConfig(doc);
    const sink = new MemorySink();
    await new Engine(config, { source: memorySource(events, 100), sink }).run();
    const refits = sink.models.filter((m) => m.source === 'refit');
    expect(refits.map((r) => r.offset)).toEqual([500, 1000, 1500, 2000]);
    const online = sink.models.filter((m) => m.source === 'online');
    expect(online.length).toBe(20);

    const reference = new OnlineModel({ ...config.model, key: 'default' });
    let servedLoss = 0;
    let onlineLoss = 0;
    const want = new Map<number, { served: number; online: number }>();
    events.forEach((e, i) => {
      const offset = i + 1;
      const own = reference.process(e).prediction;
      const refit = refits.filter((r) => r.offset < offset).at(-1);
      const served = refit === undefined ? own : new SnapshotScorer(refit).score(e).prediction;
      servedLoss += (served - e.label!) ** 2;
      onlineLoss += (own - e.label!) ** 2;
      if (offset % 100 === 0) want.set(offset, { served: servedLoss / offset, online: onlineLoss / offset });
    });
    for (const s of online) {
      const w = want.get(s.offset)!;
      const metrics = s.metrics as { progressiveLoss: number; servedProgressiveLoss: number };
      expect(metrics.progressiveLoss, `${s.offset}`).toBeCloseTo(w.online, 12);
      expect(metrics.servedProgressiveLoss, `${s.offset}`).toBeCloseTo(w.served, 12);
      if (s.offset <= 500) expect(metrics.servedProgressiveLoss).toBe(metrics.progressiveLoss);
    }
    // the refits serve better than the online learner does at its start
    const last = online.at(-1)!.metrics as { progressiveLoss: number; servedProgressiveLoss: number };
    expect(last.servedProgressiveLoss).toBeLessThan(last.progressiveLoss);

    // stopped after 1,000 events and resumed from its stored state: the served loss goes on
    const store = new DurableMemoryStore();
    await new Engine(config, {
      source: memorySource(events.slice(0, 1000), 100),
      sink: new MemorySink(),
      store,
    }).run();
    const resumed = new MemorySink();
    await new Engine(config, { source: memorySource(events, 100), sink: resumed, store }).run();
    const after = (ms: typeof online) =>
      ms.filter((m) => m.source === 'online' && m.offset > 1000).map((m) => [m.offset, m.metrics]);
    expect(after(resumed.models)).toHaveLength(10);
    expect(after(resumed.models)).toEqual(after(online));

    // serving the online model, snapshots carry no servedProgressiveLoss
    const plain = new MemorySink();
    const onlineConfig = engineConfig({ ...doc, refit: { ...doc.refit, serve: 'online' } });
    await new Engine(onlineConfig, { source: memorySource(events, 100), sink: plain }).run();
    expect(plain.models.filter((m) => 'servedProgressiveLoss' in (m.metrics ?? {}))).toEqual([]);
  });
});
