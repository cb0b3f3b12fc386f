/**
 * README "Your own pipeline", as written there: an `Engine` on an Observable of batches of JSON
 * records and a sink of your own, then a saved snapshot scored in-process with `SnapshotScorer`;
 * and the section's code block itself, type-checked and run.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatWithOptions } from 'node:util';

import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';

import {
  Engine,
  SnapshotScorer,
  checkEngineConfig,
  type ModelSnapshot,
  type OutputSink,
  type RawRecord,
  type ScoreRecord,
} from '../../src/index.js';
import { Rng } from '../helpers/random.js';
import { compileAndRun, readmeBlock } from '../helpers/readmeBlock.js';

const root = resolve(import.meta.dirname, '../..');

describe('README: your own pipeline', () => {
  it('runs on records whose value is a JSON event, and a snapshot scores in-process as the engine does', async () => {
    const rng = new Rng(7);
    const events = Array.from({ length: 3000 }, (_, i) => {
      const campaign = i % 2 === 0 ? 'c1' : 'c2';
      const x = rng.normal();
      const label = rng.next() < 1 / (1 + Math.exp(-(2 * x - 0.5))) ? 1 : 0;
      return { key: `u${i}`, label, features: { campaign, x, device: i % 3 === 0 ? 'mobile' : 'desktop' } };
    });
    const unlabelled = { key: 'new-user', features: { campaign: 'c1', x: 1.5, device: 'mobile' } };
    // a record's value is the event as JSON text (or its bytes); its position says where it came from
    const records: RawRecord[] = [...events, unlabelled].map((e, i) => ({
      value: JSON.stringify(e),
      position: { source: 'my-app', offset: String(i) },
    }));
    const batches$ = of({ records: records.slice(0, 2000) }, { records: records.slice(2000) });
    const models: ModelSnapshot[] = [];
    const scores: ScoreRecord[] = [];
    const sink: OutputSink = {
      model: (m) => models.push(m),
      score: (s) => scores.push(s),
      alert: () => undefined,
      deadLetter: () => undefined,
      flush: async () => undefined,
      close: async () => undefined,
    };
    const config = checkEngineConfig({
      model: { family: 'binomial', keyBy: 'campaign' },
      refit: { window: 50_000 },
    });
    const engine = new Engine(config, { source: { batches$ }, sink });
    const stats = await engine.run();
    expect(stats.learned).toBe(3000);
    expect(stats.scored).toBe(1);
    expect(new Set(models.map((m) => m.key))).toEqual(new Set(['c1', 'c2']));
    expect(scores).toHaveLength(1);
    const score = scores[0]!;
    expect(score.key).toBe('c1');
    // the last online snapshot of c1 is the model that scored the unlabelled event
    const last = models.filter((m) => m.key === 'c1' && m.source === 'online').at(-1)!;
    const { margin, prediction } = new SnapshotScorer(last).score(unlabelled);
    expect(1 / (1 + Math.exp(-margin))).toBeCloseTo(score.prediction, 9);
    expect(prediction).toBeCloseTo(score.prediction, 9);
  });
});

describe("README: your own pipeline's code block", () => {
  it('compiles as written (strict, with the package name mapped to src) and runs', async () => {
    const code = readmeBlock('### Your own pipeline\n');
    expect(code).toContain("from 'l1stream'");
    const { problems, logged } = await compileAndRun(code);
    expect(problems).toEqual([]);
    expect(logged.at(-1)).toEqual([2, 0, []]);
  });
});

describe("README: the OpsServer's code block", () => {
  it('compiles as written and answers /readyz with 200', async () => {
    const code = readmeBlock('`OpsServer` serves it:');
    const { problems, logged } = await compileAndRun(code);
    expect(problems).toEqual([]);
    expect(logged.at(-1)).toEqual([200]);
  });
});

describe("README: the solver's code block", () => {
  it('compiles as written and prints what the README says it prints', async () => {
    const code = readmeBlock('```ts\nimport { DenseDesign, solvePath, solveAt');
    const { problems, logged } = await compileAndRun(code);
    expect(problems).toEqual([]);
    // the sentence after the block
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    const after = readme.slice(readme.indexOf(code) + code.length);
    const printed = /^```\n\nIt prints `([^`]*)`/.exec(after)![1];
    expect(printed).toBe(formatWithOptions({ colors: false }, ...logged.at(-1)!));
  });
});
