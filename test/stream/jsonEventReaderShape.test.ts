import { isAscii } from 'node:buffer';

import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { validateEvent, type L1Event } from '../../src/core/event.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { Featurizer } from '../../src/features/featurizer.js';
import { decodeEvents, jsonDecoder } from '../../src/stream/decodeEvents.js';
import { JsonEventReader } from '../../src/stream/jsonEventReader.js';
import type { DeadLetter } from '../../src/stream/types.js';
import { mutate, randomLine } from '../helpers/eventLines.js';
import { Rng } from '../helpers/random.js';

/** A record with these feature names (in this order), values of every kind by position. */
function record(names: readonly string[], i: number): string {
  const values = [
    () => String(-0.1 * i - 0.123456789012345),
    () => `"v${i % 3}"`,
    () => (i % 2 === 0 ? 'true' : 'false'),
    () => 'null',
    () => `["s${i % 2}","t"]`,
    () => String(i),
  ];
  const features = names.map((n, k) => `${JSON.stringify(n)}:${values[k % values.length]()}`);
  return `{"key":"u${i}","label":${i % 2},"features":{${features.join(',')}}}`;
}

const SHAPE = ['alpha', 'beta', 'gamma_rather_long_name', 'd', 'é日', 'zeta'];

/**
 * Records that repeat the last one's names, then differ from them: one name changed in one unit
 * (first, middle, last), longer or shorter by one, names swapped, fewer or more names, a
 * `__proto__`, an array index, an escaped form of the same name, and a name repeated within the
 * record (one of the names before it, which the shape cache took from the last record).
 */
function shapeLines(): string[] {
  const lines: string[] = [];
  let i = 0;
  const twice = (names: readonly string[]) =>
    lines.push(record(SHAPE, i++), record(names, i++), record(names, i++));
  for (let k = 0; k < SHAPE.length; k++) {
    const name = SHAPE[k];
    const other = (at: number) =>
      name.slice(0, at) + String.fromCharCode(name.charCodeAt(at) + 1) + name.slice(at + 1);
    const at = (n: string) => SHAPE.map((s, j) => (j === k ? n : s));
    twice(at(other(name.length - 1)));
    twice(at(other(0)));
    twice(at(other(name.length >> 1)));
    twice(at(name + 'x'));
    twice(at(name + '"'.slice(1) + 'a'));
    if (name.length > 1) twice(at(name.slice(0, -1)));
    twice(at('__proto__'));
    twice(at('7'));
    twice(at(String.fromCharCode(name.charCodeAt(0) ^ 0x100) + name.slice(1)));
    for (let j = 0; j < k; j++) twice(at(SHAPE[j]));
    if (k + 1 < SHAPE.length) twice(SHAPE.map((s, j) => (j === k ? SHAPE[k + 1] : j === k + 1 ? name : s)));
    twice(SHAPE.slice(0, k));
    twice([...SHAPE.slice(0, k + 1), 'extra', ...SHAPE.slice(k + 1)]);
  }
  twice([...SHAPE, ...SHAPE]);
  twice([...SHAPE, 'more']);
  twice([]);
  // an escaped name is the same name to JSON.parse (the reader leaves such a line to it)
  lines.push(record(SHAPE, i++), record(SHAPE, i++).replace('"beta"', '"bet\\u0061"'), record(SHAPE, i++));
  // a record cut short after the names it shares, then the shape again
  lines.push(record(SHAPE, i++), record(SHAPE, i++).slice(0, 60), record(SHAPE, i++));
  return lines;
}

/** What `decode` gives for `line`, or its decode error. */
function orError(
  decode: (line: string) => ReturnType<typeof validateEvent>,
  line: string,
): ReturnType<typeof validateEvent> | { decodeError: string } {
  try {
    return decode(line);
  } catch (err) {
    return { decodeError: (err as Error).message };
  }
}

/** What JSON.parse + validateEvent give for `line`, or its decode error. */
const general = (line: string) => orError((l) => validateEvent(jsonDecoder(l), 'binomial'), line);

