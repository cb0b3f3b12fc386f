import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { DataError, InputError } from '../core/errors.js';
import { engineDefaults } from '../engine/config.js';
import { featureScales, type FeatureScales } from './featureScales.js';
import { SnapshotRuns } from './rewrites.js';

/**
 * What the report reads from a replay's output directory (`models.jsonl`, `alerts.jsonl`,
 * `summary.json`), reduced to bounded series: the keys that alerted or learned most, their largest features, evenly
 * spaced snapshots and the most severe alerts. The files are streamed (three passes over
 * `models.jsonl`), so memory depends on the limits, not on the size of the run.
 */

export interface ReportOptions {
  /**
   * Keys shown (default 8): those with the most critical alerts, then the most warnings, then the
   * most learned events.
   */
  readonly keys: number;
  /** Features drawn per key, by max |β| over the run (default 10, at most 20: one colour each). */
  readonly features: number;
  /** Online snapshots drawn per key, evenly spaced, first and last included (default 300). */
  readonly points: number;
  /** Refit snapshots drawn per key, evenly spaced (default 100). */
  readonly refits: number;
  /** Alerts marked per key: critical first, then warning, then info (default 60). */
  readonly alerts: number;
  /**
   * Which features are drawn: `max`, the largest max |β| over the run (default); `final`, the
   * largest |β| of the last online snapshot (then max |β| for the rest), for runs whose early
   * snapshots are noisy.
   */
  readonly rank: 'max' | 'final';
  /**
   * The events the models learned (JSON lines, or a CSV file), for each feature's sd: features are
   * then ranked and drawn by their standardized effect β_j·sd_j. Default: summary.json's `input`,
   * when readable.
   */
  readonly data?: string;
  /** A CSV `data`'s label column (default: summary.json's `target` for its own input, else "label"). */
  readonly target?: string;
}

export const defaultReportOptions: ReportOptions = {
  keys: 8,
  features: 10,
  points: 300,
  refits: 100,
  alerts: 60,
  rank: 'max',
};

/** One snapshot as drawn: where it is on the event axis and what it says. */
export interface SnapshotPoint {
  readonly offset: number;
  readonly source: 'online' | 'refit';
  readonly version: number;
  /** Non-zero coefficients. */
  readonly support: number;
  /** The running progressive loss and the events it averages over (online snapshots). */
  readonly loss: number | null;
  readonly lossEvents: number | null;
  readonly auc: number | null;
  /** Coefficients of the key's drawn features (0 where absent), in `KeyReport.features` order. */
  readonly coefficients: Float64Array;
  /** Refits: the learned events solved on. */
  readonly window: { readonly first: number; readonly last: number } | null;
}

export interface AlertMark {
  readonly offset: number;
  readonly type: string;
  readonly severity: string;
  readonly message: string;
  /** Feature names the alert names (entered, left, stopped, appeared, changed, flipped). */
  readonly features: readonly string[];
}

export interface KeyReport {
  readonly key: string;
  readonly family: string;
  /** λ of its latest snapshot (the value `lambda: "auto"` resolved to), or null when none says. */
  readonly lambda: number | null;
  /** The largest snapshot offset: events this key's model learned. */
  readonly events: number;
  readonly onlineSnapshots: number;
  readonly refitSnapshots: number;
  /** The drawn features, largest first, and their max |β| (max |β|·sd when `ReportData.scales`). */
  readonly features: readonly string[];
  readonly maxAbs: readonly number[];
  /** Features ever non-zero. */
  readonly featuresSeen: number;
  readonly points: readonly SnapshotPoint[];
  readonly alerts: readonly AlertMark[];
  readonly alertsTotal: number;
}

