import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { lastValueFrom, take, tap, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { adClicks } from '../../examples/ad-clicks/generate.js';
import { impressions } from '../../examples/campaign-scoring/generate.js';
import { customers } from '../../examples/churn/generate.js';
import { deliveries } from '../../examples/sparsity-drift/generate.js';
import { jsonlSource, readJsonl } from '../../connectors/file/jsonl.js';
import { readJsonlThreaded } from '../../connectors/file/jsonlThreaded.js';
import { ListedEvent, type Family } from '../../src/core/event.js';
import { LineEvent } from '../../src/core/lineEvent.js';
import { SparseBuffer } from '../../src/core/sparse.js';
import { Featurizer } from '../../src/features/featurizer.js';
import { decodeEvents } from '../../src/stream/decodeEvents.js';
import type { DeadLetter, EventBatch, RawBatch } from '../../src/stream/types.js';
import { engineLines, jsonl, mutate, randomLine } from '../helpers/eventLines.js';
import { Rng } from '../helpers/random.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'l1s-threaded-')), 'in.jsonl');
  writeFileSync(path, text);
  return path;
}

interface Read {
  /** Per raw batch: its records' line numbers. */
  readonly batches: string[][];
  /** Per event: its line, event fields, features (JSON) and featurized columns (exact, hashed). */
  readonly events: string[];
  readonly letters: DeadLetter[];
  readonly listed: number;
}

/** Everything the engine would see from a source: batches, events in order, dead letters. */
async function readAll(batches$: Observable<RawBatch>, family: Family): Promise<Read> {
  const letters: DeadLetter[] = [];
  const batches: string[][] = [];
  const exact = new Featurizer();
  const hashed = new Featurizer({ hashBits: 12 });
  const x = new SparseBuffer();
  const events: string[] = [];
  let listed = 0;
  const decoded: EventBatch[] = await lastValueFrom(
    batches$.pipe(decodeEvents({ family, deadLetters: { deadLetter: (l) => letters.push(l) } }), toArray()),
  );
  for (const b of decoded) {
    batches.push(b.records.map((r) => r.position.offset));
    b.events.forEach((e, i) => {
      if (e instanceof ListedEvent) listed++;
      const columns: string[] = [];
      for (const f of [exact, hashed]) {
        const reason = f.featurize(e, x);
        const cols = Array.from(x.indices.subarray(0, x.nnz), (j, k) => `${f.nameOf(j)}:${x.values[k]}`);
        columns.push(reason ?? cols.join(' '));
      }
      const scalars = [e.key, e.ts, e.label, e.weight].map((v) => (Object.is(v, -0) ? '-0' : String(v)));
      events.push(
        [b.positions[i].offset, scalars.join(','), JSON.stringify(e.features), ...columns].join(' | '),
      );
    });
  }
  return { batches, events, letters, listed };
}

/** Both paths over `text` agree: batches, events, features, columns, dead letters. */
async function agree(
  text: string,
  family: Family,
  options: { batchSize?: number; skipLines?: number; maxRecordBytes?: number; inFlight?: number } = {},
): Promise<Read> {
  const path = file(text);
  // inFlight is the reader thread's alone (readJsonl refuses an option it does not read)
  const { inFlight, ...plain } = options;
  const one = await readAll(readJsonl(path, plain), family);
  const two = await readAll(
    readJsonlThreaded(path, { ...plain, ...(inFlight !== undefined ? { inFlight } : {}), family }),
    family,
  );
  expect(two.batches).toEqual(one.batches);
  expect(two.events.length).toBe(one.events.length);
  for (let i = 0; i < one.events.length; i++) expect(two.events[i]).toBe(one.events[i]);
  expect(two.letters).toEqual(one.letters);
  return two;
}

/** The examples' streams (seeded) and the bench stream, as lines, with their families. */
function exampleStreams(seed: number): Array<[string[], Family]> {
  return [
    [jsonl(adClicks(seed, 1500)), 'binomial'],
    [jsonl(impressions(seed, 1500)), 'binomial'],
    [jsonl(customers(seed, 1500)), 'binomial'],
    [jsonl(deliveries(seed, 1500)), 'gaussian'],
    [engineLines(), 'binomial'],
  ];
}

