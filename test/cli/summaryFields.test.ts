/**
 * docs/outputs.md lists every field of `summary.json` (the README says so): a field added to the
 * summary without a row in that table fails here.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { RunSummary } from '../../src/cli/summary.js';
import { runCli } from '../helpers/cli.js';

/** Every field of RunSummary, optional ones included (tsc fails when one is missing or extra). */
const fields: Record<keyof RunSummary, true> = {
  input: true,
  family: true,
  learner: true,
  target: true,
  lambda: true,
  l1Ratio: true,
  records: true,
  events: true,
  scored: true,
  rejected: true,
  rejectRate: true,
  rejectedByReason: true,
  progressiveLoss: true,
  constantLoss: true,
  metrics: true,
  nonZero: true,
  features: true,
  droppedFeatures: true,
  warnings: true,
  keys: true,
  models: true,
  scores: true,
  alerts: true,
  refits: true,
  evictions: true,
  skippedCovered: true,
  checkpoints: true,
  resume: true,
  seconds: true,
  eventsPerSecond: true,
  interrupted: true,
  stoppedAllRejected: true,
};

/** The field names in the first column of docs/outputs.md's `summary.json` table. */
function documentedFields(): Set<string> {
  const doc = readFileSync(resolve(import.meta.dirname, '../../docs/outputs.md'), 'utf8');
  const section = doc.split('## `summary.json`')[1]!.split('\n## ')[0]!;
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const first = /^\| (.+?) \|/.exec(line)?.[1];
    if (first === undefined || first === 'field' || first.startsWith('---')) continue;
    for (const m of first.matchAll(/`([^`]+)`/g)) names.add(m[1]!);
  }
  return names;
}

describe('docs/outputs.md: summary.json', () => {
  it('documents every field the code writes, and no other', async () => {
    const documented = documentedFields();
    expect([...documented].sort()).toEqual(Object.keys(fields).sort());
    // and a real summary (with --state, resumed) has no field beyond them
    const dir = mkdtempSync(join(tmpdir(), 'l1s-summary-'));
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, '{"label":1,"features":{"x":1}}\nnot json\n{"label":0,"features":{"x":2}}\n');
    const args = ['replay', '--input', input, ...'--family binomial --no-refit'.split(' ')];
    args.push('--state', join(dir, 's'));
    expect((await runCli([...args, '--out', join(dir, 'o')])).code).toBe(0);
    // a line appended: the second run resumes and learns it (over a covered input it writes nothing)
    appendFileSync(input, '{"label":1,"features":{"x":3}}\n');
    expect((await runCli([...args, '--out', join(dir, 'o')])).code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'o', 'summary.json'), 'utf8')) as object;
    expect(Object.keys(summary)).toContain('resume');
    for (const key of Object.keys(summary)) expect(documented).toContain(key);
  });
});
