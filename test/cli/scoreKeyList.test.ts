import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

describe('score --key with no such key: the keys there are quoted, cut and counted', () => {
  it('a blank key, a newline, a long key and more than 10 keys stay readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-score-keys-'));
    const keys = [' ', 'a\nb', 'L'.repeat(5000), ...Array.from({ length: 10 }, (_, i) => `k${i}`)];
    const settings = { family: 'gaussian', learner: 'ftrl', lambda: 0.01, l1Ratio: 1 };
    const fit = { intercept: 0, coefficients: { x: 1 }, metrics: {}, createdAt: '2026-12-04T00:00:00.000Z' };
    const snapshot = (key: string) =>
      JSON.stringify({ key, version: 1, offset: 10, source: 'online', ...settings, ...fit });
    const model = join(dir, 'models.jsonl');
    writeFileSync(model, `${keys.map(snapshot).join('\n')}\n`);
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, '{"features":{"x":1}}\n');
    const r = await runCli(['score', '--model', model, '--input', input, '--key', '']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `matches key "" (keys there: " ", "a\\nb", "${'L'.repeat(40)}…", "k0", "k1", "k2", "k3", "k4", "k5", "k6", and 3 more)`,
    );
    expect(r.stderr.length).toBeLessThan(600);
  });

  it('--source that no snapshot of the key has: the sources there, not the keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-score-sources-'));
    const settings = { family: 'gaussian', learner: 'ftrl', lambda: 0.01, l1Ratio: 1 };
    const fit = { intercept: 0, coefficients: { x: 1 }, metrics: {}, createdAt: '2026-12-04T00:00:00.000Z' };
    const lines = [
      { key: 'a', version: 1, source: 'online' },
      { key: 'a', version: 2, source: 'batch' },
      { key: 'b', version: 1, source: 'refit' },
    ].map((s) => JSON.stringify({ ...s, offset: 10, ...settings, ...fit }));
    const model = join(dir, 'models.jsonl');
    writeFileSync(model, `${lines.join('\n')}\n`);
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, '{"features":{"x":1}}\n');
    const r = await runCli(['score', '--model', model, '--input', input, '--key', 'a', '--source', 'refit']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `no snapshot in ${model} of key "a" is from source "refit" (sources there: "online", "batch"; --source latest takes any)`,
    );
    // a model written by hand has neither key nor source: said so, not "undefined" or a TypeError
    const hand = join(dir, 'hand.json');
    writeFileSync(hand, JSON.stringify({ family: 'binomial', intercept: 0.1, coefficients: { x: 1 } }));
    const source = await runCli(['score', '--model', hand, '--input', input, '--source', 'refit']);
    expect(source.code).toBe(1);
    expect(source.stderr).toContain('(sources there: (none: a model written by hand);');
    const key = await runCli(['score', '--model', hand, '--input', input, '--key', 'a']);
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('matches key "a" (keys there: (none: a model written by hand))');
  });

  it('a model written by hand with a number as its key is refused, saying how to write it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-score-numkey-'));
    const hand = join(dir, 'hand.json');
    writeFileSync(hand, JSON.stringify({ key: 5, family: 'gaussian', intercept: 1, coefficients: { a: 2 } }));
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, '{"key":"5","features":{"a":1}}\n');
    // it matched no key of any event, and was listed as a model with no key
    for (const args of [[], ['--key', '5'], ['--key-by', 'key']]) {
      const r = await runCli(['score', '--model', hand, '--input', input, ...args]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        `--model: ${hand}: snapshot.key must be a string (the key of the events it models), got 5 (write "key": "5")`,
      );
    }
    // null (a missing value, as pandas writes it) is no key
    writeFileSync(
      hand,
      JSON.stringify({ key: null, family: 'gaussian', intercept: 1, coefficients: { a: 2 } }),
    );
    const none = await runCli(['score', '--model', hand, '--input', input]);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout).prediction).toBe(3);
  });
});
