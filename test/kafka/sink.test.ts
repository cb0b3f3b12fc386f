import { describe, expect, it } from 'vitest';

import { splitBySize } from '../../connectors/kafka/sink.js';

describe('splitBySize (produce requests under the broker limit)', () => {
  const msg = (n: number) => ({ value: Buffer.alloc(n) });
  it('keeps order, keeps every message, and bounds each request', () => {
    const input = [
      { topic: 'a', messages: [msg(100), msg(100), msg(100)] },
      { topic: 'b', messages: [msg(300), msg(10)] },
    ];
    const requests = splitBySize(input, 400);
    const flat = requests.flatMap((r) =>
      r.flatMap((t) => t.messages.map((m) => `${t.topic}:${(m.value as Buffer).length}`)),
    );
    expect(flat).toEqual(['a:100', 'a:100', 'a:100', 'b:300', 'b:10']);
    for (const r of requests) {
      const bytes = r.reduce(
        (s, t) => s + t.messages.reduce((u, m) => u + 64 + (m.value as Buffer).length, 0),
        0,
      );
      expect(bytes <= 400 || r.flatMap((t) => t.messages).length === 1).toBe(true);
    }
    expect(requests.length).toBe(4);
  });
  it('sends a message larger than the limit alone', () => {
    const requests = splitBySize([{ topic: 'a', messages: [msg(10), msg(5000), msg(10)] }], 1000);
    expect(requests.map((r) => r[0].messages.length)).toEqual([1, 1, 1]);
  });
});
