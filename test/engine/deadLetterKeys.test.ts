import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { checkEngineConfig } from '../../src/engine/config.js';
import { Engine } from '../../src/engine/engine.js';
import type { RawRecord } from '../../src/stream/types.js';
import { MemorySink } from './memoryPorts.js';

/** Kafka-like records (key, headers, partition 2) that each stage rejects in turn. */
function records(): RawRecord[] {
  // as written, not as JSON.stringify would write them: a dead letter keeps the record's own value
  const values: Array<string | Uint8Array> = [
    'not json', // decode
    '{"label": 1, "features": {"y": 1.0}}', // routing: no campaign (stage validate)
    JSON.stringify({ label: 1, features: { campaign: 'c1', x: 1 } }),
    '{"label": 2, "features": {"campaign": "c1", "x": 1e300}}', // featurize (overflow)
    JSON.stringify({ label: 'x', features: { campaign: 'c1' } }), // validate
    new TextEncoder().encode('{"label":2,"features":{"campaign":"c1","x":-1E300}}'), // featurize, bytes
  ];
  return values.map((value, i) => ({
    value,
    key: i === 3 ? new Uint8Array([107, 51]) : `k${i}`,
    headers: { origin: `h${i}` },
    position: { source: 'topic-in', partition: 2, offset: String(100 + i) },
  }));
}

async function deadLetters(partSize?: number) {
  const sink = new MemorySink();
  const config = checkEngineConfig({ model: { family: 'gaussian', keyBy: 'campaign' } });
  await new Engine(
    config,
    { source: { batches$: of({ records: records() }) }, sink },
    partSize !== undefined ? { partSize } : {},
  ).run();
  return sink.deadLetters;
}

describe('every dead letter carries its record key, headers and position', () => {
  for (const partSize of [undefined, 2]) {
    it(`decode, validate, routing and featurize stages alike (partSize ${partSize ?? 'none'})`, async () => {
      const letters = await deadLetters(partSize);
      const byOffset = new Map(letters.map((l) => [l.position.offset, l]));
      expect([...byOffset.keys()].sort()).toEqual(['100', '101', '103', '104', '105']);
      const stages = new Map([...byOffset].map(([o, l]) => [o, l.stage]));
      expect(stages).toEqual(
        new Map([
          ['100', 'decode'],
          ['101', 'validate'],
          ['103', 'featurize'],
          ['104', 'validate'],
          ['105', 'featurize'],
        ]),
      );
      for (const [offset, letter] of byOffset) {
        const i = Number(offset) - 100;
        expect(letter.position).toEqual({ source: 'topic-in', partition: 2, offset });
        expect(letter.key, `${letter.stage} ${offset}`).toEqual(
          i === 3 ? new Uint8Array([107, 51]) : `k${i}`,
        );
        expect(letter.headers).toEqual({ origin: `h${i}` });
        expect(letter.value, `${letter.stage} ${offset}`).toEqual(records()[i]!.value);
      }
    });
  }
});