interface HashedRead {
  /** Per event: its line, event fields, features (JSON), columns by name and value. */
  readonly events: string[];
  readonly letters: DeadLetter[];
  /** Events that came as `LineEvent`s (names hashed by the reader, here or in the worker). */
  readonly lineEvents: number;
  /** The vocabulary's collision examples (column, name kept, name that collided), as JSON. */
  readonly collisions: string;
}

/**
 * Events featurized as they arrive by one hashed featurizer: it takes the reader's name table, so
 * the reader (and a reader worker, from the next batch it reads) hashes names for it.
 */
async function readHashed(
  batches$: Observable<RawBatch>,
  family: Family,
  bits: number,
  seed: number,
): Promise<HashedRead> {
  const letters: DeadLetter[] = [];
  const hashed = new Featurizer({ hashBits: bits, hashSeed: seed });
  const x = new SparseBuffer();
  const events: string[] = [];
  let lineEvents = 0;
  const see = (b: EventBatch): void =>
    b.events.forEach((e, i) => {
      // a LineEvent hashed with another seed than the featurizer's would be featurized the slow way
      if (e instanceof LineEvent && e.hashSeed === seed) lineEvents++;
      const reason = hashed.featurize(e, x);
      // the values as the event gives them, -0 apart from 0 (JSON writes both as 0)
      const values = e instanceof ListedEvent ? e.fieldValues.map((v) => (Object.is(v, -0) ? '-0' : v)) : [];
      const cols = Array.from(x.indices.subarray(0, x.nnz), (j, k) => `${hashed.nameOf(j)}:${x.values[k]}`);
      const scalars = [e.key, e.ts, e.label, e.weight].map((v) => (Object.is(v, -0) ? '-0' : String(v)));
      events.push(
        [
          b.positions[i].offset,
          scalars.join(','),
          JSON.stringify(e.features),
          JSON.stringify(values),
          reason ?? cols.join(' '),
        ].join(' | '),
      );
    });
  await lastValueFrom(
    batches$.pipe(
      decodeEvents({ family, deadLetters: { deadLetter: (l) => letters.push(l) } }),
      tap(see),
      toArray(),
    ),
  );
  return {
    events,
    letters,
    lineEvents,
    collisions: JSON.stringify(hashed.vocabulary.collisionExamples(1000)),
  };
}

/** Both paths over `text`, featurized by a hashed featurizer as they arrive, agree. */
async function agreeHashed(
  text: string,
  family: Family,
  options: { batchSize?: number; inFlight?: number; maxRecordBytes?: number },
  bits = 12,
  seed = 0,
): Promise<{ one: HashedRead; two: HashedRead }> {
  const path = file(text);
  const { inFlight, ...plain } = options;
  const one = await readHashed(readJsonl(path, plain), family, bits, seed);
  const two = await readHashed(
    readJsonlThreaded(path, { ...plain, ...(inFlight !== undefined ? { inFlight } : {}), family }),
    family,
    bits,
    seed,
  );
  expect(two.events.length).toBe(one.events.length);
  for (let i = 0; i < one.events.length; i++) expect(two.events[i]).toBe(one.events[i]);
  expect(two.letters).toEqual(one.letters);
  expect(two.collisions).toBe(one.collisions);
  return { one, two };
}

