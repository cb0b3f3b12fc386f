/**
 * A seeded stream of ad impressions for 20 campaigns. Each campaign has its own click model: a base
 * rate and three planted effects on sparse categorical features (site, ad, device, hour, ...); all
 * other features have coefficient zero. Campaigns differ in traffic (a few carry most of it), and
 * about 5 % of the impressions are unlabelled (the click is not known yet): those are scored.
 */
import { rng, sigmoid, type ExampleEvent } from '../shared/scenario.js';

export const campaigns = Array.from({ length: 20 }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);
const sites = [
  'news',
  'sports',
  'weather',
  'finance',
  'video',
  ...Array.from({ length: 25 }, (_, i) => `site${i}`),
];
const devices = ['mobile', 'desktop', 'tablet'];
const positions = ['top', 'side', 'bottom'];
const segments = ['new', 'returning', 'loyal', 'lapsed'];
/** Features a campaign's planted effects are drawn from. */
const candidates = [
  'site=news',
  'site=sports',
  'site=video',
  'device=mobile',
  'device=tablet',
  'position=top',
  'segment=loyal',
  'segment=new',
  'hour=h20',
  'hour=h8',
];

export interface CampaignTruth {
  readonly intercept: number;
  readonly effects: Readonly<Record<string, number>>;
}

/** Each campaign's planted model (on the original scale), from the seed. */
export function campaignTruth(seed: number): Map<string, CampaignTruth> {
  const r = rng(seed ^ 0x5eed);
  const truth = new Map<string, CampaignTruth>();
  for (const c of campaigns) {
    const effects: Record<string, number> = {};
    while (Object.keys(effects).length < 3) {
      const f = candidates[Math.floor(r() * candidates.length)];
      if (!(f in effects)) effects[f] = Math.round((r() < 0.5 ? -1 : 1) * (0.8 + r() * 0.8) * 100) / 100;
    }
    truth.set(c, { intercept: Math.round((-3 + r() * 1.5) * 100) / 100, effects });
  }
  return truth;
}

/** `n` impressions from `seed`; an event without `label` is to be scored. */
export function impressions(seed: number, n: number): ExampleEvent[] {
  const truth = campaignTruth(seed);
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  // Traffic share ∝ 1 / rank: c01 gets about 28 %, c20 about 1.4 %.
  const weights = campaigns.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const campaignOf = (u: number): string => {
    let acc = 0;
    for (let i = 0; i < campaigns.length; i++) if ((acc += weights[i] / total) > u) return campaigns[i];
    return campaigns[campaigns.length - 1];
  };
  const events: ExampleEvent[] = [];
  for (let i = 0; i < n; i++) {
    const campaign = campaignOf(r());
    const features: Record<string, string> = {
      campaign,
      site: r() < 0.3 ? pick(sites.slice(0, 5)) : pick(sites),
      ad: `${campaign}-ad${Math.floor(r() * 6)}`,
      device: pick(devices),
      position: pick(positions),
      hour: `h${Math.floor(r() * 24)}`,
      segment: pick(segments),
      country: `C${Math.floor(r() * 12)}`,
    };
    const t = truth.get(campaign)!;
    let eta = t.intercept;
    for (const [f, beta] of Object.entries(t.effects)) {
      const [field, value] = f.split('=');
      if (features[field] === value) eta += beta;
    }
    const clicked = r() < sigmoid(eta) ? 1 : 0;
    const unlabelled = r() < 0.05;
    events.push({
      key: `imp${i + 1}`,
      ts: 1_764_460_800_000 + i * 20,
      ...(unlabelled ? {} : { label: clicked }),
      features,
    });
  }
  return events;
}
