import { describe, expect, it } from 'vitest';

import { cliLogger, logText } from '../../src/cli/logger.js';
import { abandonedText, stoppingLine } from '../../src/cli/replay.js';
import { refitStats } from '../../src/stream/refitEvery.js';

describe('logText: replay log entries as readable lines', () => {
  const alert = {
    key: 'default',
    offset: 12000,
    type: 'input-drift',
    severity: 'critical',
    message: 'the mean of x moved by 4.1 standard deviations',
    details: {},
    createdAt: '2026-01-01T00:00:00.000Z',
  };

  it('an alert names its severity, type, key and event', () => {
    expect(logText('replay', 'error', { alert }, alert.message)).toBe(
      'replay: alert critical input-drift (key "default", event 12000): the mean of x moved by 4.1 standard deviations',
    );
    // a key is data: quoted as JSON
    expect(logText('replay', 'warn', { alert: { ...alert, key: 'a "b"' } }, alert.message)).toMatch(
      /^replay: alert critical input-drift \(key "a \\"b\\"", event 12000\): /,
    );
  });

  it('warnings, errors and information; a failed refit adds its key and error', () => {
    expect(logText('replay', 'warn', { setting: 'model.hashBits' }, 'too many columns')).toBe(
      'replay: warning: too many columns',
    );
    expect(logText('replay', 'warn', { key: 'k1', err: 'out of memory' }, 'refit failed')).toBe(
      'replay: warning: refit failed (key "k1"): out of memory',
    );
    expect(logText('replay', 'error', {}, 'broken')).toBe('replay: error: broken');
    expect(logText('replay', 'info', {}, 'partitions assigned')).toBe('replay: partitions assigned');
  });

  it('cliLogger writes text lines at the level or above; "json" and unknown formats', () => {
    const lines: string[] = [];
    const stream = { write: () => true } as unknown as NodeJS.WritableStream;
    const logger = cliLogger('replay', 'warn', undefined, stream, (l) => lines.push(l));
    logger.info?.({}, 'not shown');
    logger.warn({}, 'shown');
    expect(lines).toEqual(['replay: warning: shown']);
    const other: string[] = [];
    cliLogger('replay', 'warn', 'yaml', stream, (l) => other.push(l));
    expect(other).toEqual(['replay: warning: L1S_LOG_FORMAT is "json" or "text", got "yaml": writing text']);
    const json: string[] = [];
    cliLogger('replay', 'warn', 'json', stream, (l) => json.push(l)).warn({}, 'as JSON');
    expect(json).toEqual([]); // pino's line went to the stream
  });
});

describe('what a stop says', () => {
  it('the first signal: running refits left unfinished, what is written, what a second signal does', () => {
    expect(stoppingLine(2, true)).toBe(
      'stopping after the batch in hand (2 running refits left unfinished), then writing the outputs and the state; a second signal exits at once',
    );
    expect(stoppingLine(0, false)).toBe(
      'stopping after the batch in hand, then writing the outputs; a second signal exits at once',
    );
  });

  it('the end: abandoned refits, or nothing', () => {
    expect(abandonedText({ ...refitStats(), abandoned: 1 })).toBe(
      ' (1 running refit abandoned: not applied, not written)',
    );
    expect(abandonedText(refitStats())).toBe('');
  });
});
