/**
 * The number a text cell (a CSV field) spells in decimal, else NaN: what `Number` reads, less its
 * hexadecimal, octal and binary forms (`0x10` is text, not 16: no CSV writer means it) and the
 * empty string (not 0); `inf` and `infinity` in any case, with a sign (numpy's and R's spelling),
 * are ±Infinity, as `Infinity` is, so that every spelling of an infinite value is refused alike.
 * `s` is trimmed by the caller.
 */
export function textNumber(s: string): number {
  const v = Number(s);
  if (v !== v) return infinityOf(s);
  // Number's prefixed forms: 0x, 0o, 0b (either case); a sign before them is NaN already
  if (s.length > 2 && s.charCodeAt(0) === 48) {
    const c = s.charCodeAt(1) | 0x20;
    if (c === 120 || c === 111 || c === 98) return NaN;
  }
  return s === '' ? NaN : v;
}

/** ±Infinity for `inf` / `infinity` (any case, optional sign), else NaN. */
function infinityOf(s: string): number {
  const n = s.length;
  if (n < 3 || n > 9) return NaN;
  const c = s.charCodeAt(0);
  const sign = c === 45 ? -1 : 1;
  const word = (c === 43 || c === 45 ? s.slice(1) : s).toLowerCase();
  return word === 'inf' || word === 'infinity' ? sign * Infinity : NaN;
}
