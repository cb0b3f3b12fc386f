/**
 * Real-time campaign scoring: one sparse click model per campaign (`--key-by campaign`), at most 8
 * of the 20 held in memory (`--max-live-models 8`; the others wait in the state store),
 * unlabelled impressions scored by their campaign's model with the features that moved the score.
 *
 *   npx tsx examples/campaign-scoring/run.ts [--events 60000] [--seed 7] [--out DIR] [--kafka]
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { RunSummary } from '../../src/cli/summary.js';
import { campaignTruth, impressions } from './generate.js';
import { lastByKey, num, runScenario, scenarioOptions, topCoefficients } from '../shared/scenario.js';

const options = scenarioOptions('campaign-scoring', 60_000);
const events = impressions(options.seed, options.events);
const perCampaign = Math.max(500, Math.floor(options.events / 40));
const config = {
  model: { family: 'binomial', learner: 'ftrl', lambda: 0.003, keyBy: 'campaign', maxLiveModels: 8 },
  refit: { enabled: false },
  snapshots: { everyEvents: perCampaign, everySeconds: 'Infinity' },
  scores: { top: 3 },
};
const flags = [
  '--key-by',
  'campaign',
  '--max-live-models',
  '8',
  '--no-refit',
  '--snapshot-every',
  String(perCampaign),
];
const outputs = await runScenario('campaign-scoring', options, events, config, flags);

const truth = campaignTruth(options.seed);
const online = lastByKey(outputs.models, 'online');
const unlabelled = events.filter((e) => e.label === undefined).length;
console.log(`\n${outputs.status}`);
console.log(
  `\n${online.size} campaign models (${outputs.models.length} snapshots); last snapshot of each, by campaign:\n`,
);
console.log(
  `${'campaign'.padEnd(9)}${'events'.padStart(7)}${'logloss'.padStart(9)}${'auc'.padStart(7)}  nnz  top features (β)  | planted`,
);
for (const key of [...online.keys()].sort()) {
  const s = online.get(key)!;
  const t = truth.get(key)!;
  const planted = Object.entries(t.effects)
    .map(([f, b]) => `${f} ${b >= 0 ? '+' : ''}${b}`)
    .join(', ');
  console.log(
    `${key.padEnd(9)}${String(s.offset).padStart(7)}${num(s.metrics?.progressiveLoss, 4, 9)}${num(s.metrics?.auc, 3, 7)}` +
      `${String(Object.keys(s.coefficients).length).padStart(5)}  ${topCoefficients(s, 3)}  | ${planted}`,
  );
}
if (!options.kafka) {
  const summary = JSON.parse(await readFile(join(options.out, 'summary.json'), 'utf8')) as RunSummary;
  console.log(
    `\nkeys ${summary.keys}, evictions ${summary.evictions} (max live models 8); progressive log loss over all campaigns ${num(summary.progressiveLoss, 4, 0)}`,
  );
}
console.log(`\n${outputs.scores.length} scores for ${unlabelled} unlabelled impressions; the last three:\n`);
// the last in the stream (scores.jsonl holds each batch's scores key by key)
const lastThree = [...outputs.scores].sort((a, b) => Number(a.offset) - Number(b.offset)).slice(-3);
for (const s of lastThree) {
  const top = s.top
    .map((c) => `${c.feature} ${c.contribution >= 0 ? '+' : ''}${c.contribution.toFixed(3)}`)
    .join(', ');
  console.log(
    `  ${s.key} offset ${s.offset}: p(click) ${s.prediction.toFixed(4)} by ${s.model.source} v${s.model.version} (${s.model.offset} events); top: ${top}`,
  );
}
console.log(
  `\noutputs in ${options.out}/ (models.jsonl, scores.jsonl${options.kafka ? '' : ', summary.json'})`,
);