export interface ReportData {
  readonly dir: string;
  /** `summary.json` as read (null when absent or unreadable, with the reason in `notes`). */
  readonly summary: Readonly<Record<string, unknown>> | null;
  readonly keys: readonly KeyReport[];
  readonly keysTotal: number;
  /** The next keys in that order not shown (at most 20), with their events. */
  readonly keysOmitted: ReadonlyArray<{ readonly key: string; readonly events: number }>;
  /**
   * Where the features' sds came from (coefficients are then ranked and drawn as β_j·sd_j), or
   * null: raw β, and a note says why.
   */
  readonly scales: { readonly file: string; readonly events: number } | null;
  /** Things the reader should know: unreadable lines, missing files (the `warnings` too). */
  readonly notes: readonly string[];
  /** Lines of the outputs that were skipped (also in `notes`): `l1stream report` says them on stderr. */
  readonly warnings: readonly string[];
}

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Lines of a file that are not records, and what is wrong with the first of them. */
interface BadLines {
  readonly count: number;
  /** "line N is not JSON" or "line N is not a record (an object with a key and an offset)". */
  readonly first: string | null;
}

/** Calls `each` with every JSON object line of `file` (with a key and an offset); returns the others. */
async function eachRecord(file: string, each: (record: Doc) => void): Promise<BadLines> {
  let count = 0;
  let first: string | null = null;
  let n = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      count++;
      // kafka:consume --keys prints a key, a tab, then the value
      first ??= /^[^\t{]*\t\{/.test(line)
        ? `line ${n} is a key, a tab and JSON: what kafka:consume --keys prints; consume the topic without --keys`
        : `line ${n} is not JSON`;
      continue;
    }
    if (isObject(record) && typeof record.key === 'string' && num(record.offset) !== null) each(record);
    else {
      count++;
      first ??= `line ${n} is not a record (a JSON object with a "key" and an "offset")`;
    }
  }
  return { count, first };
}

const NO_SEVERE: readonly [number, number] = [0, 0];

/** Per key, its critical and warning alerts in `file` (none when the file is missing). */
async function severeAlertCounts(file: string): Promise<Map<string, [number, number]>> {
  const counts = new Map<string, [number, number]>();
  try {
    await stat(file);
  } catch {
    return counts;
  }
  await eachRecord(file, (r) => {
    const critical = r.severity === 'critical';
    if (!critical && r.severity !== 'warning') return;
    let c = counts.get(r.key as string);
    if (c === undefined) counts.set(r.key as string, (c = [0, 0]));
    c[critical ? 0 : 1]++;
  });
  return counts;
}

/** Indices 0 … n−1 to keep so that at most `m` are kept, evenly spaced, first and last included. */
function evenlySpaced(n: number, m: number): Set<number> {
  const keep = new Set<number>();
  if (n <= m) for (let i = 0; i < n; i++) keep.add(i);
  else if (m === 1) keep.add(n - 1);
  else for (let k = 0; k < m; k++) keep.add(Math.round((k * (n - 1)) / (m - 1)));
  return keep;
}

/** The feature names an alert's details name (the alerts of l1stream's detectors, docs/conventions.md). */
export function alertFeatures(details: unknown): string[] {
  if (!isObject(details)) return [];
  const names: string[] = [];
  if (typeof details.feature === 'string') names.push(details.feature);
  for (const field of ['entered', 'left', 'stopped', 'appeared', 'changed', 'flips']) {
    const list = details[field];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (typeof item === 'string') names.push(item);
      else if (isObject(item) && typeof item.feature === 'string') names.push(item.feature);
    }
  }
  return names;
}

const severityRank = (s: string): number => (s === 'critical' ? 0 : s === 'warning' ? 1 : 2);

