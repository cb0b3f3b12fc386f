import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

/**
 * One extreme but finite number in the middle of a file (line 1,501 of 3,000): the run goes on,
 * the line is dead-lettered naming the number, and the outputs are those of the file without it.
 */

const tmp = () => mkdtempSync(join(tmpdir(), 'l1s-overflow-'));
const BAD = 1501;

/** 3,000 events; line BAD with `bad` spliced into its JSON text (`"label":1e200`, ...). */
function lines(family: 'gaussian' | 'binomial', bad: (e: Record<string, unknown>) => void): string[] {
  const rng = new Rng(11);
  return Array.from({ length: 3000 }, (_, i) => {
    const x1 = 4 * rng.next() - 2;
    const x2 = 10 * rng.next();
    const eta = 0.8 * x1 - 0.3 * x2 + 1.5 + 0.5 * rng.normal();
    const label = family === 'gaussian' ? eta : rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    const e: Record<string, unknown> = { label, features: { x1, x2, c: rng.next() < 0.3 ? 'a' : 'b' } };
    if (i + 1 === BAD) bad(e);
    return JSON.stringify(e).replace(/"(1e\d+)"/, '$1');
  });
}

/** Models, alerts and summary of a replay, without timing fields and the counts of records read. */
function outputs(out: string): unknown {
  const drop = new Set(['createdAt', 'refitMs', 'solveMs', 'seconds', 'eventsPerSecond', 'totalMs', 'ms']);
  // what was read differs by the line; so do the checkpoints' bytes (they record input positions)
  for (const k of ['input', 'records', 'rejected', 'rejectRate', 'rejectedByReason', 'resume', 'bytes'])
    drop.add(k);
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (drop.has(k) ? [] : [[k, strip(x)]])))
        : v;
  const read = (f: string) =>
    readFileSync(join(out, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => strip(JSON.parse(l)));
  return { models: read('models.jsonl'), alerts: read('alerts.jsonl'), summary: read('summary.json') };
}