/**
 * Reads `records` with `read` (one reader for all) and checks each against JSON.parse +
 * validateEvent: the same event (feature order included) or null where that one is a dead letter
 * (then the reader's `decodeEvent` gives the same reason), and the same columns and values from a
 * featurizer on each side (by ids, or hashed: `hashBits`). Returns how many the reader read itself.
 */
function checkAll(
  records: readonly string[],
  reader: JsonEventReader,
  read: (i: number) => L1Event | null,
  hashBits: number | undefined,
): number {
  const [f, g] = [new Featurizer({ hashBits }), new Featurizer({ hashBits })];
  const [x, y] = [new SparseBuffer(), new SparseBuffer()];
  let own = 0;
  records.forEach((line, i) => {
    const a = read(i);
    const b = general(line);
    if (a === null) {
      expect(
        orError((l) => reader.decodeEvent(l, 'binomial'), line),
        line,
      ).toEqual(b);
      return;
    }
    own++;
    expect('ok' in b && b.ok, line).toBe(true);
    const plain = (b as { event: L1Event }).event;
    expect(JSON.stringify(a), line).toBe(JSON.stringify(plain));
    expect(Object.keys(a.features), line).toEqual(Object.keys(plain.features));
    expect(f.featurize(a, x), line).toBe(g.featurize(plain, y));
    expect(Array.from(x.indices.subarray(0, x.nnz)), line).toEqual(Array.from(y.indices.subarray(0, y.nnz)));
    expect(Array.from(x.values.subarray(0, x.nnz)), line).toEqual(Array.from(y.values.subarray(0, y.nnz)));
  });
  return own;
}

/** Batches of `records` as the Kafka worker has them: one buffer each, and where each record starts. */
function batch(records: readonly string[]): { bytes: Buffer; starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const line of records) {
    starts.push(at);
    ends.push((at += Buffer.byteLength(line)));
  }
  return { bytes: Buffer.from(records.join(''), 'utf8'), starts, ends };
}

