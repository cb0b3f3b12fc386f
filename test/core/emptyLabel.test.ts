import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { validateEvent } from '../../src/core/event.js';
import { runCli } from '../helpers/cli.js';

describe('"label": "" is a missing label, as an absent or null one: scored, not learned', () => {
  it('validateEvent: no label, for both families; other strings are still refused', () => {
    for (const family of ['gaussian', 'binomial'] as const) {
      const v = validateEvent({ label: '', features: { x: 1 } }, family);
      expect(v.ok).toBe(true);
      if (v.ok) expect(v.event.label).toBeUndefined();
      expect(validateEvent({ label: 'yes', features: { x: 1 } }, family).ok).toBe(false);
    }
  });

  it('replay scores it (both readers), with no dead letter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-empty-label-'));
    const input = join(dir, 'events.jsonl');
    writeFileSync(
      input,
      [
        { label: '', features: { x: 1 } },
        { label: 1, features: { x: 2 } },
        { features: { x: 3 } },
        { label: null, features: { x: 4 } },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    for (const threads of ['0', '1']) {
      const out = join(dir, `out${threads}`);
      const flags = ['--family', 'gaussian', '--reader-threads', threads];
      const r = await runCli(['replay', '--input', input, '--out', out, ...flags]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/1 event learned, 3 scored, 0 rejected/);
      expect(readFileSync(join(out, 'dead-letters.jsonl'), 'utf8')).toBe('');
    }
  });
});
