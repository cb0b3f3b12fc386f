import { extname } from 'node:path';

import { columnStats } from '../solve/design.js';
import type { CrossValidationResult } from '../solve/cv.js';
import { crossValidateOnThreads } from '../solve/cvThreads.js';
import { penaltyScale } from '../solve/problem.js';
import { solvePath, type PathResult } from '../solve/path.js';
import { DISTINCT_STYLES } from '../plot/svg.js';
import { plotPathSvg } from '../solve/plotSvg.js';
import { snapshotOf } from '../model/fitSnapshot.js';
import {
  checkFolds,
  warnIfFewInOneClass,
  commonFlags,
  cvProgress,
  defaultKey,
  loadSkipping,
  warnAboutData,
  noteCvMinimumAtEnd,
  warnIfCvNotConverged,
  warnIfNotConverged,
  readPenaltyFactors,
} from './fit.js';
import {
  checkInputFile,
  checkOutputFile,
  refuseSharedOutputs,
  numberFlag,
  parseCommandArgs,
  UsageError,
  writeOutputFile,
  type CliIO,
} from './io.js';
import type { Command } from './command.js';
import { counted, ProgressLine } from './progress.js';

const usage = `usage: l1stream path --input FILE --target COLUMN [options]

The whole regularization path: λ from λ_max (the smallest λ with no feature in the model; for an
--l1-ratio below 0.001, computed at 0.001 as glmnet does: features are in the model there) down to
λ_max·ε on a log grid, solved with warm starts. Output: JSON lines, one model snapshot per λ,
largest λ first, "version" = position on the path (1, 2, …), to stdout or --output. With --plot
and neither --output nor a pipe (stdout is a terminal), the JSON lines are not printed.

options:
  --input FILE            CSV with a header or .jsonl events, required
  --target COLUMN         the response column, required for CSV (.jsonl: label, the default)
  --family F              gaussian (default) | binomial
  --l1-ratio A            L1 share α in (0, 1] (default 1)
  --standardize           scale every column to unit population sd (glmnet's standardize=TRUE)
  --no-standardize        penalize raw coefficients (default "auto": 0/1 columns as they are,
                          numeric columns divided by sd/√(share of rows present))
  --weight COLUMN         CSV column of observation weights
  --exclude COL[,COL]     leave these columns out of the features (CSV header names, or .jsonl
                          feature fields), as fit's --exclude
  --penalty-factors F     JSON file {"column": factor, ...}: per-feature penalty factors ≥ 0, as
                          fit's (0 = unpenalized, in the model at every λ)
  --nlambda N             number of λ values (default 100); as glmnet's, the path stops before the
                          last of them (a note on stderr says so) once the share of deviance
                          explained passes 0.999 or grows by less than 1e-5 from one λ to the
                          next (of itself for gaussian, absolute for binomial; from the 5th λ on)
  --lambda-min-ratio R    ε = λ_min/λ_max (default 1e-4, or 1e-2 when n < p, as glmnet)
  --cv K                  also cross-validate (K folds): adds cvDeviance per λ and marks λ_min, λ_1se
  --seed N                seed of the fold assignment (default 1)
  --threads N             with --cv: threads that fit the folds (default: the machine's cores; 1: one
                          thread); the result is the same whatever N
  --kkt-tolerance T       binomial: stop when the KKT conditions hold to T of each feature's threshold
                          (default 1e-10; 1e-4 is about glmnet's default accuracy)
  --stopping S            gaussian: certified (default: duality gap / KKT to rounding) | glmnet
                          (glmnet's passes and convergence rule, no certificate: about its default
                          accuracy and speed; sparse and wide designs)
  --progress              progress on stderr (a line per λ; with --cv, per fold) even when it is
                          not a terminal (--no-progress: never)
  --key K                 model key (default: the input file's base name)
  --output FILE           write the JSON lines there instead of stdout
  --dead-letters FILE     .jsonl: write the lines that are not valid events, and the CSV rows that
                          cannot be used, there (skipped, as fit --help says)
  --max-record-bytes N    .jsonl: a line over N bytes is skipped unread, with replay's reason;
                          .csv: a row open in a quote past N bytes gives up its first line
                          (default 1048576, as replay's --max-record-bytes)
  --plot FILE.svg         draw the coefficient paths against log λ (SVG only), the first ${DISTINCT_STYLES} features
                          to enter named in the legend (the others in grey, named on hover); with
                          --cv, also the cross-validated error per λ (mean ± 1 standard error,
                          λ_min and λ_1se marked), as cv.glmnet's plot; its axis reaches a little
                          past λ_1se, the larger λ above it marked ▲ with their values on hover
  --plot-scale S          the y axis of the path: standardized (default with standardization:
                          s_j·β_j, s_j the scale the penalty applies to, comparable across
                          features; with --no-standardize, sd_j·β_j, the effect of one sd of
                          feature j) | original (β_j as reported)`;

