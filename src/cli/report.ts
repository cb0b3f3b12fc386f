import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { InputError } from '../core/errors.js';
import { outputFiles } from '../../connectors/file/outputs.js';
import { collectReport, defaultReportOptions, type ReportOptions } from '../report/collect.js';
import { reportHtml } from '../report/page.js';
import { PALETTE } from '../plot/svg.js';
import { pathProblem } from '../core/pathProblem.js';
import {
  checkInputFile,
  checkOutputFile,
  numberFlag,
  parseCommandArgs,
  PathError,
  UsageError,
  type CliIO,
} from './io.js';
import type { Command } from './command.js';

const usage = `usage: l1stream report --input DIR [options]

One self-contained HTML page (inline SVG and CSS, no script, nothing fetched) showing how the
models of a replay evolved, from DIR/models.jsonl, DIR/alerts.jsonl and DIR/summary.json: the
coefficients of each model's largest features (by max |β·sd| over the run: standardized effects,
sd the feature's over the replayed events, summary.json's input or --data; without those events,
raw |β|, and the page says so) by name, its support size,
progressive loss and AUC (binomial) over the events it learned, online snapshots and refits, and
the alerts as markers on the same event axis. 'l1stream replay --report' writes it at the end of a
replay. The page stays small whatever the run: the limits below bound what is drawn.

options:
  --input DIR           a replay's --out directory, required
  --data FILE           the replayed events (.jsonl, or .csv), for each feature's sd
                        (default: the input named in DIR/summary.json)
  --target COLUMN       a .csv --data's label column (default: the replay's --target, recorded in
                        DIR/summary.json, when the file has that column, else "label")
  --output FILE         where to write the page (default DIR/report.html)
  --keys N              keyed models shown (default ${defaultReportOptions.keys}, at most 50): most critical
                        alerts first, then warnings, then learned events
  --top N               features drawn per model (default ${defaultReportOptions.features}, at most ${PALETTE.length}: one colour each)
  --points N            online snapshots drawn per model, evenly spaced (default ${defaultReportOptions.points}, at most 2000)
  --refits N            refit snapshots drawn per model (default ${defaultReportOptions.refits}, at most 1000)
  --rank R              which features: max (default: the largest max |β·sd| over the run) | final (the
                        largest |β·sd| in the last online snapshot; for runs whose first snapshots are noisy)
  --alerts N            alerts marked per model, the most severe first (default ${defaultReportOptions.alerts}, at most 1000)`;

const options = {
  input: { type: 'string' },
  output: { type: 'string' },
  keys: { type: 'string' },
  top: { type: 'string' },
  points: { type: 'string' },
  refits: { type: 'string' },
  alerts: { type: 'string' },
  rank: { type: 'string' },
  data: { type: 'string' },
  target: { type: 'string' },
} as const;

/** Writes the report of the replay outputs in `dir` to `file` (default `dir/report.html`); returns its size in bytes. */
export async function writeReport(
  dir: string,
  file: string = join(dir, 'report.html'),
  limits: ReportOptions = defaultReportOptions,
): Promise<{ file: string; bytes: number; keys: number; warnings: readonly string[] }> {
  const data = await collectReport(dir, limits);
  const html = reportHtml(data, limits);
  try {
    await writeFile(file, html);
  } catch (err) {
    throw new PathError(pathProblem('--output', file, err, 'write'));
  }
  return { file, bytes: Buffer.byteLength(html), keys: data.keys.length, warnings: data.warnings };
}

export const reportCommand: Command = {
  summary: 'an HTML page showing how the models of a replay evolved',
  usage,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, options);
    if (!values.input) throw new UsageError('--input DIR is required: the --out directory of a replay');
    const rank = values.rank ?? defaultReportOptions.rank;
    if (rank !== 'max' && rank !== 'final')
      throw new UsageError(`--rank must be max or final, got "${rank}"`);
    const limit = (name: string, raw: string | undefined, max: number, fallback: number) =>
      numberFlag(name, raw, { min: 1, max, integer: true }) ?? fallback;
    const limits: ReportOptions = {
      keys: limit('keys', values.keys, 50, defaultReportOptions.keys),
      features: limit('top', values.top, PALETTE.length, defaultReportOptions.features),
      points: limit('points', values.points, 2000, defaultReportOptions.points),
      refits: limit('refits', values.refits, 1000, defaultReportOptions.refits),
      alerts: limit('alerts', values.alerts, 1000, defaultReportOptions.alerts),
      rank,
      ...(values.data !== undefined ? { data: values.data } : {}),
      ...(values.target !== undefined ? { target: values.target } : {}),
    };
    // --data given is meant to be read: a path that cannot be is refused, not noted in the page
    if (values.data !== undefined) await checkInputFile('data', values.data);
    if (values.output !== undefined)
      await checkOutputFile('output', values.output, [
        ...[...Object.values(outputFiles), 'summary.json'].map(
          (name) => ['--input', join(values.input!, name)] as const,
        ),
        ['--data', values.data],
      ]);
    let written: Awaited<ReturnType<typeof writeReport>>;
    try {
      written = await writeReport(values.input, values.output, limits);
    } catch (err) {
      // a missing directory or models.jsonl is a usage problem: one line, exit 2
      if (!(err instanceof InputError)) throw err;
      io.stderr.write(`l1stream: ${err.message}\n`);
      return 2;
    }
    for (const warning of written.warnings) io.stderr.write(`report: warning: ${warning}\n`);
    io.stderr.write(
      `report: wrote ${written.file} (${(written.bytes / 1024).toFixed(0)} KB, ${written.keys} model(s))\n`,
    );
    return 0;
  },
};
