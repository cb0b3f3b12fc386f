/**
 * README "Your own pipeline", as written there: an `Engine` on an Observable of batches of JSON
 * records and a sink of your own, then a saved snapshot scored in-process with `SnapshotScorer`;
 * and the section's code block itself, type-checked and run.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { of } from 'rxjs';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';

import {
  Engine,
  SnapshotScorer,
  checkEngineConfig,
  type ModelSnapshot,
  type OutputSink,
  type RawRecord,
  type ScoreRecord,
} from '../../src/index.js';
import { appCompilerOptions } from '../helpers/appCompiler.js';
import { Rng } from '../helpers/random.js';

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
    const { margin } = new SnapshotScorer(last).score(unlabelled);
    expect(1 / (1 + Math.exp(-margin))).toBeCloseTo(score.prediction, 9);
  });
});

/** The README's "Your own pipeline" code block, as written there. */
function readmeBlock(): string {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const section = readme.split('### Your own pipeline\n')[1]!;
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

describe("README: your own pipeline's code block", () => {
  it('compiles as written (strict, with the package name mapped to src) and runs', async () => {
    const code = readmeBlock();
    expect(code).toContain("from 'l1stream'");
    const file = resolve(root, 'test/engine', `.readme-own-pipeline-${process.pid}.tmp.ts`);
    const options: ts.CompilerOptions = {
      ...appCompilerOptions(),
      paths: { l1stream: [resolve(root, 'src/index.ts')] },
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, ...rest) =>
      resolve(name) === file
        ? ts.createSourceFile(name, code, version)
        : getSourceFile(name, version, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => resolve(name) === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);

    // and runs: the same code with the package name pointing at the sources
    writeFileSync(file, code.replace("from 'l1stream'", "from '../../src/index.js'"));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import(pathToFileURL(file).href);
      expect(log).toHaveBeenLastCalledWith(2, 0, []);
    } finally {
      log.mockRestore();
      rmSync(file, { force: true });
    }
  });
});
