import type { ConfigProblem } from '../core/errors.js';
import { shownValue } from './unknownKey.js';

/** How an option's value is checked: its kind, and what it is for (said in the message). */
export type OptionKind = 'string' | 'function' | 'strings' | 'family' | 'wholePositive';

const expected: Readonly<Record<OptionKind, string>> = {
  string: 'a string',
  function: 'a function',
  strings: 'a list of strings',
  family: '"gaussian" or "binomial"',
  wholePositive: 'a whole number >= 1',
};

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
  }
}

/**
 * The problems of the values given to `fn` (plain JavaScript, or values cast past the types):
 * each option present whose value is not of its kind, named `fn: key`.
 */
export function optionValueProblems(
  fn: string,
  options: Readonly<Record<string, unknown>>,
  kinds: ReadonlyArray<readonly [string, OptionKind]>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [key, kind] of kinds) {
    const v = options[key];
    if (v !== undefined && !fits(kind, v))
      problems.push({ path: `${fn}: ${key}`, message: `must be ${expected[kind]}, got ${shownValue(v)}` });
  }
  return problems;
}
