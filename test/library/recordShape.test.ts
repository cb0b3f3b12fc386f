/**
 * An application's own source that sends what is not a `RawRecord` (the event object itself as
 * `value`, no `position`, a batch without `records`) fails the run with an `InputError` saying what
 * to send; it failed with a TypeError from inside the decoder (`The "input" argument must be an
 * instance of ArrayBuffer...`, `Cannot read properties of undefined (reading 'source')`).
 */
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { Engine, InputError, checkEngineConfig, type PartitionRef, type RawBatch } from '../../src/index.js';
import { batchOf, keepingSink } from './helpers.js';

const config = checkEngineConfig({ model: { family: 'binomial', lambda: 0.01 }, refit: { enabled: false } });
const event = { label: 1, features: { x: 1 } };

async function failure(batch: unknown): Promise<unknown> {
  const engine = new Engine(config, {
    source: { batches$: from([batchOf(0, 10), batch as RawBatch]) },
    sink: keepingSink(),
  });
  return engine.run().then(
    () => new Error('the run succeeded'),
    (err: unknown) => err,
  );
}

describe("a batch of an application's source that does not hold RawRecords", () => {
  const position = { source: 'my-app', offset: '10' };
  for (const [what, batch, message] of [
    [
      'the event object as value',
      {
        records: [
          { value: '{"label":0,"features":{}}', position },
          { value: event, position },
        ],
      },
      'record 1 of a batch of source.batches$: its value must be one event as JSON text (a string) or its UTF-8 bytes (a Uint8Array or Buffer), got an object: JSON.stringify the event',
    ],
    [
      'a value of null',
      { records: [{ value: null, position }] },
      'record 0 of a batch of source.batches$: its value must be one event as JSON text (a string) or its UTF-8 bytes (a Uint8Array or Buffer), got null',
    ],
    [
      'no position',
      { records: [{ value: JSON.stringify(event) }] },
      'record 0 of a batch of source.batches$: its position must be { source, offset } (where it came from, for dead letters and scores), got undefined',
    ],
    [
      'a numeric offset',
      { records: [{ value: JSON.stringify(event), position: { source: 'my-app', offset: 10 } }] },
      'record 0 of a batch of source.batches$: its position\'s source and offset must be strings (e.g. { source: "my-app", offset: "17" }), got a string and a number',
    ],
    [
      'no records',
      [{ value: JSON.stringify(event), position }],
      'a batch of source.batches$ must be { records: RawRecord[] }, got an array whose records are undefined',
    ],
    // (read by the assignment fence before it was checked: a TypeError)
    ['a batch of null', null, 'a batch of source.batches$ must be { records: RawRecord[] }, got null'],
  ] as const) {
    it(`${what}: the run fails with an InputError saying what to send`, async () => {
      const err = await failure(batch);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toBe(message);
    });
  }

  it('a Buffer or Uint8Array value is learned as its text is', async () => {
    const sink = keepingSink();
    const bytes = new TextEncoder().encode(JSON.stringify(event));
    const records = [
      { value: Buffer.from(bytes), position: { source: 's', offset: '0' } },
      { value: bytes, position: { source: 's', offset: '1' } },
    ];
    const stats = await new Engine(config, { source: { batches$: from([{ records }]) }, sink }).run();
    expect([stats.learned, stats.rejected]).toEqual([2, 0]);
  });
});

describe('a null batch from a source with partition assignments', () => {
  it('is an InputError too (the assignment fence read it first: a TypeError)', async () => {
    const { Subject } = await import('rxjs');
    const batches = new Subject<RawBatch>();
    let assign: ((assignment: readonly PartitionRef[]) => Promise<void>) | null = null;
    const engine = new Engine(config, {
      source: {
        batches$: batches,
        onAssign: (handler) => {
          assign = handler;
        },
      },
      sink: keepingSink(),
    });
    const run = engine.run().then(
      () => new Error('the run succeeded'),
      (err: unknown) => err,
    );
    await assign!([{ source: 'events', partition: 0 }]);
    batches.next(null as unknown as RawBatch);
    const err = await run;
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      'a batch of source.batches$ must be { records: RawRecord[] }, got null',
    );
  });
});
