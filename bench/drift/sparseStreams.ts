/**
 * Seeded sparse event streams for the input-drift detectors, as feature-index lists with a name
 * table (DESIGN §2 names: `field=value` for strings, the field for numbers and true booleans):
 *
 * - `adScenario`: the ad-click stream of examples/ad-clicks (120 000 events) with the issue-12
 *   changes: from event 60 000 on (0-based) the number `noise5` and the whole 24-level `hour`
 *   field stop arriving and `device` is missing from half the events; from event 90 000 on a new
 *   field `promo` (4 levels) comes in 30 % of events.
 * - `stationaryMix`: nothing changes, but arrivals are hard: Zipf-distributed categorical levels
 *   and words (long tails, names first seen late), bursty numbers (on/off Markov arrivals), and
 *   periodic ones (an `hour` field whose level is the hour of a 24 000-event day, a number present
 *   only at night).
 */
import { adClicks } from '../../examples/ad-clicks/generate.js';
import { Mulberry32 } from './streams.js';

/** Names ↔ column indices, first come first numbered (a featurizer's vocabulary). */
export class NameTable {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  id(name: string): number {
    let i = this.ids.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.ids.set(name, i);
    }
    return i;
  }

  readonly nameOf = (i: number): string => this.names[i];
}

/** The change points of `adScenario` (0-based event numbers: the first changed event). */
export const AD_STOP_AT = 60_000;
export const AD_APPEAR_AT = 90_000;

/** Active features of each event of the issue-12 ad scenario, as indices into `table`. */
export function* adScenario(table: NameTable, seed = 7, n = 120_000): Generator<number[]> {
  const rng = new Mulberry32(seed ^ 0x5eed);
  let i = 0;
  for (const e of adClicks(seed, n)) {
    const features: Record<string, unknown> = { ...e.features };
    if (i >= AD_STOP_AT) {
      delete features.noise5;
      delete features.hour;
      if (rng.next() < 0.5) delete features.device;
    }
    if (i >= AD_APPEAR_AT && rng.next() < 0.3) features.promo = `p${Math.floor(rng.next() * 4)}`;
    yield featurize(table, features);
    i++;
  }
}

function featurize(table: NameTable, features: Record<string, unknown>): number[] {
  const out: number[] = [];
  for (const field of Object.keys(features)) {
    const v = features[field];
    if (typeof v === 'number') {
      if (v !== 0) out.push(table.id(field));
    } else if (typeof v === 'boolean') {
      if (v) out.push(table.id(field));
    } else if (typeof v === 'string') {
      out.push(table.id(`${field}=${v}`));
    } else if (Array.isArray(v)) {
      for (const s of v as string[]) out.push(table.id(`${field}=${s}`));
    }
  }
  return out;
}

const DAY = 24_000;

/** A stationary stream with skewed, bursty and periodic arrivals (see the module comment). */
export function* stationaryMix(table: NameTable, seed: number, n: number): Generator<number[]> {
  const rng = new Mulberry32(seed);
  const zipf = (size: number, s: number) => {
    const cdf = new Float64Array(size);
    let total = 0;
    for (let k = 0; k < size; k++) cdf[k] = total += 1 / Math.pow(k + 1, s);
    for (let k = 0; k < size; k++) cdf[k] /= total;
    return () => {
      const u = rng.next();
      let lo = 0;
      let hi = size - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
  };
  const item = zipf(20_000, 1.1);
  const word = zipf(100_000, 1.0);
  const itemIds = new Int32Array(20_000).fill(-1);
  const wordIds = new Int32Array(100_000).fill(-1);
  const regular = [1, 0.5, 0.1, 0.01, 0.001].map((q, k) => ({ q, id: table.id(`x${k}`) }));
  const devices = ['mobile', 'desktop', 'tablet'].map((d) => table.id(`device=${d}`));
  const hours = Array.from({ length: 24 }, (_, h) => table.id(`hour=h${h}`));
  const night = table.id('night');
  const bursts = Array.from({ length: 5 }, (_, k) => ({ id: table.id(`burst${k}`), on: false }));
  const seen = new Set<number>();
  for (let t = 0; t < n; t++) {
    const out: number[] = [];
    for (const r of regular) if (rng.next() < r.q) out.push(r.id);
    const u = rng.next();
    out.push(devices[u < 0.5 ? 0 : u < 0.8 ? 1 : 2]);
    const hour = Math.floor((t % DAY) / (DAY / 24));
    out.push(hours[hour]);
    if (hour < 6) out.push(night);
    for (const b of bursts) {
      b.on = b.on ? rng.next() >= 1 / 200 : rng.next() < 1 / 2000;
      if (b.on && rng.next() < 0.7) out.push(b.id);
    }
    seen.clear();
    for (let k = 0; k < 3; k++) {
      const j = item();
      if (itemIds[j] < 0) itemIds[j] = table.id(`item=i${j}`);
      if (!seen.has(itemIds[j])) out.push(itemIds[j]);
      seen.add(itemIds[j]);
    }
    for (let k = 0; k < 5; k++) {
      const j = word();
      if (wordIds[j] < 0) wordIds[j] = table.id(`w${j}`);
      if (!seen.has(wordIds[j])) out.push(wordIds[j]);
      seen.add(wordIds[j]);
    }
    yield out;
  }
}
