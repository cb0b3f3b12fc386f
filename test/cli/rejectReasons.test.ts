import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { reasonClass } from '../../src/engine/engine.js';
import { runCli } from '../helpers/cli.js';

describe('rejectedByReason blanks the data, never the names of the rule', () => {
  it('keeps model.keyBy’s field name, the event’s fields, the family and "0 or 1"; blanks values', () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['feature "campaign" (model.keyBy) is missing', 'feature "campaign" (model.keyBy) is missing'],
      [
        'the event has no "key" (model.keyBy is "key": the event\'s own field, not a Kafka record\'s key)',
        'the event has no "key" (model.keyBy is "key": the event\'s own field, not a Kafka record\'s key)',
      ],
      [
        '"label" must be 0 or 1 for family binomial, got 2',
        '"label" must be 0 or 1 for family binomial, got N',
      ],
      ['"weight" must be a finite number >= 0', '"weight" must be a finite number >= 0'],
      // a feature's name and value are the event's: one reason for every feature
      [
        'feature "label" is an array with a non-string element',
        'feature "…" is an array with a non-string element',
      ],
      ['feature "x7" is not a finite number (1e999)', 'feature "…" is not a finite number (N)'],
      // an overflow names the feature unquoted: its name is blanked all the same (it was "feature xN = N")
      [
        'numeric overflow: feature x2 = 1e200 makes its running variance infinite',
        'numeric overflow: feature "…" = N makes its running variance infinite',
      ],
      [
        'numeric overflow: feature site=news 7 = 1e308 makes the score infinite',
        'numeric overflow: feature "…" = N makes the score infinite',
      ],
      [
        'numeric overflow: weight 1e300 makes the running variance of age2 infinite',
        'numeric overflow: weight N makes the running variance of "…" infinite',
      ],
      [
        'record is 2048 bytes, over the limit of 1024 bytes',
        'record is N bytes, over the limit of 1024 bytes',
      ],
      // a byte in hexadecimal is one value (it was "NxNb")
      [
        'cannot decode: wrong magic byte 0x7b (the schema-registry wire format starts with 0x00)',
        'cannot decode: wrong magic byte N (the schema-registry wire format starts with N)',
      ],
      // a CSV reason's quote characters are part of its text (it read `a quote ("…"N"…" screen"), or ...`)
      [
        'cannot decode: a quote (") inside a field that does not start with one: quote the whole field and double the quote ("5"" screen"), or leave the quote out',
        'cannot decode: a quote (") inside a field that does not start with one: quote the whole field and double the quote ("5"" screen"), or leave the quote out',
      ],
      [
        'column "label": "yes" is not a number; the label column holds numbers (0 or 1 for binomial, true or false too), or nothing for a row to score',
        'column "label": "…" is not a number; the label column holds numbers (0 or 1 for binomial, true or false too), or nothing for a row to score',
      ],
    ];
    for (const [reason, general] of cases) expect(reasonClass(reason)).toBe(general);
    // the unterminated quote's reason keeps its quote characters, its limit a number
    const unterminated = reasonClass(
      'cannot decode: an unterminated quoted field: a quote (") opens a field that nothing closes before the end of the file or within 1048576 bytes (--max-record-bytes) of the row',
    );
    expect(unterminated).toMatch(
      /^cannot decode: an unterminated quoted field: a quote \("\) opens a field that nothing closes before the end of the file or within N bytes/,
    );
  });

  it('replay --key-by: summary.json counts each kind of reject under its whole reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-reasons-'));
    const input = join(dir, 'events.jsonl');
    const events = [
      ...Array.from({ length: 40 }, (_, i) => ({ label: i % 2, features: { campaign: `c${i % 3}`, a: i } })),
      { label: 1, features: { a: 1 } },
      { label: 0, features: { a: 2 } },
      { label: 2, features: { campaign: 'c1', a: 1 } },
      { label: 3, features: { campaign: 'c2', a: 1 } },
    ];
    writeFileSync(input, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const out = join(dir, 'o');
    const flags = ['--family', 'binomial', '--key-by', 'campaign', '--out', out];
    const r = await runCli(['replay', '--input', input, ...flags]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      rejectedByReason: Record<string, number>;
    };
    expect(summary.rejectedByReason).toEqual({
      '"label" must be 0 or 1 for family binomial, got N': 2,
      'feature "campaign" (model.keyBy) is missing': 2,
    });
  });

  it('replay learns and scores events whose "key" is a number or boolean; --key-by key gives them the model of its text (issue s26-5)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1s-numkey-'));
    const input = join(dir, 'events.jsonl');
    const lines = [
      '{"key":7,"label":1,"features":{"x":1}}',
      '{"key":"7","label":0,"features":{"x":2}}',
      '{"key":true,"label":0,"features":{"x":2}}',
      '{"key":7,"features":{"x":2}}',
      '{"key":{"id":7},"label":1,"features":{"x":1}}',
      '{"key":"","label":1,"features":{"x":1}}',
    ];
    writeFileSync(input, `${lines.join('\n')}\n`);
    const letters = (out: string) =>
      readFileSync(join(out, 'dead-letters.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; reason: string })
        .map((l) => [l.line, l.reason]);
    const plain = join(dir, 'plain');
    let r = await runCli(['replay', '--input', input, '--family', 'binomial', '--out', plain]);
    expect(r.code, r.stderr).toBe(0);
    expect(letters(plain)).toEqual([
      [5, '"key" must be a string, a finite number or a boolean, got an object'],
    ]);
    const keyed = join(dir, 'keyed');
    r = await runCli(['replay', '--input', input, '--family', 'binomial', '--key-by', 'key', '--out', keyed]);
    expect(r.code, r.stderr).toBe(0);
    expect(letters(keyed)).toEqual([
      [5, '"key" must be a string, a finite number or a boolean, got an object'],
      [6, 'the event\'s "key" is empty (model.keyBy is "key"): give it a non-empty key'],
    ]);
    const models = readFileSync(join(keyed, 'models.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; offset: number });
    const learned = new Map<string, number>();
    for (const m of models) learned.set(m.key, Math.max(learned.get(m.key) ?? 0, m.offset));
    expect([...learned].sort()).toEqual([
      ['7', 2],
      ['true', 1],
    ]);
  });
});
