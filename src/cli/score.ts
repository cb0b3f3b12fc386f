import { readFile } from 'node:fs/promises';

import { withoutBom } from '../core/bom.js';
import { DEFAULT_MAX_RECORD_BYTES, oversizeReason } from '../core/recordSize.js';
import { fileLines } from '../core/fileLines.js';
import { DataError } from '../core/errors.js';
import { fileHead, gzipProblem, inputFormatOf } from '../core/inputFormat.js';
import { validateEvent, type Family, type L1Event, type Validated } from '../core/event.js';
import { jsonParseError } from '../core/jsonSyntax.js';
import { crOnlyProblem, csvEvents, type CsvEventRow } from '../solve/csv.js';
import { notUtf8Lines } from '../solve/input.js';
import { lossFor } from '../loss/index.js';
import { ProgressiveMetrics } from '../metrics/progressive.js';
import type { ModelSnapshot } from '../model/snapshot.js';
import { SnapshotScorer, snapshotProblem } from '../model/snapshotScorer.js';
import { JsonEventReader } from '../stream/jsonEventReader.js';
import { keyFunction } from '../stream/routeByKey.js';
import type { Command } from './command.js';
import {
  checkInputFile,
  checkOutputFile,
  flagNumber,
  numberFlag,
  parseCommandArgs,
  PathError,
  pathProblem,
  pipeClosed,
  UsageError,
  type CliIO,
} from './io.js';
import { JsonlWriter } from '../../connectors/file/jsonl.js';
import { forEachFeature } from '../features/namedValues.js';
import { ModelFieldsSeen } from './modelFieldsSeen.js';
import { counted, formatCount } from './progress.js';
import { isBlankLine } from '../core/blankLine.js';

const usage = `usage: l1stream score --model MODEL --input EVENTS.jsonl|ROWS.csv [options]

Scores events with a saved model snapshot: each line of EVENTS.jsonl gets one line of output
(in order) with the fields of replay's scores.jsonl: key (the model's), eventKey (the event's
own key, if any), the prediction (probability for binomial), model (the snapshot's source, version
and offset, and exact: true) and top, the features that moved it most (β_j·x_j); and margin = baseline + the top
contributions + others, where baseline is the intercept, others the sum of the contributions not
in top, and margin the linear predictor (log-odds for binomial, the prediction for gaussian).
Features are named as in training (numbers by field, strings as field=value); a feature the model
never saw contributes nothing; a warning on stderr names the model's non-zero features whose
field is in no event (a misspelt field name, say), and those whose field came only with the
other kind of value ("age": "42" for the number age). A line that is not a valid event, whose score
would not be a finite number (a feature of 1e300, say), or that has no model to score it
(--key-by, --key), gets {"line", "error"} instead, and scoring goes on. The snapshot used is named on stderr.
Labels are not needed and do not change a score: events with a "label" (the training file itself)
are scored like the others, and the summary line on stderr gives the log loss and AUC (binomial) or
the MSE (gaussian) of the predictions on them: the log loss and the MSE weighted by "weight", the AUC
counting each event once. A label the model's family
cannot use (not 0 or 1 for binomial, not a number) is left out of those; its event is scored.

options:
  --model MODEL     a snapshot (JSON), or a models.jsonl / fit / path output: the most recent
                    snapshot (most events learned, then the highest version) is used, narrowed
                    by --key, --source, --lambda and --version. A path's most recent snapshot is
                    its smallest λ: choose another with --lambda or --version
  --input FILE      JSON-lines events, or a .csv read as fit and path read it (a number by its
                    column, other text the one-hot column=text, an empty cell absent), required
  --target COL      a CSV's label column (not a feature), for the log loss / MSE on stderr
  --key-by FIELD    as replay's: score each event with the snapshot of its own key, the value of
                    FIELD ("key": the event's key; or a feature such as "campaign"); an event
                    whose key has no snapshot in MODEL gets an error line, not another key's model
  --fallback-key K  with --key-by: an event whose key has no snapshot in MODEL is scored with
                    key K's instead (a model of all keys, say: concatenate its models.jsonl with
                    the keyed one), and its score line says "fallback": true
  --key K           with several keys in MODEL: the snapshot of this key. With --key-by, only the
                    events of key K are scored (the others get an error line); without it, a
                    warning on stderr counts the events that name another key of MODEL
  --source S        online | refit | batch: only snapshots of this source; latest: any source.
                    Default: online when MODEL has online snapshots (what replay and run serve
                    unless refit.serve is "refit"), else any; with --version N, any
  --lambda L        the snapshot whose λ is nearest L (on a log scale), e.g. on a path; min or
                    1se: the λ a cross-validation chose (path --cv, fit --cv: lambdaMin,
                    lambda1se), as glmnet's s = "lambda.min" / "lambda.1se"
  --version N       the snapshot with this version, online or refit (on a path: its position,
                    1 = largest λ)
  --top N           contributions named per score (default 5)
  --output FILE     write scores there (default stdout; when the reader of stdout stops early,
                    as 'head' does, scoring stops quietly with exit 0)
  --max-record-bytes N  a line over N bytes gets an error line, unread (default 1048576, as
                    replay's --max-record-bytes)`;

