/**
 * Proximal maps of the penalty λ·pf·(α|w| + (1−α)/2·w²) (docs/conventions.md) and their closed-form
 * repetition, which is what makes lazy penalties exact: a coordinate absent for k events receives
 * k proximal steps with no gradient, and those compose into one formula.
 */

/** Soft threshold S(z, a) = sign(z)·max(|z| − a, 0). S(−1.1, 0.3) = −0.8. */
export function softThreshold(z: number, a: number): number {
  if (z > a) return z - a;
  if (z < -a) return z + a;
  return 0;
}

/** One elastic-net proximal step: S(z, a) / (1 + b), with a = η·λ·α·pf and b = η·λ·(1−α)·pf. */
export function elasticNetProx(z: number, a: number, b: number): number {
  return softThreshold(z, a) / (1 + b);
}

/**
 * `k` proximal steps with no gradient in between, in closed form:
 * |w_k| = max(0, |w| − a·Σ_{s<k}(1+b)^s) / (1+b)^k, sign kept.
 */
export function repeatedProx(w: number, k: number, a: number, b: number): number {
  if (k <= 0 || w === 0) return w;
  const u = Math.abs(w);
  let shrunk: number;
  if (b === 0) {
    shrunk = u - a * k;
    if (shrunk <= 0) return 0;
    return w > 0 ? shrunk : -shrunk;
  }
  const logGrowth = k * Math.log1p(b);
  if (logGrowth > 700) return 0;
  const growth = Math.exp(logGrowth);
  shrunk = (u - (a * Math.expm1(logGrowth)) / b) / growth;
  if (shrunk <= 0) return 0;
  return w > 0 ? shrunk : -shrunk;
}

/**
 * `k` truncations of Langford et al.'s T1 with threshold θ (shrink by `a` only while |w| ≤ θ),
 * each followed by the L2 factor 1/(1+b), in closed form. With θ = ∞ this is `repeatedProx`.
 */
export function repeatedTruncation(w: number, k: number, a: number, b: number, theta: number): number {
  if (k <= 0 || w === 0) return w;
  const u = Math.abs(w);
  if (u <= theta) return repeatedProx(w, k, a, b);
  if (b === 0) return w; // above θ and no decay: nothing ever changes it
  // Steps of pure decay until |w| ≤ θ, then the remaining steps are ordinary proximal steps.
  let decays = Math.ceil(Math.log(u / theta) / Math.log1p(b));
  while (decays > 0 && u / Math.pow(1 + b, decays - 1) <= theta) decays--;
  while (u / Math.pow(1 + b, decays) > theta) decays++;
  if (decays >= k) return w / Math.pow(1 + b, k);
  return repeatedProx(w / Math.pow(1 + b, decays), k - decays, a, b);
}

/** A plain subgradient step w − η(g + λ·sign(w)): w = 0.6, η = 0.1, g = 0.4, λ = 0.2 gives 0.54. */
export function subgradientStep(w: number, eta: number, g: number, lambda: number): number {
  return w - eta * (g + lambda * Math.sign(w));
}

/**
 * One step of the cumulative L1 penalty (Tsuruoka, Tsujii & Ananiadou 2009): the step's L1
 * penalty `a` is added to the coordinate's unpaid penalty `debt`, which is then paid out of |w|
 * as far as it goes (never crossing zero), and the L2 factor 1/(1+b) applied. A coefficient that
 * a noisy gradient kicks away from zero must first pay what it owes, so noise features stay at
 * exactly zero where plain clipping leaves them dense. Writes [w, debt] to `out`.
 */
export function cumulativeStep(w: number, debt: number, a: number, b: number, out: Float64Array): void {
  debt += a;
  const u = Math.abs(w);
  if (u <= debt) {
    out[0] = 0;
    out[1] = debt - u;
    return;
  }
  const shrunk = (u - debt) / (1 + b);
  out[0] = w > 0 ? shrunk : -shrunk;
  out[1] = 0;
}

/**
 * `k` cumulative-penalty steps with no gradient in between, in closed form (see
 * `cumulativeStep`). While w ≠ 0 the debt is paid in full each step, so |w_s| = (|w| − a·S_s)/(1+b)^s
 * with S_s = Σ_{r<s}(1+b)^r, until the first step m with |w| ≤ a·S_m (after paying any debt
 * carried in); from then on w = 0 and the debt grows by `a` a step. Writes [w, debt] to `out`.
 */
export function repeatedCumulative(
  w: number,
  debt: number,
  k: number,
  a: number,
  b: number,
  out: Float64Array,
): void {
  if (k <= 0) {
    out[0] = w;
    out[1] = debt;
    return;
  }
  if (w === 0) {
    out[0] = 0;
    out[1] = debt + k * a;
    return;
  }
  // First step pays the carried debt as well; afterwards the debt is zero while w ≠ 0.
  cumulativeStep(w, debt, a, b, out);
  if (k === 1 || out[0] === 0) {
    out[1] += (k - 1) * a;
    return;
  }
  const w1 = out[0];
  const u = Math.abs(w1);
  const steps = k - 1;
  // m: the first of the remaining steps at which |w| reaches zero (Infinity if none).
  let m: number;
  if (a === 0) m = Infinity;
  else if (b === 0) m = Math.ceil(u / a);
  else m = Math.ceil(Math.log1p((u * b) / a) / Math.log1p(b));
  // Guard the formula against rounding: check |w| after m−1 and m steps directly.
  const after = (s: number) =>
    b === 0 ? u - a * s : (u - (a * Math.expm1(s * Math.log1p(b))) / b) / Math.exp(s * Math.log1p(b));
  if (Number.isFinite(m)) {
    while (m > 1 && after(m - 1) <= 0) m--;
    while (after(m) > 0) m++;
  }
  if (m > steps) {
    const v = repeatedProx(w1, steps, a, b);
    out[0] = v;
    out[1] = 0;
    return;
  }
  // Step m pays what is left of |w| and carries the rest; the steps after it only add debt.
  const before = after(m - 1);
  out[0] = 0;
  out[1] = a - before + (steps - m) * a;
}
