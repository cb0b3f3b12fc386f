/**
 * One engine replay of a JSONL file, in its own process (so every run starts from the same cold
 * JIT and heap): the engine in-process as `l1stream replay` composes it (Engine + jsonlSource +
 * FileOutputSink into a directory), with an event-loop delay monitor, timed on the wall clock
 * from `engine.run()` to the sink closed. Prints one JSON line with the result.
 *
 *   node dist/bench/engine/replayOne.js '{"input": "...", "out": "...", "config": {...}}'
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

import { FileOutputSink } from '../../connectors/file/outputs.js';
import { jsonlSource } from '../../connectors/file/jsonl.js';
import { checkEngineConfig } from '../../src/engine/config.js';
import { Engine } from '../../src/engine/engine.js';

export interface ReplaySpec {
  readonly input: string;
  readonly out: string;
  /** The engine configuration document (as `--config` would give it). */
  readonly config: Record<string, unknown>;
  /** Event-loop delay monitor resolution in ms (default 10, Node's default). */
  readonly eldResolutionMs?: number;
  /** Cumulative progressive losses are also read at this learned-event count (the drift point). */
  readonly splitAt?: number;
}

export interface ReplayResult {
  readonly events: number;
  readonly wallSeconds: number;
  readonly engineSeconds: number;
  readonly eventsPerSecond: number;
  readonly refits: { started: number; completed: number; skipped: number; failed: number; totalMs: number };
  /** Refit snapshots' solve times (ms, in the thread that ran them) and refit (start→result) times. */
  readonly refitSolveMs: number[];
  readonly refitMs: number[];
  readonly eld: { p50: number; p99: number; max: number; mean: number; count: number };
  readonly onlineLoss: number;
  readonly servedLoss: number | null;
  /** From the online snapshot nearest `splitAt`: losses over the events after it. */
  readonly split: {
    readonly at: number;
    readonly onlineLossAfter: number;
    readonly servedLossAfter: number | null;
  } | null;
  readonly nonZero: number;
  readonly maxRssMb: number;
}

interface Snapshot {
  readonly source: 'online' | 'refit';
  readonly offset: number;
  readonly metrics: Record<string, number | string | boolean | null>;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as ReplaySpec;
  const config = checkEngineConfig(spec.config);
  const sink = await FileOutputSink.open(spec.out);
  const engine = new Engine(config, {
    source: jsonlSource(spec.input, { batchSize: config.batchSize }),
    sink,
  });
  const eld = monitorEventLoopDelay({ resolution: spec.eldResolutionMs ?? 10 });
  const t0 = performance.now();
  eld.enable();
  const stats = await engine.run();
  eld.disable();
  await sink.close();
  const wallSeconds = (performance.now() - t0) / 1000;
  const live = engine.registry.peekLive(config.keys.defaultKey)!;
  const snapshots = readFileSync(join(spec.out, 'models.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Snapshot);
  const refitSnapshots = snapshots.filter((s) => s.source === 'refit');
  let split: ReplayResult['split'] = null;
  if (spec.splitAt !== undefined) {
    // the online snapshot whose offset is nearest the split: cumulative losses there and at the end
    const online = snapshots.filter((s) => s.source === 'online');
    const at = online.reduce((a, b) =>
      Math.abs(b.offset - spec.splitAt!) < Math.abs(a.offset - spec.splitAt!) ? b : a,
    );
    const n0 = Number(at.metrics.events);
    const n1 = live.model.metrics.events;
    const after = (end: number, mid: number) => (end * n1 - mid * n0) / (n1 - n0);
    split = {
      at: n0,
      onlineLossAfter: after(live.model.metrics.progressiveLoss, Number(at.metrics.progressiveLoss)),
      servedLossAfter:
        live.served === null
          ? null
          : after(live.served.progressiveLoss, Number(at.metrics.servedProgressiveLoss)),
    };
  }
  const ms = (ns: number) => ns / 1e6;
  const result: ReplayResult = {
    events: stats.learned,
    wallSeconds,
    engineSeconds: stats.seconds,
    eventsPerSecond: stats.learned / wallSeconds,
    refits: { ...stats.refits },
    refitSolveMs: refitSnapshots.map((s) => Number(s.metrics.solveMs)),
    refitMs: refitSnapshots.map((s) => Number(s.metrics.refitMs)),
    eld: {
      p50: ms(eld.percentile(50)),
      p99: ms(eld.percentile(99)),
      max: ms(eld.max),
      mean: ms(eld.mean),
      count: eld.count,
    },
    onlineLoss: live.model.metrics.progressiveLoss,
    servedLoss: live.served === null ? null : live.served.progressiveLoss,
    split,
    nonZero: live.model.coefficients().indices.length,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
