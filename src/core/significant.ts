/**
 * `x` to `digits` significant digits as `toPrecision` writes it, but a number with more digits
 * before the point than that written out (27860, not 2.786e+4), as users read a loss or a count.
 */
export function significant(x: number, digits = 4): string {
  const shown = x.toPrecision(digits);
  return shown.includes('e+') ? String(Number(shown)) : shown;
}