/** Reads `dir` (a replay's `--out`) into the report's bounded series. */
export async function collectReport(
  dir: string,
  limits: ReportOptions = defaultReportOptions,
): Promise<ReportData> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new InputError(`--input ${dir} is not a directory`);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`--input ${dir}: no such directory; give the --out directory of a replay`);
  }
  const modelsFile = join(dir, 'models.jsonl');
  try {
    await stat(modelsFile);
  } catch {
    throw new InputError(
      `--input ${dir} has no models.jsonl: give the --out directory of a replay (or of 'run' with file outputs)`,
    );
  }
  const notes: string[] = [];
  const warnings: string[] = [];
  let summary: Doc | null = null;
  try {
    const doc: unknown = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
    if (isObject(doc)) summary = doc;
    else notes.push('summary.json is not a JSON object');
  } catch (err) {
    notes.push(
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no summary.json (the replay may not have finished)'
        : `summary.json is unreadable: ${(err as Error).message}`,
    );
  }

  // pass 1: keys, their snapshot counts and events
  const counts = new Map<
    string,
    { online: number; refit: number; events: number; family: string; lambda: number | null; lambdaAt: number }
  >();
  // snapshots written again after a resume count once (the later line: `SnapshotRuns`)
  const runs = new SnapshotRuns();
  // batch fits (`fit`, `path`: "source": "batch") are no stream's snapshots
  let batchFits = 0;
  const bad = await eachRecord(modelsFile, (r) => {
    if (r.source === 'batch') {
      batchFits++;
      return;
    }
    if (notServed(r)) return;
    const key = r.key as string;
    let c = counts.get(key);
    if (c === undefined) {
      c = {
        online: 0,
        refit: 0,
        events: 0,
        family: typeof r.family === 'string' ? r.family : 'unknown',
        lambda: null,
        lambdaAt: -1,
      };
      counts.set(key, c);
    }
    if (num(r.lambda) !== null && (r.offset as number) >= c.lambdaAt) {
      c.lambda = r.lambda as number;
      c.lambdaAt = r.offset as number;
    }
    if (r.source === 'refit') c.refit++;
    else c.online++;
    c.events = Math.max(c.events, r.offset as number);
    runs.add(key, r.source === 'refit' ? 'refit' : 'online', r.offset as number);
  });
  if (counts.size === 0 && batchFits > 0)
    throw new DataError(
      `${modelsFile} holds ${batchFits} batch fit(s) ("source": "batch", as fit and path write them), not a stream's snapshots: report draws the outputs of replay and run; for a path's picture, l1stream path --plot FILE.svg`,
    );
  if (batchFits > 0)
    warnings.push(
      `${batchFits} line(s) of models.jsonl are batch fits ("source": "batch", as fit and path write them), not a stream's snapshots, and were left out`,
    );
  if (counts.size === 0)
    throw new DataError(
      bad.count > 0
        ? `${modelsFile} holds no model snapshots: none of its ${bad.count} line(s) is one (${bad.first})`
        : `${modelsFile} holds no model snapshots: nothing to report (did the replay learn?)`,
    );
  if (bad.count > 0)
    warnings.push(
      `${bad.count} line(s) of models.jsonl are not model snapshots and were skipped (${bad.first})`,
    );
  // keys with critical, then warning alerts first (most first), then the busiest
  const alertsFile = join(dir, 'alerts.jsonl');
  const severe = await severeAlertCounts(alertsFile);
  const rank = (key: string) => severe.get(key) ?? NO_SEVERE;
  const ranked = [...counts].sort((a, b) => {
    const ra = rank(a[0]);
    const rb = rank(b[0]);
    return (
      rb[0] - ra[0] || rb[1] - ra[1] || b[1].events - a[1].events || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
    );
  });
  const shown = ranked.slice(0, limits.keys);
  const shownKeys = new Set(shown.map(([k]) => k));

  // pass 2: each shown key's largest features by max |β| (and its last online snapshot's |β|)
  const maxAbs = new Map<string, Map<string, number>>(shown.map(([k]) => [k, new Map()]));
  const finalAbs = new Map<string, { online: boolean; abs: Map<string, number> }>();
  const rewritten2 = runs.reader();
  let rewrites = 0;
  await eachRecord(modelsFile, (r) => {
    if (r.source === 'batch' || notServed(r)) return;
    const key = r.key as string;
    if (rewritten2(key, r.source === 'refit' ? 'refit' : 'online', r.offset as number)) {
      const c = counts.get(key)!;
      if (r.source === 'refit') c.refit--;
      else c.online--;
      rewrites++;
      return;
    }
    const table = maxAbs.get(key);
    if (table === undefined || !isObject(r.coefficients)) return;
    const last = new Map<string, number>();
    for (const [name, value] of Object.entries(r.coefficients)) {
      const a = num(value);
      if (a === null) continue;
      if (Math.abs(a) > (table.get(name) ?? -1)) table.set(name, Math.abs(a));
      last.set(name, Math.abs(a));
    }
    // the last online snapshot, or the last refit while there is none
    const online = r.source !== 'refit';
    if (online || finalAbs.get(key)?.online !== true) finalAbs.set(key, { online, abs: last });
  });
  if (rewrites > 0)
    notes.push(
      `${rewrites} snapshot(s) of models.jsonl were written again after a resume (at-least-once outputs): each is counted and drawn once, from its later line`,
    );
  // a short replay at the default cadence (10,000 events) has one snapshot: its charts are dots
  const mostOnline = Math.max(...shown.map(([k]) => counts.get(k)!.online));
  if (mostOnline <= 2)
    notes.push(
      `no model has more than ${mostOnline} online snapshot${mostOnline === 1 ? '' : 's'}, so the charts over events have at most ${mostOnline === 1 ? 'one point' : `${mostOnline} points`}: replay with a smaller --snapshot-every (snapshots.everyEvents, ${engineDefaults.snapshots.everyEvents.toLocaleString('en-US')} events by default) for more`,
    );
  const featuresSeen = new Map([...maxAbs].map(([k, t]) => [k, [...t.values()].filter((a) => a > 0).length]));
  const scaled = await standardizedEffects(limits, summary, counts, maxAbs, finalAbs, notes);
  const sdOf = (name: string): number => (scaled === null ? 1 : (scaled.sd.get(name) ?? 0));
  const top = new Map<string, { names: string[]; max: number[]; index: Map<string, number> }>();
  for (const [key, table] of maxAbs) {
    const final = (limits.rank === 'final' ? finalAbs.get(key)?.abs : undefined) ?? new Map<string, number>();
    const best = [...table]
      .filter(([, a]) => a > 0)
      .sort(
        (a, b) => (final.get(b[0]) ?? 0) - (final.get(a[0]) ?? 0) || b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
      )
      .slice(0, limits.features);
    top.set(key, {
      names: best.map(([n]) => n),
      max: best.map(([, a]) => a),
      index: new Map(best.map(([n], i) => [n, i])),
    });
  }

  // pass 3: evenly spaced snapshots of each shown key, online and refit separately
  const keepOnline = new Map(shown.map(([k, c]) => [k, evenlySpaced(c.online, limits.points)]));
  const keepRefit = new Map(shown.map(([k, c]) => [k, evenlySpaced(c.refit, limits.refits)]));
  const seen = new Map(shown.map(([k]) => [k, { online: 0, refit: 0 }]));
  const points = new Map<string, SnapshotPoint[]>(shown.map(([k]) => [k, []]));
  const rewritten3 = runs.reader();
  await eachRecord(modelsFile, (r) => {
    if (r.source === 'batch' || notServed(r)) return;
    const key = r.key as string;
    if (!shownKeys.has(key)) return;
    const refit = r.source === 'refit';
    if (rewritten3(key, refit ? 'refit' : 'online', r.offset as number)) return;
    const s = seen.get(key)!;
    const i = refit ? s.refit++ : s.online++;
    if (!(refit ? keepRefit : keepOnline).get(key)!.has(i)) return;
    const t = top.get(key)!;
    const coefficients = new Float64Array(t.names.length);
    let support = 0;
    if (isObject(r.coefficients))
      for (const [name, value] of Object.entries(r.coefficients)) {
        if (num(value) === null || value === 0) continue;
        support++;
        const j = t.index.get(name);
        if (j !== undefined) coefficients[j] = (value as number) * sdOf(name);
      }
    const metrics = isObject(r.metrics) ? r.metrics : {};
    const window = isObject(r.window) ? r.window : null;
    points.get(key)!.push({
      offset: r.offset as number,
      source: refit ? 'refit' : 'online',
      version: num(r.version) ?? 0,
      support,
      loss: refit ? null : num(metrics.progressiveLoss),
      lossEvents: refit ? null : (num(metrics.events) ?? (r.offset as number)),
      auc: refit ? null : num(metrics.auc),
      coefficients,
      window:
        window && num(window.first) !== null && num(window.last) !== null
          ? { first: window.first as number, last: window.last as number }
          : null,
    });
  });

  // alerts: per shown key, bounded by severity (critical kept first)
  const alerts = new Map<string, { kept: AlertMark[][]; total: number }>(
    shown.map(([k]) => [k, { kept: [[], [], []], total: 0 }]),
  );
  let otherAlerts = 0;
  try {
    await stat(alertsFile);
    const badAlerts = await eachRecord(alertsFile, (r) => {
      const slot = alerts.get(r.key as string);
      if (slot === undefined) {
        otherAlerts++;
        return;
      }
      slot.total++;
      const severity = typeof r.severity === 'string' ? r.severity : 'info';
      const bucket = slot.kept[severityRank(severity)]!;
      if (bucket.length >= limits.alerts) return;
      bucket.push({
        offset: r.offset as number,
        type: typeof r.type === 'string' ? r.type : 'alert',
        severity,
        message: typeof r.message === 'string' ? r.message : '',
        features: alertFeatures(r.details),
      });
    });
    if (badAlerts.count > 0)
      warnings.push(
        `${badAlerts.count} line(s) of alerts.jsonl are not alerts and were skipped (${badAlerts.first})`,
      );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    notes.push('no alerts.jsonl in the directory: no alerts are marked');
  }
  if (otherAlerts > 0) notes.push(`${otherAlerts} alert(s) of keys not shown`);

  const keys: KeyReport[] = shown.map(([key, c]) => {
    const t = top.get(key)!;
    const slot = alerts.get(key)!;
    const kept = slot.kept.flat().slice(0, limits.alerts);
    return {
      key,
      family: c.family,
      lambda: c.lambda,
      events: c.events,
      onlineSnapshots: c.online,
      refitSnapshots: c.refit,
      features: t.names,
      maxAbs: t.max,
      featuresSeen: featuresSeen.get(key)!,
      points: points.get(key)!.sort((a, b) => a.offset - b.offset),
      alerts: kept.sort((a, b) => a.offset - b.offset),
      alertsTotal: slot.total,
    };
  });
  return {
    dir,
    summary,
    keys,
    scales: scaled === null ? null : { file: scaled.file, events: scaled.events },
    keysTotal: counts.size,
    keysOmitted: ranked.slice(limits.keys, limits.keys + 20).map(([key, c]) => ({ key, events: c.events })),
    notes: [...warnings, ...notes],
    warnings,
  };
}

