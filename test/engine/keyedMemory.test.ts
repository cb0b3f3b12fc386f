import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { keyedMemoryWarning } from '../../src/engine/keyedMemory.js';
import { runCli } from '../helpers/cli.js';
import { engineConfig } from './helpers.js';

const GB = 2 ** 30;

describe('keyed models with hashing: the memory they may take is said at start', () => {
  it('warns only for keyed, hashed models whose live bound exceeds a quarter of the memory', () => {
    const keyed = (model: Record<string, unknown>) =>
      engineConfig({ model: { keyBy: 'campaign', ...model } });
    // 1,000 × (48 × 2^18 + 256 kB) ≈ 12.0 GB: above a quarter of 24 GB, below a quarter of 64 GB
    const warning = keyedMemoryWarning(keyed({ hashBits: 18 }), 24 * GB);
    expect(warning).toContain('hashBits 18 hold about 12.3 MB each');
    expect(warning).toContain('up to 1,000 live models, about 12 GB, against 24 GB');
    expect(warning).toContain('about 501 fit a quarter of the memory');
    expect(keyedMemoryWarning(keyed({ hashBits: 18 }), 64 * GB)).toBeNull();
    expect(keyedMemoryWarning(keyed({ hashBits: 18, maxLiveModels: 400 }), 24 * GB)).toBeNull();
    expect(keyedMemoryWarning(keyed({ hashBits: 18, maxLiveModels: 'Infinity' }), 64 * GB)).toContain(
      'no bound on live models',
    );
    // exact names, or one model: nothing to say
    expect(keyedMemoryWarning(keyed({}), 1 * GB)).toBeNull();
    expect(keyedMemoryWarning(engineConfig({ model: { hashBits: 24 } }), 1 * GB)).toBeNull();
  });

  it('replay prints it on stderr once and writes it to the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-keyedmem-'));
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, '{"label":1,"features":{"campaign":"c1","x":1}}\n');
    const out = join(dir, 'out');
    const argv = 'replay --family binomial --key-by campaign --hash-bits 22'.split(' ');
    const { code, stderr } = await runCli([...argv, '--input', input, '--out', out]);
    expect(code).toBe(0);
    expect(stderr).toContain('replay: warning: keyed models with hashBits 22 hold about');
    // once: logged as the run starts, not printed again with the summary's warnings at the end
    expect(stderr.split('keyed models with hashBits 22').length - 1).toBe(1);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
    expect(summary.warnings[0]).toMatch(/^keyed models with hashBits 22/);
  });
});
