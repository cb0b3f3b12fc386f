import type { IHeaders, Message } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  DEAD_LETTER_LIMITS,
  KafkaDeadLetters,
  cutDeadLetterHeaders,
  deadLetterHeaders,
} from '../../connectors/kafka/index.js';
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

  it('cuts a value too large for a topic of default size to its first bytes, saying how long it was', () => {
    const { sent, sink } = queue();
    const letters = new KafkaDeadLetters(sink);
    const at = { source: 'in', partition: 0, offset: '9' };
    const big = `{"label":"yes","features":{"a":"${'é'.repeat(600_000)}"}}`; // 1.2 MB in UTF-8
    letters.deadLetter({
      reason: 'label is not a number',
      stage: 'validate',
      position: at,
      value: big,
      key: 'k',
    });
    const bytes = new Uint8Array(1_048_000).fill(65);
    letters.deadLetter({ reason: 'not JSON', stage: 'decode', position: at, value: bytes });
    letters.deadLetter({ reason: 'not JSON', stage: 'decode', position: at, value: 'small' });
    const [a, b, c] = sent;
    expect(
      Buffer.compare(a.value as Buffer, Buffer.from(big).subarray(0, DEAD_LETTER_LIMITS.valueBytes)),
    ).toBe(0);
    expect((a.headers as IHeaders)[cutDeadLetterHeaders.valueBytes]).toBe(String(Buffer.byteLength(big)));
    expect(String(a.key)).toBe('k');
    expect((b.value as Buffer).byteLength).toBe(DEAD_LETTER_LIMITS.valueBytes);
    expect((b.headers as IHeaders)[cutDeadLetterHeaders.valueBytes]).toBe('1048000');
    expect(c.value).toBe('small');
    expect(Object.keys(c.headers as IHeaders)).not.toContain(cutDeadLetterHeaders.valueBytes);
    // what is produced fits a 1 MiB message with room for the key and the l1s.dlq.* headers
    for (const m of sent)
      expect((m.value as Buffer | string).length).toBeLessThanOrEqual(DEAD_LETTER_LIMITS.valueBytes);
  });

  it('leaves out original headers whose values are too large together, saying how many', () => {
    const { sent, sink } = queue();
    const letters = new KafkaDeadLetters(sink);
    const original = Object.create(null) as Record<string, RecordHeaders[string]>;
    original.trace = 'x'.repeat(200_000);
    original.blob = [Buffer.alloc(100_000), 'y'];
    letters.deadLetter({
      reason: 'not JSON',
      stage: 'decode',
      position: { source: 'in', partition: 0, offset: '1' },
      value: 'v',
      headers: original,
    });
    const headers = sent[0].headers as IHeaders;
    expect(Object.keys(headers).sort()).toEqual(
      [cutDeadLetterHeaders.headersDropped, ...Object.values(deadLetterHeaders)].sort(),
    );
    expect(headers[cutDeadLetterHeaders.headersDropped]).toBe('2');
  });

  describe('its log', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('logs the first few one by one, then one summary per interval with counts by reason', () => {
      vi.useFakeTimers();
      const { sink } = queue();
      const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
      const logger = {
        warn: (obj: object, msg: string) => lines.push({ obj: obj as Record<string, unknown>, msg }),
        info: () => undefined,
      };
      const letters = new KafkaDeadLetters(sink, logger, { first: 3, everyMs: 10_000 });
      const letter = (i: number, reason: string) =>
        letters.deadLetter({
          reason,
          stage: 'decode',
          position: { source: 'in', partition: 0, offset: String(i) },
          value: 'x',
        });
      for (let i = 0; i < 20_000; i++)
        letter(
          i,
          i % 4 === 0 ? 'cannot decode: not valid JSON' : `cannot decode: unknown schema id ${i % 3}`,
        );
      expect(lines.map((l) => l.obj.offset)).toEqual(['0', '1', '2']);
      expect(lines[2].obj.later).toMatch(/one summary every 10 s/);
      vi.advanceTimersByTime(10_000);
      expect(lines).toHaveLength(4);
      expect(lines[3].obj).toMatchObject({
        records: 19_997,
        total: 20_000,
        byReason: [
          { reason: 'cannot decode: unknown schema id N', count: 14_998 },
          { reason: 'cannot decode: not valid JSON', count: 4999 },
        ],
      });
      expect(lines[3].msg).toMatch(/^19997 more record\(s\) sent to the dead-letter topic p\.dlq/);
      // the rest of the stream: a summary at the next interval, or when the sink closes
      letter(20_000, 'cannot decode: not valid JSON');
      letters.logSummary();
      expect(lines.map((l) => l.obj.records)).toEqual([undefined, undefined, undefined, 19_997, 1]);
      vi.advanceTimersByTime(60_000);
      expect(lines).toHaveLength(5);
      expect(letters.count).toBe(20_001);
    });
  });
});
