/**
 * Feature-sparsity drift: two enrichment sources (a number in every event, a whole categorical
 * field) stop arriving at a known event; the sequential input-drift tests report which features
 * and fields stopped, and how soon. Their warm-up is scaled to the stream: W = events / 12.
 *
 *   npx tsx examples/sparsity-drift/run.ts [--events 60000] [--seed 7] [--out DIR] [--kafka]
 */
import { deliveries, stoppedFields, switchOffAt } from './generate.js';
import { runScenario, scenarioOptions } from '../shared/scenario.js';

interface Stopped {
  readonly feature: string;
  /** A whole categorical field (with its number of levels) rather than one feature. */
  readonly field: boolean;
  readonly levels?: number;
  readonly referenceRate: number;
  /** Absent events when the stop was reported. */
  readonly events: number;
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
    inputSequential: { warmupEvents: windowEvents, armEvents: windowEvents },
    loss: { warmupEvents: Math.min(2000, windowEvents), cooldownEvents: Math.min(2000, windowEvents) },
  },
};
const outputs = await runScenario('sparsity-drift', options, events, config, ['--no-refit']);

console.log(`\n${outputs.status}`);
console.log(
  `\n${stoppedFields.join(' and ')} stop arriving at event ${off + 1} of ${options.events}; sequential input-drift tests after a ${windowEvents}-event warm-up.`,
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
  for (const s of (a.details.stopped ?? []) as Stopped[]) {
    const what = s.field ? `field ${s.feature} (${s.levels} levels)` : s.feature;
    console.log(`  stopped: ${what}, rate ${s.referenceRate.toFixed(3)} → 0, absent for ${s.events} events`);
  }
  const nnz = a.details.nnz as {
    referenceMean: number;
    recentMean: number;
    fields: Array<{ feature: string }>;
  } | null;
  if (nnz)
    console.log(
      `  non-zeros per event: ${nnz.referenceMean.toFixed(2)} → ${nnz.recentMean.toFixed(2)} (${nnz.fields.map((f) => f.feature).join(', ')})`,
    );
}
console.log(`\noutputs in ${options.out}/ (alerts.jsonl, models.jsonl)`);