interface DeadLetter {
  line: number;
  reason: string;
}
const deadLetters = (out: string) =>
  readFileSync(join(out, 'dead-letters.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DeadLetter);
const summaryOf = (out: string) =>
  JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
    events: number;
    rejectedByReason: Record<string, number>;
    resume?: { fromLine: number; previousRunComplete: boolean };
  };

/** The file with line BAD, and the same file without it. */
function files(dir: string, family: 'gaussian' | 'binomial', bad: (e: Record<string, unknown>) => void) {
  const all = lines(family, bad);
  const input = join(dir, 'events.jsonl');
  const without = join(dir, 'without.jsonl');
  writeFileSync(input, `${all.join('\n')}\n`);
  writeFileSync(without, `${all.filter((_, i) => i + 1 !== BAD).join('\n')}\n`);
  return { input, without, line: all[BAD - 1] };
}

describe('an extreme but finite number does not kill a run', () => {
  const cases: Array<
    [string, 'gaussian' | 'binomial', (e: Record<string, unknown>) => void, string[], string]
  > = [
    [
      '"label":1e200, gaussian',
      'gaussian',
      (e) => (e.label = '1e200'),
      [],
      'numeric overflow: label 1e200 makes the squared error infinite',
    ],
    [
      '"weight":1e308, binomial',
      'binomial',
      (e) => (e.weight = '1e308'),
      [],
      'numeric overflow: weight 1e308 makes the running variance of x1 infinite',
    ],
    [
      'a feature of 1e200, --no-standardize',
      'gaussian',
      (e) => ((e.features as Record<string, unknown>).x2 = '1e200'),
      ['--no-standardize'],
      'numeric overflow: feature x2 = 1e200 makes the squared error infinite',
    ],
    [
      'a feature of 1e200, fobos',
      'gaussian',
      (e) => ((e.features as Record<string, unknown>).x2 = '1e200'),
      ['--learner', 'fobos'],
      'numeric overflow: feature x2 = 1e200 makes its running variance infinite',
    ],
  ];
  for (const [what, family, bad, flags, reason] of cases) {
    it(`${what}: the line is dead-lettered with the reason, the run completes with the models of the file without it`, async () => {
      const dir = tmp();
      const { input, without, line } = files(dir, family, bad);
      expect(line).toMatch(/1e(200|308)/);
      const replay = (file: string, out: string) =>
        runCli(['replay', '--input', file, '--family', family, ...flags, '--out', join(dir, out)]);
      const r = await replay(input, 'o');
      expect(r.code, r.stderr).toBe(0);
      expect(deadLetters(join(dir, 'o'))).toEqual([expect.objectContaining({ line: BAD, reason })]);
      const summary = summaryOf(join(dir, 'o'));
      expect(summary.events).toBe(2999);
      expect(Object.values(summary.rejectedByReason)).toEqual([1]);
      expect(Object.keys(summary.rejectedByReason)[0]).toMatch(/^numeric overflow: /);
      expect((await replay(without, 'w')).code).toBe(0);
      expect(outputs(join(dir, 'o'))).toEqual(outputs(join(dir, 'w')));
    });
  }

  it('with --state: the run completes past the line, a second run has nothing left to learn', async () => {
    const dir = tmp();
    const { input, without } = files(dir, 'gaussian', (e) => (e.label = '1e200'));
    const config = join(dir, 'state.json');
    writeFileSync(config, JSON.stringify({ state: { everyEvents: 500 } }));
    const state = join(dir, 'state');
    const args = ['replay', '--input', input, '--family', 'gaussian', '--config', config, '--state', state];
    const first = await runCli([...args, '--out', join(dir, 'o')]);
    expect(first.code, first.stderr).toBe(0);
    expect(deadLetters(join(dir, 'o'))).toEqual([expect.objectContaining({ line: BAD })]);
    const clean = ['replay', '--input', without, '--family', 'gaussian', '--config', config];
    expect((await runCli([...clean, '--state', join(dir, 'state-w'), '--out', join(dir, 'w')])).code).toBe(0);
    expect(outputs(join(dir, 'o'))).toEqual(outputs(join(dir, 'w')));
    const summary = summaryOf(join(dir, 'o'));
    const again = await runCli([...args, '--out', join(dir, 'o')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/covers all of .* \(3,000 lines\): nothing left to learn/);
    // the summary of the run that learned is left as it was
    expect(summaryOf(join(dir, 'o'))).toEqual(summary);
  });

  it('gaussian, λ "auto": a warm-up event of weight 1e300 (the batch solver refuses such weights) leaves λ uncapped by the noise, and the run completes', async () => {
    // the noise cap's batch fit threw "outweighs all the other weights": replay exited 1, no summary
    const dir = tmp();
    // (line 101: within the first 1,000 events, from which λ "auto" is chosen)
    const text = lines('gaussian', () => undefined);
    text[100] = text[100]!.replace(/}$/, ',"weight":1e300}');
    const input = join(dir, 'heavy.jsonl');
    writeFileSync(input, `${text.join('\n')}\n`);
    const r = await runCli(['replay', '--input', input, '--family', 'gaussian', '--out', join(dir, 'o')]);
    expect(r.code, r.stderr).toBe(0);
    expect(summaryOf(join(dir, 'o')).events).toBe(3000);
    // refits over that event fail (the batch solver refuses it): said once on stderr (the engine's
    // log and the summary both said it), and in summary.json
    const refits = await runCli([
      ...[
        'replay',
        '--input',
        input,
        '--family',
        'gaussian',
        '--refit-every',
        '500',
        '--out',
        join(dir, 'r'),
      ],
    ]);
    expect(refits.code, refits.stderr).toBe(0);
    expect(refits.stderr.match(/replay: warning: every refit failed/g)).toHaveLength(1);
    const summary = summaryOf(join(dir, 'r')) as unknown as { warnings: string[] };
    expect(summary.warnings.filter((w) => w.startsWith('every refit failed'))).toHaveLength(1);
  });

  it('run over files (the same engine): the line is dead-lettered, the run completes', async () => {
    const dir = tmp();
    const { input } = files(dir, 'binomial', (e) => (e.weight = '1e308'));
    const config = join(dir, 'run.json');
    const out = join(dir, 'o');
    writeFileSync(config, JSON.stringify({ model: { family: 'binomial' }, replay: { input, out } }));
    const r = await runCli(['run', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(deadLetters(out)).toEqual([
      expect.objectContaining({
        line: BAD,
        reason: 'numeric overflow: weight 1e308 makes the running variance of x1 infinite',
      }),
    ]);
    expect(summaryOf(out).events).toBe(2999);
  });

  it('a learner that diverges on ordinary lines (learning rate far too high) fails naming the line it was learning', async () => {
    const dir = tmp();
    const { without } = files(dir, 'gaussian', () => undefined);
    const config = join(dir, 'fobos.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: { family: 'gaussian', learner: 'fobos', rates: { schedule: 'constant', eta0: 5 } },
      }),
    );
    const r = await runCli(['replay', '--input', without, '--config', config, '--out', join(dir, 'o')]);
    expect(r.code).toBe(1);
    const m =
      /^l1stream: line (\d+) of .*without\.jsonl: the fobos learner diverged at the (\d+)\w\w event it learns from: its weights \(up to [0-9.e]+\) make an ordinary event's update overflow; lower its learning rate \(rates\.eta0\)\n$/.exec(
        r.stderr,
      );
    expect(m, r.stderr).not.toBeNull();
    // no line was rejected before: the line is the event's ordinal
    expect(m![1]).toBe(m![2]);
    expect(deadLetters(join(dir, 'o'))).toEqual([]);
  });
});

