/**
 * The cross-validation panel of `path --cv --plot` shows the region of λ_min and λ_1se, not the
 * null model's error: on 8,000 deliveries the mean squared error went from 105 at λ_max down to
 * 8.9, and an axis to 110 drew λ_min and λ_1se (8.9 and 9.0) on a flat line at the bottom. The
 * axis now covers the λ up to a little past λ_1se; the larger λ's means are marks on its top edge.
 */
import { describe, expect, it } from 'vitest';

import { cvRange, plotPathSvg, type CvCurve } from '../../src/solve/plotSvg.js';

const attr = (el: string, name: string): number => Number(new RegExp(`\\s${name}="([^"]*)"`).exec(el)![1]);

/** 75 λ from e^2.2 down to e^-4.8 and a curve of mean error per λ (its se 1 % of it, plus 0.1). */
type Curve = CvCurve & { lambdas: number[]; mean: number[]; se: number[] };

function curve(mean: (logLambda: number) => number): Curve {
  const logs = Array.from({ length: 75 }, (_, k) => 2.2 - (7 * k) / 74);
  const m = logs.map(mean);
  return {
    lambdas: logs.map(Math.exp),
    mean: m,
    se: m.map((v) => 0.1 + 0.01 * v),
    label: 'mean squared error',
  };
}

/** The 1-SE rule: the λ of least mean, and the largest λ whose mean is within one se of it. */
function choose(cv: Curve) {
  const min = cv.mean.indexOf(Math.min(...cv.mean));
  const bar = cv.mean[min]! + cv.se[min]!;
  const se1 = cv.mean.findIndex((m) => m <= bar);
  return { min, se1 };
}

/** The panel as drawn: each λ's point (or mark above the axis), the value → pixel map, the frame. */
function panel(cv: Curve) {
  const { min, se1 } = choose(cv);
  const fits = cv.lambdas.map((lambda, k) => ({
    lambda,
    coefficients: Float64Array.of(Math.max(0, 2 - lambda), k > 30 ? 0.5 : 0),
  }));
  const svg = plotPathSvg(fits, ['a', 'b'], {
    markers: [
      { lambda: cv.lambdas[min]!, label: 'λ_min' },
      { lambda: cv.lambdas[se1]!, label: 'λ_1se' },
    ],
    cv: { ...cv, lambdaMin: cv.lambdas[min]!, lambda1se: cv.lambdas[se1]! },
  });
  const points = [...svg.matchAll(/<g class="cv-point( cv-above)?"[^>]*>(.*?)<\/g>/g)].map((m) => {
    const g = m[2]!;
    const circle = /<circle[^>]*>/.exec(g)?.[0];
    return {
      above: m[1] !== undefined,
      x: circle ? attr(circle, 'cx') : Number(/d="M([\d.]+) /.exec(g)![1]),
      y: circle ? attr(circle, 'cy') : NaN,
      title: /<title>([^<]*)<\/title>/.exec(g)![1]!,
    };
  });
  const frame = /<rect x="80" y="([\d.]+)" width="[\d.]+" height="260"/.exec(svg)!;
  const top = Number(frame[1]);
  const drawn = points.flatMap((p, k) => (p.above ? [] : [k]));
  const [a, b] = [drawn[0]!, drawn[drawn.length - 1]!];
  const slope = (points[b]!.y - points[a]!.y) / (cv.mean[b]! - cv.mean[a]!);
  const valueAt = (y: number) => cv.mean[a]! + (y - points[a]!.y) / slope;
  const markers = [...svg.matchAll(/<line class="marker" x1="([\d.]+)"/g)].map((m) => Number(m[1]));
  return { svg, points, top, slope, valueAt, min, se1, markers, height: 260 };
}

// the deliveries' curve: 105 at λ_max (the null model), down to 8.9 near e^-4, a little up after
const deliveries = curve((l) => 8.9 + 96 / (1 + Math.exp(-(l - 0.3) * 2.2)) + 0.02 * (l + 4) ** 2);

describe('cross-validation panel', () => {
  it('is scaled to the λ up to a little past λ_1se, not to the null model', () => {
    const p = panel(deliveries);
    const max = Math.max(...deliveries.mean);
    expect(max).toBeGreaterThan(100);
    // the axis' top is far below the null model's error
    expect(p.valueAt(p.top)).toBeLessThan(0.2 * max);
    // the band of the 1-SE rule (λ_min's mean ± its se) is a readable share of the panel
    const band = 2 * deliveries.se[p.min]! * -p.slope;
    expect(band).toBeGreaterThan(0.08 * p.height);
  });

  it('λ_min and λ_1se are drawn at their means, their markers through them', () => {
    const p = panel(deliveries);
    for (const k of [p.min, p.se1]) {
      const point = p.points[k]!;
      expect(point.above).toBe(false);
      expect(Math.abs(p.valueAt(point.y) - deliveries.mean[k]!)).toBeLessThan(0.01);
      expect(p.markers.some((x) => Math.abs(x - point.x) < 0.06)).toBe(true);
    }
    // the lowest drawn point is λ_min's
    const ys = p.points.filter((q) => !q.above).map((q) => q.y);
    expect(p.points[p.min]!.y).toBe(Math.max(...ys));
  });

  it('marks the means above the axis, with their values, and counts them', () => {
    const p = panel(deliveries);
    const axisTop = p.valueAt(p.top);
    const above = p.points.filter((q) => q.above);
    expect(above.length).toBeGreaterThan(10);
    p.points.forEach((q, k) => expect(q.above).toBe(deliveries.mean[k]! > axisTop));
    // the largest λ first: the null model's end of the curve
    expect(p.points.slice(0, above.length).every((q) => q.above)).toBe(true);
    expect(above[0]!.title).toMatch(/^λ = [\d.]+: [\d.]+ ± [\d.]+ \(above the axis\)$/);
    expect(Number(/: ([\d.]+) ±/.exec(above[0]!.title)![1])).toBeCloseTo(deliveries.mean[0]!, 1);
    expect(p.svg).toContain(`>${above.length} λ above the axis</text>`);
    expect(cvRange(deliveries).above).toBe(above.length);
  });

  it('a curve whose large λ are not far above the rest keeps every λ in range', () => {
    // a slow rise to λ_max: no higher than the smallest λ's overfit error
    const gentle = curve((l) => (l < -3 ? 9 + 0.3 * (l + 3) ** 2 : 9 + 0.15 * (l + 3)));
    expect(cvRange(gentle).top).toBe(Infinity);
    const p = panel(gentle);
    expect(p.points.some((q) => q.above)).toBe(false);
    expect(p.svg).not.toContain('above the axis');
  });

  it('when λ_1se is λ_min, the axis still reaches a tenth of the λ span past it', () => {
    // a minimum at e^-1 whose larger λ rise by more than its se from the next one on
    const sharp = curve((l) => 5 + (l > -1 ? 60 * (l + 1) ** 1.5 : 0.5 * (l + 1) ** 2));
    const p = panel(sharp);
    expect(p.se1).toBe(p.min);
    const past = Math.log(sharp.lambdas[p.min]!) + 0.7;
    sharp.lambdas.forEach((lambda, k) => {
      if (Math.log(lambda) <= past) expect(p.points[k]!.above).toBe(false);
    });
    expect(p.points.some((q) => q.above)).toBe(true);
  });
});
