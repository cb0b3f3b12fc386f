/**
 * `replay --exclude F[,F]` (`replay.exclude`) leaves fields out of every event's features, as
 * `fit --exclude` leaves out columns: an id column, or one that leaks the label, was learned as a
 * feature of a CSV stream with no way to leave it out (a new user's trial). The run equals one over
 * the same input without those fields.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-exclude-'));
const rows = Array.from({ length: 3000 }, (_, i) => {
  const x = ((i * 37) % 101) / 50 - 1;
  const site = ['a', 'b', 'c'][i % 3]!;
  const label = (i * 7919) % 100 < 50 + 30 * x ? 1 : 0;
  return { id: i, x, site, leak: label, label };
});
const flags = ['--family', 'binomial', '--no-refit', '--no-progress', '--snapshot-every', '500'];

/** models.jsonl without the time each line was made. */
function models(out: string): unknown[] {
  return readFileSync(join(out, 'models.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { createdAt: _c, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

describe('replay --exclude', () => {
  it('a CSV: the columns left out, the same models as the CSV without them', async () => {
    const full = join(dir, 'full.csv');
    writeFileSync(
      full,
      `id,x,site,leak,label\n${rows.map((r) => `${r.id},${r.x},${r.site},${r.leak},${r.label}`).join('\n')}\n`,
    );
    const less = join(dir, 'less.csv');
    writeFileSync(less, `x,site,label\n${rows.map((r) => `${r.x},${r.site},${r.label}`).join('\n')}\n`);
    const a = await runCli([
      'replay',
      '--input',
      full,
      ...flags,
      '--exclude',
      'id, leak',
      '--out',
      join(dir, 'a'),
    ]);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['replay', '--input', less, ...flags, '--out', join(dir, 'b')]);
    expect(b.code, b.stderr).toBe(0);
    /** A replay of the full CSV into `dir/out`. */
    const replayFull = (out: string, ...extra: string[]) =>
      runCli(['replay', '--input', full, ...flags, ...extra, '--out', join(dir, out)]);
    const a2 = await replayFull('a2', '--exclude', 'id');
    expect(a2.code, a2.stderr).toBe(0);
    expect(JSON.stringify(models(join(dir, 'a2')))).toMatch(/"leak"/);
    const got = models(join(dir, 'a'));
    expect(got).toEqual(models(join(dir, 'b')));
    expect(JSON.stringify(got)).not.toMatch(/"(id|leak)"/);
    // without --exclude the leaking column is learned
    const c = await runCli(['replay', '--input', full, ...flags, '--out', join(dir, 'c')]);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.stringify(models(join(dir, 'c')))).toMatch(/"leak"/);
    // the configuration's list, and a flag's list in its place (not added to it)
    const config = join(dir, 'exclude.json');
    writeFileSync(config, JSON.stringify({ replay: { exclude: ['id', 'leak'] } }));
    const d = await replayFull('d', '--config', config);
    expect(d.code, d.stderr).toBe(0);
    expect(models(join(dir, 'd'))).toEqual(got);
    const e = await replayFull('e', '--config', config, '--exclude', 'id');
    expect(e.code, e.stderr).toBe(0);
    expect(models(join(dir, 'e'))).toEqual(models(join(dir, 'a2')));
  });

  it('JSON lines: the fields left out (keys and labels kept), the same models as events without them', async () => {
    const line = (r: (typeof rows)[number], withLeak: boolean) =>
      JSON.stringify({
        key: `k${r.id % 2}`,
        label: r.label,
        features: { x: r.x, site: r.site, ...(withLeak ? { leak: r.leak, PROTO: r.id % 5 } : {}) },
      }).replace('"PROTO"', '"__proto__"'); // (a field named __proto__: names are data)
    const full = join(dir, 'full.jsonl');
    writeFileSync(full, `${rows.map((r) => line(r, true)).join('\n')}\n`);
    const less = join(dir, 'less.jsonl');
    writeFileSync(less, `${rows.map((r) => line(r, false)).join('\n')}\n`);
    const keyed = [...flags, '--key-by', 'key'];
    const a = await runCli([
      'replay',
      '--input',
      full,
      ...keyed,
      '--exclude',
      'leak,__proto__',
      '--out',
      join(dir, 'ja'),
    ]);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['replay', '--input', less, ...keyed, '--out', join(dir, 'jb')]);
    expect(b.code, b.stderr).toBe(0);
    expect(models(join(dir, 'ja'))).toEqual(models(join(dir, 'jb')));
  });

  it('refuses what cannot be meant, naming it', async () => {
    const full = join(dir, 'full.csv');
    const refused = async (extra: string[], code: number, message: string) => {
      const r = await runCli(['replay', '--input', full, ...flags, '--out', join(dir, 'x'), ...extra]);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toContain(message);
    };
    await refused(['--exclude', 'idd,label'], 1, '--exclude: not feature columns of');
    await refused(['--exclude', 'idd'], 1, '"idd" (did you mean "id"?)');
    await refused(['--exclude', 'label'], 1, '"label" is the label column, not a feature');
    await refused(
      ['--exclude', 'id,,x'],
      2,
      '--exclude takes field names separated by commas, got "id,,x" (an empty name)',
    );
    await refused(
      ['--exclude', 'site', '--key-by', 'site'],
      2,
      '--exclude names "site", the key field of the keyed models',
    );
    const jsonl = await runCli([
      'replay',
      '--input',
      join(dir, 'full.jsonl'),
      ...flags,
      '--exclude',
      'leak',
      '--reader-threads',
      '1',
      '--out',
      join(dir, 'y'),
    ]);
    expect(jsonl.code).toBe(2);
    expect(jsonl.stderr).toContain("--exclude leaves fields out on the engine's thread");
  });

  it('names it never met: JSON lines warn at the end; going on (--continue) with a CSV that lacks a column warns', async () => {
    const r = await runCli([
      'replay',
      '--input',
      join(dir, 'full.jsonl'),
      ...flags,
      '--exclude',
      'leak,idd',
      '--out',
      join(dir, 'w'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'replay: warning: --exclude (replay.exclude): no event had a field named "idd": is the name right?',
    );
    const state = join(dir, 'cont');
    const first = await runCli([
      'replay',
      '--input',
      join(dir, 'full.csv'),
      ...flags,
      '--exclude',
      'id',
      '--state',
      state,
      '--out',
      join(dir, 'c1'),
    ]);
    expect(first.code, first.stderr).toBe(0);
    // the next file has no id column: the same settings go on, with a warning
    const next = await runCli([
      'replay',
      '--input',
      join(dir, 'less.csv'),
      ...flags,
      '--exclude',
      'id',
      '--state',
      state,
      '--continue',
      '--out',
      join(dir, 'c1'),
    ]);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain('replay: warning: --exclude: not a feature column of');
  });

  it('a state directory remembers the fields left out: a resume with others is refused', async () => {
    const full = join(dir, 'full.csv');
    const state = join(dir, 'state');
    const first = await runCli([
      'replay',
      '--input',
      full,
      ...flags,
      '--exclude',
      'id',
      '--state',
      state,
      '--out',
      join(dir, 's1'),
    ]);
    expect(first.code, first.stderr).toBe(0);
    const other = await runCli([
      'replay',
      '--input',
      full,
      ...flags,
      '--exclude',
      'id,leak',
      '--state',
      state,
      '--out',
      join(dir, 's1'),
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('was made with other settings: replay.exclude ["id","leak"] (was ["id"])');
  });
});
