/**
 * docs/outputs.md: an online snapshot of Kafka input has `partitionOffsets`, per "topic:partition",
 * the offset after the last record its model had taken; files have none. It goes through the
 * models topic's Avro schema.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import avro from 'avsc';
import { concatMap, from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine } from '../../src/engine/engine.js';
import { MemoryStateStore } from '../../src/engine/ports.js';
import type { RawBatch } from '../../src/index.js';
import { engineConfig } from './helpers.js';
import { MemorySink, memorySource } from './memoryPorts.js';

const doc = {
  model: { family: 'binomial', keyBy: 'segment', lambda: 0.01 },
  refit: { enabled: false },
  snapshots: { everyEvents: 40, everySeconds: 'Infinity' },
};

/** Events of two keys on two partitions of "clicks", one in five unlabelled; one record a batch. */
function records(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const partition = (i * 7) % 3 === 0 ? 1 : 0;
    const features = { segment: i % 4 === 0 ? 'b' : 'a', x: Math.sin(i) };
    const event = i % 5 === 0 ? { features } : { label: Math.cos(i * 3) > 0 ? 1 : 0, features };
    return { event, position: { source: 'clicks', partition, offset: String(1000 * partition + i) } };
  });
}

describe('snapshots: partitionOffsets', () => {
  it('per topic:partition, the offset after the last record the model had taken (Kafka input only)', async () => {
    const input = records(600);
    const batches: RawBatch[] = input.map((r) => ({
      records: [{ value: JSON.stringify(r.event), position: r.position }],
    }));
    const sink = new MemorySink();
    const source = {
      batches$: from(batches).pipe(concatMap(async (b) => (await new Promise(setImmediate), b))),
    };
    await new Engine(engineConfig(doc), { source, sink, store: new MemoryStateStore() }).run();
    expect(sink.models.length).toBeGreaterThan(10);
    for (const snapshot of sink.models) {
      // the records of its key up to its offset-th labelled event
      const expected = new Map<string, string>();
      let learned = 0;
      for (const r of input) {
        if (r.event.features.segment !== snapshot.key) continue;
        if (learned === snapshot.offset) break;
        expected.set(`clicks:${r.position.partition}`, String(Number(r.position.offset) + 1));
        if ('label' in r.event) learned++;
      }
      expect(
        new Map(Object.entries(snapshot.partitionOffsets!)),
        `${snapshot.key} v${snapshot.version}`,
      ).toEqual(expected);
    }
    // the models topic's schema carries it
    const schema = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../../connectors/kafka/schemas/model.avsc'), 'utf8'),
    ) as avro.Schema;
    const type = avro.Type.forSchema(schema);
    const last = sink.models.at(-1)!;
    const decoded = type.fromBuffer(type.toBuffer(last)) as { partitionOffsets: Record<string, string> };
    expect({ ...decoded.partitionOffsets }).toEqual({ ...last.partitionOffsets });

    // files: no partitions, no partitionOffsets
    const fileSink = new MemorySink();
    const events = input.map((r) => r.event);
    await new Engine(engineConfig(doc), { source: memorySource(events, 50), sink: fileSink }).run();
    expect(fileSink.models.length).toBeGreaterThan(0);
    for (const s of fileSink.models) expect(s).not.toHaveProperty('partitionOffsets');
  });
});
