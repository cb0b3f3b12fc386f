import type { ConfigProblem } from '../core/errors.js';

/**
 * Says where an unknown key belongs when another section knows it: `{"keyBy": "campaign"}` at the
 * top level, or `refit.lambda`, gets `did you mean "model.keyBy"?` (`"model.lambda"?`). Problems that
 * already guess a name (`did you mean`) are left as they are.
 *
 * `knownIn(section, key, value)`: whether a document holding only `{section: {key: value}}` has
 * `key` as a setting of `section` (the validators decide: no table of settings is kept twice).
 */
export function withMisplacedHints(
  problems: readonly ConfigProblem[],
  doc: unknown,
  sections: readonly string[],
  knownIn: (section: string, key: string, value: unknown) => boolean,
): ConfigProblem[] {
  return problems.map((problem) => {
    const unknown = /^unknown (section|setting)\b/.exec(problem.message);
    if (unknown === null || problem.message.includes('did you mean')) return problem;
    const path = problem.path.split('.');
    const key = path.at(-1)!;
    const value = valueAt(doc, path);
    if (value === undefined) return problem;
    const own = path.length > 1 ? path[0] : undefined;
    const places = sections.filter((s) => s !== own && knownIn(s, key, value)).map((s) => `"${s}.${key}"`);
    if (places.length === 0) return problem;
    const hint = `unknown ${unknown[1]}; did you mean ${places.join(' or ')}?`;
    return { path: problem.path, message: hint + problem.message.slice(unknown[0].length) };
  });
}

/** The value at `path` in `doc` (own properties only: a key is data), or undefined. */
function valueAt(doc: unknown, path: readonly string[]): unknown {
  let at = doc;
  for (const part of path) {
    if (typeof at !== 'object' || at === null || !Object.prototype.hasOwnProperty.call(at, part))
      return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}
