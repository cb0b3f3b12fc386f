/**
 * The demo: generates a seeded ad-click stream (examples/ad-clicks/generate.ts), replays it
 * through l1stream's streaming pipeline with FTRL-Proximal, and shows the sparse model emerging
 * snapshot by snapshot against the planted truth.
 *
 *   npm run demo                         # 200,000 events
 *   npm run demo -- --events 1000000 --learner fobos
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { makeDirectory } from '../../connectors/file/directory.js';
import { pathProblem } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { ModelSnapshot } from '../../src/index.js';
import { parseExampleArgs, wholeNumber } from '../shared/args.js';
import { contrasts, truthContrasts } from './contrasts.js';
import { adClicks, truth } from './generate.js';

const USAGE =
  'usage: npm run demo -- [--events N (200000)] [--seed S (42)] [--learner ftrl|fobos|truncated-gradient] [--lambda L|auto] [--out DIR (l1stream-demo)]';
const { values } = parseExampleArgs('demo', USAGE, () =>
  parseArgs({
    options: {
      events: { type: 'string', default: '200000' },
      seed: { type: 'string', default: '42' },
      learner: { type: 'string', default: 'ftrl' },
      // the library's default: 0.03 × λ_max of the first 1,000 labelled events
      lambda: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'l1stream-demo' },
      help: { type: 'boolean', short: 'h' },
    },
  }),
);
const n = wholeNumber('demo', USAGE, 'events', values.events, 1);
const seed = wholeNumber('demo', USAGE, 'seed', values.seed, -Infinity);
const out = values.out!;
try {
  makeDirectory(out);
} catch (err) {
  // one line naming the path and the fix, exit 2, as the commands do
  process.stderr.write(`demo: ${pathProblem('--out', out, err, 'write')}\n`);
  process.exit(2);
}
const input = join(out, 'ad-clicks.jsonl');

process.stderr.write(`demo: writing ${n.toLocaleString('en-US')} seeded ad-click events to ${input}\n`);
const file = createWriteStream(input);
for (const event of adClicks(seed, n)) {
  if (!file.write(`${JSON.stringify(event)}\n`)) await once(file, 'drain');
}
file.end();
await once(file, 'close');

const argv = [
  'replay',
  '--input',
  input,
  '--family',
  'binomial',
  '--learner',
  values.learner!,
  '--lambda',
  values.lambda!,
];
argv.push('--out', out, '--snapshot-every', String(Math.max(1, Math.floor(n / 4))), '--progress');
process.stderr.write(`demo: l1stream ${argv.join(' ')}\n`);
const code = await main(argv);
if (code !== 0) process.exit(code);

const written = (await readFile(join(out, 'models.jsonl'), 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as ModelSnapshot);
// The online model's snapshots make the table; refits (exact solutions on a window) are listed after it.
const snapshots = written.filter((s) => s.source === 'online');
const refits = written.filter((s) => s.source === 'refit');
const names = Object.keys(truth);
const pad = (s: string, w: number) => s.padEnd(w);
const fmt = (v: number) => v.toFixed(3).padStart(9);
// One-hot levels and the intercept are compared as identifiable contrasts (./contrasts.ts).
const rows = snapshots.map((s) => contrasts(s.intercept, s.coefficients));
const width = Math.max(...truthContrasts.map((c) => c.name.length)) + 2;
let header = pad('feature (log-odds)', width) + 'truth'.padStart(9);
for (const s of snapshots) header += `@${s.offset.toLocaleString('en-US')}`.padStart(12);
console.log(
  `\nThe sparse model emerging (original scale; one-hot levels as differences from a reference level; ${snapshots.length} snapshots):\n`,
);
console.log(header);
truthContrasts.forEach((t, i) => {
  console.log(pad(t.name, width) + fmt(t.value) + rows.map((r) => fmt(r[i]!.value).padStart(12)).join(''));
});
const gap = Math.max(...rows.at(-1)!.map((c, i) => Math.abs(c.value - truthContrasts[i]!.value)));
console.log(
  `\nlargest difference from the truth at the last snapshot: ${gap.toFixed(3)} (the penalty, λ = ${snapshots.at(-1)!.lambda.toPrecision(3)}${values.lambda === 'auto' ? ' chosen by lambda "auto"' : ''}, pulls estimates toward 0)`,
);
const last = snapshots[snapshots.length - 1];
// Other levels of a planted one-hot field (ad_position=bottom beside ad_position=top) are not
// spurious: with an intercept, a field's levels are only identified relative to each other.
const plantedFields = new Set(names.map((k) => k.split('=')[0]));
const extra = Object.keys(last.coefficients).filter((k) => !Object.hasOwn(truth, k));
const siblings = extra.filter((k) => k.includes('=') && plantedFields.has(k.split('=')[0]));
const spurious = extra.filter((k) => !siblings.includes(k));
const listed = (keys: string[]) =>
  keys
    .slice(0, 5)
    .map((k) => `${k} ${last.coefficients[k].toFixed(3)}`)
    .join(', ');
console.log(
  `non-zero: ${snapshots.map((s) => Object.keys(s.coefficients).length).join(' → ')} of ${String(last.metrics?.features ?? '?')} features;` +
    ` planted ${names.filter((k) => k in last.coefficients).length}/${names.length} found` +
    (siblings.length
      ? `, ${siblings.length} other level(s) of planted fields non-zero (the model's own coefficients, which the table turns into differences from the reference level: ${listed(siblings)})`
      : '') +
    `, ${spurious.length} spurious` +
    (spurious.length ? ` (largest: ${listed(spurious)})` : ''),
);
console.log(
  `progressive log loss ${Number(last.metrics?.logLoss).toFixed(4)}, AUC ${Number(last.metrics?.auc).toFixed(4)}; outputs in ${out}/`,
);
for (const r of refits) {
  const found = names.filter((k) => k in r.coefficients).length;
  console.log(
    `refit on events ${r.window!.first.toLocaleString('en-US')}–${r.window!.last.toLocaleString('en-US')} (coordinate descent, warm start: ${String(r.metrics?.warmStart)}): ` +
      `${Object.keys(r.coefficients).length} non-zero, planted ${found}/${names.length} found, ` +
      `KKT violation ${Number(r.metrics?.kktMaxViolation).toExponential(1)}, ${Number(r.metrics?.refitMs).toFixed(0)} ms`,
  );
}
