import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { Rng } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-lambda-warnings-'));

describe('a λ that does no better than a constant is a warning', () => {
  it('fit --lambda at or above λ_max: every coefficient is 0, says λ_max; below it, no warning', async () => {
    const rng = new Rng(7);
    const g = (): number => rng.normal();
    const rows = ['y,a,b'];
    for (let i = 0; i < 200; i++) {
      const a = g();
      const b = g();
      rows.push(`${(a - 0.5 * b + g()).toFixed(4)},${a.toFixed(4)},${b.toFixed(4)}`);
    }
    const csv = join(dir, 'ab.csv');
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const path = await runCli(['path', '--input', csv, '--target', 'y']);
    const lambdaMax = (JSON.parse(path.stdout.trim().split('\n')[0]!) as { metrics: { lambdaMax: number } })
      .metrics.lambdaMax;
    const above = await runCli(['fit', '--input', csv, '--target', 'y', '--lambda', String(2 * lambdaMax)]);
    expect(above.code).toBe(0);
    expect(JSON.parse(above.stdout)).toMatchObject({ coefficients: {} });
    expect(above.stderr).toContain(
      `warning: λ = ${2 * lambdaMax} ≥ λ_max = ${Number(lambdaMax.toPrecision(4))}: every coefficient is 0 (the intercept-only model); give a λ below λ_max, or leave out --lambda`,
    );
    const below = await runCli(['fit', '--input', csv, '--target', 'y', '--lambda', String(0.5 * lambdaMax)]);
    expect(below.stderr).not.toContain('warning');
    // l1Ratio 0.0005, below glmnet's floor of 0.001 for a path's start: the warning names the λ_max of
    // the fit's own α, 2,000 × the lasso's (it named the path's start, 1,000 ×, where coefficients are not 0)
    const ridgeLike = ['fit', '--input', csv, '--target', 'y', '--l1-ratio', '0.0005'];
    const exact = 2000 * lambdaMax;
    const over = await runCli([...ridgeLike, '--lambda', String(1.01 * exact)]);
    expect(over.stderr).toContain(`≥ λ_max = ${Number(exact.toPrecision(4))}: every coefficient is 0`);
    const under = await runCli([...ridgeLike, '--lambda', String(0.99 * exact)]);
    expect(under.stderr).not.toContain('warning');
    expect(Object.keys((JSON.parse(under.stdout) as { coefficients: object }).coefficients).length).toBe(1);
    // a column of penalty factor 0 stays in: the warning names it rather than an intercept-only model
    const factors = join(dir, 'pf.json');
    writeFileSync(factors, JSON.stringify({ a: 0 }));
    const withFree = await runCli([
      ...['fit', '--input', csv, '--target', 'y', '--penalty-factors', factors, '--lambda', '100'],
    ]);
    expect(withFree.code, withFree.stderr).toBe(0);
    const model = JSON.parse(withFree.stdout) as { coefficients: Record<string, number> };
    expect(Object.keys(model.coefficients)).toEqual(['a']);
    expect(withFree.stderr).toMatch(
      /warning: λ = 100 ≥ λ_max = \S+: every penalized coefficient is 0 \(the model is the intercept and the unpenalized column a, of penalty factor 0\); give a λ below λ_max/,
    );
    expect(withFree.stderr).not.toContain('intercept-only');
  });

  it('replay --lambda 0 on noise: the progressive loss ends above the online constant, said in summary.json', async () => {
    // 30 features of pure noise; λ = 0 learns the noise (MSE 1.046 against the constant's 0.9855)
    const rng = new Rng(5);
    const g = (): number => rng.normal();
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const features: Record<string, number> = {};
      for (let k = 0; k < 30; k++) features[`x${k}`] = +(3 * g()).toFixed(3);
      lines.push(JSON.stringify({ label: +g().toFixed(3), features }));
    }
    const input = join(dir, 'noise.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const summaryOf = async (lambda: string) => {
      const out = join(dir, `out-${lambda}`);
      const flags = { '--input': input, '--family': 'gaussian', '--lambda': lambda, '--out': out };
      const r = await runCli(['replay', '--no-refit', ...Object.entries(flags).flat()]);
      expect(r.code).toBe(0);
      return {
        stderr: r.stderr,
        summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
          warnings: string[];
          progressiveLoss: number;
        },
      };
    };
    const noisy = await summaryOf('0');
    const warning = noisy.summary.warnings.find((w) => w.includes('online constant'));
    expect(warning).toMatch(
      /^the progressive loss 1\.04\d is worse than an online constant's 0\.98\d+ .*the best constant in hindsight: 0\.98\d+\): at λ = 0 .*try a larger λ or --lambda auto$/,
    );
    expect(noisy.stderr).toContain(`replay: warning: ${warning}`);
    const sparse = await summaryOf('0.1');
    expect(sparse.summary.warnings).toEqual([]);
    // λ "auto" (the default) is a λ the user did not choose: no better than the constant is said
    const auto = await summaryOf('auto');
    const none = auto.summary.warnings.find((w) => w.includes('online constant'));
    expect(none).toMatch(
      /^the progressive loss \S+ is no better than an online constant's 0\.98\d+ .*: the features have not told the model more about the label than its mean; check that the label and the features are the ones meant$/,
    );
    expect(auto.stderr).toContain(`replay: warning: ${none}`);
  });

  it('keyed, λ "auto": models that lose to one constant for all keys are said to start from nothing, not to have useless features', async () => {
    // 300 keys of 10 events each; the label follows x in every key
    const rng = new Rng(7);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const x = +rng.normal().toFixed(3);
      const label = rng.next() < 1 / (1 + Math.exp(1.5 - 0.8 * x)) ? 1 : 0;
      lines.push(JSON.stringify({ label, features: { user: `u${i % 300}`, x } }));
    }
    const input = join(dir, 'keyed.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out-keyed');
    const r = await runCli([
      ...['replay', '--no-refit', '--input', input, '--family', 'binomial', '--key-by', 'user', '--out', out],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const { warnings } = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      warnings: string[];
    };
    const warning = warnings.find((w) => w.includes('online constant'));
    expect(warning).toMatch(
      /^the progressive loss \S+ is no better than an online constant's \S+ .*: the 300 keys' models have not beaten one constant for all keys: each starts from nothing and learns from its own key's events only .*; check how many events each key learned/,
    );
    expect(warning).not.toContain('the features have not told');
    // a λ the user chose (small: each key's model overfits its few events): the keyed wording too
    const fixedOut = join(dir, 'out-keyed-fixed');
    const fixed = await runCli([
      ...['replay', '--no-refit', '--input', input, '--family', 'binomial', '--key-by', 'user'],
      ...['--lambda', '0', '--out', fixedOut],
    ]);
    expect(fixed.code, fixed.stderr).toBe(0);
    const fixedWarnings = (
      JSON.parse(readFileSync(join(fixedOut, 'summary.json'), 'utf8')) as { warnings: string[] }
    ).warnings;
    const worse = fixedWarnings.find((w) => w.includes('online constant'));
    expect(worse).toMatch(
      /^the progressive loss \S+ is worse than an online constant's \S+ .*: at λ = 0 the 300 keys' models do worse than one constant for all keys: each starts from nothing .*; check how many events each key learned .*, and try a larger λ or --lambda auto$/,
    );
    expect(worse).not.toContain('does worse than no features');
  });

  it("without standardization, a feature of values near 1e8: the warning names the steps' size, not the features' worth", async () => {
    // log loss 15 against the constant's 0.69: FTRL's steps on raw values of 1e8 (it said the
    // features told the model nothing)
    const rng = new Rng(3);
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const a = rng.normal();
      const c = rng.normal();
      const label = rng.next() < 1 / (1 + Math.exp(-(0.8 * a + 0.3 * c))) ? 1 : 0;
      lines.push(JSON.stringify({ label, features: { big: a * 1e8, c } }));
    }
    const input = join(dir, 'big.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const summaryOf = async (out: string, ...flags: string[]) => {
      const replay = ['replay', '--input', input, ...'--family binomial --no-refit'.split(' ')];
      const r = await runCli([...replay, '--out', join(dir, out), ...flags]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as { warnings: string[] };
    };
    const raw = await summaryOf('raw', '--no-standardize');
    const warning = raw.warnings.find((w) => w.includes('online constant'));
    expect(warning).toMatch(
      /; without standardization \(--no-standardize\), a feature of large values \(say 1e8\) makes each step of the online learner far too large for it: leave standardization on, or scale such features$/,
    );
    // standardized (the default): the model learns, nothing is said
    expect((await summaryOf('scaled')).warnings.some((w) => w.includes('online constant'))).toBe(false);
  });

  it('λ "auto" on features that tell the label: no such warning', async () => {
    const rng = new Rng(6);
    const g = (): number => rng.normal();
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const features: Record<string, number> = {};
      for (let k = 0; k < 5; k++) features[`x${k}`] = +g().toFixed(3);
      lines.push(
        JSON.stringify({ label: +(features.x0! - 0.5 * features.x1! + 0.5 * g()).toFixed(3), features }),
      );
    }
    const input = join(dir, 'signal.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out-signal');
    const r = await runCli(['replay', '--input', input, '--family', 'gaussian', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('online constant');
  });
});
