import type { IHeaders, Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { KafkaDeadLetters, deadLetterHeaders } from '../../connectors/kafka/index.js';
import type { RecordHeaders } from '../../src/index.js';

/** The sink's queue, kept in memory (what `KafkaSink` would produce). */
function queue() {
  const sent: Message[] = [];
  return { sent, sink: { topics: { dlq: 'p.dlq' }, enqueue: (_topic: string, m: Message) => sent.push(m) } };
}

describe('KafkaDeadLetters', () => {
  it('keeps every original header: repeated names (arrays) and a header named __proto__', () => {
    const { sent, sink } = queue();
    const letters = new KafkaDeadLetters(sink);
    const original = Object.create(null) as Record<string, RecordHeaders[string]>;
    original.origin = [Buffer.from('first'), 'second'];
    original['__proto__'] = Buffer.from('a name like any other');
    original.single = new Uint8Array([104, 105]);
    letters.deadLetter({
      reason: 'cannot decode',
      stage: 'decode',
      position: { source: 'in', partition: 3, offset: '17' },
      value: 'not json',
      headers: original,
    });
    expect(sent).toHaveLength(1);
    const headers = sent[0].headers as IHeaders;
    expect(Object.keys(headers).sort()).toEqual(
      ['__proto__', 'origin', 'single', ...Object.values(deadLetterHeaders)].sort(),
    );
    expect((headers.origin as Array<Buffer | string>).map(String)).toEqual(['first', 'second']);
    expect(String(headers['__proto__'])).toBe('a name like any other');
    expect(String(headers.single)).toBe('hi');
    expect(headers[deadLetterHeaders.offset]).toBe('17');
    expect(headers[deadLetterHeaders.partition]).toBe('3');
    expect(letters.count).toBe(1);
  });

  it("keeps the record's key (text or bytes), so a keyed dead letter stays in its key's partition", () => {
    const { sent, sink } = queue();
    const letters = new KafkaDeadLetters(sink);
    const at = { source: 'in', partition: 0, offset: '1' };
    letters.deadLetter({ reason: 'r', stage: 'decode', position: at, value: 'x', key: 'camp000' });
    letters.deadLetter({
      reason: 'r',
      stage: 'decode',
      position: at,
      value: 'x',
      key: new Uint8Array([99, 55]),
    });
    letters.deadLetter({ reason: 'r', stage: 'featurize', position: at, value: 'x' });
    expect(sent.map((m) => (m.key === null ? null : String(m.key)))).toEqual(['camp000', 'c7', null]);
  });
});