describe('readJsonlThreaded with a hashed featurizer: the worker hashes names, the same events and columns', () => {
  it('on the example streams and the bench stream', async () => {
    for (const [lines, family] of exampleStreams(5)) {
      const { one, two } = await agreeHashed(lines.join('\n'), family, { batchSize: 50, inFlight: 2 });
      expect(two.events).toHaveLength(lines.length);
      // past the batches read before the featurizer took the table (at most the 2 in flight and the
      // one the worker reads meanwhile, however slow the machine), the worker's events are LineEvents
      expect(two.lineEvents).toBeGreaterThanOrEqual(lines.length - 3 * 50);
      expect(two.lineEvents).toBeGreaterThan(0);
      expect(one.lineEvents).toBeGreaterThan(lines.length / 2);
    }
  });

  it('on seeded random lines and their mutations (keys, arrays, missing values, bad lines), both families', async () => {
    const rng = new Rng(58);
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const line = randomLine(rng);
      lines.push(line, mutate(line, rng), mutate(mutate(line, rng), rng));
    }
    for (const family of ['binomial', 'gaussian'] as const) {
      const { two } = await agreeHashed(lines.join('\n'), family, { batchSize: 37, inFlight: 1 }, 6);
      expect(two.lineEvents).toBeGreaterThan(lines.length / 10);
      expect(two.letters.length).toBeGreaterThan(lines.length / 10);
      expect(JSON.parse(two.collisions)).not.toHaveLength(0);
    }
  });

  it('a seed of 2^31 or more (negative as a 32-bit integer): the worker hashes with it, the same columns', async () => {
    for (const seed of [3e9, -5]) {
      const lines = jsonl(adClicks(7, 800));
      const { one, two } = await agreeHashed(
        lines.join('\n'),
        'binomial',
        { batchSize: 50, inFlight: 2 },
        12,
        seed,
      );
      expect(two.lineEvents).toBeGreaterThanOrEqual(lines.length - 3 * 50);
      expect(one.lineEvents).toBeGreaterThan(lines.length / 2);
    }
  });

  it('bad lines, long names and keys, __proto__, non-ASCII names and values', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      lines.push(
        `{"key":"k${'k'.repeat(i % 2 ? 70 : 1)}${i % 4}","label":${i % 2},"features":{"plain":${i},` +
          `"${'n'.repeat(65)}${i % 3}":${i % 5},"c":"${'v'.repeat(i % 2 ? 70 : 1)}${i % 7}","t":["p${i % 4}","q",""],` +
          `"ville":"Zürich ${i % 3}","größe":${i % 9},"flag":${i % 2 === 0},"n":null,"m":"NA","z":-0.0}}`,
      );
      if (i % 50 === 7)
        lines.push('{"label":1,"features":{"__proto__":1,"a":2}}', '{"label":1,"features":{"a":');
    }
    const { one, two } = await agreeHashed(lines.join('\n'), 'binomial', { batchSize: 16, inFlight: 2 });
    expect(two.lineEvents).toBeGreaterThan(300);
    // the broken lines are dead-lettered; `__proto__` is a name like any other
    expect(one.letters).toHaveLength(8);
    expect(two.events.filter((e) => e.includes('__proto__:1'))).toHaveLength(8);
  });
});