const options = {
  input: { type: 'string' },
  target: { type: 'string' },
  family: { type: 'string' },
  'l1-ratio': { type: 'string' },
  standardize: { type: 'boolean' },
  weight: { type: 'string' },
  exclude: { type: 'string', multiple: true },
  'penalty-factors': { type: 'string' },
  nlambda: { type: 'string' },
  'lambda-min-ratio': { type: 'string' },
  cv: { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  'kkt-tolerance': { type: 'string' },
  stopping: { type: 'string' },
  progress: { type: 'boolean' },
  key: { type: 'string' },
  output: { type: 'string' },
  'dead-letters': { type: 'string' },
  'max-record-bytes': { type: 'string' },
  plot: { type: 'string' },
  'plot-scale': { type: 'string' },
} as const;

export const pathCommand: Command = {
  summary: 'the whole regularization path (optionally as an SVG plot)',
  usage,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(argv, options);
    const flags = commonFlags(values);
    const nLambda = numberFlag('nlambda', values.nlambda, { min: 1, integer: true });
    const ratio = numberFlag('lambda-min-ratio', values['lambda-min-ratio'], {
      min: 0,
      exclusiveMin: true,
      max: 0.999999,
    });
    const folds = numberFlag('cv', values.cv, { min: 2, integer: true });
    const seed = numberFlag('seed', values.seed, { integer: true }) ?? 1;
    const threads = numberFlag('threads', values.threads, { min: 1, integer: true });
    if (threads !== undefined && folds === undefined)
      throw new UsageError('--threads sets the threads of the cross-validation: it goes with --cv K');
    if (values.seed !== undefined && folds === undefined)
      throw new UsageError('--seed assigns the folds of the cross-validation: it goes with --cv K');
    // paths that cannot be read or written are reported before the path is solved, not after
    await checkInputFile('input', flags.input);
    const reads = [['--input', flags.input]] as const;
    if (values.output) await checkOutputFile('output', values.output, reads);
    if (values.plot) await checkOutputFile('plot', values.plot, reads);
    if (values.plot !== undefined && extname(values.plot).toLowerCase() !== '.svg')
      throw new UsageError(
        `--plot writes SVG only: give a file name ending in .svg (got "${values.plot}"); a browser opens it, and e.g. 'chromium --headless --screenshot=path.png path.svg' makes a PNG`,
      );
    if (values['plot-scale'] !== undefined && values.plot === undefined)
      throw new UsageError('--plot-scale sets the y axis of --plot FILE.svg: it goes with --plot');
    const plotScale = values['plot-scale'] ?? (flags.standardize !== false ? 'standardized' : 'original');
    if (plotScale !== 'standardized' && plotScale !== 'original')
      throw new UsageError(`--plot-scale must be standardized or original, got "${plotScale}"`);
    if (values['dead-letters']) await checkOutputFile('dead-letters', values['dead-letters'], reads);
    await refuseSharedOutputs([
      ['--output', values.output],
      ['--plot', values.plot],
      ['--dead-letters', values['dead-letters']],
    ]);
    const data = await loadSkipping(io, flags, values['dead-letters']);
    if (folds !== undefined) {
      checkFolds(folds, data.x.rows, 'no --cv (the path alone)');
      warnIfFewInOneClass(io, flags.family, data.y, data.weights, folds, 'no --cv (the path alone)');
    }
    const penaltyFactors = values['penalty-factors']
      ? await readPenaltyFactors(values['penalty-factors'], data.names, data.zeroColumns)
      : undefined;
    const pathOptions = {
      family: flags.family,
      l1Ratio: flags.l1Ratio,
      standardize: flags.standardize,
      ...flags.solver,
      ...(data.weights ? { weights: data.weights } : {}),
      ...(penaltyFactors ? { penaltyFactors } : {}),
      ...(nLambda !== undefined ? { nLambda } : {}),
      ...(ratio !== undefined ? { lambdaMinRatio: ratio } : {}),
    };
    let path: PathResult;
    let cv: CrossValidationResult | undefined;
    if (folds !== undefined) {
      const progress = cvProgress(io, values.progress);
      progress.begin(data.x.rows, folds);
      cv = await crossValidateOnThreads(data.x, data.y, {
        ...pathOptions,
        folds,
        seed,
        onProgress: progress.onProgress,
        ...(threads !== undefined ? { threads } : {}),
      });
      progress.done();
      warnIfCvNotConverged(io, cv);
      path = cv.path;
    } else {
      const progress = new ProgressLine(io, values.progress ?? io.interactive);
      const start = Date.now();
      path = solvePath(data.x, data.y, {
        ...pathOptions,
        // the first λ at once (the path has started), then throttled
        onLambda: (done, total, fit) =>
          progress.update(
            () =>
              `path: λ ${done}/${total} done (λ = ${fit.lambda.toPrecision(4)}, ${counted(fit.nonzero, 'non-zero coefficient')}, ${((Date.now() - start) / 1000).toFixed(1)} s)`,
            done === 1 || done === total,
          ),
      });
      progress.done();
    }
    warnAboutData(io, data, path.constantColumns);
    if (path.stoppedEarly) {
      const why =
        path.stoppedEarly.reason === 'explained'
          ? 'the share of deviance explained passed 0.999 (the fit is nearly exact)'
          : `the share of deviance explained grew by less than 1e-5${flags.family === 'binomial' ? '' : ' of itself'} from the λ before (smaller λ barely change the fit)`;
      io.stderr.write(
        `l1stream: note: the path stopped at ${path.fits.length} of ${path.stoppedEarly.gridSize} λ, as glmnet's does: ${why}\n`,
      );
    }
    if (cv) noteCvMinimumAtEnd(io, cv, 'a smaller --lambda-min-ratio extends the grid');
    const key = values.key ?? defaultKey(flags.input);
    const lines = path.fits.map((fit, k) => {
      warnIfNotConverged(io, fit);
      // docs/outputs.md: lambdaMax on every path line, and the cross-validation fields with --cv
      const extra: Record<string, number> = { lambdaMax: path.lambdaMax };
      if (cv) {
        extra.lambdaMin = cv.lambdaMin;
        extra.lambda1se = cv.lambda1se;
        extra.cvDeviance = cv.cvm[k]!;
        extra.cvDevianceSe = cv.cvsd[k]!;
        extra.cvUnconvergedFolds = cv.unconvergedFolds[k]!;
        extra.folds = cv.folds;
        extra.seed = seed;
      }
      return JSON.stringify(
        snapshotOf(fit, data, { key, version: k + 1, family: flags.family, l1Ratio: flags.l1Ratio, extra }),
      );
    });
    const text = `${lines.join('\n')}\n`;
    if (values.output) await writeOutputFile('output', values.output, text);
    else if (values.plot !== undefined && (io.stdout as { isTTY?: boolean }).isTTY === true)
      io.stderr.write(
        `path: the ${lines.length} per-λ models are not printed on a terminal with --plot; add --output FILE (or pipe stdout) to keep them\n`,
      );
    else io.stdout.write(text);
    if (values.plot) {
      let fits: ReadonlyArray<{ lambda: number; coefficients: ArrayLike<number> }> = path.fits;
      if (plotScale === 'standardized') {
        const w = data.weights ?? new Float64Array(data.x.rows).fill(1);
        const sum = w.reduce((a, b) => a + b, 0);
        const wn = w.map((v) => v / sum);
        const { sd } = columnStats(data.x, wn);
        // the scale the penalty applies to (sd_j; under the default "auto", 1 for 0/1 columns, sd_j/√q_j for the others)
        const s = sd.map((v, j) =>
          flags.standardize === 'auto' ? penaltyScale(data.x, j, wn, v, 'auto') : v,
        );
        fits = path.fits.map((f) => ({
          lambda: f.lambda,
          coefficients: f.coefficients.map((c, j) => c * s[j]!),
        }));
      }
      const svg = plotPathSvg(fits, data.names, {
        yLabel:
          plotScale !== 'standardized'
            ? 'coefficient β_j (original scale)'
            : flags.standardize === false
              ? 'effect of one sd, sd_j × β_j (the penalty is on β_j)'
              : 'standardized coefficient s_j × β_j',
        title: `${key}: ${flags.family} ${flags.l1Ratio === 1 ? 'lasso' : `elastic net (α = ${flags.l1Ratio})`} path`,
        ...(cv
          ? {
              markers: [
                { lambda: cv.lambdaMin, label: 'λ_min' },
                { lambda: cv.lambda1se, label: 'λ_1se' },
              ],
              cv: {
                lambdas: cv.lambdas,
                mean: cv.cvm,
                se: cv.cvsd,
                label: flags.family === 'binomial' ? 'binomial deviance' : 'mean squared error',
                lambdaMin: cv.lambdaMin,
                lambda1se: cv.lambda1se,
              },
            }
          : {}),
      });
      await writeOutputFile('plot', values.plot, svg);
    }
    return 0;
  },
};