const options = {
  model: { type: 'string' },
  input: { type: 'string' },
  target: { type: 'string' },
  'key-by': { type: 'string' },
  'fallback-key': { type: 'string' },
  key: { type: 'string' },
  source: { type: 'string' },
  lambda: { type: 'string' },
  version: { type: 'string' },
  top: { type: 'string' },
  output: { type: 'string' },
  'max-record-bytes': { type: 'string' },
} as const;

/**
 * Which of a key's snapshots to score with: by version, by nearest λ, by the λ its
 * cross-validation chose (`cv`: the snapshots' `lambdaMin` or `lambda1se`), or the most recent.
 */
export interface SnapshotPick {
  readonly lambda?: number;
  readonly version?: number;
  readonly cv?: 'min' | '1se';
}

/** The metric of a cross-validated snapshot that holds the λ `--lambda min` / `1se` names. */
const CV_METRIC = { min: 'lambdaMin', '1se': 'lambda1se' } as const;

/** The λ a cross-validation chose (`rule`), from the most recent snapshot that records it, or undefined. */
function cvLambda(candidates: readonly ModelSnapshot[], rule: 'min' | '1se'): number | undefined {
  const recorded = candidates.filter((s) => typeof s.metrics?.[CV_METRIC[rule]] === 'number');
  if (recorded.length === 0) return undefined;
  return recorded.reduce(mostRecent).metrics![CV_METRIC[rule]] as number;
}

/**
 * The model snapshots of a JSON document or of JSON lines (other lines are skipped). A last line
 * cut short (no newline after it, as a killed replay leaves models.jsonl) is skipped too, and
 * `warn` says so; any other line that is not JSON stops with its line number.
 */
export async function readSnapshots(
  file: string,
  warn: (message: string) => void = () => undefined,
): Promise<ModelSnapshot[]> {
  let text: string;
  try {
    text = withoutBom(await readFile(file, 'utf8'));
  } catch (err) {
    throw new PathError(pathProblem('--model', file, err, 'read'));
  }
  const trimmed = text.trim();
  let docs: unknown[];
  if (trimmed.startsWith('{') && !trimmed.includes('\n{')) {
    try {
      docs = [JSON.parse(trimmed)];
    } catch (err) {
      throw new DataError(
        `--model: ${file} is neither a JSON snapshot nor JSON lines of snapshots: ${(err as Error).message}`,
      );
    }
  } else {
    docs = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      try {
        docs.push(JSON.parse(lines[i]));
      } catch (err) {
        if (i === lines.length - 1) {
          warn(
            `--model: the last line of ${file} (line ${i + 1}) is cut short, as a replay killed while writing leaves it: skipped`,
          );
          continue;
        }
        throw new DataError(
          `--model: ${file} line ${i + 1} is not JSON (${(err as Error).message}): give a model JSON or JSON lines of snapshots (models.jsonl)`,
        );
      }
    }
  }
  const snapshots = docs.filter(
    (d): d is ModelSnapshot =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as ModelSnapshot).intercept === 'number' &&
      typeof (d as ModelSnapshot).coefficients === 'object',
  );
  if (snapshots.length === 0)
    throw new DataError(`--model: ${file} holds no model snapshot (intercept, coefficients)`);
  // the family decides what a margin means (a probability or the prediction itself): never guessed
  const without = snapshots.findIndex((s) => s.family !== 'gaussian' && s.family !== 'binomial');
  if (without >= 0)
    throw new DataError(
      `--model: ${snapshots.length > 1 ? `snapshot ${without + 1} of ${file}` : file} has ${snapshots[without]!.family === undefined ? 'no "family"' : `"family": ${JSON.stringify(snapshots[without]!.family)}`}; add "family": "binomial" (log-odds, predictions are probabilities) or "gaussian" (predictions are the linear predictor)`,
    );
  for (const [k, s] of snapshots.entries()) {
    const problem = snapshotProblem(s);
    if (problem !== null)
      throw new DataError(
        `--model: ${snapshots.length > 1 ? `snapshot ${k + 1} of ${file}` : file}: ${problem}`,
      );
  }
  return snapshots;
}

/** A key as JSON (so that " " and a newline show), its first 40 characters when longer. */
function quotedKey(key: string | undefined): string {
  // a model written by hand has no key
  if (typeof key !== 'string') return '(none: a model written by hand)';
  return key.length > 40 ? `${JSON.stringify(key.slice(0, 40)).slice(0, -1)}…"` : JSON.stringify(key);
}

