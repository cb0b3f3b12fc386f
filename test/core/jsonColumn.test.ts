/**
 * A record that is not valid JSON: the reason gives the column and the text before it, not only
 * JSON.parse's 0-based position (a dead letter is read beside its line).
 */
import { describe, expect, it } from 'vitest';

import { jsonParseError } from '../../src/core/jsonSyntax.js';

function reason(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (jsonParseError(text, err) as Error).message;
  }
  throw new Error('parsed');
}

describe('JSON syntax errors of one-line records', () => {
  it('give the column (1-based) and the text before it', () => {
    expect(reason('{"a":1,}')).toMatch(/ in JSON at position 7 \(column 8, after '\{"a":1,'\)$/);
    expect(reason('{"label":0 "features":{}}')).toMatch(
      /at position 11 \(column 12, after '\{"label":0 '\)$/,
    );
  });

  it('cut the text before a late error to its last characters', () => {
    const line = `{"label":1,"features":{${'"x":1,'.repeat(20)}}}`;
    const message = reason(line);
    const position = line.length - 2;
    expect(message).toMatch(new RegExp(`at position ${position} \\(column ${position + 1}, after '…`));
    const shown = /after '…(.*)'\)$/.exec(message)![1]!;
    expect(shown).toHaveLength(24);
    expect(line.slice(0, position).endsWith(shown)).toBe(true);
  });

  it('say where an error at the first character is', () => {
    // (V8 names the token itself for most errors there; a message with the position is kept)
    const err = jsonParseError('x', new SyntaxError('Unexpected thing in JSON at position 0')) as Error;
    expect(err.message).toBe('Unexpected thing in JSON at position 0 (column 1, at its start)');
  });

  it('leave a text of several lines as JSON.parse says it', () => {
    expect(reason('{\n"a":1,}')).toMatch(/ at position 8$/);
  });
});