describe('readJsonlThreaded: the same batches, events and dead letters as readJsonl + decodeEvents', () => {
  it('on the example streams and the bench stream (events read in the worker)', async () => {
    for (const [lines, family] of exampleStreams(3)) {
      const read = await agree(lines.join('\n'), family, { batchSize: 100, inFlight: 2 });
      expect(read.events).toHaveLength(lines.length);
      expect(read.listed).toBe(lines.length);
    }
  });

  it('on seeded random lines and their mutations, both families, small batches', async () => {
    const rng = new Rng(15);
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const line = randomLine(rng);
      lines.push(line, mutate(line, rng), mutate(mutate(line, rng), rng));
    }
    for (const family of ['binomial', 'gaussian'] as const) {
      const read = await agree(lines.join('\n'), family, { batchSize: 37, inFlight: 1 });
      // both the worker's events and lines left to the general path occur
      expect(read.listed).toBeGreaterThan(lines.length / 10);
      expect(read.letters.length).toBeGreaterThan(lines.length / 10);
    }
  });

  it('names too long for an id (kept as names) beside interned ones, with keys, strings, arrays', async () => {
    // names over MAX_INTERNED_LENGTH (64) get no id: the event goes as a ListedEvent with names
    const long = (i: number) => `${'n'.repeat(65)}${i % 3}`;
    const lines: string[] = [];
    for (let i = 0; i < 300; i++)
      lines.push(
        `{"key":"k${'k'.repeat(i % 2 ? 70 : 1)}${i % 4}","label":${i % 2},"features":{"plain":${i},` +
          `"${long(i)}":${i % 5},"c":"${'v'.repeat(i % 2 ? 70 : 1)}${i % 7}","t":["p${i % 4}","q"],` +
          `"${long(i + 1)}":"w${i % 3}","flag":${i % 2 === 0}}}`,
      );
    const read = await agree(lines.join('\n'), 'binomial', { batchSize: 64, inFlight: 2 });
    expect(read.events).toHaveLength(lines.length);
    expect(read.listed).toBe(lines.length);
    expect(read.events[1]).toContain(`"${long(1)}":1`);
  });

  it('bad lines: broken JSON, __proto__, string label, NaN, nested value, blank lines, CRLF, oversize', async () => {
    const lines = [
      '{"label":1,"features":{"a":1,"c":"DE"}}',
      '{"label":1,"features":{"a":',
      '{"label":1,"features":{"__proto__":1,"a":2}}',
      '{"label":"1","features":{"a":1}}',
      '{"label":1,"features":{"a":NaN}}',
      '{"label":1,"features":{"a":{"b":1}}}',
      '',
      '   ',
      '{"label":0,"features":{"a":2,"c":"FR"}}\r',
      `{"label":1,"features":{"a":"${'x'.repeat(400)}"}}`,
      '{"label":0,"features":{"b":true,"t":["x","y"],"n":null},"key":"k1","ts":5,"weight":0.5}',
      `{"label":1,"features":{"${'n'.repeat(70)}":1,"a":"${'v'.repeat(70)}"},"key":"${'k'.repeat(80)}"}`,
      '{"label":1,"features":{"b":1,"10":2,"a":3,"b":4}}',
      '{"label":1,"features":{"a":1}}',
    ];
    const read = await agree(lines.join('\n'), 'binomial', { batchSize: 4, maxRecordBytes: 300 });
    expect(read.letters.map((l) => [l.position.offset, l.stage])).toEqual([
      ['2', 'decode'],
      ['4', 'validate'],
      ['5', 'decode'],
      ['6', 'validate'],
      ['10', 'decode'],
    ]);
    expect(read.events.map((e) => e.split(' | ')[0])).toEqual(['1', '3', '9', '11', '12', '13', '14']);
  });

  it('strings beyond the value table (2^16) go inline: the same events', async () => {
    const lines = Array.from({ length: 8000 }, (_, i) =>
      JSON.stringify({
        key: `k${i}`,
        label: i % 2,
        features: Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`f${j}`, `v${i}_${j}`])),
      }),
    );
    const read = await agree(lines.join('\n'), 'binomial', { batchSize: 500 });
    expect(read.listed).toBe(lines.length);
  });

  it('resumes after skipLines, with the line numbers of the whole file', async () => {
    const lines = jsonl(adClicks(5, 300));
    const read = await agree(`${lines.join('\n')}\n`, 'binomial', { skipLines: 123, batchSize: 50 });
    expect(read.batches.flat()[0]).toBe('124');
    expect(read.events).toHaveLength(300 - 123);
  });

  it('a missing file and too few lines to skip fail as on one thread', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'l1s-threaded-')), 'nope.jsonl');
    const error = async (batches$: Observable<RawBatch>) =>
      lastValueFrom(batches$).then(
        () => 'no error',
        (err: Error & { code?: string }) => `${err.code}: ${err.message}`,
      );
    const one = await error(readJsonl(missing));
    expect(one).toMatch(/L1S_FILE: input file not found/);
    expect(await error(readJsonlThreaded(missing, { family: 'binomial' }))).toBe(one);
    const short = file('{"features":{"a":1}}\n{"features":{"a":1}}\n');
    const few = await error(readJsonl(short, { skipLines: 5 }));
    expect(few).toMatch(/fewer than the 5 already done/);
    expect(await error(readJsonlThreaded(short, { family: 'binomial', skipLines: 5 }))).toBe(few);
  });

  it('stops reading when unsubscribed (the batch in hand is the last)', async () => {
    const lines = jsonl(adClicks(3, 3000));
    const path = file(lines.join('\n'));
    const first = await lastValueFrom(
      readJsonlThreaded(path, { family: 'binomial', batchSize: 100, inFlight: 1 }).pipe(take(2), toArray()),
    );
    expect(first.map((b) => b.records[0].position.offset)).toEqual(['1', '101']);
  });

  it('jsonlSource with a reader thread needs the family (it is refused, not read on one thread)', () => {
    const path = file('{"label":1,"features":{"a":1}}\n');
    expect(() => jsonlSource(path, { readerThreads: 1 })).toThrow(/readerThreads needs the events' family/);
    expect(() => jsonlSource(path, { readerThreads: 1, family: 'binomial' })).not.toThrow();
  });
});
