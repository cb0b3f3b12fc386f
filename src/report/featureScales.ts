import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import { withoutBom } from '../core/bom.js';
import { InputError } from '../core/errors.js';
import { closest, meantName } from '../config/unknownKey.js';
import { validateEvent, type Family, type Validated } from '../core/event.js';
import { forEachNamedValue } from '../features/namedValues.js';
import { DEFAULT_MAX_RECORD_BYTES } from '../core/recordSize.js';
import { continuedQuote, openQuote, parseCsv, QUOTE_BROKEN, separatorHint } from '../solve/csv.js';
import { CsvRowDecoder } from '../stream/csvRows.js';

/** Per feature, the population sd over the labelled events of a file, and how many events that was. */
export interface FeatureScales {
  readonly sd: ReadonlyMap<string, number>;
  readonly events: number;
  /** Names asked for that no labelled event of the file has (their sd is 0). */
  readonly missing: readonly string[];
}

/**
 * The population standard deviation of each of `names` over the valid labelled events of a
 * JSON-lines file, or of a CSV file (`.csv`, its label column `target`, or the first of the
 * columns `target` lists that the header has; default "label"): the
 * events a replay learned, weighted by their "weight", an event without the feature counting as
 * 0: the sd_j a standardized fit divides column j by. Lines or rows that are not valid events are
 * skipped, as replay rejects them.
 */
export async function featureScales(
  file: string,
  family: Family,
  names: ReadonlySet<string>,
  target: string | readonly string[] = 'label',
  targetGiven = false,
): Promise<FeatureScales> {
  // per name: Σ w x, Σ w x² (names are data: a Map)
  const sums = new Map<string, [number, number]>();
  for (const name of names) sums.set(name, [0, 0]);
  const seen = new Set<string>();
  let totalWeight = 0;
  let events = 0;
  const events$ = /\.csv$/i.test(file)
    ? csvEvents(file, family, target, targetGiven)
    : jsonlEvents(file, family);
  for await (const checked of events$) {
    if (!checked.ok || checked.event.label === undefined) continue;
    const w = checked.event.weight ?? 1;
    totalWeight += w;
    events++;
    forEachNamedValue(checked.event.features, (name, value) => {
      const s = sums.get(name);
      if (s === undefined) return;
      seen.add(name);
      s[0] += w * value;
      s[1] += w * value * value;
    });
  }
  const sd = new Map<string, number>();
  if (totalWeight > 0)
    for (const [name, [s1, s2]] of sums) {
      const mean = s1 / totalWeight;
      sd.set(name, Math.sqrt(Math.max(0, s2 / totalWeight - mean * mean)));
    }
  return { sd, events, missing: [...names].filter((name) => !seen.has(name)) };
}

/** The lines of a file, a byte-order mark left out. */
async function* fileLines(file: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let first = true;
  for await (const text of lines) {
    yield first ? withoutBom(text) : text;
    first = false;
  }
}

/** A JSON-lines file's events, validated as replay validates them. */
async function* jsonlEvents(file: string, family: Family): AsyncGenerator<Validated> {
  for await (const line of fileLines(file)) {
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue;
    }
    yield validateEvent(raw, family);
  }
}

/**
 * A CSV file's rows as replay's events: lines joined while a quoted cell is open, each row decoded
 * by a `CsvRowDecoder` of the header (a row it cannot decode is left out, as replay rejects it). A
 * row still open past DEFAULT_MAX_RECORD_BYTES, or at the end of the file, gives up its first line
 * and the lines after it are read again, as replay reads them: memory stays bounded.
 */
async function* csvEvents(
  file: string,
  family: Family,
  target: string | readonly string[],
  targetGiven: boolean,
): AsyncGenerator<Validated> {
  let decoder: CsvRowDecoder | null = null;
  // the lines of the row open in a quote, and their bytes
  let open: string[] = [];
  let openBytes = 0;
  const decode = (row: string): Validated | null => {
    if (row.trim() === '') return null;
    if (decoder === null) {
      const header = (parseCsv(row).rows[0] ?? []).map((h) => h.trim());
      // the first of the candidates the header has
      const label = (typeof target === 'string' ? [target] : target).find((c) => header.includes(c));
      // a --target the header lacks: every row would be unlabelled (it was only a note)
      if (targetGiven && label === undefined) {
        const given = typeof target === 'string' ? target : target[0]!;
        const guess = closest(given, header);
        throw new InputError(
          `--target ${JSON.stringify(given)} is not a column of ${file}${meantName(given, guess)}; its columns are: ${header.join(', ')}${separatorHint(header)}`,
        );
      }
      decoder = new CsvRowDecoder(header, label ?? null, file);
      return null;
    }
    try {
      return decoder.decodeEvent(row, family);
    } catch {
      return null; // a row replay cannot decode
    }
  };
  /** Feeds `line`; the rows it completes, decoded (a given-up first line is dropped, the rest fed again). */
  const feed = (line: string, out: Validated[]): void => {
    const pending = [line];
    while (pending.length > 0) {
      const next = pending.shift()!;
      const wasOpen = open.length > 0;
      // a line that breaks the open row: its first line given up, the rest read again (as replay)
      if (wasOpen && continuedQuote(next) === QUOTE_BROKEN) {
        pending.unshift(...giveUp(), next);
        continue;
      }
      if (!openQuote(next, wasOpen)) {
        const row = wasOpen ? `${open.join('\n')}\n${next}` : next;
        open = [];
        openBytes = 0;
        const event = decode(row);
        if (event !== null) out.push(event);
        continue;
      }
      open.push(next);
      openBytes += Buffer.byteLength(next) + 1;
      if (openBytes > DEFAULT_MAX_RECORD_BYTES) pending.unshift(...giveUp());
    }
  };
  /** Drops the open row's first line; its other lines, to be fed again. */
  const giveUp = (): string[] => {
    const rest = open.slice(1);
    open = [];
    openBytes = 0;
    return rest;
  };
  const out: Validated[] = [];
  for await (const line of fileLines(file)) {
    feed(line, out);
    yield* out.splice(0);
  }
  while (open.length > 0) for (const line of giveUp()) feed(line, out);
  yield* out.splice(0);
}
