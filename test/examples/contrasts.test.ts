import { describe, expect, it } from 'vitest';

import { contrasts, referenceLevels, truthContrasts } from '../../examples/ad-clicks/contrasts.js';
import { truth, truthIntercept } from '../../examples/ad-clicks/generate.js';

describe('the demo compares identifiable contrasts with the truth', () => {
  it('the truth, coded as the planted model is, gives back its own values', () => {
    expect(truthContrasts[0]!.value).toBe(truthIntercept);
    expect(truthContrasts.slice(1).map((c) => c.value)).toEqual(Object.values(truth));
    expect(truthContrasts.map((c) => c.name)).toContain('ad_position=top − ad_position=bottom');
  });

  it('a model that codes every level (the same predictions, shifted levels) has the same contrasts', () => {
    // a full one-hot coding of the truth: every level of each field gets +c, the intercept −c
    const shifted = Object.create(null) as Record<string, number>;
    let intercept = truthIntercept;
    const levels: Record<string, readonly string[]> = {
      ad_position: ['top', 'side', 'bottom'],
      device: ['mobile', 'desktop', 'tablet'],
      site: ['news', 'sports', 'weather'],
    };
    const shift: Record<string, number> = { ad_position: -0.7, device: 0.4, site: -0.2 };
    for (const [name, v] of Object.entries(truth)) shifted[name] = v;
    for (const [field, names] of Object.entries(levels)) {
      for (const level of names)
        shifted[`${field}=${level}`] = (shifted[`${field}=${level}`] ?? 0) + shift[field]!;
      intercept -= shift[field]!;
    }
    expect(Object.keys(referenceLevels).sort()).toEqual(Object.keys(levels).sort());
    const got = contrasts(intercept, shifted);
    got.forEach((c, i) => {
      expect(c.name).toBe(truthContrasts[i]!.name);
      expect(c.value).toBeCloseTo(truthContrasts[i]!.value, 12);
    });
    // the raw coefficient of ad_position=top is not the truth's 1.2: that is what the old table showed
    expect(Math.abs(shifted['ad_position=top']! - truth['ad_position=top']!)).toBeGreaterThan(0.5);
  });
});
