import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';

import { closest, didYouMean, meantName } from '../config/unknownKey.js';
import { withoutBom } from '../core/bom.js';
import { duplicateKeys, jsonSyntaxMessage } from '../core/jsonSyntax.js';
import { DataError } from '../core/errors.js';
import type { Family } from '../core/event.js';
import { MINUS_ONE_LABELS } from '../core/labelHints.js';
import { snapshotOf } from '../model/fitSnapshot.js';
import { adaptivePenaltyFactors } from '../solve/adaptive.js';
import type { CrossValidationResult } from '../solve/cv.js';
import { crossValidateOnThreads } from '../solve/cvThreads.js';
import { duplicateColumns } from '../solve/duplicateColumns.js';
import type { RejectedLine } from '../solve/events.js';
import { loadTrainingData, type TrainingData } from '../solve/input.js';
import { prepareProblem, UNSCALABLE_ABOVE, type Standardize, type Stopping } from '../solve/problem.js';
import { solveAtProblem, type LambdaFit } from '../solve/solve.js';
import { fitNotes, fitWarnings } from '../solve/wellPosed.js';
import { inputFormatOfFile } from '../core/inputFormat.js';
import {
  checkInputFile,
  checkOutputFile,
  refuseSharedOutputs,
  numberFlag,
  parseCommandArgs,
  PathError,
  pathProblem,
  UsageError,
  writeOutputFile,
  type CliIO,
} from './io.js';
import type { Command } from './command.js';
import { parseNameList } from './nameList.js';
import { counted, ProgressLine } from './progress.js';

const usage = `usage: l1stream fit --input FILE --target COLUMN [options]

Batch lasso / elastic-net fit (glmnet's coordinate descent) on a CSV file with a header row, or on
JSON-lines events (.jsonl, .ndjson or .json, or any name whose first character is {: the target is
their label). Prints the model JSON (docs/conventions.md) to stdout.

options:
  --input FILE          CSV with a header or .jsonl events, required; a CSV cell that is a number
                        is its column's value (true/false: 1/0, as JSON booleans), other text the
                        one-hot column=text, and an empty or NA/NaN/null cell absent (the target
                        and --weight cells must be numbers; a target may be true/false, read as
                        1/0). Without feature columns (or .jsonl events without features) the
                        model is the intercept only
  --target COLUMN       the response column, required for CSV (.jsonl: label, the default)
  --family F            gaussian (default) | binomial (target 0/1)
  --lambda L            penalty λ ≥ 0 on the per-event scale (docs/conventions.md); a warning says
                        when the fit is no estimate: at λ = 0 with p ≥ n, or columns that are
                        combinations of others (not unique), binomial classes separated
                        (probabilities fitted at 0 or 1), or λ ≥ λ_max (every penalized
                        coefficient 0)
  --cv K                choose λ by K-fold cross-validation (default when --lambda is absent: 10;
                        K at most the number of rows)
  --select S            with --cv: min (default, λ_min) | 1se (λ_1se, the sparser model)
  --seed N              seed of the fold assignment (default 1)
  --threads N           threads that fit the cross-validation's folds (default: the machine's cores;
                        1: one thread); the model is the same whatever N
  --l1-ratio A          L1 share α in (0, 1] (default 1: lasso)
  --standardize         scale every column to unit population sd (glmnet's standardize=TRUE)
  --no-standardize      penalize raw coefficients (default "auto": 0/1 columns such as one-hot
                        levels as they are, numeric columns divided by sd/√(share of rows present))
  --weight COLUMN       CSV column of observation weights (.jsonl: the events' "weight")
  --exclude COL[,COL]   leave these columns out of the features (an id column, one that leaks the
                        target): CSV header names, or for .jsonl the events' feature fields (a text
                        field's one-hot levels go with it); a name that is not a feature column is
                        an error listing the columns; quote a name holding a comma as CSV does:
                        --exclude '"price, usd",id'; --exclude may be repeated
  --penalty-factors F   JSON file {"column": factor, ...}: per-feature penalty factors ≥ 0 (default 1;
                        0 = unpenalized, always in the model)
  --adaptive            adaptive lasso (Zou 2006): a cross-validated first fit gives β̂, then the
                        model is fitted with penalty factors 1/|β̂_j|^γ (features with β̂_j = 0 stay out)
  --gamma G             with --adaptive: the exponent γ > 0 (default 1)
  --kkt-tolerance T     binomial: stop when the KKT conditions hold to T of each feature's threshold
                        (default 1e-10: the optimum to rounding; 1e-4 is about glmnet's default accuracy)
  --stopping S          gaussian: certified (default: duality gap / KKT to rounding) | glmnet
                        (glmnet's passes and convergence rule, no certificate: about its default accuracy
                        and speed; sparse and wide designs)
  --progress            cross-validation progress on stderr even when it is not a terminal
                        (--no-progress: never)
  --key K               model key (default: the input file's base name)
  --output FILE         write the model JSON there instead of stdout
  --dead-letters FILE   write the JSON lines that are not valid events, or the CSV rows that
                        cannot be used, there (a JSON line each, as replay's dead-letters.jsonl:
                        line, source, stage, reason, value). Such lines are skipped with replay's
                        reasons, counted on stderr and in the model's metrics ("rejected"); CSV
                        rows with a field count other than the header's, an empty or non-numeric
                        target or weight, an infinite number (Infinity, inf, 1e999), a quote
                        inside an unquoted field, or a line that is not UTF-8, the reason naming
                        the column and the value the row; a quote that nothing closes costs the
                        first line of its row, and the lines after it are read again (as replay);
                        no usable row at all is an error
  --max-record-bytes N  .jsonl: a line over N bytes is skipped unread, with replay's reason;
                        .csv: a row open in a quote past N bytes gives up its first line
                        (default 1048576, as replay's --max-record-bytes)`;

