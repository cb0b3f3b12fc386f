/**
 * A strict checker of the Prometheus text exposition format (version 0.0.4): every line is a
 * `# HELP`, a `# TYPE`, another comment, empty, or a sample `name{label="value",...} value
 * [timestamp]` with valid names, escaped label values (only `\\`, `\"`, `\n`) and a Go float
 * value (as Go's ParseFloat reads it). Samples of a family follow its `# TYPE`, are
 * contiguous and unique; histogram buckets are cumulative, end at `+Inf` and agree with `_count`.
 * Throws on the first problem, naming the line; returns the samples.
 */
export interface Sample {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  readonly value: number;
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case
// (prom-client writes "Nan"); nothing else that is not a decimal or exponent number.
const float = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)|nan)$/i;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, where: string): number {
  if (!float.test(text)) throw new Error(`${where}: bad value ${JSON.stringify(text)}`);
  if (/nan/i.test(text)) return NaN;
  if (/inf/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

/** The family a sample belongs to (`x_bucket` → `x` for a histogram `x`). */
function familyOf(name: string, typed: ReadonlyMap<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = typed.get(base);
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

export function parseExposition(text: string): Sample[] {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  const sampled = new Set<string>();
  const closed = new Set<string>();
  const series = new Set<string>();
  const samples: Sample[] = [];
  let current: string | null = null;
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line.slice(0, 80))})`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (m === null) {
        if (/^#\s*(HELP|TYPE)\b/.test(line)) throw new Error(`${where}: malformed ${line.split(/\s+/)[1]}`);
        return; // a plain comment
      }
      const [, kind, name, rest = ''] = m;
      if (!metricName.test(name)) throw new Error(`${where}: bad metric name`);
      if (kind === 'HELP') {
        if (helped.has(name)) throw new Error(`${where}: second HELP for ${name}`);
        // only \\ and \n: take the pairs out first (left to right), then no backslash may remain but \n's
        if (/\\(?!n)/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        helped.add(name);
      } else {
        if (!types.has(rest)) throw new Error(`${where}: unknown type ${JSON.stringify(rest)}`);
        if (typed.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
        if (sampled.has(name)) throw new Error(`${where}: TYPE after samples of ${name}`);
        typed.set(name, rest);
      }
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (nameMatch === null) throw new Error(`${where}: no metric name`);
    const name = nameMatch[0];
    let at = name.length;
    const labels = new Map<string, string>();
    if (line[at] === '{') {
      at++;
      while (line[at] !== '}') {
        const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(at));
        if (ln === null || !labelName.test(ln[0])) throw new Error(`${where}: bad label name at ${at}`);
        at += ln[0].length;
        if (line.slice(at, at + 2) !== '="') throw new Error(`${where}: expected =" at ${at}`);
        at += 2;
        let value = '';
        for (;;) {
          const c = line[at];
          if (c === undefined) throw new Error(`${where}: unterminated label value`);
          if (c === '"') break;
          if (c === '\\') {
            const e = line[at + 1];
            if (e === '\\') value += '\\';
            else if (e === '"') value += '"';
            else if (e === 'n') value += '\n';
            else throw new Error(`${where}: bad escape \\${e ?? ''} in a label value`);
            at += 2;
          } else {
            value += c;
            at++;
          }
        }
        at++;
        if (labels.has(ln[0])) throw new Error(`${where}: label ${ln[0]} twice`);
        labels.set(ln[0], value);
        if (line[at] === ',') at++;
        else if (line[at] !== '}') throw new Error(`${where}: expected , or } at ${at}`);
      }
      at++;
    }
    const rest = line.slice(at);
    const m = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
    if (m === null) throw new Error(`${where}: expected " value [timestamp]" after the name and labels`);
    const value = parseValue(m[1], where);
    const family = familyOf(name, typed);
    if (!typed.has(family)) throw new Error(`${where}: sample of ${family} before its TYPE`);
    if (current !== family) {
      if (closed.has(family)) throw new Error(`${where}: samples of ${family} are not contiguous`);
      if (current !== null) closed.add(current);
      current = family;
    }
    sampled.add(family);
    const id = `${name}{${[...labels].map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (series.has(id)) throw new Error(`${where}: duplicate series ${id}`);
    series.add(id);
    samples.push({ name, labels, value });
  });
  for (const [name, type] of typed) if (type === 'histogram') checkHistogram(name, samples);
  return samples;
}

/** Buckets cumulative, ending at +Inf, equal to `_count`, per label set. */
function checkHistogram(name: string, samples: readonly Sample[]): void {
  const groups = new Map<string, Sample[]>();
  const others = (s: Sample) =>
    [...s.labels]
      .filter(([k]) => k !== 'le')
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  for (const s of samples)
    if (s.name === `${name}_bucket`) {
      if (!s.labels.has('le')) throw new Error(`${name}_bucket without le`);
      const g = groups.get(others(s)) ?? [];
      g.push(s);
      groups.set(others(s), g);
    }
  for (const [labels, buckets] of groups) {
    let last = -Infinity;
    let count = -Infinity;
    let bound = -Infinity;
    for (const b of buckets) {
      const le = parseValue(b.labels.get('le')!, `${name} le`);
      if (!(le > bound)) throw new Error(`${name}{${labels}}: le not increasing`);
      if (b.value < last) throw new Error(`${name}{${labels}}: buckets not cumulative`);
      bound = le;
      last = count = b.value;
    }
    if (bound !== Infinity) throw new Error(`${name}{${labels}}: no +Inf bucket`);
    const total = samples.find((s) => s.name === `${name}_count` && others(s) === labels);
    if (total === undefined || total.value !== count)
      throw new Error(`${name}{${labels}}: _count differs from the +Inf bucket`);
  }
}

/** The value of the one sample `name` with exactly `labels` (undefined when absent). */
export function valueOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = Object.entries(labels);
  const s = samples.find(
    (x) => x.name === name && x.labels.size === want.length && want.every(([k, v]) => x.labels.get(k) === v),
  );
  return s?.value;
}
