/**
 * A continuously updated churn model: FTRL-Proximal learns every record online, and every R
 * learned records a refit (coordinate descent) solves the same objective exactly on the last W
 * records; the refit serves scores (`--serve refit`). Refits run inline by default (`--refit-threads
 * 0`: each lands right after the batch that made it due, so every run prints the same table);
 * `--refit-threads 1` runs them in a worker thread, as a service would, while learning goes on.
 *
 *   npx tsx examples/churn/run.ts [--events 60000] [--seed 7] [--out DIR] [--kafka] [--refit-threads 0|1]
 */
import type { ModelSnapshot } from '../../src/index.js';
import { changeAt, customers, interceptAfter, truthAfter } from './generate.js';
import { lastByKey, num, runScenario, scenarioOptions } from '../shared/scenario.js';

const options = scenarioOptions('churn', 60_000, { 'refit-threads': '0' });
const threads = Number(options.extra['refit-threads']);
const events = customers(options.seed, options.events);
const every = Math.max(250, Math.floor(options.events / 8));
const window = 2 * every;
const config = {
  model: { family: 'binomial', learner: 'ftrl', lambda: 0.003 },
  refit: { everyEvents: every, everySeconds: 'Infinity', window, serve: 'refit', threads },
  snapshots: { everyEvents: every, everySeconds: 'Infinity' },
};
const flags = [
  '--refit-every',
  String(every),
  '--refit-window',
  String(window),
  '--serve',
  'refit',
  '--refit-threads',
  String(threads),
];
const outputs = await runScenario('churn', options, events, config, [
  ...flags,
  '--snapshot-every',
  String(every),
]);

const watched = 'monthly_charges';
console.log(`\n${outputs.status}`);
console.log(
  `\nSnapshots over time (refit every ${every} learned records on the last ${window}; the planted ${watched} ` +
    `coefficient goes from 0.01 to 0.03 at record ${changeAt(options.events) + 1}):\n`,
);
console.log(
  `${'offset'.padStart(7)} ${'source'.padEnd(6)} ${'v'.padStart(3)} ${'nnz'.padStart(4)} ${'logloss'.padStart(7)} ${'served'.padStart(7)} ` +
    `${'window'.padStart(13)} ${'objective'.padStart(10)} ${'kkt viol'.padStart(9)} conv ${'ms'.padStart(4)} ${'during'.padStart(6)} ${'warm'.padEnd(6)} ${watched}`,
);
const row = (s: ModelSnapshot): string => {
  const m = s.metrics ?? {};
  const refit = s.source === 'refit';
  return (
    `${String(s.offset).padStart(7)} ${s.source.padEnd(6)} ${String(s.version).padStart(3)} ` +
    `${String(Object.keys(s.coefficients).length).padStart(4)} ${num(m.progressiveLoss, 4, 7)} ${num(m.servedProgressiveLoss, 4, 7)} ` +
    `${(s.window ? `${s.window.first}-${s.window.last}` : '-').padStart(13)} ${num(m.objective, 6, 10)} ` +
    `${(typeof m.kktMaxViolation === 'number' ? m.kktMaxViolation.toExponential(1) : '-').padStart(9)} ` +
    `${(refit ? String(m.converged) : '-').padEnd(4)} ${num(m.refitMs, 0, 4)} ${num(m.learnedDuringRefit, 0, 6)} ${String(m.warmStart ?? '-').padEnd(6)} ` +
    `${num(s.coefficients[watched] ?? 0, 4, 8)}`
  );
};
for (const s of [...outputs.models].sort((a, b) => a.offset - b.offset || a.source.localeCompare(b.source)))
  console.log(row(s));

const refit = lastByKey(outputs.models, 'refit').get('default');
const online = lastByKey(outputs.models, 'online').get('default');
if (refit && online) {
  console.log(
    `\nThe final refit (records ${refit.window!.first}-${refit.window!.last}) beside the final online model and the planted model after the change:\n`,
  );
  console.log(`${'feature'.padEnd(26)}${'refit'.padStart(9)}${'online'.padStart(9)}${'planted'.padStart(9)}`);
  const names = new Set([
    '(intercept)',
    ...Object.keys(truthAfter),
    ...Object.keys(refit.coefficients),
    ...Object.keys(online.coefficients),
  ]);
  for (const f of names) {
    const get = (s: ModelSnapshot) => (f === '(intercept)' ? s.intercept : (s.coefficients[f] ?? 0));
    const planted = f === '(intercept)' ? interceptAfter : (truthAfter[f] ?? 0);
    console.log(`${f.padEnd(26)}${num(get(refit), 4, 9)}${num(get(online), 4, 9)}${num(planted, 4, 9)}`);
  }
  console.log(
    `\nprogressive log loss: online ${num(online.metrics?.progressiveLoss, 4, 0)}, served (refit once there is one) ${num(online.metrics?.servedProgressiveLoss, 4, 0)}`,
  );
}
const servedBy = new Map<string, number>();
for (const s of outputs.scores) servedBy.set(s.model.source, (servedBy.get(s.model.source) ?? 0) + 1);
const last = outputs.scores.at(-1);
console.log(
  `\n${outputs.scores.length} current customers scored (${[...servedBy].map(([k, v]) => `${v} by the ${k} model`).join(', ')})` +
    (last
      ? `; the last: ${last.offset}, p(churn) ${last.prediction.toFixed(3)} by ${last.model.source} (offset ${last.model.offset}), ` +
        last.top
          .map((c) => `${c.feature} ${c.contribution >= 0 ? '+' : ''}${c.contribution.toFixed(3)}`)
          .join(', ')
      : ''),
);
console.log(`\noutputs in ${options.out}/ (models.jsonl, scores.jsonl, alerts.jsonl)`);