describe('an unlabelled event whose score would not be finite is dead-lettered, not scored', () => {
  /**
   * 3,000 events, every tenth unlabelled (scored), x's coefficient about 3: line BAD is the
   * unlabelled `{"features":{"x":1e308,"z":0.5}}`, whose score is about 3e308, beyond a double.
   */
  function scoredFiles(dir: string, family: 'gaussian' | 'binomial') {
    const rng = new Rng(5);
    const all = Array.from({ length: 3000 }, (_, i) => {
      const x = 4 * rng.next() - 2;
      const z = 4 * rng.next() - 2;
      const eta = 3 * x - z + 0.5;
      const label =
        family === 'gaussian' ? eta + 0.3 * rng.normal() : rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
      if (i + 1 === BAD) return '{"features":{"x":1e308,"z":0.5}}';
      return JSON.stringify(i % 10 === 9 ? { features: { x, z } } : { label, features: { x, z } });
    });
    const input = join(dir, 'events.jsonl');
    const without = join(dir, 'without.jsonl');
    writeFileSync(input, `${all.join('\n')}\n`);
    writeFileSync(without, `${all.filter((_, i) => i + 1 !== BAD).join('\n')}\n`);
    return { input, without };
  }
  const reason = 'numeric overflow: feature x = 1e308 makes the score infinite';
  const predictions = (out: string) =>
    readFileSync(join(out, 'scores.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { prediction: unknown }).prediction);

  for (const family of ['gaussian', 'binomial'] as const) {
    for (const flags of [['--no-standardize'], []]) {
      it(`${family} ${flags.join(' ') || '(standardized)'}: replay dead-letters it naming the feature, and scores and learns the rest as without it`, async () => {
        const dir = tmp();
        const { input, without } = scoredFiles(dir, family);
        const replay = (file: string, out: string) =>
          runCli(['replay', '--input', file, '--family', family, ...flags, '--out', join(dir, out)]);
        const r = await replay(input, 'o');
        expect(r.code, r.stderr).toBe(0);
        expect(deadLetters(join(dir, 'o'))).toEqual([expect.objectContaining({ line: BAD, reason })]);
        const scores = predictions(join(dir, 'o'));
        expect(scores).toHaveLength(300);
        for (const p of scores) expect(Number.isFinite(p)).toBe(true);
        expect((await replay(without, 'w')).code).toBe(0);
        // nothing of the line is left: the same models, alerts, summary and scores
        expect(outputs(join(dir, 'o'))).toEqual(outputs(join(dir, 'w')));
        expect(scores).toEqual(predictions(join(dir, 'w')));
      });
    }

    it(`${family}: score with the saved model gives the line an error naming the feature`, async () => {
      const dir = tmp();
      const { input, without } = scoredFiles(dir, family);
      const out = join(dir, 'w');
      expect((await runCli(['replay', '--input', without, '--family', family, '--out', out])).code).toBe(0);
      const r = await runCli(['score', '--model', join(out, 'models.jsonl'), '--input', input]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; prediction?: unknown; error?: string });
      expect(lines).toHaveLength(3000);
      expect(lines[BAD - 1]).toEqual({ line: BAD, error: reason });
      for (const l of lines) if (l.line !== BAD) expect(Number.isFinite(l.prediction)).toBe(true);
      expect(r.stderr).toMatch(/^score: 2,999 events scored .* 1 rejected/m);
    });
  }
});
