/**
 * The batches the Kafka worker engine gets (`unpackBatch`): its records are views on the batch's
 * buffer only when asked, and the engine's events are read in place from that buffer. Decoding
 * them must give what decoding each record's own value gives: the same events, the same dead
 * letters (the general path's reasons), the same positions and headers.
 */
import avro from 'avsc';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { AvroDecoder, frame, shippedSchema } from '../../connectors/kafka/index.js';
import { unpackBatch } from '../../connectors/kafka/packedBatch.js';
import { decodeEvents, type DeadLetter, type EventBatch, type RawBatch } from '../../src/index.js';

const schema = shippedSchema('event');
const type = avro.Type.forSchema(schema);

async function decode(batch: RawBatch, decoder: AvroDecoder) {
  const letters: DeadLetter[] = [];
  const out = await lastValueFrom(
    from([batch]).pipe(
      decodeEvents({
        family: 'binomial',
        deadLetters: { deadLetter: (l) => letters.push(l) },
        decoder,
        engineEvents: true,
        partSize: 16,
      }),
      toArray(),
    ),
  );
  return { events: out.flatMap((b: EventBatch) => b.events), letters };
}

describe('unpackBatch: a worker batch read in place', () => {
  it('gives the events, dead letters, positions and headers of its records read one by one', async () => {
    const values: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const features =
        i % 7 === 0 ? { x: 1, s: `v${i % 3}`, t: ['a', 'b'] } : { x: i / 10, s: 'w', on: i % 2 === 0 };
      values.push(
        frame(
          1,
          type.toBuffer({ key: `k${i % 4}`, ts: 1000 + i, label: i % 11 === 3 ? 2 : i % 2, features }),
        ),
      );
    }
    values[40] = Buffer.from([0, 0, 0, 0, 1, 9]); // truncated body
    values[41] = Buffer.from('{"features":{}}'); // not in the wire format
    const ends = new Int32Array(values.length);
    values.forEach((v, i) => (ends[i] = (i === 0 ? 0 : ends[i - 1]) + v.length));
    const bytes = Buffer.concat(values);
    const offsets = Float64Array.from(values, (_, i) => 5000 + i);
    const message = {
      t: 'batch' as const,
      topic: 'in',
      partition: 3,
      bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
      ends,
      offsets,
      headers: [[7, { h: new Uint8Array([104, 105]) }]] as Array<[number, Record<string, Uint8Array>]>,
    };
    const decoder = new AvroDecoder({ writerSchemas: new Map([[1, schema]]) });
    const packed = unpackBatch(message, { decoder, family: 'binomial' });
    expect(packed.decoded?.viaDecoder).toBe(true);
    packed.records.forEach((r, i) => {
      expect(r.bytes).toBe(values[i].length);
      expect(r.position).toEqual({ source: 'in', partition: 3, offset: String(5000 + i) });
    });
    expect(Buffer.isBuffer(packed.records[7].headers?.h)).toBe(true);
    expect(packed.records[5].value).toEqual(values[5]);

    const oneByOne: RawBatch = {
      records: values.map((value, i) => ({ value, key: null, position: packed.records[i].position })),
    };
    const inPlace = await decode(packed, decoder);
    const views = await decode(oneByOne, new AvroDecoder({ writerSchemas: new Map([[1, schema]]) }));
    expect(inPlace.letters.map(({ reason, stage, position }) => ({ reason, stage, position }))).toEqual(
      views.letters.map(({ reason, stage, position }) => ({ reason, stage, position })),
    );
    expect(inPlace.letters.map((l) => l.position.offset)).toEqual(
      expect.arrayContaining(['5003', '5040', '5041']),
    );
    expect(inPlace.events.map((e) => JSON.stringify(e))).toEqual(views.events.map((e) => JSON.stringify(e)));
    expect(inPlace.events.length).toBeGreaterThan(80);
  });

  it('JSON records (no Avro decoder): records only, decoded by the pipeline', () => {
    const bytes = Buffer.from('{"features":{"a":1}}{"features":{"a":2}}');
    const packed = unpackBatch(
      {
        t: 'batch',
        topic: 'in',
        partition: 0,
        bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
        ends: Int32Array.of(20, 40),
        offsets: Float64Array.of(0, 1),
        headers: [],
      },
      null,
    );
    expect(packed.decoded).toBeUndefined();
    expect(packed.records.map((r) => Buffer.from(r.value as Uint8Array).toString())).toEqual([
      '{"features":{"a":1}}',
      '{"features":{"a":2}}',
    ]);
  });
});
