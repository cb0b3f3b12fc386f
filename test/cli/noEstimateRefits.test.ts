/**
 * Refits whose window holds one label (binomial) are no estimate: replay's summary counts them
 * (summary.json `refits.noEstimate`, the last line, the progress line) and warns, unless every
 * learned event had one label (that has its own warning).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-noestimate-'));

/** 3,000 events whose first `zeros` have label 0, the rest both labels. */
function stream(name: string, zeros: number): string {
  const path = join(dir, `${name}.jsonl`);
  writeFileSync(
    path,
    Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({
        label: i < zeros ? 0 : Math.sin(i) > 0 ? 1 : 0,
        features: { a: Math.sin(i), b: Math.cos(1.3 * i) },
      }),
    ).join('\n') + '\n',
  );
  return path;
}

interface Summary {
  warnings: string[];
  refits: { completed: number; noEstimate: number };
}

async function replay(input: string, out: string) {
  // inline refits (deterministic): after events 1,000, 2,000 and 3,000
  const flags = '--family binomial --refit-every 1000 --refit-threads 0'.split(' ');
  const r = await runCli(['replay', '--input', input, ...flags, '--out', join(dir, out)]);
  expect(r.code, r.stderr).toBe(0);
  const summary = JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as Summary;
  const models = readFileSync(join(dir, out, 'models.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { source: string; metrics: { noEstimate?: boolean } });
  const refits = models.filter((m) => m.source === 'refit');
  return { r, summary, refits };
}

describe('refits that are no estimate, in the summary', () => {
  it('a window of one label early in the stream: counted, said on the last line and warned about', async () => {
    const { r, summary, refits } = await replay(stream('late', 1500), 'late');
    const none = refits.filter((m) => m.metrics.noEstimate === true).length;
    expect(none).toBe(1);
    // inline refits after events 1,000, 2,000 and 3,000: the first window's labels are all 0
    expect(refits.length).toBe(3);
    expect(summary.refits).toMatchObject({ completed: 3, noEstimate: 1 });
    expect(r.stderr).toContain('; 3 refits (1 no estimate: one label in the window);');
    const warning = summary.warnings.find((w) => w.startsWith('1 of 3 refits had a window'));
    expect(warning).toMatch(/"noEstimate": true and not served, handed back or checked for drift/);
    expect(warning).toMatch(/--refit-window/);
    expect(r.stderr).toContain(`replay: warning: ${warning}`);
  });

  it('both labels in every window: nothing said', async () => {
    const { r, summary, refits } = await replay(stream('mixed', 0), 'mixed');
    expect(refits.length).toBe(3);
    expect(summary.refits).toMatchObject({ completed: 3, noEstimate: 0 });
    expect(r.stderr).toContain('; 3 refits;');
    expect(summary.warnings.some((w) => w.includes('refits had a window'))).toBe(false);
  });

  it('keyed, with a key whose labels are all 0: the warning says no window helps that key', async () => {
    const path = join(dir, 'keyed.jsonl');
    writeFileSync(
      path,
      Array.from({ length: 4000 }, (_, i) =>
        JSON.stringify({
          label: i % 2 === 0 ? 0 : Math.sin(i) > 0 ? 1 : 0,
          features: { user: `u${i % 2}`, a: Math.sin(i) },
        }),
      ).join('\n') + '\n',
    );
    const flags = '--family binomial --key-by user --refit-every 500 --refit-threads 0'.split(' ');
    const r = await runCli(['replay', '--input', path, ...flags, '--out', join(dir, 'keyed')]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'keyed', 'summary.json'), 'utf8')) as Summary;
    expect(summary.refits.noEstimate).toBeGreaterThan(0);
    const warning = summary.warnings.find((w) => w.includes('refits had a window'));
    expect(warning).toMatch(
      /--refit-window\) holds both, and a key whose events all have one label never gets one$/,
    );
  });

  it('every event of one label: the one-class warning, not this one', async () => {
    const { summary } = await replay(stream('zeros', 3000), 'zeros');
    expect(summary.refits).toMatchObject({ completed: 3, noEstimate: 3 });
    expect(summary.warnings.some((w) => w.startsWith('every learned event had the same label'))).toBe(true);
    expect(summary.warnings.some((w) => w.includes('refits had a window'))).toBe(false);
  });
});
