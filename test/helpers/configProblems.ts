import { ConfigError } from '../../src/index.js';

/** The problems (path → message) of the ConfigError `check` throws; anything else fails the test. */
export function configProblems(check: () => unknown): Map<string, string> {
  try {
    check();
  } catch (err) {
    if (err instanceof ConfigError) return new Map(err.problems.map((p) => [p.path, p.message]));
    throw err;
  }
  throw new Error('accepted');
}
