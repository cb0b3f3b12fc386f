/**
 * A keyed replay with many keys and few learned events for each (keyed by a customer id, say)
 * warns: each key's model learns from its own events only, so such models learn next to nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-few-per-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `keys` customers with `each` labelled events apiece, keyed by the event's own key. */
async function replay(
  keys: number,
  each: number,
  ...flags: string[]
): Promise<{ warnings: string[]; stderr: string }> {
  const rng = new Rng(keys * 1000 + each);
  const lines: string[] = [];
  for (let e = 0; e < each; e++)
    for (let k = 0; k < keys; k++) {
      const calls = rng.int(5);
      lines.push(
        JSON.stringify({
          key: `cust${k}`,
          label: rng.next() < 0.2 + 0.1 * calls ? 1 : 0,
          features: { calls },
        }),
      );
    }
  const input = join(dir, `events-${keys}-${each}.jsonl`);
  writeFileSync(input, `${lines.join('\n')}\n`);
  const out = join(dir, `out-${keys}-${each}`);
  const r = await runCli([
    'replay',
    ...['--input', input, '--family', 'binomial', '--key-by', 'key', '--out', out, '--no-refit'],
    ...flags,
  ]);
  expect(r.code, r.stderr).toBe(0);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
  return { warnings: summary.warnings, stderr: r.stderr };
}

describe('keyed replay: few events per key', () => {
  it('warns, in summary.json and on stderr, with the fix, when 150 keys learned 3 events each', async () => {
    const { warnings, stderr } = await replay(150, 3);
    const want =
      '150 keys (keyed by "key": --key-by, model.keyBy) learned 450 events, 3.0 per key: each key\'s model learns from its own events only';
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(want);
    expect(warnings[0]).toContain('or learn one model (no --key-by) with the field among its features');
    expect(stderr).toContain(`replay: warning: ${want}`);
  });

  it('counts the events the models learned in the runs a --state directory resumed', async () => {
    const state = join(dir, 'state');
    expect((await replay(150, 12, '--state', state)).warnings).toEqual([]);
    // the next file has one event per key, the models 13 each
    expect((await replay(150, 1, '--state', state, '--continue')).warnings).toEqual([]);
  });

  it('says nothing with fewer keys, or with enough events per key', async () => {
    expect((await replay(20, 3)).warnings).toEqual([]);
    expect((await replay(150, 12)).warnings).toEqual([]);
  });
});
