import { describe, expect, it } from 'vitest';

import { supportSeverity } from '../../src/drift/driftMonitor.js';
import { Engine } from '../../src/engine/engine.js';
import type { EventSource } from '../../src/engine/ports.js';
import type { Alert } from '../../src/model/snapshot.js';
import { batchedSource, engineConfig } from './helpers.js';
import { MemorySink } from './memoryPorts.js';

const SITES = 20;

/**
 * 20 N(0,1) features with effects on x0..x4 (1, −0.8, 0.6, 0.5, −0.4); from `changeAt` on, x7 has
 * 0.8 (`appear`), or the site s3 (one of 20 equally likely) gains 1.5 (`site`).
 */
function source(n: number, changeAt: number, change: 'appear' | 'site', seed: number): EventSource {
  const beta = [1, -0.8, 0.6, 0.5, -0.4];
  return batchedSource(n, seed, (i, { u, normal }) => {
    const features: Record<string, number | string> = {};
    let eta = -0.5;
    for (let j = 0; j < 20; j++) {
      const x = Math.round(normal() * 1000) / 1000;
      features[`x${j}`] = x;
      eta += (beta[j] ?? 0) * x;
    }
    if (change === 'appear' && i >= changeAt) eta += 0.8 * (features.x7 as number);
    if (change === 'site') {
      const site = Math.floor(u() * SITES);
      features.site = `s${site}`;
      if (site === 3 && i >= changeAt) eta += 1.5;
    }
    return { label: u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features };
  });
}

/** Refit support and sign alerts: type, severity, where, and what they name. */
async function refitAlerts(
  change: 'appear' | 'site',
  drift: Record<string, unknown> = {},
): Promise<string[]> {
  const sink = new MemorySink();
  const n = 100_000;
  const config = engineConfig({
    model: { family: 'binomial' },
    refit: { threads: 0, everyEvents: 20_000, window: 20_000 },
    snapshots: { everyEvents: n, everySeconds: 'Infinity' },
    drift,
  });
  await new Engine(config, { source: source(n, 50_000, change, 5), sink }).run();
  return sink.alerts
    .filter(
      (a: Alert) => a.details.source === 'refit' && (a.type === 'support-drift' || a.type === 'sign-flip'),
    )
    .map(
      (a) => `${a.type} ${a.severity} @${a.offset}: ${JSON.stringify(a.details.entered ?? a.details.flips)}`,
    );
}

describe('a significant move of a strong feature pages, whatever the share of the support it is', () => {
  it('supportSeverity: refits only; by the Jaccard distance, or a warning for a moved share of 15 %', () => {
    expect(supportSeverity('refit', 1, 6)).toBe('info');
    expect(supportSeverity('refit', 1, 6, 0.15)).toBe('warning');
    expect(supportSeverity('refit', 1, 6, 0.149)).toBe('info');
    expect(supportSeverity('refit', 3, 6, 0)).toBe('critical');
    expect(supportSeverity('online', 1, 6, 1)).toBe('info');
  });

  it('x7 appears with the second largest effect: a warning at the first refit after it (one feature of six)', async () => {
    expect(await refitAlerts('appear')).toEqual(['support-drift warning @60000: ["x7"]']);
    // with significance 0, the entry waits for persistence and is one feature of six: info
    expect(await refitAlerts('appear', { significance: 0 })).toEqual(['support-drift info @80000: ["x7"]']);
  }, 60_000);

  it("a site's effect changes: its centred value's move counts at once (80,000, not 100,000)", async () => {
    const alerts = await refitAlerts('site');
    expect(alerts.filter((a) => a.includes('site=s3'))[0]).toMatch(/ @80000: .*site=s3/);
    const waiting = await refitAlerts('site', { significance: 0 });
    expect(waiting.filter((a) => a.includes('site=s3'))[0]).toMatch(/ @100000: .*site=s3/);
  }, 60_000);
});
