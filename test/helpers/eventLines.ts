/** JSON lines of events for the readers' tests: a bench stream's, seeded random ones, mutations. */
import { generateEngineStream } from '../../bench/engine/streams.js';
import { Rng } from './random.js';

export const jsonl = (events: Iterable<unknown>) => Array.from(events, (e) => JSON.stringify(e));

export function engineLines(): string[] {
  const s = generateEngineStream({
    events: 300,
    dimension: 1 << 12,
    meanNnz: 20,
    informative: 10,
    informativeRanks: 200,
    seed: 7,
  });
  // bench/online/stream.ts `writeJsonl`'s rendering
  const lines: string[] = [];
  for (let e = 0; e < s.events; e++) {
    const features: Record<string, number | string> = {};
    for (let p = s.offsets[e]; p < s.offsets[e + 1]; p++) features[`n${s.indices[p]}`] = s.values[p];
    lines.push(JSON.stringify({ label: s.labels[e], features }));
  }
  return lines;
}

/** Seeded random events of every supported kind, and some of every unsupported one. */
export function randomLine(rng: Rng): string {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
  const names = ['a', 'b', 'x0', '7', '12', 'country', 'a_rather_long_field_name', 'é', '日本', 'tag s'];
  const scalar = (): unknown =>
    pick([
      () => rng.normal() * 10 ** (rng.int(40) - 20),
      () => rng.int(1000) - 500,
      () => pick(['DE', 'FR', '', 'NaN', 'null', 'NA', 'a long category value here', '😀', 'x\u2028y']),
      () => rng.next() < 0.5,
      () => null,
      () => [pick(['s', 't', 'NaN']), pick(['u', ''])],
    ])();
  const features: Record<string, unknown> = {};
  for (let k = rng.int(8); k > 0; k--) features[pick(names)] = scalar();
  const event: Record<string, unknown> = { features };
  if (rng.next() < 0.8) event.label = pick([0, 1, true, false, 0.5, 2, null]);
  if (rng.next() < 0.3) event.weight = pick([1, 0.5, 0, -1, null]);
  if (rng.next() < 0.3) event.key = pick(['u1', 'k', '', null, 7, -0, 0.1, 1e21, true, false, ['u1'], {}]);
  if (rng.next() < 0.3) event.ts = pick([1700000000000, 0, -5, null]);
  if (rng.next() < 0.1) event.extra = pick([1, 'x', true, null]);
  return JSON.stringify(event);
}

/**
 * `n` seeded lines of 1 to 8 features named from `names` and `extraNames` more (`n0`, `n1`, ...):
 * numbers (zeros too), booleans, nulls, one-hot strings and string arrays of `values`.
 */
export function featureLines(
  seed: number,
  n: number,
  names: readonly string[],
  values: readonly string[],
  extraNames = 0,
): string[] {
  names = [...names, ...Array.from({ length: extraNames }, (_, i) => `n${i}`)];
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const features = new Map<string, unknown>();
    for (let k = 1 + rng.int(8); k > 0; k--) {
      const r = rng.int(7);
      features.set(
        names[rng.int(names.length)],
        r === 0
          ? Math.round(rng.normal() * 10) / 10
          : r === 1
            ? rng.int(2) === 0
            : r === 2
              ? null
              : r === 3
                ? values[rng.int(values.length)]
                : r === 4
                  ? Array.from({ length: rng.int(4) }, () => values[rng.int(values.length)])
                  : r === 5
                    ? 0
                    : 1,
      );
    }
    const body = [...features].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
    return `{"label":${rng.int(2)},"features":{${body}}}`;
  });
}

/** A mutation of a line: truncation, an inserted character or token, a replaced number form, whitespace. */
export function mutate(line: string, rng: Rng): string {
  const at = rng.int(line.length + 1);
  const insert = [
    ' ',
    '\t',
    '\n',
    '\u00a0',
    '\\',
    '\\n',
    '\\u00e9',
    '\\ud83d\\ude00',
    '\\ud83d',
    '"',
    ',',
    '{',
    '[1]',
    '{"y":1}',
    '1e309',
    '-0',
    '1E-7',
    '01',
    '-',
    '.5',
    '\u0001',
    '\ud83d',
    '"__proto__":1,',
  ];
  switch (rng.int(4)) {
    case 0:
      return line.slice(0, at);
    case 1:
      return line.slice(0, at) + insert[rng.int(insert.length)] + line.slice(at);
    case 2: {
      const forms = [
        '1e309',
        '-0',
        '1E-7',
        '0.1',
        '123456789012345678',
        '1.7976931348623157e308',
        '5e-324',
        '-0.0',
      ];
      return line.replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/i, forms[rng.int(forms.length)]);
    }
    default:
      return ` ${line.replace(/:/g, ' : ').replace(/,/g, ' ,\r\n ')} `;
  }
}
