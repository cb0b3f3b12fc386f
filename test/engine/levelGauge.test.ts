import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-level-gauge-'));

/**
 * Binomial events with a text field `plan` of 4 equally likely levels in every event (effects
 * +1, +0.3, −0.3, −1), x0 (+0.8) and 5 numbers of noise; from `changeAt` on, level b's effect is −1.5.
 */
function stream(events: number, seed: number, changeAt = Infinity): string {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const effects = new Map([
    ['a', 1],
    ['b', 0.3],
    ['c', -0.3],
    ['d', -1],
  ]);
  const levels = [...effects.keys()];
  const lines: string[] = [];
  for (let i = 0; i < events; i++) {
    const plan = levels[Math.floor(rnd() * 4)];
    const features: Record<string, string | number> = { plan };
    let eta = -0.2 + (plan === 'b' && i >= changeAt ? -1.5 : effects.get(plan)!);
    for (let k = 0; k < 6; k++) {
      const x = +gauss().toFixed(3);
      features[`x${k}`] = x;
      if (k === 0) eta += 0.8 * x;
    }
    lines.push(JSON.stringify({ label: rnd() < 1 / (1 + Math.exp(-eta)) ? 1 : 0, features }));
  }
  const file = join(dir, `plan-${seed}-${changeAt}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface Alert {
  type: string;
  severity: string;
  message: string;
  details: { source?: string; flips?: Array<{ feature: string }> };
}

async function refitAlerts(input: string, out: string): Promise<Alert[]> {
  const flags = [
    '--family',
    'binomial',
    '--refit-every',
    '5000',
    '--refit-window',
    '10000',
    '--refit-threads',
    '0',
  ];
  const r = await runCli(['replay', '--input', input, '--out', out, '--no-progress', ...flags]);
  expect(r.code).toBe(0);
  return readFileSync(join(out, 'alerts.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Alert)
    .filter((a) => a.details.source === 'refit' && a.severity !== 'info');
}

describe("refits that split the same model differently between a text field's levels and the intercept", () => {
  it('raise no support or sign alert on a stationary stream (2 warnings before levels were centred)', async () => {
    // every refit's window has each event's one plan level: the levels' coefficients are known up to a
    // common shift, and successive refits chose different shifts (one level or another at 0)
    const alerts = await refitAlerts(stream(100_000, 12345), join(dir, 'stationary'));
    expect(alerts.map((a) => a.message)).toEqual([]);
  });

  it('still report a level whose effect changed', async () => {
    const alerts = await refitAlerts(stream(100_000, 12345, 50_000), join(dir, 'changed'));
    const flip = alerts.find((a) => a.type === 'sign-flip');
    expect(flip?.details.flips?.map((f) => f.feature)).toEqual(['plan=b']);
  });
});