const options = {
  input: { type: 'string' },
  target: { type: 'string' },
  family: { type: 'string' },
  lambda: { type: 'string' },
  cv: { type: 'string' },
  select: { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  'l1-ratio': { type: 'string' },
  standardize: { type: 'boolean' },
  weight: { type: 'string' },
  exclude: { type: 'string', multiple: true },
  'penalty-factors': { type: 'string' },
  adaptive: { type: 'boolean' },
  gamma: { type: 'string' },
  'kkt-tolerance': { type: 'string' },
  stopping: { type: 'string' },
  progress: { type: 'boolean' },
  key: { type: 'string' },
  output: { type: 'string' },
  'dead-letters': { type: 'string' },
  'max-record-bytes': { type: 'string' },
} as const;

/**
 * Reads `--penalty-factors FILE`: a JSON object from column names to factors ≥ 0 (Infinity allowed
 * as the string "Infinity": the feature never enters). Columns it does not name get 1; a name
 * that is not a column is an error (a typo would otherwise be silently ignored).
 */
export async function readPenaltyFactors(
  file: string,
  names: readonly string[],
  zeroColumns: readonly string[] = [],
): Promise<Float64Array> {
  let text: string;
  try {
    text = withoutBom(await readFile(file, 'utf8'));
  } catch (err) {
    throw new PathError(pathProblem('--penalty-factors', file, err, 'read'));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--penalty-factors: ${jsonSyntaxMessage(file, text, err)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new UsageError(`--penalty-factors: ${file} must hold a JSON object {"column": factor, ...}`);
  const pf = new Float64Array(names.length).fill(1);
  const column = new Map(names.map((n, j) => [n, j]));
  // every problem of the file at once, not only the first
  const problems: string[] = [];
  // JSON.parse keeps a name's last factor: the first would be ignored without a word
  for (const d of duplicateKeys(text))
    problems.push(
      `"${d.path}" is given twice (line ${d.line}, column ${d.column}; JSON keeps only the last): remove one of them`,
    );
  // a CSV column of zeros has no column in a sparse design: its factor changes nothing, as a
  // constant column's does in a dense one
  const zero = new Set(zeroColumns);
  for (const [name, raw] of Object.entries(doc)) {
    const j = column.get(name);
    const v = raw === 'Infinity' ? Infinity : raw;
    if (j === undefined && !zero.has(name))
      problems.push(`"${name}" is not a feature column${penaltyGuess(name, names)}`);
    else if (typeof v !== 'number' || !(v >= 0))
      problems.push(`"${name}" must be a number >= 0 (or "Infinity"), got ${JSON.stringify(raw)}`);
    else if (j !== undefined) pf[j] = v;
  }
  if (problems.length > 0) {
    const unknown = problems.some((p) => p.includes('is not a feature column'));
    const shown =
      names.length > 50 ? `${names.slice(0, 50).join(', ')}, … (${names.length})` : names.join(', ');
    throw new UsageError(
      `--penalty-factors ${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n  ${problems.join('\n  ')}` +
        (unknown ? `\nthe feature columns are: ${shown}` : ''),
    );
  }
  return pf;
}

/**
 * What a `--penalty-factors` name that is no feature column probably meant: a text field's
 * one-hot columns (`plan` for `plan=basic`, ...), which take a factor each, or a column a typo or
 * another case away (`"tenure" (did you mean "tenure_days"?)`).
 */
function penaltyGuess(name: string, names: readonly string[]): string {
  const levels = names.filter((n) => n.startsWith(`${name}=`));
  if (levels.length > 0) {
    const some = levels.slice(0, 3).map((n) => JSON.stringify(n));
    return `: a text field's one-hot columns take a factor each (${some.join(', ')}${levels.length > 3 ? ', …' : ''})`;
  }
  return meantName(name, closest(name, names));
}

/** Flags shared by `fit` and `path`, parsed and checked. */
export interface CommonFitFlags {
  readonly input: string;
  /** The input's format, as `inputFormatOfFile` decides it (a pipe: by its name). */
  readonly format: 'csv' | 'jsonl';
  readonly target: string;
  readonly family: Family;
  /** No `--family` was given: gaussian by default. */
  readonly familyDefaulted: boolean;
  readonly l1Ratio: number;
  readonly standardize: Standardize;
  readonly weight?: string;
  /** `--exclude`: feature columns left out. */
  readonly exclude?: readonly string[];
  /** `--max-record-bytes`: JSON lines over it are skipped as replay skips them. */
  readonly maxRecordBytes?: number;
  /** `--kkt-tolerance` (binomial only) and `--stopping` (gaussian only), as solver options: empty when not given. */
  readonly solver: { readonly kktTolerance?: number; readonly stopping?: Stopping };
}

function maxRecordBytesFlag(raw: string | undefined): { maxRecordBytes?: number } {
  const n = numberFlag('max-record-bytes', raw, { min: 1, integer: true });
  return n === undefined ? {} : { maxRecordBytes: n };
}

/** `--exclude COL[,COL...]`, given once or more: the names, each once. */
function excludeFlag(given: readonly string[] | undefined): { exclude?: readonly string[] } {
  if (given === undefined) return {};
  const names = new Set<string>();
  for (const raw of given) {
    const some = parseNameList(raw);
    if (typeof some === 'string')
      throw new UsageError(`--exclude takes column names separated by commas, ${some}`);
    for (const name of some) names.add(name);
  }
  return { exclude: [...names] };
}

export function commonFlags(values: {
  input?: string;
  target?: string;
  family?: string;
  'l1-ratio'?: string;
  standardize?: boolean;
  weight?: string;
  exclude?: readonly string[];
  'kkt-tolerance'?: string;
  stopping?: string;
  'max-record-bytes'?: string;
}): CommonFitFlags {
  if (!values.input) throw new UsageError('--input FILE is required');
  // by the name (.csv; .jsonl, .ndjson, .json), else by the first character, as the reader decides
  const jsonl = inputFormatOfFile(values.input) === 'jsonl';
  // JSON-lines events name their target (label) and weight themselves: other flags would be ignored
  const target = values.target ?? (jsonl ? 'label' : undefined);
  if (!target) throw new UsageError('--target COLUMN is required (the CSV column to predict)');
  if (jsonl) {
    if (target !== 'label')
      throw new UsageError(
        `for JSON-lines events the target is the events' "label" field: use --target label (got "${values.target}")`,
      );
    if (values.weight !== undefined)
      throw new UsageError(
        `--weight names a CSV column; JSON-lines events carry their own "weight" field, which is used: leave out --weight ${values.weight}`,
      );
  }
  if (values.weight !== undefined && values.weight === target)
    throw new UsageError(
      `--weight ${values.weight} names the target column: a row's weight would be its own label; give the column of observation weights, or leave out --weight`,
    );
  const family = values.family ?? 'gaussian';
  if (family !== 'gaussian' && family !== 'binomial')
    throw new UsageError(
      `--family must be gaussian or binomial, got "${family}"${didYouMean(family, ['gaussian', 'binomial'])}`,
    );
  const l1Ratio = numberFlag('l1-ratio', values['l1-ratio'], { min: 0, exclusiveMin: true, max: 1 }) ?? 1;
  const kktTolerance = numberFlag('kkt-tolerance', values['kkt-tolerance'], {
    min: 0,
    exclusiveMin: true,
    max: 0.5,
  });
  if (kktTolerance !== undefined && family !== 'binomial')
    throw new UsageError(
      '--kkt-tolerance applies to --family binomial (gaussian fits are certified by their duality gap)',
    );
  const stopping = values.stopping;
  if (stopping !== undefined && stopping !== 'certified' && stopping !== 'glmnet')
    throw new UsageError(`--stopping must be certified or glmnet, got "${stopping}"`);
  if (stopping !== undefined && family !== 'gaussian')
    throw new UsageError('--stopping applies to --family gaussian (binomial fits stop on --kkt-tolerance)');
  return {
    input: values.input,
    format: jsonl ? 'jsonl' : 'csv',
    target,
    family,
    familyDefaulted: values.family === undefined,
    l1Ratio,
    standardize: values.standardize ?? 'auto',
    ...(values.weight !== undefined ? { weight: values.weight } : {}),
    ...excludeFlag(values.exclude),
    ...maxRecordBytesFlag(values['max-record-bytes']),
    solver: { ...(kktTolerance !== undefined ? { kktTolerance } : {}), ...(stopping ? { stopping } : {}) },
  };
}

/**
 * Cross-validation progress for `fit` and `path`: a line on stderr per fold (throttled; on a
 * terminal or with --progress), as the option `onProgress` of `crossValidate`.
 */
export function cvProgress(
  io: CliIO,
  enabled: boolean | undefined,
): {
  begin: (rows: number, folds: number) => void;
  onProgress: (done: number, total: number) => void;
  done: () => void;
} {
  const line = new ProgressLine(io, enabled ?? io.interactive);
  let start = Date.now();
  return {
    // the full path comes first and can take as long as a fold: said before it starts
    begin: (rows, folds) => {
      start = Date.now();
      line.update(
        () => `cross-validation: the full path on ${counted(rows, 'row')} first, then ${folds} folds`,
        true,
      );
    },
    onProgress: (done, total) =>
      line.update(
        () =>
          done === 0
            ? `cross-validation: full path done (${((Date.now() - start) / 1000).toFixed(1)} s), ${total} folds to go`
            : `cross-validation: fold ${done}/${total} done (${((Date.now() - start) / 1000).toFixed(1)} s)`,
        done === total,
      ),
    done: () => line.done(),
  };
}

/** The warning when some fold's fit did not converge: its held-out deviance is not the optimum's. */
export function warnIfCvNotConverged(io: CliIO, cv: CrossValidationResult): void {
  if (!cv.path.converged) io.stderr.write('l1stream: warning: some λ of the path did not converge\n');
  let fits = 0;
  let lambdas = 0;
  for (const c of cv.unconvergedFolds) {
    fits += c;
    if (c > 0) lambdas++;
  }
  if (fits > 0)
    io.stderr.write(
      `l1stream: warning: ${fits} of ${cv.folds * cv.lambdas.length} cross-validation fits (folds × λ) did NOT converge, at ${lambdas} λ; their held-out deviance is of an unconverged model ("cvUnconvergedFolds" per λ)\n`,
    );
}

/**
 * A note when the cross-validated deviance is lowest at the path's last λ, the grid's end or where
 * the path stopped with the deviance nearly all explained: that λ_min is an end, not a minimum
 * between larger and smaller λ. `extend`: how to try smaller ones.
 */
export function noteCvMinimumAtEnd(io: CliIO, cv: CrossValidationResult, extend: string): void {
  const last = cv.lambdas.length - 1;
  const stopped = cv.path.stoppedEarly;
  // (a path that stopped because smaller λ barely change the fit: no lower error lies past it)
  if (last < 1 || cv.indexMin !== last || stopped?.reason === 'flat') return;
  const where = stopped
    ? `the last λ the path reached (it stopped at ${last + 1} of ${stopped.gridSize}, as glmnet's does)`
    : 'the smallest λ of the grid';
  io.stderr.write(
    `l1stream: note: the cross-validated deviance is lowest at ${where}, λ_min = ${cv.lambdaMin.toPrecision(4)}: it may be lower still at smaller λ${stopped ? '' : `; ${extend}`}\n`,
  );
}

/** Warnings every batch command prints: constant columns, skipped events, non-convergence. */
export function warnAboutData(io: CliIO, data: TrainingData, constantColumns: readonly number[]): void {
  for (const note of data.notes) io.stderr.write(`l1stream: note: ${note}\n`);
  for (const warning of data.warnings ?? []) io.stderr.write(`l1stream: warning: ${warning}\n`);
  // a column the solver left out because its values are past 1e150 is not constant, it is too large
  for (const j of constantColumns) {
    const huge = hugeValues(data.x, j);
    const problem =
      huge !== null
        ? `has values too large to scale (above 1e150, where sums of their squares overflow${huge}): it is left out as a constant column would be, its coefficient fixed at 0; if those values are mistakes, fix or drop their rows (replay dead-letters such an event); else divide the column by a power of ten`
        : tinyColumn(data.x, j)
          ? 'has values too small to scale (their squares underflow): it is left out as a constant column would be, its coefficient fixed at 0; multiply it by a power of ten'
          : 'is constant; its coefficient is fixed at 0 (drop the column to silence this)';
    io.stderr.write(`l1stream: warning: column "${data.names[j]}" ${problem}\n`);
  }
  const twins = duplicateColumns(data.x, new Set(constantColumns));
  for (const [later, earlier] of twins.slice(0, DUPLICATES_SHOWN))
    io.stderr.write(
      `l1stream: warning: column "${data.names[later]}" is equal to column "${data.names[earlier]}" in every row: the lasso gives their coefficient to one of them, which one is arbitrary (elastic net, --l1-ratio below 1, splits it); drop one of them\n`,
    );
  if (twins.length > DUPLICATES_SHOWN)
    io.stderr.write(
      `l1stream: warning: and ${twins.length - DUPLICATES_SHOWN} more columns equal to an earlier column in every row\n`,
    );
}

/** Pairs of equal columns named at most (`warnAboutData`). */
const DUPLICATES_SHOWN = 5;

/**
 * How many rows of column j hold a value whose square overflows, and the largest (`: 1 of 2,011
 * rows, the largest 1e300`): one row among many is a bad value rather than a column in other units.
 */
function hugeValues(x: TrainingData['x'], j: number): string | null {
  const column = new Float64Array(x.rows);
  x.axpy(j, 1, column);
  let largest = 0;
  let rows = 0;
  for (const v of column) {
    if (Math.abs(v) > UNSCALABLE_ABOVE) rows++;
    largest = Math.max(largest, Math.abs(v));
  }
  if (rows === 0) return null;
  return `: ${rows.toLocaleString('en-US')} of ${x.rows.toLocaleString('en-US')} rows, the largest ${String(largest).replace('e+', 'e')}`;
}

/** True when column j takes two values or more, all below 1e-150 in size (their squares underflow). */
function tinyColumn(x: TrainingData['x'], j: number): boolean {
  const column = new Float64Array(x.rows);
  x.axpy(j, 1, column);
  let largest = 0;
  for (const v of column) largest = Math.max(largest, Math.abs(v));
  return largest > 0 && largest < 1e-150 && column.some((v) => v !== column[0]);
}

export function warnIfNotConverged(io: CliIO, fit: LambdaFit): void {
  if (!fit.converged) {
    io.stderr.write(
      `l1stream: warning: the solver did NOT converge at λ=${fit.lambda} (${fit.reason ?? 'unknown reason'}; ${fit.passes} sweeps, ${fit.outerIterations} Newton iterations); the model is reported with "converged": false\n`,
    );
  }
}

/** Every label is 0 or 1, and both occur. */
function onlyZeroAndOne(y: ArrayLike<number>): boolean {
  let zeros = 0;
  let ones = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 0) zeros++;
    else if (y[i] === 1) ones++;
    else return false;
  }
  return zeros > 0 && ones > 0;
}

/**
 * Loads the input of `fit` and `path`. A JSON line that is not a valid event is skipped as replay
 * dead-letters it (the same stage and reason), and so is a CSV row that cannot be used (a field
 * count other than the header's, a bad target or weight, an infinite number), counted in a warning on stderr and, with
 * `deadLetters`, written there with the fields of replay's dead-letters.jsonl (also when no valid
 * line remains, which is an error).
 */
export async function loadSkipping(
  io: CliIO,
  flags: CommonFitFlags,
  deadLetters: string | undefined,
): Promise<TrainingData> {
  const letters: string[] = [];
  let first: RejectedLine | undefined;
  let minusOne = 0;
  const onReject = (r: RejectedLine) => {
    first ??= r;
    if (r.reason.endsWith(MINUS_ONE_LABELS)) minusOne++;
    const letter = { line: r.line, source: flags.input, stage: r.stage, reason: r.reason, value: r.value };
    letters.push(`${JSON.stringify(letter)}\n`);
  };
  try {
    const data = await loadTrainingData(flags.input, flags.target, flags.family, {
      format: flags.format,
      ...(flags.weight !== undefined ? { weightColumn: flags.weight } : {}),
      ...(flags.maxRecordBytes !== undefined ? { maxRecordBytes: flags.maxRecordBytes } : {}),
      ...(flags.exclude !== undefined ? { exclude: flags.exclude } : {}),
      onReject,
    });
    if (flags.family === 'binomial')
      checkBothLabels(
        data,
        minusOne,
        flags.format === 'jsonl' ? 'the events\' "weight"' : 'the weight column (--weight)',
      );
    else if (flags.familyDefaulted && onlyZeroAndOne(data.y))
      io.stderr.write(
        `l1stream: note: the target "${flags.target}" holds only 0 and 1, and this is a least-squares fit (--family gaussian, the default); --family binomial fits a logistic model of its probability\n`,
      );
    return data;
  } finally {
    if (deadLetters !== undefined) await writeOutputFile('dead-letters', deadLetters, letters.join(''));
    const csv = !/\.(jsonl|ndjson)$/i.test(flags.input);
    const what = csv
      ? `${counted(letters.length, 'row')} that cannot be used`
      : `${counted(letters.length, 'line')} that ${letters.length === 1 ? 'is not a valid event' : 'are not valid events'}`;
    if (first !== undefined)
      io.stderr.write(
        `l1stream: warning: skipped ${what} (the first, line ${first.line}: ${first.reason})` +
          (deadLetters !== undefined
            ? `; all of them are in ${deadLetters}\n`
            : `; --dead-letters FILE lists them\n`),
      );
  }
}

/**
 * A binomial fit needs rows of both labels: with one, the intercept's estimate is ±∞ and any
 * number the solver stops at is meaningless. `minusOne` rows were skipped for a label of -1.
 */
function checkBothLabels(data: TrainingData, minusOne: number, weightsFrom: string): void {
  const { y, weights } = data;
  let seen = -1;
  // rows of weight 0 and their labels: a class may be there with weight 0 only
  let weightless = 0;
  const weightlessLabels = new Set<number>();
  for (let i = 0; i < y.length; i++) {
    if (weights !== undefined && !(weights[i]! > 0)) {
      weightless++;
      weightlessLabels.add(y[i]!);
      continue;
    }
    if (seen === -1) seen = y[i]!;
    else if (y[i] !== seen) return;
  }
  if (seen === -1) return;
  const other = 1 - seen;
  const fix =
    minusOne > 0
      ? `${counted(minusOne, 'row')} with target -1 ${minusOne === 1 ? 'was' : 'were'} skipped: send 0 for -1 (labels -1/+1, as Vowpal Wabbit uses, are 0/1 here)`
      : weightlessLabels.has(other)
        ? `the rows with target ${other} all have weight 0 (${counted(weightless, 'row')} of weight 0 in all), and a row of weight 0 counts for nothing: check ${weightsFrom}`
        : 'check the target column, or the filter that produced the file';
  throw new DataError(
    `every usable row${weightless > 0 ? ' of positive weight' : ''} has target ${seen}: a binomial fit needs rows with target 0 and rows with target 1 (with one class the intercept would be ${seen === 1 ? '+' : '-'}∞); ${fix}`,
  );
}

/**
 * Cross-validation needs a row per fold: checked before any fit, saying what to give instead
 * (`otherwise`, e.g. "--lambda L to fit at one λ"); `why` says why there are folds when --cv was not given.
 */
export function checkFolds(folds: number, rows: number, otherwise: string, why = ''): void {
  if (folds <= rows) return;
  const fewer = rows >= 2 ? `--cv K with K from 2 to ${rows}, or ` : '';
  throw new DataError(
    `${why}${folds} folds need at least ${folds} rows, the input has ${rows}; give ${fewer}${otherwise}`,
  );
}

/** glmnet's bound: a binomial class with fewer rows than this makes cross-validation "dangerous ground". */
const FEW_IN_CLASS = 8;

/**
 * Warns when a binomial cross-validation has fewer than `FEW_IN_CLASS` rows (of positive weight)
 * of one class: folds then hold few or none of them, and the held-out deviance per λ says little.
 */
export function warnIfFewInOneClass(
  io: CliIO,
  family: Family,
  y: Float64Array,
  weights: Float64Array | undefined,
  folds: number,
  otherwise: string,
): void {
  if (family !== 'binomial') return;
  let ones = 0;
  let rows = 0;
  for (let i = 0; i < y.length; i++) {
    if (weights !== undefined && !(weights[i]! > 0)) continue;
    rows++;
    if (y[i] === 1) ones++;
  }
  const few = Math.min(ones, rows - ones);
  if (few >= FEW_IN_CLASS || few === 0) return;
  const label = few === ones ? 1 : 0;
  const empty =
    few < folds
      ? `at least ${folds - few} of the ${folds} folds hold none of them`
      : `each fold holds at most ${Math.ceil(few / folds)} of them`;
  // (--cv takes 2 folds at least)
  const folds2 = Math.min(few, folds - 1);
  const fewer = folds2 >= 2 ? `fewer folds (--cv ${folds2}), ` : '';
  io.stderr.write(
    `l1stream: warning: only ${few} of ${rows} rows have label ${label} (fewer than ${FEW_IN_CLASS}): ${empty}, so the cross-validated deviance per λ (and the λ it picks) says little; use ${fewer}more data, or ${otherwise}\n`,
  );
}

export function defaultKey(input: string): string {
  return basename(input, extname(input)) || 'default';
}

export const fitCommand: Command = {
  summary: 'batch lasso / elastic-net fit on CSV or JSONL',
  usage,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, options);
    const flags = commonFlags(values);
    const lambda = numberFlag('lambda', values.lambda, { min: 0 });
    if (lambda !== undefined && values.cv !== undefined)
      throw new UsageError('give either --lambda or --cv, not both');
    const folds = numberFlag('cv', values.cv, { min: 2, integer: true }) ?? 10;
    const seed = numberFlag('seed', values.seed, { integer: true }) ?? 1;
    const threads = numberFlag('threads', values.threads, { min: 1, integer: true });
    if (threads !== undefined && lambda !== undefined && !values.adaptive)
      throw new UsageError(
        '--threads sets the threads of the cross-validation, and --lambda fits one λ without one: leave out --threads',
      );
    const select = values.select ?? 'min';
    if (select !== 'min' && select !== '1se')
      throw new UsageError(`--select must be min or 1se, got "${select}"`);
    if (values.select !== undefined && lambda !== undefined)
      throw new UsageError(
        '--select picks the λ of the cross-validation, and --lambda fits the λ given without one: leave out --select',
      );
    if (values.seed !== undefined && lambda !== undefined && !values.adaptive)
      throw new UsageError(
        '--seed assigns the folds of the cross-validation, and --lambda fits one λ without one: leave out --seed',
      );
    // paths that cannot be read or written are reported before the fit, not after it
    await checkInputFile('input', flags.input);
    const reads = [['--input', flags.input]] as const;
    if (values.output) await checkOutputFile('output', values.output, reads);
    if (values['dead-letters']) await checkOutputFile('dead-letters', values['dead-letters'], reads);
    await refuseSharedOutputs([
      ['--output', values.output],
      ['--dead-letters', values['dead-letters']],
    ]);
    const data = await loadSkipping(io, flags, values['dead-letters']);
    if (values.adaptive)
      checkFolds(folds, data.x.rows, 'no --adaptive', '--adaptive cross-validates its first stage: ');
    else if (lambda === undefined)
      checkFolds(
        folds,
        data.x.rows,
        '--lambda L to fit at one λ',
        values.cv === undefined ? 'without --lambda, λ is chosen by cross-validation: ' : '',
      );
    if (values.adaptive || lambda === undefined)
      warnIfFewInOneClass(io, flags.family, data.y, data.weights, folds, '--lambda L to fit at one λ');
    const progress = cvProgress(io, values.progress);
    if (values.gamma !== undefined && !values.adaptive) throw new UsageError('--gamma goes with --adaptive');
    const gamma = numberFlag('gamma', values.gamma, { min: 0, exclusiveMin: true }) ?? 1;
    const basePenalty = values['penalty-factors']
      ? await readPenaltyFactors(values['penalty-factors'], data.names, data.zeroColumns)
      : undefined;
    const baseOptions = {
      family: flags.family,
      l1Ratio: flags.l1Ratio,
      standardize: flags.standardize,
      ...flags.solver,
      ...(data.weights ? { weights: data.weights } : {}),
      ...(basePenalty ? { penaltyFactors: basePenalty } : {}),
    };
    let extra: Record<string, number | boolean | string> = {};
    let solverOptions = baseOptions;
    if (values.adaptive) {
      // first stage: cross-validated fit at λ_min; its coefficients weigh the second stage
      progress.begin(data.x.rows, folds);
      const initial = await crossValidateOnThreads(data.x, data.y, {
        ...baseOptions,
        folds,
        seed,
        onProgress: progress.onProgress,
        ...(threads !== undefined ? { threads } : {}),
      });
      const first = {
        initial,
        penaltyFactors: adaptivePenaltyFactors(data.x, data.y, initial, { ...baseOptions, gamma }),
      };
      progress.done();
      warnIfCvNotConverged(io, first.initial);
      if (first.penaltyFactors.every((v) => v === Infinity))
        throw new DataError(
          '--adaptive: the first-stage fit (at the cross-validated λ_min) selected no feature, so there is nothing to refit',
        );
      solverOptions = { ...baseOptions, penaltyFactors: first.penaltyFactors };
      extra = { adaptive: true, gamma, firstStageLambda: first.initial.lambdaMin };
    }
    const problem = prepareProblem(data.x, data.y, solverOptions);
    warnAboutData(io, data, problem.constantColumns);
    let fit: LambdaFit;
    if (lambda !== undefined) {
      fit = solveAtProblem(problem, lambda);
    } else {
      progress.begin(data.x.rows, folds);
      const cv = await crossValidateOnThreads(data.x, data.y, {
        ...solverOptions,
        folds,
        seed,
        onProgress: progress.onProgress,
        ...(threads !== undefined ? { threads } : {}),
      });
      progress.done();
      const index = select === 'min' ? cv.indexMin : cv.index1se;
      fit = cv.path.fits[index]!;
      extra = {
        ...extra,
        lambdaMin: cv.lambdaMin,
        lambda1se: cv.lambda1se,
        cvDeviance: cv.cvm[index]!,
        cvDevianceSe: cv.cvsd[index]!,
        cvUnconvergedFolds: cv.unconvergedFolds[index]!,
        cvConverged: cv.converged,
        folds: cv.folds,
        seed,
      };
      warnIfCvNotConverged(io, cv);
      noteCvMinimumAtEnd(io, cv, "'l1stream path --cv' with a smaller --lambda-min-ratio tries smaller ones");
    }
    warnIfNotConverged(io, fit);
    // converged, but not an estimate: non-unique at λ = 0, or separated classes
    const warnings = fitWarnings(
      problem,
      fit,
      lambda !== undefined,
      select === '1se' ? '1se' : 'min',
      (j) => data.names[j] ?? `column ${j}`,
    );
    for (const w of warnings) io.stderr.write(`l1stream: warning: ${w}\n`);
    for (const note of fitNotes(problem, fit)) io.stderr.write(`l1stream: note: ${note}\n`);
    if (warnings.length > 0) extra = { ...extra, warnings: warnings.join(' ') };
    const model = snapshotOf(fit, data, {
      key: values.key ?? defaultKey(flags.input),
      version: 1,
      family: flags.family,
      l1Ratio: flags.l1Ratio,
      extra,
    });
    const text = `${JSON.stringify(model, null, 2)}\n`;
    if (values.output) await writeOutputFile('output', values.output, text);
    else io.stdout.write(text);
    return 0;
  },
};
