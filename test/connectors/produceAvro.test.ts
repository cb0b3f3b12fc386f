/**
 * `kafka:produce --avro` encodes every feature of a line, one named `__proto__` too (it was
 * dropped: the features were copied into a plain object, where that name sets the prototype).
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';

import { shippedSchema } from '../../connectors/kafka/index.js';
import { avroValue, encodeLine } from '../../connectors/kafka/tools/avroLine.mjs';

const schema = shippedSchema('event');
const writer = { type: avro.Type.forSchema(schema), id: 1 };
const line = '{"key":7,"label":1,"features":{"__proto__":3,"x":1.5,"gone":null,"constructor":"c"}}';

describe('kafka:produce --avro', () => {
  it('keeps a feature named __proto__ as an own feature (and leaves null features out)', () => {
    const value = avroValue(JSON.parse(line), true) as { key: string; features: Record<string, unknown> };
    expect(value.key).toBe('7');
    expect(Object.keys(value.features)).toEqual(['__proto__', 'x', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(value.features, '__proto__')?.value).toBe(3);
  });

  it("writes it into the message's features map", () => {
    const encoded = encodeLine(writer, line, { framing: 'confluent', shipped: true });
    expect(encoded.problem).toBeUndefined();
    const body = encoded.value!;
    expect(body[0]).toBe(0);
    expect(body.readUInt32BE(1)).toBe(1);
    expect(body.includes('__proto__')).toBe(true);
    // the map block holds the 3 features (zig-zag count 3 = 0x06) before the first name
    const first = body.indexOf('__proto__');
    expect(body[first - 2]).toBe(0x06);
  });
});
