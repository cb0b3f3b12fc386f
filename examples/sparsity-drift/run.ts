/**
 * Feature-sparsity drift: two enrichment sources (a number in every event, a whole categorical
 * field) stop arriving at a known event; the input-drift detector reports which features stopped,
 * and how soon. Its windows are scaled to the stream: W = events / 12, warm-up 2 W.
 *
 *   npx tsx examples/sparsity-drift/run.ts [--events 60000] [--seed 7] [--out DIR] [--kafka]
 */
import { deliveries, stoppedFields, switchOffAt } from './generate.js';
import { runScenario, scenarioOptions } from '../shared/scenario.js';

interface Stopped {
  readonly feature: string;
  readonly referenceRate: number;
  readonly recentRate: number;
}

const options = scenarioOptions('sparsity-drift', 60_000);
const events = deliveries(options.seed, options.events);
const off = switchOffAt(options.events);
const windowEvents = Math.max(100, Math.floor(options.events / 12));
const config = {
  model: { family: 'gaussian', learner: 'ftrl', lambda: 0.005 },
  refit: { enabled: false },
  snapshots: { everyEvents: windowEvents, everySeconds: 'Infinity' },
  drift: {
    checkEveryEvents: windowEvents,
    inputSparsity: { windowEvents, warmupEvents: 2 * windowEvents },
    loss: { warmupEvents: Math.min(2000, windowEvents), cooldownEvents: Math.min(2000, windowEvents) },
  },
};
const outputs = await runScenario('sparsity-drift', options, events, config, ['--no-refit']);

console.log(`\n${outputs.status}`);
console.log(
  `\n${stoppedFields.join(' and ')} stop arriving at event ${off + 1} of ${options.events}; input-drift windows of ${windowEvents} events after a ${2 * windowEvents}-event warm-up.`,
);
const byType = new Map<string, number>();
for (const a of outputs.alerts) byType.set(a.type, (byType.get(a.type) ?? 0) + 1);
console.log(`alerts: ${outputs.alerts.length} (${[...byType].map(([t, n]) => `${n} ${t}`).join(', ')})\n`);
for (const a of outputs.alerts.filter((x) => x.type === 'input-drift' || x.type === 'loss-drift')) {
  const when =
    a.offset > off
      ? `${a.offset - off} events after the switch-off`
      : `${off - a.offset + 1} events BEFORE the switch-off`;
  console.log(`${a.type} ${a.severity} at offset ${a.offset} (${when})`);
  console.log(`  message: ${a.message}`);
  if (a.type !== 'input-drift') continue;
  const stopped = (a.details.stopped ?? []) as Stopped[];
  const fields = new Map<string, string[]>();
  for (const s of stopped) {
    const [field] = s.feature.split('=');
    fields.set(field, [...(fields.get(field) ?? []), s.feature]);
  }
  for (const [field, names] of fields) {
    const rates = stopped
      .filter((s) => names.includes(s.feature))
      .map((s) => `${s.feature} ${s.referenceRate.toFixed(3)} → ${s.recentRate}`)
      .join(', ');
    console.log(`  stopped: ${field} (${names.length} feature${names.length > 1 ? 's' : ''}): ${rates}`);
  }
  const nnz = a.details.nnz as { referenceMean: number; recentMean: number } | null;
  if (nnz)
    console.log(`  non-zeros per event: ${nnz.referenceMean.toFixed(2)} → ${nnz.recentMean.toFixed(2)}`);
}
console.log(`\noutputs in ${options.out}/ (alerts.jsonl, models.jsonl)`);
