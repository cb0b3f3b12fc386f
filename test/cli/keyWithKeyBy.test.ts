/**
 * replay: `--key` (`model.key`) with `--key-by` (`model.keyBy`) used to learn one model per value of
 * the field and ignore the key without a word; both together are now a usage error naming which.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'l1s-key-keyby-'));
const input = join(dir, 'events.jsonl');
writeFileSync(input, '{"label": 1, "features": {"x": 1, "campaign": "a"}}\n');

describe('replay with a model key and a key field', () => {
  it('refuses --key with --key-by, and model.key with model.keyBy in --config, before reading', async () => {
    const flags = await runCli([
      'replay',
      ...['--input', input, '--family', 'gaussian', '--key', 'k1', '--key-by', 'campaign'],
      ...['--out', join(dir, 'flags')],
    ]);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain(
      '--key names the one model\'s key, and --key-by "campaign" learns one model',
    );
    expect(existsSync(join(dir, 'flags'))).toBe(false);

    const config = join(dir, 'both.json');
    writeFileSync(config, JSON.stringify({ model: { family: 'gaussian', key: 'k1', keyBy: 'campaign' } }));
    const file = await runCli(['replay', '--input', input, '--config', config, '--out', join(dir, 'file')]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('model.key: names the one model\'s key, and model.keyBy "campaign"');
  });

  it('takes either alone', async () => {
    for (const [name, flags] of [
      ['key', ['--key', 'k1']],
      ['keyby', ['--key-by', 'campaign']],
    ] as const) {
      const r = await runCli([
        'replay',
        ...['--input', input, '--family', 'gaussian', ...flags, '--out', join(dir, name)],
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
  });
});
