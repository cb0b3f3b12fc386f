import { closest, meantName } from '../config/unknownKey.js';
import { DataError } from '../core/errors.js';

/**
 * Checks `fit`/`path --exclude` names against the input's feature columns (CSV header names, or
 * the `features` fields of JSON-lines events): every name that is not one is listed in one error,
 * each with its likely meaning (a typo, another case, or a one-hot name `field=value` for its
 * field), and the columns there are. `roles` names the columns that are not features (the target,
 * the weight): excluding one is an error saying what it is.
 */
export function checkExcluded(
  exclude: readonly string[],
  columns: readonly string[],
  roles: ReadonlyMap<string, string>,
  where: string,
): void {
  const known = new Set(columns);
  const problems: string[] = [];
  for (const name of exclude) {
    if (known.has(name)) continue;
    const role = roles.get(name);
    if (role !== undefined) {
      problems.push(`"${name}" is ${role}, not a feature`);
      continue;
    }
    const field = name.includes('=') ? name.slice(0, name.indexOf('=')) : undefined;
    const guess = field !== undefined && known.has(field) ? field : closest(name, columns);
    problems.push(`${JSON.stringify(name)}${meantName(name, guess)}`);
  }
  if (problems.length === 0) return;
  // as --exclude reads them: a name holding a comma or a quote in CSV quotes
  const listed = columns.map((c) => (/[,"]|^\s|\s$/.test(c) ? `"${c.replaceAll('"', '""')}"` : c));
  const shown =
    listed.length > 50 ? `${listed.slice(0, 50).join(', ')}, … (${listed.length})` : listed.join(', ');
  throw new DataError(
    `--exclude: not ${problems.length === 1 ? 'a feature column' : 'feature columns'} of ${where}: ${problems.join('; ')}. ` +
      `Its feature columns are: ${shown || '(none)'} (--exclude takes column names; a text column's one-hot levels go with it)`,
  );
}

/**
 * `--exclude NAME` for a name, as a POSIX shell passes it on unchanged and the flag reads it back
 * (`--exclude=NAME` when it starts with "-", which would read as a flag).
 */
export function excludeFlag(name: string): string {
  const flag = name.startsWith('-') ? '--exclude=' : '--exclude ';
  if (/^[\w.-]+$/.test(name)) return `${flag}${name}`;
  // a comma, a quote or spaces around it need CSV quotes (the flag splits at commas and trims);
  // single quotes keep the shell off all of them
  const csv = /[,"]|^\s|\s$/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
  return `${flag}'${csv.replace(/'/g, `'\\''`)}'`;
}
