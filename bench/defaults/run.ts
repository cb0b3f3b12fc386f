/**
 * How the defaults (`standardize: "auto"`, `lambda: "auto"`) do against the former ones
 * (`--standardize --lambda 5e-3`) and a hand-tuned λ, on the streams of issue 14 item 1 (all
 * seeded; bench/defaults/streams.ts and examples/ad-clicks):
 *
 *   npm run build && node dist/bench/defaults/run.js [--out DIR]
 *
 * For each run: progressive loss, λ, the online model's support at the end and the last refit's,
 * counted against the planted model (levels of a planted one-hot field are not spurious: with an
 * intercept, a field's levels are identified only relative to each other).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { main } from '../../src/cli/main.js';
import type { ModelSnapshot } from '../../src/index.js';
import { adClicks, truth as adTruth } from '../../examples/ad-clicks/generate.js';
import { rareNumericStream, revenueStream, sparseIdStream, type StreamEvent } from './streams.js';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'bench-defaults-out' } } });
const out = values.out!;

interface Stream {
  readonly name: string;
  readonly family: 'gaussian' | 'binomial';
  readonly events: Iterable<StreamEvent>;
  readonly truth: ReadonlySet<string>;
  /** Bayes and best-constant losses (binomial) or the noise variance (gaussian). */
  readonly reference: string;
  /**
   * One-hot fields are planted as contrasts (ad clicks, revenue): another level of a planted field
   * is not spurious, and a planted level counts as found when its field is in the model.
   */
  readonly contrasts: boolean;
  /** Flags of the hand-tuned run (none: no such run). */
  readonly tuned?: readonly string[];
}

const streams: Stream[] = [];
{
  const s = sparseIdStream();
  const reference =
    `Bayes ${s.bayesLogLoss.toFixed(4)}, best constant ${s.constantLogLoss.toFixed(4)}, goal ≤ ` +
    (s.bayesLogLoss + 0.3 * (s.constantLogLoss - s.bayesLogLoss)).toFixed(4);
  streams.push({
    name: 'sparse ids',
    family: 'binomial',
    events: s.events,
    truth: new Set(s.truth.keys()),
    reference,
    contrasts: false,
    tuned: ['--no-standardize', '--lambda', '4e-4'],
  });
  const n = sparseIdStream({ asNumbers: true });
  streams.push({
    name: 'sparse ids as numbers',
    family: 'binomial',
    events: n.events,
    truth: new Set(n.truth.keys()),
    reference,
    contrasts: false,
    tuned: ['--no-standardize', '--lambda', '4e-4'],
  });
}
{
  const r = rareNumericStream();
  streams.push({
    name: "rare numeric columns (bench:online's stream, 50,000)",
    family: 'binomial',
    events: r.events,
    truth: new Set(r.truth.keys()),
    reference:
      `Bayes ${r.bayesLogLoss.toFixed(4)}, best constant ${r.constantLogLoss.toFixed(4)}; ` +
      `${r.truth.size} planted columns (${r.numericTruth.length} numeric) among 2^20`,
    contrasts: false,
    tuned: ['--no-standardize', '--lambda', '1e-4'],
  });
}
for (const [unit, offset] of [
  [1, 0],
  [100, 0],
  [1, 2],
] as const) {
  const r = revenueStream({ unit, offset });
  streams.push({
    name: `revenue ×${unit}${offset ? ', features uncentered' : ''}`,
    family: 'gaussian',
    events: r.events,
    truth: new Set(r.truth.keys()),
    reference: `noise variance ${r.noiseVariance}, goal ≤ ${1.05 * r.noiseVariance}`,
    contrasts: true,
  });
}
streams.push({
  name: 'ad clicks (the demo, 200,000)',
  family: 'binomial',
  events: adClicks(42, 200_000),
  truth: new Set(Object.keys(adTruth)),
  reference: 'the demo stream (npm run demo)',
  contrasts: true,
});

const runs = (s: Stream): ReadonlyArray<readonly [string, readonly string[]]> => [
  ['former defaults (--standardize --lambda 5e-3)', ['--standardize', '--lambda', '5e-3']],
  ['defaults', []],
  ...(s.tuned ? [[`tuned (${s.tuned.join(' ')})`, s.tuned] as const] : []),
];

function support(m: ModelSnapshot | undefined, s: Stream): string {
  if (m === undefined) return '–';
  const truth = s.truth;
  const field = (k: string) => (k.includes('=') && s.contrasts ? k.split('=')[0] : k);
  const fields = new Set([...truth].map(field));
  const names = Object.keys(m.coefficients);
  const modelFields = new Set(names.map(field));
  const found = [...truth].filter((k) => modelFields.has(field(k))).length;
  const spurious = names.filter((k) => !truth.has(k) && !fields.has(field(k)));
  return `${names.length} (${found}/${truth.size} planted, ${spurious.length} spurious)`;
}

await mkdir(out, { recursive: true });
const lines = [
  '| stream | run | λ | progressive loss | online non-zeros | last refit non-zeros |',
  '|---|---|---|---|---|---|',
];
const notes: string[] = [];
for (const s of streams) {
  const input = join(out, `${s.name.replace(/[^a-z0-9]+/gi, '-')}.jsonl`);
  await writeFile(input, [...s.events].map((e) => JSON.stringify(e)).join('\n') + '\n');
  notes.push(`- ${s.name}: ${s.reference}`);
  for (const [run, flags] of runs(s)) {
    const dir = join(out, 'runs', `${s.name}-${run}`.replace(/[^a-z0-9]+/gi, '-'));
    const argv = ['replay', '--input', input, '--family', s.family, '--out', dir, '--no-progress', ...flags];
    const code = await main(argv);
    if (code !== 0) throw new Error(`replay exited with ${code}: ${argv.join(' ')}`);
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as {
      progressiveLoss: number;
    };
    const models = (await readFile(join(dir, 'models.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ModelSnapshot);
    const online = models.filter((m) => m.source === 'online').at(-1);
    const refit = models.filter((m) => m.source === 'refit').at(-1);
    const loss = summary.progressiveLoss;
    lines.push(
      `| ${s.name} | ${run} | ${online?.lambda.toPrecision(3)} | ${loss < 100 ? loss.toFixed(4) : loss.toPrecision(6)} | ${support(online, s)} | ${support(refit, s)} |`,
    );
    process.stderr.write(`${lines.at(-1)}\n`);
  }
}
console.log([...lines, '', ...notes].join('\n'));
