/**
 * The message for a configuration key nobody reads: it names the closest known key ("did you
 * mean") when the key looks like a typo of one, and lists the known keys.
 */
export function unknownKeyMessage(key: string, known: Iterable<string>, what = 'setting'): string {
  const names = [...known];
  const guess = closest(key, names);
  const guesses = guess !== undefined ? [guess] : extensions(key, names);
  const meant = guesses.map((g) => `"${g}"`).join(' or ');
  return `unknown ${what}${meant !== '' ? `; did you mean ${meant}?` : ''} (known: ${names.join(', ')})`;
}

/** The known names that begin with `key` (ignoring case): `every` for `everyEvents` and `everySeconds`. */
function extensions(key: string, names: readonly string[]): string[] {
  // a key of one or two letters begins too many names to be a guess
  if (key.length < 3) return [];
  const lower = key.toLowerCase();
  return names.filter((name) => name.toLowerCase().startsWith(lower));
}

/** The known name a typo most likely meant: the same ignoring case, or within a few edits. */
export function closest(key: string, names: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const d = typoDistance(lower, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  // beyond `typoLimit` it is not a typo
  return bestDistance <= typoLimit(key) ? best : undefined;
}

/**
 * ` (did you mean "GUESS"?)` for `closest`'s guess, or '' without one. A guess that looks the same
 * as `name` (its accents other Unicode characters: NFC against NFD) says so, or the message
 * would read as if the name were there.
 */
export function meantName(name: string, guess: string | undefined): string {
  return guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?${unicodeTwin(name, guess)})`;
}

/**
 * ` It looks the same, but ...` when `guess` differs from `name` only by Unicode normalization
 * (what `typoDistance` forgives), else ''. Said after a did-you-mean, which would otherwise read
 * as if the name were there.
 */
export function unicodeTwin(name: string, guess: string): string {
  if (guess === name || guess.normalize('NFC') !== name.normalize('NFC')) return '';
  const form = (s: string) => (s === s.normalize('NFC') ? 'NFC' : s === s.normalize('NFD') ? 'NFD' : 'mixed');
  return ` It looks the same, but its accented letters are other Unicode characters: the name given is in ${form(name)} form, the one there in ${form(guess)}; copy the name as it is spelled there`;
}

/** The most edits a typo of `key` makes: one in a short name, up to a third of a longer one. */
export function typoLimit(key: string): number {
  return Math.max(1, Math.floor(key.length / 3));
}

/** The edits from `key` to `name` that `closest` weighs, ignoring case (0: the same but for case). */
export function typoDistance(key: string, name: string): number {
  // "café" typed (NFC) and "café" in a header written on macOS (NFD) are one name to a reader
  const a = key.normalize('NFC').toLowerCase();
  const b = name.normalize('NFC').toLowerCase();
  return a === b ? 0 : editDistance(a, b);
}

/**
 * Edits between two names (insertions, deletions, substitutions, and swaps of neighbours, which
 * typing makes often: `delat` for `delta`), by dynamic programming (optimal string alignment).
 */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1];
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (same ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * A configuration value as a problem shows it: JSON, except what JSON cannot show (`NaN` and
 * `Infinity`, which it writes as null, `undefined`, functions), which is shown as JavaScript writes it.
 */
export function shownValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'function' || v === undefined)
    return typeof v === 'function' ? 'a function' : String(v);
  return JSON.stringify(v) ?? String(v);
}

/** `; did you mean "X"?` for a string one typo away from one of `names`, else nothing. */
export function didYouMean(value: unknown, names: readonly string[]): string {
  const near = typeof value === 'string' ? closest(value, names) : undefined;
  return near === undefined ? '' : `; did you mean "${near}"?`;
}
