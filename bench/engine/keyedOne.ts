/**
 * One keyed replay in a fresh process (so its peak RSS is its own), for `bench:engine`'s memory
 * part: `node dist/bench/engine/keyedOne.js KEYS EVENTS MAX_LIVE` prints one JSON line with the
 * events, keys, evictions, seconds and peak RSS. Keys are uniform over KEYS (the worst case for a
 * cache: most events miss it); evicted models wait in a temporary state directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { DirectoryStateStore } from '../../connectors/file/stateDirectory.js';
import { checkEngineConfig } from '../../src/engine/config.js';
import { Engine } from '../../src/engine/engine.js';
import { discardingSink, keyedBatches } from './streams.js';

const [keys, events, maxLive] = process.argv.slice(2).map(Number);
let s = 5;
const u = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 4294967296;
};
const batches$ = keyedBatches(events, () => {
  const segment = `k${Math.floor(u() * keys)}`;
  const features = { segment, a: u(), b: u() < 0.5 ? 'x' : 'y', c: Math.floor(u() * 50) };
  return { label: u() < 0.3 ? 1 : 0, features };
});

const dir = mkdtempSync(join(tmpdir(), 'l1s-keyed-'));
const config = checkEngineConfig({ model: { family: 'binomial', keyBy: 'segment', maxLiveModels: maxLive } });
const started = performance.now();
const stats = await new Engine(config, {
  source: { batches$ },
  sink: discardingSink,
  store: new DirectoryStateStore(dir, { durable: false }),
}).run();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({
    keys: stats.keys,
    events,
    maxLive,
    evictions: stats.evictions,
    seconds: (performance.now() - started) / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