/** The snapshots of `key` (all keys when undefined) and `source`; a DataError when none. */
function matching(
  snapshots: readonly ModelSnapshot[],
  file: string,
  key: string | undefined,
  source: string | undefined,
): ModelSnapshot[] {
  const chosen = snapshots.filter(
    (s) => (key === undefined || s.key === key) && (source === undefined || s.source === source),
  );
  if (chosen.length === 0) {
    const ofKey = snapshots.filter((s) => key === undefined || s.key === key);
    // the key is there: the source is what does not match, so list the key's sources
    if (ofKey.length > 0 && source !== undefined) {
      const sources = [
        ...new Set(
          ofKey.map((s) =>
            typeof s.source === 'string' ? JSON.stringify(s.source) : '(none: a model written by hand)',
          ),
        ),
      ].join(', ');
      throw new DataError(
        `--model: no snapshot in ${file}${key !== undefined ? ` of key ${quotedKey(key)}` : ''} is from source "${source}" (sources there: ${sources}; --source latest takes any)`,
      );
    }
    const all = [...new Set(snapshots.map((s) => s.key))];
    const more = all.length > 10 ? `, and ${formatCount(all.length - 10)} more` : '';
    const keys = all.slice(0, 10).map(quotedKey).join(', ') + more;
    throw new DataError(
      `--model: no snapshot in ${file} matches${key !== undefined ? ` key ${quotedKey(key)}` : ''}${source !== undefined ? ` source "${source}"` : ''} (keys there: ${keys})`,
    );
  }
  return chosen;
}

/** Versions (sorted, distinct) as a list, runs of consecutive ones as ranges: `2, 4, 6 to 9`. */
function listVersions(versions: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < versions.length;) {
    let j = i;
    while (j + 1 < versions.length && versions[j + 1] === versions[j]! + 1) j++;
    parts.push(
      j > i + 1
        ? `${versions[i]} to ${versions[j]}`
        : j === i + 1
          ? `${versions[i]}, ${versions[j]}`
          : `${versions[i]}`,
    );
    i = j + 1;
  }
  return parts.length > 12
    ? `${parts.slice(0, 6).join(', ')}, ..., ${parts.slice(-3).join(', ')}`
    : parts.join(', ');
}

/** The most recent: the most events learned (a refit's offset is its window's end), then the latest version. */
function mostRecent(a: ModelSnapshot, b: ModelSnapshot): ModelSnapshot {
  return b.offset > a.offset || (b.offset === a.offset && b.version > a.version) ? b : a;
}

/** Distance of two λ on a log scale (λ = 0 is farther from any positive λ than every positive one). */
function lambdaDistance(a: number, b: number): number {
  if (a === b) return 0;
  return a > 0 && b > 0 ? Math.abs(Math.log(a / b)) : Infinity;
}

/**
 * One key's snapshot by `pick` (`candidates` all of that key): the version asked for, the λ
 * nearest the one asked for (ties: the most recent), or the most recent. Null when no snapshot
 * has the version, or (`cv`) none records a cross-validation's choice.
 */
export function pickSnapshot(all: readonly ModelSnapshot[], pick: SnapshotPick): ModelSnapshot | null {
  if (pick.version !== undefined) {
    const same = all.filter((s) => s.version === pick.version);
    return same.length === 0 ? null : same.reduce(mostRecent);
  }
  // a refit that is no estimate (a window of one class) was not served: chosen only by its version
  const estimates = all.filter((s) => s.metrics?.noEstimate !== true);
  const candidates = estimates.length > 0 ? estimates : all;
  const wanted = pick.cv !== undefined ? cvLambda(candidates, pick.cv) : pick.lambda;
  if (pick.cv !== undefined && wanted === undefined) return null;
  if (wanted === undefined) return candidates.reduce(mostRecent);
  const nearest = candidates.reduce((a, b) => {
    const da = lambdaDistance(a.lambda, wanted);
    const db = lambdaDistance(b.lambda, wanted);
    return db < da || (db === da && mostRecent(a, b) === b) ? b : a;
  });
  // a cross-validation's λ is one of its path's: a snapshot elsewhere is another model
  return pick.cv !== undefined && !(lambdaDistance(nearest.lambda, wanted) <= 1e-9) ? null : nearest;
}

/** Reads the snapshot to score with from a JSON document or JSON lines of snapshots. */
export async function readSnapshot(
  file: string,
  key?: string,
  source?: string,
  pick: SnapshotPick = {},
): Promise<ModelSnapshot> {
  return chooseSnapshot(await readSnapshots(file), file, key, source, pick).snapshot;
}

