import { describe, expect, it } from 'vitest';

import { parseStateRecordKey, stateRecordKey } from '../../connectors/kafka/stateStore.js';

describe('state record keys name every model key exactly', () => {
  const keys = ['s2', '', '__proto__', 'é€😀', 'k'.repeat(5000), '\ud800', 'x\udfffy', '\ud83d', '\ufffd'];

  it('round-trips any UTF-16 string, unpaired surrogates included', () => {
    for (const key of keys) {
      for (const [slot, chunk] of [
        [0, 0],
        [1, 65535],
      ]) {
        expect(parseStateRecordKey(stateRecordKey(key, slot, chunk))).toEqual({ modelKey: key, slot, chunk });
      }
    }
  });

  it('keeps version 1 (UTF-8) for keys UTF-8 spells, so earlier records still read', () => {
    const v1 = Buffer.concat([Buffer.from([0x4c, 0x31, 1, 1, 0, 7]), Buffer.from('é€😀', 'utf8')]);
    expect(stateRecordKey('é€😀', 1, 7)).toEqual(v1);
    expect(parseStateRecordKey(v1)).toEqual({ modelKey: 'é€😀', slot: 1, chunk: 7 });
    expect(stateRecordKey('\ud800', 0, 0)[2]).toBe(2);
  });

  it('refuses what is not a state key', () => {
    expect(parseStateRecordKey(null)).toBeNull();
    expect(parseStateRecordKey(Buffer.from([0x4c, 0x31, 3, 0, 0, 0]))).toBeNull();
    expect(parseStateRecordKey(Buffer.from([0x4c, 0x31, 2, 0, 0, 0, 0x41]))).toBeNull(); // odd UTF-16 length
    expect(parseStateRecordKey(Buffer.from([0x4c, 0x31, 1, 2, 0, 0]))).toBeNull(); // slot 2
  });
});