describe('JsonEventReader: records whose names repeat the last record’s (shape cache)', () => {
  const lines = shapeLines();

  it('lines (JSONL replay): the same events, columns and reasons as JSON.parse + validateEvent, by ids and hashed', () => {
    for (const hashBits of [undefined, 12]) {
      for (const options of [
        {},
        { hashMask: 0 },
        { internCapacity: 3 },
        { internCapacity: 3, hashMask: 0 },
      ]) {
        const reader = new JsonEventReader(options);
        const own = checkAll(lines, reader, (i) => reader.read(lines[i], 'binomial'), hashBits);
        // every record is read by the reader except those JSON.parse must judge
        expect(own, JSON.stringify(options)).toBeGreaterThan(lines.length * 0.7);
        if (hashBits !== undefined) expect(reader.internTable.nameHashSeed).not.toBe(null);
      }
    }
  });

  it('the Kafka worker’s batches (readEventAt): the cache across batches and across a non-ASCII batch', () => {
    const rng = new Rng(32);
    const ascii = lines.filter((line) => isAscii(Buffer.from(line)));
    const mixed = [...lines];
    for (let i = 0; i < 300; i++)
      mixed.push(randomLine(rng), mutate(record(SHAPE, i), rng), record(SHAPE, i));
    // (records as bytes: a lone surrogate has no UTF-8 form)
    const utf8 = mixed.filter((line) => Buffer.from(line).toString('utf8') === line);
    expect(utf8.some((line) => !isAscii(Buffer.from(line)))).toBe(true);
    // all ASCII (read as one text), with non-ASCII records (read one by one), then ASCII again; each
    // batch starts with the names the last one ended with, or with others
    const parts = [ascii, utf8, ascii, [...ascii].reverse(), utf8];
    const records = parts.flat();
    const batches = parts.map(batch);
    const where: Array<[number, number]> = batches.flatMap((b, n) =>
      b.starts.map((_, i): [number, number] => [n, i]),
    );
    for (const hashBits of [undefined, 12]) {
      const reader = new JsonEventReader();
      const own = checkAll(
        records,
        reader,
        (i) => {
          const [n, k] = where[i];
          const { bytes, starts, ends } = batches[n];
          return reader.readEventAt(bytes, starts[k], ends[k], 'binomial');
        },
        hashBits,
      );
      expect(own).toBeGreaterThan(records.length / 2);
    }
  });

  it('a stream of one shape, then the same names in another order, then by ids after hashed', () => {
    const reader = new JsonEventReader();
    const ordered = Array.from({ length: 50 }, (_, i) => record(SHAPE, i));
    const reordered = Array.from({ length: 50 }, (_, i) => record([...SHAPE].reverse(), i));
    const all = [...ordered, ...reordered, ...ordered];
    expect(checkAll(all, reader, (i) => reader.read(all[i], 'binomial'), undefined)).toBe(all.length);
    // a hashed featurizer turns the reader's table to hashed events mid-stream: the cache follows
    expect(checkAll(all, reader, (i) => reader.read(all[i], 'binomial'), 12)).toBe(all.length);
  });

  it('records that start with other names (the shape holds first names only), then one that starts like the last', () => {
    const rng = new Rng(38);
    const id = () => `id${Math.floor(rng.next() * 40)}`;
    const distinct = (n: number, first: string) => {
      const names = [first];
      while (names.length < n) {
        const name = id();
        if (!names.includes(name)) names.push(name);
      }
      return names;
    };
    const lines: string[] = [];
    let i = 0;
    for (let round = 0; round < 60; round++) {
      // two or three records whose first names differ from the last record's
      const runs = 2 + (round % 2);
      let last: string[] = [];
      for (let r = 0; r < runs; r++)
        lines.push(record((last = distinct(3 + (round % 5), `f${round}_${r}`)), i++));
      // the last of them again, then the same first name with other names, those names again, then one that repeats
      // a name held from the last record, one cut short, and one with \`__proto__\` after the first
      const first = last[0];
      const names = distinct(4 + (round % 3), first);
      lines.push(record(last, i++), record(names, i++), record(names, i++));
      if (round % 3 === 0) lines.push(record([...names, names[1]], i++));
      if (round % 3 === 1) lines.push(record(names, i++).slice(0, 40));
      if (round % 3 === 2) lines.push(record([first, '__proto__', ...names.slice(1)], i++));
      lines.push(record(names, i++));
    }
    for (const hashBits of [undefined, 12]) {
      for (const options of [{}, { hashMask: 0 }, { internCapacity: 20 }]) {
        const reader = new JsonEventReader(options);
        const own = checkAll(lines, reader, (k) => reader.read(lines[k], 'binomial'), hashBits);
        expect(own, JSON.stringify(options)).toBeGreaterThan(lines.length * 0.8);
      }
    }
  });

  it('a JSONL file read through decodeEvents (replay): the same events and dead letters as line by line', async () => {
    const letters: DeadLetter[] = [];
    const records = lines.map((value, i) => ({ value, position: { source: 't', offset: String(i + 1) } }));
    const batches = await lastValueFrom(
      from([{ records: records.slice(0, 100) }, { records: records.slice(100) }]).pipe(
        decodeEvents({ family: 'binomial', deadLetters: { deadLetter: (l) => letters.push(l) } }),
        toArray(),
      ),
    );
    const events = batches.flatMap((b) => b.events);
    const expected = lines.map(general);
    const valid = expected.flatMap((v) => ('ok' in v && v.ok ? [v.event] : []));
    expect(events.map((e) => JSON.stringify(e))).toEqual(valid.map((e) => JSON.stringify(e)));
    expect(letters.map((l) => l.position.offset)).toEqual(
      expected.flatMap((v, i) => ('ok' in v && v.ok ? [] : [String(i + 1)])),
    );
    expect(letters.length).toBeGreaterThan(0);
  });
});