/** The one snapshot to score with, and the sentence that says on stderr which it is and why. */
function chooseSnapshot(
  snapshots: readonly ModelSnapshot[],
  file: string,
  key: string | undefined,
  source: string | undefined,
  pick: SnapshotPick,
): { snapshot: ModelSnapshot; why: string } {
  const chosen = matching(snapshots, file, key, source);
  const keys = new Set(chosen.map((s) => s.key));
  if (keys.size > 1 && key === undefined)
    throw new UsageError(
      `--model: ${file} has snapshots of ${counted(keys.size, 'key')}; pick one with --key (e.g. --key ${[...keys][0]}), or score each event with its own key's with --key-by FIELD`,
    );
  const snapshot = pickSnapshot(chosen, pick);
  if (snapshot === null && pick.cv !== undefined) throw noCvChoice(pick.cv, file, key, chosen);
  if (snapshot === null) {
    const versions = [...new Set(chosen.map((s) => s.version).filter((v) => typeof v === 'number'))].sort(
      (a, b) => a - b,
    );
    const from = source !== undefined ? ` from source "${source}"` : '';
    // the version may be there from another source: say which
    const other =
      source === undefined ? undefined : snapshots.find((s) => keys.has(s.key) && s.version === pick.version);
    throw new DataError(
      `--version ${pick.version}: no snapshot${key !== undefined ? ` of key ${quotedKey(key)}` : ''}${from} in ${file} has that version (${versions.length > 0 ? `versions there${from}: ${listVersions(versions)}` : 'its snapshots have no version'})${other !== undefined ? `; version ${pick.version} is a snapshot from source "${other.source}": leave out --source ${source}` : ''}`,
    );
  }
  // a path: several λ fitted on the same events
  const lambdas = new Set(chosen.filter((s) => s.offset === snapshot.offset).map((s) => s.lambda)).size;
  const of = `of ${formatCount(chosen.length)} snapshot${chosen.length === 1 ? '' : 's'}`;
  let why: string;
  if (pick.version !== undefined) why = `version ${pick.version} ${of}`;
  else if (pick.cv !== undefined) why = `λ_${pick.cv} of its cross-validation (--lambda ${pick.cv}) ${of}`;
  else if (pick.lambda !== undefined)
    why =
      typeof snapshot.lambda === 'number'
        ? `the λ nearest --lambda ${pick.lambda} ${of}`
        : `the most recent ${of} (--lambda ${pick.lambda} chose nothing: no snapshot there records its λ)`;
  else if (lambdas > 1)
    why = `the most recent ${of}, the last of ${formatCount(lambdas)} values of λ fitted on the same events (the smallest on a path): choose another with --lambda L or --version N`;
  else why = `the most recent ${of}`;
  const skipped = chosen.filter(
    (s) => s.metrics?.noEstimate === true && mostRecent(s, snapshot) === s,
  ).length;
  if (pick.version === undefined && skipped > 0 && snapshot.metrics?.noEstimate !== true)
    why += ` (${counted(skipped, 'later refit')} left out: no estimate, a window of one class, not served)`;
  return { snapshot, why };
}

/**
 * The source to score with: `--source` (`latest`: any), or, without it, the online snapshots
 * when MODEL has any, as replay and run serve the online model unless `refit.serve` is "refit"
 * (models.jsonl does not record which served). `servedNote` says so on stderr when it narrowed.
 * `--version N` without `--source` looks among every source: a key's versions are unique across
 * its online and refit snapshots.
 */
function sourceOf(
  flag: string | undefined,
  snapshots: readonly ModelSnapshot[],
  pick: SnapshotPick,
): { source: string | undefined; servedNote: string } {
  if (flag !== undefined) return { source: flag === 'latest' ? undefined : flag, servedNote: '' };
  if (pick.version !== undefined) return { source: undefined, servedNote: '' };
  const sources = new Set(snapshots.map((s) => s.source));
  if (!sources.has('online') || sources.size === 1) return { source: undefined, servedNote: '' };
  return {
    source: 'online',
    servedNote:
      ' (online snapshots only: replay and run serve the online model by default; --source refit or --source latest for the others)',
  };
}

/**
 * `KEY vN (source, λ L, N events learned, N non-zero)`: the snapshot's key, version and source,
 * with its λ and events when `full`, as far as it has them (a hand-written model may have none).
 */
function describe(s: ModelSnapshot, full = true): string {
  const nonzero = Object.keys(s.coefficients).length;
  const name = [
    typeof s.key === 'string' ? quotedKey(s.key) : null,
    typeof s.version === 'number' ? `v${s.version}` : null,
  ]
    .filter((part) => part !== null)
    .join(' ');
  const facts = [
    typeof s.source === 'string' ? s.source : null,
    full && typeof s.lambda === 'number' ? `λ ${formatLambda(s.lambda)}` : null,
    full && typeof s.offset === 'number' ? `${formatCount(s.offset)} events learned` : null,
    `${formatCount(nonzero)} non-zero`,
  ].filter((part) => part !== null);
  return `${name === '' ? 'the snapshot' : name} (${facts.join(', ')})`;
}

function formatLambda(lambda: number): string {
  return typeof lambda === 'number' ? Number(lambda.toPrecision(3)).toString() : String(lambda);
}

