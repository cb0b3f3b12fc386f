/**
 * A seeded ad-click stream: a handful of informative features among many, categorical fields
 * with many levels, a string-array field, numbers on different scales, and noise columns. The
 * planted model is `truth`; everything else has coefficient zero.
 */
export interface AdClickEvent {
  readonly key: string;
  readonly ts: number;
  readonly label: 0 | 1;
  readonly features: Record<string, number | string | boolean | string[]>;
}

/** The planted coefficients (on the original scale), by feature name. */
export const truth: Readonly<Record<string, number>> = {
  'ad_position=top': 1.2,
  'device=tablet': -0.9,
  premium: 0.8,
  prior_clicks: 0.3,
  'site=news': 0.7,
  'tags=sports': 0.6,
  user_age: -0.025,
};
export const truthIntercept = -1.6;

/** mulberry32: a small, fast, seeded PRNG. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sites = [
  'news',
  'sports',
  'weather',
  'finance',
  'video',
  ...Array.from({ length: 45 }, (_, i) => `site${i}`),
];
const positions = ['top', 'side', 'bottom'];
const countries = Array.from({ length: 30 }, (_, i) => `C${String(i).padStart(2, '0')}`);
const tags = ['sports', 'music', 'travel', 'tech', ...Array.from({ length: 96 }, (_, i) => `tag${i}`)];

/** Yields `n` events generated from `seed`. */
export function* adClicks(seed: number, n: number): Generator<AdClickEvent> {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  for (let i = 0; i < n; i++) {
    const site = r() < 0.15 ? 'news' : pick(sites);
    const position = pick(positions);
    const device = r() < 0.5 ? 'mobile' : r() < 0.6 ? 'desktop' : 'tablet';
    const premium = r() < 0.2;
    const priorClicks = Math.floor(-Math.log(1 - r()) * 2);
    const userAge = Math.round(18 + r() * 50);
    const eventTags = Array.from(
      new Set(Array.from({ length: 1 + Math.floor(r() * 3) }, () => (r() < 0.1 ? 'sports' : pick(tags)))),
    );
    const features: Record<string, number | string | boolean | string[]> = {
      site,
      ad: `ad${Math.floor(r() * 300)}`,
      ad_position: position,
      device,
      country: pick(countries),
      hour: `h${Math.floor(r() * 24)}`,
      premium,
      prior_clicks: priorClicks,
      user_age: userAge,
      tags: eventTags,
    };
    for (let k = 0; k < 10; k++) features[`noise${k}`] = Math.round(normal() * 1000) / 1000;
    let eta = truthIntercept;
    eta += position === 'top' ? truth['ad_position=top'] : 0;
    eta += device === 'tablet' ? truth['device=tablet'] : 0;
    eta += premium ? truth.premium : 0;
    eta += truth.prior_clicks * priorClicks;
    eta += site === 'news' ? truth['site=news'] : 0;
    eta += eventTags.includes('sports') ? truth['tags=sports'] : 0;
    eta += truth.user_age * userAge;
    const label = r() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    yield { key: `u${Math.floor(r() * 10_000)}`, ts: 1_700_000_000_000 + i * 50, label, features };
  }
}
