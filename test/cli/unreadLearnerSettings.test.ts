import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { unreadLearnerSettings } from '../../src/learn/factory.js';
import { runCli } from '../helpers/cli.js';

describe('settings of another learner than the one chosen', () => {
  it('are named when they differ from their defaults, with the learner that reads them', () => {
    expect(unreadLearnerSettings('ftrl', { truncatedGradient: { truncateEvery: 5 } })).toBe(
      'model.truncatedGradient.truncateEvery (5) is not read by learner "ftrl" and changed nothing; it applies to learner "truncated-gradient": choose that learner (--learner, model.learner) or leave the setting out',
    );
    const two = unreadLearnerSettings('fobos', { ftrl: { alpha: 0.5 }, truncatedGradient: { theta: 2 } });
    expect(two).toContain(
      'model.ftrl.alpha (0.5), model.truncatedGradient.theta (2) are not read by learner "fobos"',
    );
    // each setting with the learner that reads it (not the union of all: FOBOS reads no
    // truncatedGradient setting)
    expect(two).toContain(
      'changed nothing; model.ftrl.alpha (0.5) applies to learner "ftrl"; model.truncatedGradient.theta (2) applies to learner "truncated-gradient"; no one learner reads them all: choose the learner meant (--learner, model.learner) and leave the others\' settings out',
    );
    expect(
      unreadLearnerSettings('ftrl', {
        rates: { eta0: 0.1 },
        truncatedGradient: { truncateEvery: 5 },
        cumulative: true,
      }),
    ).toBe(
      'model.rates.eta0 (0.1), model.cumulative (true), model.truncatedGradient.truncateEvery (5) are not read by learner "ftrl" and changed nothing; model.rates.eta0 (0.1), model.cumulative (true) apply to learner "fobos" or "truncated-gradient"; model.truncatedGradient.truncateEvery (5) applies to learner "truncated-gradient"; learner "truncated-gradient" reads them all: choose it (--learner, model.learner) or leave them out',
    );
    expect(unreadLearnerSettings('ftrl', { rates: { eta0: 0.2 }, cumulative: true })).toContain(
      'model.rates.eta0 (0.2), model.cumulative (true) are not read by learner "ftrl"',
    );
  });

  it('are not named at their defaults, nor when the chosen learner reads them', () => {
    // the README's configuration lists every section at its default
    const all = {
      ftrl: { alpha: 0.1, beta: 1 },
      rates: { schedule: 'adagrad', eta0: 0.05, delta: 1 },
      truncatedGradient: { truncateEvery: 10, theta: 'Infinity' },
      cumulative: false,
    } as const;
    for (const name of ['ftrl', 'fobos', 'truncated-gradient'] as const)
      expect(unreadLearnerSettings(name, all as never)).toBeNull();
    expect(
      unreadLearnerSettings('truncated-gradient', { truncatedGradient: { truncateEvery: 3 } }),
    ).toBeNull();
    expect(unreadLearnerSettings('fobos', { rates: { eta0: 0.2 }, cumulative: true })).toBeNull();
    expect(unreadLearnerSettings('ftrl', { ftrl: { alpha: 0.3 } })).toBeNull();
  });

  it('replay says so in summary.json and on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-unread-settings-'));
    const lines: string[] = [];
    for (let i = 0; i < 200; i++)
      lines.push(JSON.stringify({ label: i % 3 === 0 ? 1 : 0, features: { x: i % 7 } }));
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ model: { family: 'binomial', truncatedGradient: { truncateEvery: 5 } } }),
    );
    const out = join(dir, 'out');
    const r = await runCli(['replay', '--input', input, '--config', config, '--out', out, '--no-refit']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
    const warning = summary.warnings.find((w) => w.includes('truncateEvery'));
    expect(warning).toContain('is not read by learner "ftrl"');
    expect(r.stderr).toContain('model.truncatedGradient.truncateEvery (5) is not read by learner "ftrl"');
    const chosen = await runCli([
      'replay',
      '--input',
      input,
      '--config',
      config,
      '--learner',
      'truncated-gradient',
      '--out',
      join(dir, 'out2'),
      '--no-refit',
    ]);
    expect(chosen.code).toBe(0);
    expect(chosen.stderr).not.toContain('is not read by learner');
  });
});