/** A key's snapshot and its scorer, built on first use. */
interface KeyModel {
  readonly snapshot: ModelSnapshot;
  scorer: SnapshotScorer | null;
}

/**
 * The field of an event (its own "key", or a feature) whose value is another key of MODEL, when
 * MODEL has several keys and one was chosen with --key: such an event was likely meant for its
 * own model. Null when none.
 */
function otherKeyField(event: L1Event, others: ReadonlySet<string>): { field: string; key: string } | null {
  if (event.key !== undefined && others.has(event.key)) return { field: 'key', key: event.key };
  let found: { field: string; key: string } | null = null;
  forEachFeature(event, (field, v) => {
    if (found === null && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
      if (others.has(String(v))) found = { field, key: String(v) };
  });
  return found;
}

/** The warning on non-zero features whose field no event of the input had (a typo, another case). */
function absentWarning(absent: readonly string[], total: number, input: string, one: boolean): string {
  const few = absent.slice(0, 5).map((n) => JSON.stringify(n));
  return `score: warning: ${formatCount(absent.length)} of the ${formatCount(total)} non-zero features of ${one ? 'the model' : 'the models'} never appeared in ${input} (no event has their field): ${few.join(', ')}${absent.length > few.length ? ', ...' : ''}; they contribute nothing to any score. Check the input's field names against the model's (a typo or another case is a different field)\n`;
}

/**
 * The warning for non-zero features whose field came only with the other kind of value: a number
 * sent as text (`{"age": "42"}`, the one-hot `age=42`) or a level sent as a number.
 */
function otherKindWarning(
  found: ReturnType<ModelFieldsSeen['otherKind']>,
  total: number,
  input: string,
  one: boolean,
): string {
  const few = found
    .slice(0, 5)
    .map(({ name, kind }) =>
      kind === 'number'
        ? `${JSON.stringify(name)} (a number in the model, text in the events: send JSON numbers, 42 not "42")`
        : `${JSON.stringify(name)} (text in the model, a number or boolean in the events: send it as text)`,
    );
  return `score: warning: ${formatCount(found.length)} of the ${formatCount(total)} non-zero features of ${one ? 'the model' : 'the models'} never scored in ${input}: their field came only with the other kind of value: ${few.join(', ')}${found.length > few.length ? ', ...' : ''}; they contribute nothing to any score\n`;
}

/** The summary line's parts on labels: `; 300 labelled: log loss 0.64812, AUC 0.70012; 2 labels left out: ...`. */
function labelledSummary(metrics: ProgressiveMetrics, unusable: number): string {
  const parts: string[] = [];
  if (metrics.events > 0) {
    const m = metrics.summary();
    const figures =
      metrics.family === 'binomial'
        ? `log loss ${m.logLoss!.toFixed(5)}, AUC ${Number.isFinite(m.auc) ? m.auc!.toFixed(5) : 'n/a (one label only)'}`
        : `MSE ${m.progressiveLoss!.toFixed(5)}`;
    parts.push(`${formatCount(metrics.events)} labelled: ${figures}`);
  }
  if (unusable > 0) parts.push(`${counted(unusable, 'label')} left out: not usable for ${metrics.family}`);
  return parts.map((p) => `; ${p}`).join('');
}

export const scoreCommand: Command = {
  summary: 'score events with a saved model snapshot',
  usage,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, options);
    if (values.model === undefined) throw new UsageError('--model MODEL is required');
    if (values.input === undefined) throw new UsageError('--input FILE is required');
    if (
      values.source !== undefined &&
      values.source !== 'online' &&
      values.source !== 'refit' &&
      values.source !== 'batch' &&
      values.source !== 'latest'
    )
      throw new UsageError(`--source must be online, refit, batch or latest, got "${values.source}"`);
    const keyBy = values['key-by'];
    if (keyBy === '')
      throw new UsageError('--key-by needs a field name ("key", or a feature such as "campaign")');
    const fallbackKey = values['fallback-key'];
    if (fallbackKey !== undefined && (keyBy === undefined || values.key !== undefined))
      throw new UsageError(
        `--fallback-key scores the events whose key has no snapshot with key ${quotedKey(fallbackKey)}'s: it goes with --key-by FIELD${values.key !== undefined ? ', not with --key (which scores one key only)' : ''}`,
      );
    const top = numberFlag('top', values.top, { min: 0, integer: true }) ?? 5;
    const maxRecordBytes =
      numberFlag('max-record-bytes', values['max-record-bytes'], { min: 1, integer: true }) ??
      DEFAULT_MAX_RECORD_BYTES;
    const cv = values.lambda === 'min' || values.lambda === '1se' ? values.lambda : undefined;
    if (cv === undefined && values.lambda !== undefined && !Number.isFinite(flagNumber(values.lambda)))
      throw new UsageError(`--lambda must be a number (a λ), min or 1se, got "${values.lambda}"`);
    const lambda = cv === undefined ? numberFlag('lambda', values.lambda, { min: 0 }) : undefined;
    const version = numberFlag('version', values.version, { min: 0, integer: true });
    if ((lambda !== undefined || cv !== undefined) && version !== undefined)
      throw new UsageError('--lambda and --version both choose the snapshot: give one of them');
    if (version !== undefined && keyBy !== undefined && values.key === undefined)
      throw new UsageError(
        "--version picks one key's snapshot (versions are counted per key): give --key K with it, or --lambda L with --key-by",
      );
    const pick: SnapshotPick = {
      ...(lambda !== undefined ? { lambda } : {}),
      ...(version !== undefined ? { version } : {}),
      ...(cv !== undefined ? { cv } : {}),
    };
    await checkInputFile('model', values.model);
    await checkInputFile('input', values.input);
    // the format as fit reads it (by the name, else by the first character); a pipe by its name
    const head = await fileHead(values.input);
    const gzip = head === null ? null : gzipProblem(values.input, head);
    if (gzip !== null) throw new DataError(gzip);
    const csv =
      head === null
        ? /\.csv$/i.test(values.input)
        : inputFormatOf(values.input, head.toString('utf8')) === 'csv';
    // a CSV is read whole (as fit reads it): its header checked before anything is scored
    const csvBytes = csv ? await readFile(values.input) : null;
    const csvText = csvBytes?.toString('utf8') ?? '';
    const crOnly = csv ? crOnlyProblem(csvText, values.input) : null;
    if (crOnly !== null) throw new DataError(crOnly);
    const csvRows =
      csvBytes !== null
        ? csvEvents(
            withoutBom(csvText),
            values.input,
            values.target,
            notUtf8Lines(csvText, csvBytes),
            values['key-by'],
          )
        : null;
    if (!csv && values.target !== undefined)
      throw new UsageError(
        `--target names the label column of a CSV input; JSON-lines events carry their own "label": leave out --target ${values.target}`,
      );
    if (values.output)
      await checkOutputFile('output', values.output, [
        ['--input', values.input],
        ['--model', values.model],
      ]);
    const snapshots = await readSnapshots(values.model, (m) => io.stderr.write(`score: warning: ${m}\n`));
    const { source, servedNote } = sourceOf(values.source, snapshots, pick);

    // the model of each key (--key-by without --key), or the one model
    const models = new Map<string, KeyModel>();
    let single: KeyModel | null = null;
    if (keyBy !== undefined && values.key === undefined) {
      const byKey = new Map<string, ModelSnapshot[]>();
      for (const s of matching(snapshots, values.model, undefined, source)) {
        const list = byKey.get(s.key);
        if (list === undefined) byKey.set(s.key, [s]);
        else list.push(s);
      }
      // (a fallback key not in MODEL, or not of --source, is named with the keys there)
      if (fallbackKey !== undefined) matching(snapshots, values.model, fallbackKey, source);
      for (const [key, list] of byKey) {
        const snapshot = pickSnapshot(list, pick);
        if (snapshot === null) throw noCvChoice(pick.cv!, values.model, key, list);
        models.set(key, { snapshot, scorer: null });
      }
      const which =
        cv !== undefined
          ? `the snapshot at λ_${cv} of its cross-validation`
          : lambda !== undefined
            ? 'the snapshot with the λ nearest --lambda'
            : 'the most recent snapshot';
      io.stderr.write(
        `score: scoring each event with ${which} of its own key (--key-by ${keyBy}) among the ${counted(models.size, 'key')} of --model${servedNote}\n`,
      );
    } else {
      const { snapshot, why } = chooseSnapshot(snapshots, values.model, values.key, source, pick);
      single = { snapshot, scorer: new SnapshotScorer(snapshot) };
      models.set(snapshot.key, single);
      io.stderr.write(`score: scoring with ${describe(snapshot)}: ${why}${servedNote}\n`);
    }
    const fallback = fallbackKey !== undefined ? models.get(fallbackKey)! : null;
    let fellBack = 0;
    const keyOf = keyBy !== undefined ? keyFunction(keyBy, '') : null;
    // without --key-by, the other keys of MODEL, to warn when events name them
    const others = new Set(keyOf === null ? snapshots.map((s) => s.key) : []);
    if (single !== null) others.delete(single.snapshot.key);
    let otherKeyEvents = 0;
    let firstOther: { field: string; key: string } | null = null;

    const modelNames = new Set<string>();
    for (const m of models.values())
      for (const name of Object.keys(m.snapshot.coefficients)) modelNames.add(name);
    const fieldsSeen = new ModelFieldsSeen([...modelNames]);
    const family = [...models.values()][0].snapshot.family;
    const out = values.output ? new JsonlWriter(values.output) : null;
    // standard output in chunks of about 64 KiB: a write per line took a third of the run
    let pending = '';
    const flushStdout = (): void => {
      if (pending !== '' && !pipeClosed(io.stdout)) io.stdout.write(pending);
      pending = '';
    };
    const write = (doc: unknown): void => {
      if (out !== null) return out.write(doc);
      pending += `${JSON.stringify(doc)}\n`;
      if (pending.length >= 1 << 16) flushStdout();
    };
    // split at newline bytes, as replay reads a file: a line that is not UTF-8 is named as such
    // a line over maxRecordBytes is counted, not held (replay dead-letters it unread)
    const records =
      csvRows !== null ? csvRecords(csvRows) : jsonlRecords(values.input, maxRecordBytes, family);
    let line = 0;
    let scored = 0;
    let rejected = 0;
    let unusableLabels = 0;
    const labelled = new ProgressiveMetrics(family, undefined, false);
    let noModel = 0;
    try {
      for await (const record of records) {
        // the reader of stdout went away (| head): stop reading, quietly
        if (out === null && pipeClosed(io.stdout)) break;
        line = record.line;
        if (record.blank === true) continue;
        let event: L1Event;
        let model: KeyModel;
        let byFallback = false;
        try {
          if (record.error !== undefined) throw new Error(record.error);
          const raw = record.raw;
          let checked: Validated =
            record.event !== undefined ? { ok: true, event: record.event } : validateEvent(raw, family);
          // a label is not needed to score: one the family cannot use leaves only the metrics
          if (!checked.ok && typeof raw === 'object' && raw !== null && 'label' in raw) {
            const unlabelled = validateEvent({ ...raw, label: undefined }, family);
            if (unlabelled.ok) {
              checked = unlabelled;
              unusableLabels++;
            }
          }
          if (!checked.ok) throw new Error(checked.reason);
          event = checked.event;
          fieldsSeen.add(event);
          if (keyOf !== null) {
            const key = keyOf(event);
            if (typeof key !== 'string') throw new Error(key.missing.replace('model.keyBy', '--key-by'));
            const found = models.get(key) ?? fallback ?? undefined;
            byFallback = found !== undefined && found === fallback && !models.has(key);
            if (found === undefined) {
              noModel++;
              throw new Error(
                single !== null
                  ? `the event's key is ${quotedKey(key)} (--key-by ${keyBy}), not ${quotedKey(single.snapshot.key)} (--key): not scored with another key's model`
                  : `no snapshot of key ${quotedKey(key)} (--key-by ${keyBy}) in ${values.model}${source !== undefined ? ` with source ${source}` : ''}: not scored with another key's model`,
              );
            }
            model = found;
          } else {
            model = single!;
            if (others.size > 0) {
              const named = otherKeyField(event, others);
              if (named !== null && otherKeyEvents++ === 0) firstOther = named;
            }
          }
        } catch (err) {
          rejected++;
          write({ line, error: (err as Error).message });
          continue;
        }
        const snapshot = model.snapshot;
        const scorer = (model.scorer ??= new SnapshotScorer(snapshot));
        const { margin, baseline, top: contributions, others: rest } = scorer.score(event, top);
        if (!Number.isFinite(margin)) {
          rejected++;
          write({ line, error: scorer.overflowReason(event) });
          continue;
        }
        scored++;
        if (byFallback) fellBack++;
        const prediction = lossFor(snapshot.family).mean(margin);
        if (event.label !== undefined) labelled.update(prediction, event.label, event.weight ?? 1);
        // the fields of the engine's score records (key: the model's; eventKey: the event's own)
        write({
          line,
          key: snapshot.key,
          ...(event.key !== undefined ? { eventKey: event.key } : {}),
          prediction,
          model: { source: snapshot.source, version: snapshot.version, offset: snapshot.offset, exact: true },
          // baseline + Σ top + others = margin (the log-odds for binomial, the prediction for gaussian)
          margin,
          baseline,
          top: contributions,
          others: rest,
          ...(byFallback ? { fallback: true } : {}),
        });
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw new UsageError(`--input: file not found: ${values.input}`);
      throw err;
    } finally {
      flushStdout();
      await out?.close();
    }
    if (out === null && pipeClosed(io.stdout)) return 0;
    if (firstOther !== null) {
      const { field, key } = firstOther;
      io.stderr.write(
        `score: warning: ${counted(otherKeyEvents, 'event')} ${otherKeyEvents === 1 ? 'names' : 'name'} another key of ${values.model} (the first: ${field} ${quotedKey(key)}) but ${otherKeyEvents === 1 ? 'was' : 'were'} scored with ${quotedKey(single!.snapshot.key)}'s model: to score each event with its own key's model, give --key-by ${field} instead of --key; with both, only ${quotedKey(single!.snapshot.key)}'s events are scored\n`,
      );
    }
    const absent = fieldsSeen.absent();
    if (absent.length > 0 && line > 0)
      io.stderr.write(absentWarning(absent, modelNames.size, values.input, single !== null));
    const otherKind = fieldsSeen.otherKind();
    if (otherKind.length > 0)
      io.stderr.write(otherKindWarning(otherKind, modelNames.size, values.input, single !== null));
    for (const { field, events, examples } of fieldsSeen.textInNumberFields().slice(0, 5))
      io.stderr.write(
        `score: warning: ${counted(events, 'event')} of ${values.input} sent ${JSON.stringify(field)} as text (${examples.map((e) => JSON.stringify(e)).join(', ')}${events > examples.length ? ', ...' : ''}) where the model has the number ${JSON.stringify(field)}: it counted as 0 in their scores; send numbers (1234, not "1,234" or "$5")\n`,
      );
    const used =
      single !== null
        ? describe(single.snapshot, false)
        : `the models of ${counted([...models.values()].filter((m) => m.scorer !== null).length, 'key')}`;
    if (fellBack > 0)
      io.stderr.write(
        `score: ${counted(fellBack, 'event')} had no snapshot of ${fellBack === 1 ? 'its' : 'their'} own key and ${fellBack === 1 ? 'was' : 'were'} scored with key ${quotedKey(fallbackKey!)}'s (--fallback-key)\n`,
      );
    io.stderr.write(
      `score: ${counted(scored, 'event')} scored with ${used}, ${formatCount(rejected)} rejected${noModel > 0 ? ` (${formatCount(noModel)} ${single !== null ? `of another key than --key ${quotedKey(single.snapshot.key)}` : 'with no model for their key'})` : ''}${labelledSummary(labelled, unusableLabels)}\n`,
    );
    return scored === 0 && line > 0 ? 1 : 0;
  },
};

