/**
 * Quantiles for the drift tests, with no dependency: the standard normal quantile (Acklam's rational
 * approximation, relative error below 1.2e−9) and the 1-df χ² quantile.
 */

/** The z with P(Z > z) = p, for p in (0, 1). */
export function normalUpperQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  const q = Math.min(p, 1 - p);
  // Acklam's approximation of the lower quantile at q (q ≤ 0.5 → negative).
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  let x: number;
  if (q < 0.02425) {
    const s = Math.sqrt(-2 * Math.log(q));
    x =
      (((((c[0] * s + c[1]) * s + c[2]) * s + c[3]) * s + c[4]) * s + c[5]) /
      ((((d[0] * s + d[1]) * s + d[2]) * s + d[3]) * s + 1);
  } else {
    const s = q - 0.5;
    const r = s * s;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * s) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const upper = -x; // P(Z > upper) ≈ q
  return p <= 0.5 ? upper : -upper;
}

/** The 1-degree-of-freedom χ² value exceeded with probability p. */
export function chiSquare1UpperQuantile(p: number): number {
  const z = normalUpperQuantile(p / 2);
  return z * z;
}
