/**
 * `replay --progress`: its last progress line is written once the run is over, its refits drained,
 * so it counts the events and refits the summary line after it counts (the demo's last progress
 * line said 9 refits and its summary 10).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { runCli } from '../helpers/cli.js';

describe('replay --progress', () => {
  it('ends with a progress line that counts what the summary counts, the last refit included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-progress-'));
    try {
      const input = join(dir, 'events.jsonl');
      writeFileSync(input, `${Array.from(adClicks(3, 40_000), (e) => JSON.stringify(e)).join('\n')}\n`);
      // a refit every 10,000 events: the last is due at the last event, and runs after the input ends
      const { code, stderr } = await runCli([
        'replay',
        '--input',
        input,
        '--family',
        'binomial',
        '--refit-every',
        '10000',
        '--out',
        join(dir, 'out'),
        '--progress',
      ]);
      expect(code).toBe(0);
      const lines = stderr.trim().split('\n');
      const summary = /^replay: ([\d,]+) events learned, .* (\d+ refits?);/.exec(lines.at(-1)!);
      expect(summary, lines.at(-1)).not.toBeNull();
      const [, events, refits] = summary!;
      expect(refits).not.toBe('0 refits');
      const progress = lines.filter((l) => /^replay: [\d,]+ events \(/.test(l)).at(-1);
      // the last progress line: every event and every refit of the summary, none still running
      expect(progress).toMatch(
        new RegExp(`^replay: ${events} events \\(100%\\), .*, ${refits}, rejected 0$`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
