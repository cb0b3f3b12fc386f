import type { ConfigProblem } from '../core/errors.js';
import { shownValue, unknownKeyMessage } from './unknownKey.js';

/**
 * The problems of an options object given to `fn` from plain JavaScript that no type checks
 * there: not an object, or a key `fn` does not read (a typo such as `apend`, which was ignored
 * and so meant the default). Each is named `fn: key`, with the key it probably meant.
 */
export function optionKeyProblems(fn: string, options: unknown, known: readonly string[]): ConfigProblem[] {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    return [{ path: fn, message: `options must be an object, got ${shownValue(options)}` }];
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(options))
    if (!known.includes(key))
      problems.push({ path: `${fn}: ${key}`, message: unknownKeyMessage(key, known, 'option') });
  return problems;
}
