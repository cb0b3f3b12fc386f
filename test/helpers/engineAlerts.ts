import { of } from 'rxjs';

import { Engine, checkEngineConfig, type Alert, type OutputSink, type RawRecord } from '../../src/index.js';

/**
 * The alerts an `Engine` with configuration `doc` raises over `events` (as JSON records, offsets
 * 0, 1, …), read in two batches split at `splitAt`.
 */
export async function engineAlerts(
  events: readonly object[],
  doc: Record<string, unknown>,
  splitAt: number,
): Promise<Alert[]> {
  const records: RawRecord[] = events.map((e, i) => ({
    value: JSON.stringify(e),
    position: { source: 'test', offset: String(i) },
  }));
  const alerts: Alert[] = [];
  const sink: OutputSink = {
    model: () => undefined,
    score: () => undefined,
    alert: (a) => alerts.push(a),
    deadLetter: () => undefined,
    flush: async () => undefined,
    close: async () => undefined,
  };
  const batches$ = of({ records: records.slice(0, splitAt) }, { records: records.slice(splitAt) });
  await new Engine(checkEngineConfig(doc), { source: { batches$ }, sink }).run();
  return alerts;
}