/**
 * `--lambda min` / `1se` on snapshots that record no cross-validation, or none at the λ it chose
 * (`fit`'s one snapshot is at its own choice).
 */
function noCvChoice(
  rule: 'min' | '1se',
  file: string,
  key: string | undefined,
  candidates: readonly ModelSnapshot[],
): DataError {
  const of = key !== undefined ? ` of key ${quotedKey(key)}` : '';
  const wanted = cvLambda(candidates, rule);
  if (wanted === undefined)
    return new DataError(
      `--lambda ${rule}: no snapshot${of} in ${file} records a cross-validation's choice (${CV_METRIC[rule]}): it comes from 'path --cv K' or 'fit' with its cross-validation; give --lambda L (a number) or --version N`,
    );
  return new DataError(
    `--lambda ${rule}: no snapshot${of} in ${file} is at λ_${rule} ${Number(wanted.toPrecision(6))} of its cross-validation (a fit's output holds the λ it chose only): 'path --cv K' writes every λ`,
  );
}

/**
 * An input record to score: its line, and its event (read by the fast reader), its parsed value
 * (to validate) or why it has none (`blank`: skipped).
 */
interface InputRecord {
  readonly line: number;
  readonly event?: L1Event;
  readonly raw?: unknown;
  readonly error?: string;
  readonly blank?: boolean;
}

