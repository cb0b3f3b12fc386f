import type { ConfigProblem } from '../core/errors.js';
import { optionKeyProblems } from './optionKeys.js';
import { closest, shownValue } from './unknownKey.js';

/** How an option's value is checked: its kind, and what it is for (said in the message). */
export type OptionKind =
  | 'string'
  | 'function'
  | 'strings'
  | 'family'
  | 'wholePositive'
  | 'wholeNonNegative'
  | 'boolean'
  | 'object'
  | 'deadLetterSink'
  | 'refitRunner';

const expected: Readonly<Record<OptionKind, string>> = {
  string: 'a string',
  function: 'a function',
  strings: 'a list of strings',
  family: '"gaussian" or "binomial"',
  wholePositive: 'a whole number >= 1',
  wholeNonNegative: 'a whole number >= 0',
  boolean: 'true or false',
  object: 'an object',
  deadLetterSink: 'a dead-letter sink (an object with a deadLetter(letter) method)',
  refitRunner: 'a RefitRunner (InlineRefitRunner, WorkerRefitRunner: an object with a run(job) method)',
};

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fits(kind: OptionKind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'function':
      return typeof v === 'function';
    case 'strings':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'family':
      return v === 'gaussian' || v === 'binomial';
    case 'wholePositive':
      return typeof v === 'number' && Number.isInteger(v) && v >= 1;
    case 'wholeNonNegative':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0;
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return isObject(v);
    case 'deadLetterSink':
      return isObject(v) && typeof v.deadLetter === 'function';
    case 'refitRunner':
      return isObject(v) && typeof v.run === 'function';
  }
}

/**
 * The problems of the values given to `fn` (plain JavaScript, or values cast past the types):
 * each option present whose value is not of its kind, and each of `required` absent, named `fn: key`.
 */
export function optionValueProblems(
  fn: string,
  options: Readonly<Record<string, unknown>>,
  kinds: ReadonlyArray<readonly [string, OptionKind]>,
  required: readonly string[] = [],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [key, kind] of kinds) {
    const v = options[key];
    if (v === undefined) {
      if (required.includes(key))
        problems.push({ path: `${fn}: ${key}`, message: `required: ${expected[kind]}` });
    } else if (!fits(kind, v))
      problems.push({ path: `${fn}: ${key}`, message: `must be ${expected[kind]}, got ${shownValue(v)}` });
  }
  return problems;
}

/**
 * The problems of `fn`'s options: keys it does not read (`known`, by default the keys of `kinds`),
 * and `optionValueProblems` of the keys it reads (all at once: a typo in one key used to hide the
 * others' values).
 */
export function optionProblems(
  fn: string,
  options: unknown,
  kinds: ReadonlyArray<readonly [string, OptionKind]>,
  required: readonly string[] = [],
  known: readonly string[] = kinds.map(([key]) => key),
): ConfigProblem[] {
  const problems = optionKeyProblems(fn, options, known);
  if (!isOptionsObject(options)) return problems;
  // a required key missing beside a misspelling of it is that one: said once, as the misspelling
  const meant = new Set<string>();
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const match = closest(key, known);
    if (match !== undefined) meant.add(match);
  }
  const stillRequired = required.filter((key) => !meant.has(key));
  return [...problems, ...optionValueProblems(fn, options, kinds, stillRequired)];
}

/** An options object whose values can be checked (not null, an array or a primitive). */
export function isOptionsObject(options: unknown): options is Readonly<Record<string, unknown>> {
  return typeof options === 'object' && options !== null && !Array.isArray(options);
}
