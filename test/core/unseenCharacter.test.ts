import { describe, expect, it } from 'vitest';

import { readEventsDesign } from '../../src/solve/events.js';
import { jsonDecoder } from '../../src/stream/decodeEvents.js';
import { JsonEventReader } from '../../src/stream/jsonEventReader.js';

/** The decode error of `line` on one path, or 'accepted'. */
function reason(read: () => unknown): string {
  try {
    read();
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('a line refused for a character that does not show names it by its code point', () => {
  const bom = '\ufeff{"label": 1, "features": {"x": 1}}';
  const cases: Array<[string, string]> = [
    [
      bom,
      'a byte-order mark (U+FEFF) starts the line, which is not valid JSON (a file whose first line had one, joined to another?): remove it',
    ],
    ['\u001a', 'unexpected character U+001A at position 0, which is not valid JSON'],
    [
      '{"label": 1, "features": {"x": 1}}\u0000',
      'unexpected character U+0000 at position 34, which is not valid JSON',
    ],
    [
      '{"label": 1, "features": {"a\u0000b": 1}}',
      'control character U+0000 at position 28 inside a string is not valid JSON: escape it (\\u0000)',
    ],
  ];

  it('on the text and byte paths of the reader, the general decoder and fit', () => {
    const reader = new JsonEventReader();
    for (const [line, expected] of cases) {
      expect(
        reason(() => reader.decodeEvent(line, 'binomial')),
        line,
      ).toBe(expected);
      // bytes (a Kafka message) are decoded by a TextDecoder, which drops a leading BOM
      const bytes = line === bom ? 'accepted' : expected;
      expect(
        reason(() => reader.decodeEvent(new TextEncoder().encode(line), 'binomial')),
        line,
      ).toBe(bytes);
      expect(
        reason(() => jsonDecoder(line)),
        line,
      ).toBe(expected);
    }
    const rejected: string[] = [];
    // fit drops a BOM at the start of its file: the one of a later line is refused
    const text = ['{"label": 0, "features": {"x": 2}}', ...cases.map(([line]) => line)].join('\n');
    readEventsDesign(text, 'binomial', 't', (r) => rejected.push(r.reason));
    expect(rejected).toEqual(cases.map(([, expected]) => `cannot decode: ${expected}`));
  });

  it('other syntax errors keep the parser message; a no-break space inside a string is a name', () => {
    const reader = new JsonEventReader();
    expect(reason(() => jsonDecoder('{"label": 1, "features": {"x": 1}'))).not.toMatch(/U\+/);
    expect(reason(() => jsonDecoder('{"label": 1, "features": {"x": 1}} x'))).not.toMatch(/U\+/);
    expect(reason(() => reader.decodeEvent('{"label": 1, "features": {"a\u00a0b": 1}}', 'binomial'))).toBe(
      'accepted',
    );
  });
});
