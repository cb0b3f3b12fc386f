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
    problems.push(`"${name}"${meantName(name, guess)}`);
  }
  if (problems.length === 0) return;
  const shown =
    columns.length > 50 ? `${columns.slice(0, 50).join(', ')}, … (${columns.length})` : columns.join(', ');
  throw new DataError(
    `--exclude: not ${problems.length === 1 ? 'a feature column' : 'feature columns'} of ${where}: ${problems.join('; ')}. ` +
      `Its feature columns are: ${shown || '(none)'} (--exclude takes column names; a text column's one-hot levels go with it)`,
  );
}

/** `name` as one `--exclude` argument that a POSIX shell passes on unchanged and the flag reads back. */
export function excludeArgument(name: string): string {
  if (/^[\w.-]+$/.test(name)) return name;
  // a comma or a quote needs CSV quotes (the flag takes a CSV row); single quotes keep the shell off both
  const csv = /[,"]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
  return `'${csv.replace(/'/g, `'\\''`)}'`;
}
