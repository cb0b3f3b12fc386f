import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

import { withoutBom } from '../core/bom.js';
import { DataError } from '../core/errors.js';
import { validateEvent, type L1Event } from '../core/event.js';
import { lossFor } from '../loss/index.js';
import { ProgressiveMetrics } from '../metrics/progressive.js';
import type { ModelSnapshot } from '../model/snapshot.js';
import { SnapshotScorer } from '../model/snapshotScorer.js';
import type { Command } from './command.js';
import {
  checkInputFile,
  checkOutputFile,
  numberFlag,
  parseCommandArgs,
  pipeClosed,
  UsageError,
  type CliIO,
} from './io.js';
import { JsonlWriter } from '../../connectors/file/jsonl.js';
import { counted, formatCount } from './progress.js';

const usage = `usage: l1stream score --model MODEL --input EVENTS.jsonl [options]

Scores events with a saved model snapshot: each line of EVENTS.jsonl gets one line of output
(in order) with the fields of replay's scores.jsonl: key (the snapshot's), eventKey (the event's
own key, if any), the prediction (probability for binomial), model (the snapshot's source, version
and offset) and top, the features that moved it most.
Features are named as in training (numbers by field, strings as field=value); a feature the model
never saw contributes nothing. A line that is not a valid event, or whose score would not be a
finite number (a feature of 1e300, say), gets {"line", "error"} instead.
Labels are not needed and do not change a score: events with a "label" (the training file itself)
are scored like the others, and the summary line on stderr gives the log loss and AUC (binomial) or
the MSE (gaussian) of the predictions on them, weighted by "weight". A label the model's family
cannot use (not 0 or 1 for binomial, not a number) is left out of those; its event is scored.

options:
  --model MODEL     a snapshot (JSON), or a models.jsonl / fit output: the most recent snapshot
                    (most events learned) is used, narrowed by --key and --source
  --input FILE      JSON-lines events, required
  --key K           with several keys in MODEL: the snapshot of this key
  --source S        online | refit | batch: only snapshots of this source
  --top N           contributions named per score (default 5)
  --output FILE     write scores there (default stdout; when the reader of stdout stops early,
                    as 'head' does, scoring stops quietly with exit 0)`;

const options = {
  model: { type: 'string' },
  input: { type: 'string' },
  key: { type: 'string' },
  source: { type: 'string' },
  top: { type: 'string' },
  output: { type: 'string' },
} as const;

/** Reads the snapshot to score with from a JSON document or JSON lines of snapshots. */
export async function readSnapshot(file: string, key?: string, source?: string): Promise<ModelSnapshot> {
  let text: string;
  try {
    text = withoutBom(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--model: cannot read ${file}: ${(err as Error).message}`);
  }
  let docs: unknown[];
  try {
    const trimmed = text.trim();
    docs =
      trimmed.startsWith('{') && !trimmed.includes('\n{')
        ? [JSON.parse(trimmed)]
        : trimmed
            .split('\n')
            .filter((l) => l.trim())
            .map((l) => JSON.parse(l) as unknown);
  } catch (err) {
    throw new DataError(
      `--model: ${file} is neither a JSON snapshot nor JSON lines of snapshots: ${(err as Error).message}`,
    );
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
  const chosen = snapshots.filter(
    (s) => (key === undefined || s.key === key) && (source === undefined || s.source === source),
  );
  if (chosen.length === 0) {
    const keys = [...new Set(snapshots.map((s) => s.key))].slice(0, 10).join(', ');
    throw new DataError(
      `--model: no snapshot in ${file} matches${key !== undefined ? ` key "${key}"` : ''}${source !== undefined ? ` source "${source}"` : ''} (keys there: ${keys})`,
    );
  }
  const keys = new Set(chosen.map((s) => s.key));
  if (keys.size > 1 && key === undefined)
    throw new UsageError(
      `--model: ${file} has snapshots of ${keys.size} keys; pick one with --key (e.g. --key ${[...keys][0]})`,
    );
  // the most recent model: the most events learned (a refit's offset is its window's end), then the latest version
  return chosen.reduce((a, b) =>
    b.offset > a.offset || (b.offset === a.offset && b.version > a.version) ? b : a,
  );
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
      values.source !== 'batch'
    )
      throw new UsageError(`--source must be online, refit or batch, got "${values.source}"`);
    const top = numberFlag('top', values.top, { min: 0, integer: true }) ?? 5;
    await checkInputFile('model', values.model);
    await checkInputFile('input', values.input);
    if (values.output) await checkOutputFile('output', values.output);
    const snapshot = await readSnapshot(values.model, values.key, values.source);
    const scorer = new SnapshotScorer(snapshot);
    const mean = lossFor(snapshot.family).mean;
    const out = values.output ? new JsonlWriter(values.output) : null;
    const write = (doc: unknown) => (out ? out.write(doc) : io.stdout.write(`${JSON.stringify(doc)}\n`));
    const lines = createInterface({ input: createReadStream(values.input), crlfDelay: Infinity });
    let line = 0;
    let scored = 0;
    let rejected = 0;
    let unusableLabels = 0;
    const labelled = new ProgressiveMetrics(snapshot.family, undefined, false);
    try {
      for await (const text of lines) {
        // the reader of stdout went away (| head): stop reading, quietly
        if (out === null && pipeClosed(io.stdout)) break;
        line++;
        if (text.trim() === '') continue;
        let event: L1Event;
        try {
          const raw: unknown = JSON.parse(line === 1 ? withoutBom(text) : text);
          let checked = validateEvent(raw, snapshot.family);
          // a label is not needed to score: one the family cannot use leaves only the metrics
          if (!checked.ok && typeof raw === 'object' && raw !== null && 'label' in raw) {
            const unlabelled = validateEvent({ ...raw, label: undefined }, snapshot.family);
            if (unlabelled.ok) {
              checked = unlabelled;
              unusableLabels++;
            }
          }
          if (!checked.ok) throw new Error(checked.reason);
          event = checked.event;
        } catch (err) {
          rejected++;
          write({ line, error: (err as Error).message });
          continue;
        }
        const { margin, top: contributions } = scorer.score(event, top);
        if (!Number.isFinite(margin)) {
          rejected++;
          write({ line, error: scorer.overflowReason(event) });
          continue;
        }
        scored++;
        if (event.label !== undefined) labelled.update(mean(margin), event.label, event.weight ?? 1);
        // the fields of the engine's score records (key: the model's; eventKey: the event's own)
        write({
          line,
          key: snapshot.key,
          ...(event.key !== undefined ? { eventKey: event.key } : {}),
          prediction: mean(margin),
          model: { source: snapshot.source, version: snapshot.version, offset: snapshot.offset },
          top: contributions,
        });
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw new UsageError(`--input: file not found: ${values.input}`);
      throw err;
    } finally {
      await out?.close();
    }
    if (out === null && pipeClosed(io.stdout)) return 0;
    io.stderr.write(
      `score: ${formatCount(scored)} events scored with ${snapshot.key} v${snapshot.version} (${snapshot.source}, ${Object.keys(snapshot.coefficients).length} non-zero), ${formatCount(rejected)} rejected${labelledSummary(labelled, unusableLabels)}\n`,
    );
    return scored === 0 && line > 0 ? 1 : 0;
  },
};