/**
 * The lines of a JSON-lines file, each parsed, with replay's reason for one that cannot be. A
 * valid event is read by replay's reader (no object per event: `JSON.parse` builds objects slowly
 * when events name thousands of distinct features); what it does not accept is parsed and
 * validated as before, for the same events and the same reasons.
 */
async function* jsonlRecords(
  input: string,
  maxRecordBytes: number,
  family: Family,
): AsyncGenerator<InputRecord> {
  // split at newline bytes, as replay reads a file: a line that is not UTF-8 is named as such;
  // a line over maxRecordBytes is counted, not held (replay dead-letters it unread)
  const reader = new JsonEventReader();
  let line = 0;
  for await (const read of fileLines(input, maxRecordBytes)) {
    line++;
    if (read.oversize !== undefined) yield { line, error: oversizeReason(read.oversize, maxRecordBytes) };
    else if (read.notUtf8 !== undefined) yield { line, error: `cannot decode: ${read.notUtf8}` };
    else if (isBlankLine(read.text)) yield { line, blank: true };
    else {
      const body = line === 1 ? withoutBom(read.text) : read.text;
      const event = reader.read(body, family, false);
      if (event !== null) {
        yield { line, event };
        continue;
      }
      let parsed: InputRecord;
      try {
        parsed = { line, raw: JSON.parse(body) };
      } catch (err) {
        // replay's reason for such a line (its dead letter), with the hint for NaN and Infinity
        parsed = { line, error: `cannot decode: ${(jsonParseError(body, err) as Error).message}` };
      }
      yield parsed;
    }
  }
}

/** The data rows of a CSV file as the events fit and path make of them (`csvEvents`). */
async function* csvRecords(rows: readonly CsvEventRow[]): AsyncGenerator<InputRecord> {
  for (const row of rows)
    yield row.problem !== undefined
      ? { line: row.line, error: row.problem }
      : { line: row.line, raw: row.event };
}
