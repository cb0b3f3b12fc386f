import { describe, expect, it } from 'vitest';

import type { L1Event } from '../../src/core/event.js';
import { validateEvent } from '../../src/core/event.js';
import { DriftMonitor } from '../../src/drift/index.js';
import { FIELD_NONE, FIELD_UNKNOWN, HashedVocabulary } from '../../src/features/vocabulary.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import { JsonEventReader } from '../../src/stream/jsonEventReader.js';
import { LearnedBatchBuilder } from '../../src/stream/learn.js';
import type { LearnedBatch } from '../../src/stream/types.js';
import { Rng } from '../helpers/random.js';

/**
 * Fuzzed events: one-hot fields (some with `=` in the field or the value), string arrays, numbers
 * (one named `y=1`: a level of field `y` to the drift detector), booleans and `__proto__`, over
 * many values, so that a small hash table mixes names of different fields in one column.
 */
function fuzzLines(seed: number, n: number): string[] {
  const rng = new Rng(seed);
  const lines: string[] = [];
  for (let e = 0; e < n; e++) {
    const features: Record<string, unknown> = {};
    for (let k = 0; k < 6; k++) if (rng.next() < 0.7) features[`f${rng.int(12)}`] = `v${rng.int(1 + 40 * k)}`;
    if (rng.next() < 0.5) features['b=c'] = `w${rng.int(30)}`;
    if (rng.next() < 0.5) features.kv = `k=${rng.int(20)}`;
    if (rng.next() < 0.5) features.tags = ['p', `q${rng.int(50)}`, ''];
    if (rng.next() < 0.5)
      Object.defineProperty(features, '__proto__', { value: `o${rng.int(9)}`, enumerable: true });
    features.x = rng.next() - 0.5;
    if (rng.next() < 0.5) features['y=1'] = rng.int(3);
    if (rng.next() < 0.5) features.t = rng.next() < 0.5;
    lines.push(JSON.stringify({ label: rng.int(2), features }));
  }
  return lines;
}

/** The field the drift detector finds for a column by itself: its name up to the first `=`. */
function fieldByName(model: OnlineModel, column: number): string | null {
  const name = model.featurizer.nameOf(column);
  const eq = name.indexOf('=');
  return eq < 0 ? null : name.slice(0, eq);
}

/** Learns the lines in batches of 100 (half parsed by the fast reader, half plain), returns the batches. */
function learnLines(model: OnlineModel, lines: readonly string[], fieldCodes = true): LearnedBatch[] {
  const reader = new JsonEventReader();
  const batches: LearnedBatch[] = [];
  for (let at = 0; at < lines.length; at += 100) {
    const events: L1Event[] = [];
    for (const line of lines.slice(at, at + 100)) {
      const v =
        events.length % 2 === 0
          ? reader.decodeEvent(line, 'binomial')
          : validateEvent(JSON.parse(line), 'binomial');
      if (!v.ok) throw new Error(v.reason);
      events.push(v.event);
    }
    const builder = new LearnedBatchBuilder(events.length, fieldCodes);
    const positions = events.map((_, i) => ({ source: 'test', offset: String(at + i) }));
    builder.learn({ events, positions }, model, { deadLetter: () => undefined }, (e) => JSON.stringify(e));
    batches.push(builder.build(model, { records: [] }));
  }
  return batches;
}

describe('LearnedBatch.fieldCodes: each occurrence’s field, recorded by the vocabulary', () => {
  for (const hashBits of [undefined, 4, 7, 16]) {
    it(`equal the field the detector finds by name, occurrence by occurrence (${hashBits === undefined ? 'exact' : `hashed, ${hashBits} bits`})`, () => {
      const model = new OnlineModel({ family: 'binomial', lambda: 1e-3, ...(hashBits ? { hashBits } : {}) });
      const batches = learnLines(model, fuzzLines(3, 2000));
      let occurrences = 0;
      let wrong = 0;
      const fields = new Set<string | null>();
      for (const b of batches) {
        expect(b.fieldCodes!.length).toBe(b.featureIndices.length);
        for (let p = 0; p < b.featureIndices.length; p++) {
          const code = b.fieldCodes![p];
          expect(code).not.toBe(FIELD_UNKNOWN);
          const carried = code === FIELD_NONE ? null : b.fieldNames![code];
          const expected = fieldByName(model, b.featureIndices[p]);
          if (carried !== expected) wrong++;
          fields.add(expected);
          occurrences++;
        }
      }
      expect(wrong).toBe(0);
      expect(occurrences).toBeGreaterThan(10_000);
      if (hashBits === undefined || hashBits > 10)
        for (const f of [null, 'f0', 'f11', 'b', 'kv', 'tags', '__proto__', 'y']) expect(fields).toContain(f);
      // small tables: names of several fields share columns (the column's first name's field counts)
      if (hashBits !== undefined && hashBits < 10)
        expect(model.featurizer.vocabulary.collisions).toBeGreaterThan(100);
    });
  }

  it('a column whose name was pruned and taken by another name is left to the detector (FIELD_UNKNOWN)', () => {
    const vocabulary = new HashedVocabulary({ bits: 4, nameCapacity: 2 });
    const a = vocabulary.indexOf('a', 'x');
    const b = vocabulary.indexOf('b');
    const codes = new Int32Array(2);
    vocabulary.fieldCodes(Int32Array.of(a, b), 2, codes, 0);
    expect(vocabulary.fieldNames[codes[0]]).toBe('a');
    expect(codes[1]).toBe(FIELD_NONE);
    // three names over capacity: the first two are dropped, their columns named again
    let c = 0;
    for (let v = 0; vocabulary.namedColumns < 3; v++) c = vocabulary.indexOf('c', `${v}`);
    expect(vocabulary.prune((j) => j === c)).toBeGreaterThan(0);
    expect(vocabulary.hasName(a)).toBe(false);
    vocabulary.indexOf('d', 'y');
    for (let v = 0; !vocabulary.hasName(a); v++) vocabulary.indexOf('e', `${v}`);
    vocabulary.fieldCodes(Int32Array.of(a, c), 2, codes, 0);
    expect(codes[0]).toBe(FIELD_UNKNOWN);
    expect(vocabulary.fieldNames[codes[1]]).toBe('c');
  });

  it('are left out when the drift monitor reads none', () => {
    expect(new DriftMonitor().readsFieldCodes).toBe(true);
    for (const drift of [{ enabled: false }, { inputSequential: { enabled: false } }])
      expect(new DriftMonitor({ config: drift }).readsFieldCodes).toBe(false);
    const model = new OnlineModel({ family: 'binomial', lambda: 1e-3, hashBits: 8 });
    const [batch] = learnLines(model, fuzzLines(4, 100), false);
    expect(batch.featureIndices.length).toBeGreaterThan(500);
    expect(batch.fieldCodes).toBeUndefined();
    expect(batch.fieldNames).toBeUndefined();
  });
});