/** Features named in the note on features the input lacks; the rest are counted. */
const MISSING_SHOWN = 10;

/**
 * Turns each key's max and final |β| into |β|·sd_j, the sds computed from `data` (default:
 * summary.json's `input`), so that a feature measured in days is ranked beside unit-free ones; null
 * (and a note saying why the report ranks by raw |β|) when no event file can be read.
 */
async function standardizedEffects(
  { data, target }: Pick<ReportOptions, 'data' | 'target'>,
  summary: Doc | null,
  counts: ReadonlyMap<string, { family: string }>,
  maxAbs: Map<string, Map<string, number>>,
  finalAbs: Map<string, { online: boolean; abs: Map<string, number> }>,
  notes: string[],
): Promise<(FeatureScales & { file: string }) | null> {
  const file = data ?? (typeof summary?.input === 'string' ? summary.input : undefined);
  // (it was ignored without a word)
  if (target !== undefined && !(file !== undefined && /\.csv$/i.test(file)))
    throw new InputError(
      `--target ${target} names the label column of a CSV --data; ${file === undefined ? 'there is no --data (and summary.json names no input)' : `${file} is JSON lines, whose events carry their own "label"`}: leave out --target`,
    );
  // a CSV's label column: given, else the replay's own (summary.json) if the file has it (the
  // replay's input, however its path is written, or one like it), else "label"
  const label = target ?? (typeof summary?.target === 'string' ? [summary.target, 'label'] : undefined);
  const raw = (why: string) =>
    notes.push(
      `features are ranked and drawn by raw |β| (original scale): ${why}. A feature in large units (days, euros) then has a small β however strong its effect; give --data EVENTS (the replayed events: JSON lines, or a CSV with --target) to rank and draw by |β|·sd`,
    );
  const family = [...counts.values()][0]?.family;
  if (file === undefined) {
    raw('models.jsonl carries no feature scales and summary.json names no input file');
    return null;
  }
  if (family !== 'gaussian' && family !== 'binomial') {
    raw(`the models' family "${String(family)}" is unknown`);
    return null;
  }
  // a pipe or a FIFO (the replay read /dev/stdin) cannot be read again: reading it waited for a
  // writer that never came, and the report never finished
  const kind = await stat(file).then(
    (st) =>
      st.isFile()
        ? null
        : 'is not a regular file (a pipe, a FIFO or a device: its events cannot be read again)',
    () => null,
  );
  if (kind !== null) {
    if (data !== undefined) throw new InputError(`--data ${file} ${kind}: give the events as a file`);
    raw(`models.jsonl carries no feature scales and ${file}, the replay's input, ${kind}`);
    return null;
  }
  const names = new Set<string>();
  for (const table of maxAbs.values()) for (const name of table.keys()) names.add(name);
  let scales: FeatureScales;
  try {
    scales = await featureScales(file, family, names, label, target !== undefined);
  } catch (err) {
    if (err instanceof InputError) throw err;
    raw(
      `models.jsonl carries no feature scales and ${file} is unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
    return null;
  }
  if (scales.events === 0) {
    raw(
      `models.jsonl carries no feature scales and ${file} holds no labelled event${/\.csv$/i.test(file) ? ` (its label column: ${labelColumns(label)}; --target names another)` : ''}`,
    );
    return null;
  }
  const scale = (table: Map<string, number>) => {
    for (const [name, a] of table) table.set(name, a * (scales.sd.get(name) ?? 0));
  };
  for (const table of maxAbs.values()) scale(table);
  for (const final of finalAbs.values()) scale(final.abs);
  notes.push(
    `features are ranked and drawn by their standardized effect β·sd, with each feature's population sd over the ${scales.events.toLocaleString('en-US')} labelled events of ${file}${counts.size > 1 ? ' (all keys together)' : ''}`,
  );
  if (scales.missing.length > 0) {
    const shown = scales.missing.slice(0, MISSING_SHOWN).map((name) => JSON.stringify(name));
    const more = scales.missing.length - shown.length;
    notes.push(
      `${scales.missing.length} feature(s) of the models are in no labelled event of ${file}, so their β·sd is 0 and they rank last: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}; if that is not the replayed input, give --data EVENTS`,
    );
  }
  return { ...scales, file };
}

/** The label column(s) a CSV was read with, as a note names them: `"y"`, or `"revenue" or "label"`. */
function labelColumns(label: string | readonly string[] | undefined): string {
  const names = label === undefined ? ['label'] : typeof label === 'string' ? [label] : label;
  return names.map((n) => JSON.stringify(n)).join(' or ');
}

/** A refit snapshot that is no estimate (a window of one class): published, never served, not drawn. */
function notServed(r: Readonly<Record<string, unknown>>): boolean {
  return r.source === 'refit' && isObject(r.metrics) && r.metrics.noEstimate === true;
}
