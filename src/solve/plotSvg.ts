import {
  clipMiddleToWidth,
  DISTINCT_STYLES,
  drawFrame,
  escapeXml,
  formatNumber,
  lineStyles,
  padded,
  strokeOf,
  svgOpen,
  textWidth,
  type LineStyle,
} from '../plot/svg.js';

/** Cross-validated error per λ (cv.glmnet's picture): the mean over folds and its standard error. */
export interface CvCurve {
  readonly lambdas: ArrayLike<number>;
  readonly mean: ArrayLike<number>;
  readonly se: ArrayLike<number>;
  /** The y axis title, e.g. "mean squared error" or "binomial deviance". */
  readonly label: string;
  /** The λ of least mean error and the largest λ within one standard error of it (default: from the curve). */
  readonly lambdaMin?: number;
  readonly lambda1se?: number;
}

/**
 * The cross-validation panel's y range. Near λ_max the model is (nearly) the null model, whose error
 * can be many times the minimum's, and an axis that includes it draws the region of λ_min and
 * λ_1se, the one a reader chooses in, as a flat line. The range covers every mean ± standard error
 * from the smallest λ up to a λ past λ_1se, by half the distance from λ_min to λ_1se in log λ (at
 * least a tenth of the grid's span): λ_min, λ_1se and the rise past λ_1se are always in range. The
 * means above it (larger λ) are cut off and marked. It is used when the whole range would be more
 * than 1.5 times as tall; else every point is in range (`top` Infinity). `top` is the axis' top,
 * padding included; `above` the λ whose mean lies above it.
 */
export function cvRange(cv: CvCurve): { lo: number; hi: number; top: number; above: number } {
  const n = cv.lambdas.length;
  const ok = (k: number) => cv.lambdas[k]! > 0 && Number.isFinite(cv.mean[k]!);
  // mean ± standard error of the λ taken into `into`
  const extend = (k: number, into: { lo: number; hi: number }) => {
    const m = cv.mean[k]!;
    const s = Number.isFinite(cv.se[k]!) ? cv.se[k]! : 0;
    into.lo = Math.min(into.lo, m - s);
    into.hi = Math.max(into.hi, m + s);
  };
  const all = { lo: Infinity, hi: -Infinity };
  let best = -1;
  for (let k = 0; k < n; k++) {
    if (!ok(k)) continue;
    extend(k, all);
    if (best < 0 || cv.mean[k]! < cv.mean[best]!) best = k;
  }
  if (best < 0) return { lo: 0, hi: 1, top: Infinity, above: 0 };
  const { lo, hi } = all;
  const whole = { ...padded(lo, hi), top: Infinity, above: 0 };
  const lambdaMin = cv.lambdaMin ?? cv.lambdas[best]!;
  let lambda1se = cv.lambda1se;
  if (lambda1se === undefined) {
    const bar = cv.mean[best]! + (Number.isFinite(cv.se[best]!) ? cv.se[best]! : 0);
    lambda1se = lambdaMin;
    for (let k = 0; k < n; k++)
      if (ok(k) && cv.mean[k]! <= bar && cv.lambdas[k]! > lambda1se) lambda1se = cv.lambdas[k]!;
  }
  let logLo = Infinity;
  let logHi = -Infinity;
  for (let k = 0; k < n; k++)
    if (ok(k)) {
      logLo = Math.min(logLo, Math.log(cv.lambdas[k]!));
      logHi = Math.max(logHi, Math.log(cv.lambdas[k]!));
    }
  const past = Math.max(0.5 * Math.abs(Math.log(lambda1se) - Math.log(lambdaMin)), 0.1 * (logHi - logLo));
  const upTo = Math.max(Math.log(lambda1se), Math.log(lambdaMin)) + past;
  const shown = { lo: Infinity, hi: -Infinity };
  for (let k = 0; k < n; k++) if (ok(k) && Math.log(cv.lambdas[k]!) <= upTo + 1e-9) extend(k, shown);
  if (!(shown.hi > -Infinity) || hi - lo <= 1.5 * (shown.hi - lo)) return whole;
  const r = padded(lo, shown.hi);
  let above = 0;
  for (let k = 0; k < n; k++) if (ok(k) && cv.mean[k]! > r.hi) above++;
  return { ...r, top: r.hi, above };
}

/** How much larger than the shown part's a path's largest coefficient must be for its tail to be cut off. */
const EXPLOSIVE = 3;

/**
 * The path panel's y range. Near separation (binomial) or with more features than rows the last λ
 * can fit coefficients many times those of the rest of the path, and a range that holds them
 * flattens every line before them at 0. So the range holds the coefficients of the fits from λ_max
 * to `reference` (λ_min's with cross-validation, else the last with at most as many non-zero
 * coefficients as the legend names), unless the
 * whole path's largest is under EXPLOSIVE times theirs (then every coefficient is in range);
 * beyond it, lines leave the plot (cut off), `cut` counts the features they belong to and
 * `largest` is the largest absolute value cut.
 */
export function pathRange(
  fits: readonly PathLike[],
  reference: number,
): { lo: number; hi: number; cut: number; largest: number } {
  const bounds = (to: number) => {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i <= to; i++) {
      const coefficients = fits[i]!.coefficients;
      for (let j = 0; j < coefficients.length; j++) {
        const c = coefficients[j]!;
        if (c < lo) lo = c;
        if (c > hi) hi = c;
      }
    }
    return { lo, hi };
  };
  const all = bounds(fits.length - 1);
  const whole = { ...padded(all.lo, all.hi), cut: 0, largest: 0 };
  if (fits.length < 4) return whole;
  const shown = bounds(Math.min(fits.length - 1, Math.max(0, reference)));
  const span = Math.max(shown.hi, -shown.lo);
  const largest = Math.max(all.hi, -all.lo);
  if (!(span > 0) || largest < EXPLOSIVE * span) return whole;
  const r = padded(shown.lo, shown.hi, 0.25);
  let cut = 0;
  const p = fits[0]!.coefficients.length;
  for (let j = 0; j < p; j++)
    if (fits.some((f) => f.coefficients[j]! > r.hi || f.coefficients[j]! < r.lo)) cut++;
  return { ...r, cut, largest };
}

export interface PlotOptions {
  /** Width of the picture with a one-column legend (default 960); more legend columns widen it. */
  readonly width?: number;
  /** Height of the path panel (default 600). */
  readonly height?: number;
  readonly title?: string;
  /** The y axis title (default "coefficient"): say which scale the coefficients are on. */
  readonly yLabel?: string;
  /** Dashed vertical lines through every panel, e.g. λ_min and λ_1se. */
  readonly markers?: ReadonlyArray<{ readonly lambda: number; readonly label: string }>;
  /** Adds a panel under the path with the cross-validated error per λ (mean ± 1 standard error). */
  readonly cv?: CvCurve;
}

interface PathLike {
  readonly lambda: number;
  readonly coefficients: ArrayLike<number>;
}

const LEFT = 80;
const TOP = 60;
const LEGEND_COLUMN = 210;
/** A legend name starts 27 px into its column and ends 8 px before the next. */
const LEGEND_TEXT = LEGEND_COLUMN - 27 - 8;
const LEGEND_ROW = 15;
const CV_GAP = 56;
const CV_HEIGHT = 260;
/** Lines of features beyond the distinct styles: thin, grey, named by their tooltip. */
const OVERFLOW: LineStyle = { color: '#bbbbbb', dash: null };

/**
 * Coefficient paths against log λ (λ decreasing to the right, as the model grows), one line per
 * feature that is ever non-zero, each in its own style and named in the legend, in the order the
 * features enter the path. The top axis counts non-zero coefficients (as glmnet's plot). With `cv`,
 * a second panel on the same λ axis shows the cross-validated error. Returns a self-contained SVG.
 */
export function plotPathSvg(
  fits: readonly PathLike[],
  names: readonly string[],
  options: PlotOptions = {},
): string {
  const ph = (options.height ?? 600) - TOP - 60;
  const pw = (options.width ?? 960) - LEFT - LEGEND_COLUMN - 10;
  const logs = fits.map((f) => Math.log(f.lambda));
  const finiteLogs = logs.filter(Number.isFinite);
  const xr = padded(Math.min(...finiteLogs), Math.max(...finiteLogs), 0);
  // features in the order they enter (the largest λ at which they are non-zero)
  const p = names.length;
  const entry: Array<{ j: number; at: number }> = [];
  let yLo = 0;
  let yHi = 0;
  for (let j = 0; j < p; j++) {
    let at = -1;
    for (let i = 0; i < fits.length; i++) {
      const c = fits[i]!.coefficients[j]!;
      if (c !== 0 && (at < 0 || logs[i]! > logs[at]!)) at = i;
      if (c < yLo) yLo = c;
      if (c > yHi) yHi = c;
    }
    if (at >= 0) entry.push({ j, at: logs[at]! });
  }
  entry.sort((a, b) => b.at - a.at || a.j - b.j);
  const styled = Math.min(entry.length, DISTINCT_STYLES);
  const styles = lineStyles(styled);
  const legendRows = Math.max(1, Math.floor(ph / LEGEND_ROW));
  const legendEntries = styled + (entry.length > styled ? 1 : 0);
  const columns = Math.max(1, Math.ceil(legendEntries / legendRows));
  const width = LEFT + pw + 20 + columns * LEGEND_COLUMN;
  const cvTop = TOP + ph + CV_GAP;
  const height = options.cv ? cvTop + CV_HEIGHT + 60 : TOP + ph + 60;

  const out: string[] = [svgOpen(width, height)];
  if (options.title)
    out.push(
      `<text x="${LEFT + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
    );
  const markerMin = options.cv?.lambdaMin ?? options.markers?.find((m) => m.label === 'λ_min')?.lambda;
  // the axis holds the path to λ_min, or while the features the legend names enter
  let named = fits.length - 1;
  for (let i = 0; i < fits.length; i++) {
    let nz = 0;
    for (let j = 0; j < p; j++) if (fits[i]!.coefficients[j] !== 0) nz++;
    if (nz > DISTINCT_STYLES) {
      named = Math.max(0, i - 1);
      break;
    }
  }
  const reference =
    markerMin !== undefined ? fits.findIndex((f) => f.lambda <= markerMin * (1 + 1e-12)) : named;
  const y = yLo === 0 && yHi === 0 ? { ...padded(0, 0), cut: 0, largest: 0 } : pathRange(fits, reference);
  const frame = drawFrame(
    out,
    { left: LEFT, top: TOP, width: pw, height: ph },
    { ...xr, reversed: true, label: 'log(λ)  — λ decreases to the right →' },
    { ...y, label: options.yLabel ?? 'coefficient' },
  );
  if (y.cut > 0)
    out.push(
      `<text class="cut-note" x="${LEFT}" y="${TOP - 24}" font-size="11" fill="#a33">${escapeXml(
        `${y.cut} feature${y.cut === 1 ? '' : 's'} beyond the axis near the end of the path, cut off (largest |coefficient| ${formatNumber(y.largest)}): the axis holds the path ${markerMin !== undefined ? 'to λ_min' : `while its first ${DISTINCT_STYLES} features (the legend's) enter`}`,
      )}</text>`,
    );
  // top axis: number of non-zero coefficients at a few λ
  const step = Math.max(1, Math.floor(fits.length / 8));
  // "non-zero" right of the last count, clear of it however many digits it has
  let countsEnd = LEFT + pw;
  for (let k = 0; k < fits.length; k += step) {
    if (!Number.isFinite(logs[k]!)) continue;
    let nz = 0;
    for (let j = 0; j < p; j++) if (fits[k]!.coefficients[j] !== 0) nz++;
    const cx = frame.x(logs[k]!);
    countsEnd = Math.max(countsEnd, cx + textWidth(String(nz)) / 2);
    out.push(`<text x="${cx.toFixed(1)}" y="${TOP - 8}" text-anchor="middle" fill="#555">${nz}</text>`);
  }
  out.push(`<text x="${(countsEnd + 6).toFixed(1)}" y="${TOP - 8}" fill="#555">non-zero</text>`);
  // paths, clipped to the plot area; grey overflow lines first so the styled ones stay on top
  out.push(
    `<clipPath id="path-area"><rect x="${LEFT}" y="${TOP}" width="${pw}" height="${ph}"/></clipPath><g clip-path="url(#path-area)">`,
  );
  const xs: string[] = [];
  const ys: string[] = [];
  const line = (j: number, style: LineStyle, widthPx: number) => {
    xs.length = 0;
    ys.length = 0;
    fits.forEach((f, i) => {
      if (Number.isFinite(logs[i]!)) {
        xs.push(frame.x(logs[i]!).toFixed(1));
        ys.push(frame.y(f.coefficients[j]!).toFixed(1));
      }
    });
    out.push(
      `<polyline class="path" fill="none" ${strokeOf(style, widthPx)} points="${polylinePoints(xs, ys)}"><title>${escapeXml(names[j]!)}</title></polyline>`,
    );
  };
  for (let k = styled; k < entry.length; k++) line(entry[k]!.j, OVERFLOW, 1);
  for (let k = 0; k < styled; k++) line(entry[k]!.j, styles[k]!, 1.6);
  out.push('</g>');
  // the legend: every styled feature, in columns right of the plot
  const lx = LEFT + pw + 20;
  for (let k = 0; k < legendEntries; k++) {
    const cx = lx + Math.floor(k / legendRows) * LEGEND_COLUMN;
    const cy = TOP + 8 + (k % legendRows) * LEGEND_ROW;
    if (k < styled) {
      const name = names[entry[k]!.j]!;
      out.push(
        `<g class="legend-entry"><title>${escapeXml(name)}</title><line x1="${cx}" x2="${cx + 22}" y1="${cy}" y2="${cy}" ${strokeOf(styles[k]!, 2)}/>` +
          `<text x="${cx + 27}" y="${cy}" dominant-baseline="middle">${escapeXml(clipMiddleToWidth(name, LEGEND_TEXT))}</text></g>`,
      );
    } else {
      out.push(
        `<text x="${cx}" y="${cy}" dominant-baseline="middle" fill="#777">${escapeXml(clipMiddleToWidth(`+ ${entry.length - styled} more in grey (hover)`, LEGEND_COLUMN - 8))}</text>`,
      );
    }
  }
  const markers = [...(options.markers ?? [])];
  if (options.cv) cvPanel(out, options.cv, { ...xr, pw, top: cvTop });
  const bottom = options.cv ? cvTop + CV_HEIGHT : TOP + ph;
  markers.forEach((m, k) => {
    const x = frame.x(Math.log(m.lambda));
    // labels stacked (two markers may share a λ), inside the plot near its right edge
    const anchor = x > LEFT + pw - 60 ? 'end" dx="-4' : 'start" dx="4';
    out.push(
      `<line class="marker" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${TOP}" y2="${bottom}" stroke="#444" stroke-dasharray="6 4"/>`,
      `<text x="${x.toFixed(1)}" y="${TOP + 14 + 14 * k}" text-anchor="${anchor}" fill="#444">${escapeXml(m.label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/**
 * The cross-validation panel: mean error per λ with ±1 standard error bars, on the path's λ axis;
 * the y range is `cvRange`'s, a mean above it a mark on the top edge (its value in the tooltip), a
 * bar above it cut at the edge.
 */
function cvPanel(out: string[], cv: CvCurve, at: { lo: number; hi: number; pw: number; top: number }): void {
  const range = cvRange(cv);
  const frame = drawFrame(
    out,
    { left: LEFT, top: at.top, width: at.pw, height: CV_HEIGHT },
    { lo: at.lo, hi: at.hi, reversed: true, label: 'log(λ)' },
    { lo: range.lo, hi: range.hi, label: cv.label },
  );
  out.push(
    `<text x="${LEFT + at.pw + 10}" y="${at.top + 12}" fill="#555">cross-validation:</text>`,
    `<text x="${LEFT + at.pw + 10}" y="${at.top + 28}" fill="#555">mean ± 1 standard error</text>`,
    `<text x="${LEFT + at.pw + 10}" y="${at.top + 44}" fill="#555">over the folds, per λ</text>`,
  );
  let maxAbove = -Infinity;
  for (let k = 0; k < cv.lambdas.length; k++) {
    const lam = cv.lambdas[k]!;
    const m = cv.mean[k]!;
    const s = cv.se[k]!;
    if (!(lam > 0) || !Number.isFinite(m)) continue;
    const x = frame.x(Math.log(lam)).toFixed(1);
    const title = `<title>λ = ${formatNumber(lam)}: ${formatNumber(m)} ± ${formatNumber(s)}${m > range.top ? ' (above the axis)' : ''}</title>`;
    if (m > range.top) {
      // the mean is above the axis: a mark under the top edge, its value in the tooltip
      maxAbove = Math.max(maxAbove, m);
      out.push(
        `<g class="cv-point cv-above" data-mean="${m}"><path d="M${x} ${at.top + 1}l3.5 6h-7z" fill="#d62728">${title}</path></g>`,
      );
      continue;
    }
    const upTop = m + s > range.top;
    const up = (upTop ? frame.y(range.top) : frame.y(m + s)).toFixed(1);
    const down = frame.y(m - s).toFixed(1);
    out.push(
      `<g class="cv-point"><line x1="${x}" x2="${x}" y1="${up}" y2="${down}" stroke="#999"/>` +
        (upTop
          ? ''
          : `<line x1="${Number(x) - 2}" x2="${Number(x) + 2}" y1="${up}" y2="${up}" stroke="#999"/>`) +
        `<line x1="${Number(x) - 2}" x2="${Number(x) + 2}" y1="${down}" y2="${down}" stroke="#999"/>` +
        `<circle class="cv-mean" cx="${x}" cy="${frame.y(m).toFixed(1)}" r="2.6" fill="#d62728">${title}</circle></g>`,
    );
  }
  if (range.above > 0)
    out.push(
      `<g class="cv-clip-note" fill="#8a4b00"><path d="M${LEFT + at.pw + 13.5} ${at.top + 63}l3.5 6h-7z" fill="#d62728"/>` +
        `<text x="${LEFT + at.pw + 22}" y="${at.top + 68}">${range.above} λ above the axis</text>` +
        `<text x="${LEFT + at.pw + 10}" y="${at.top + 84}">(mean up to ${escapeXml(formatNumber(maxAbove))}; hover ▲):</text>` +
        `<text x="${LEFT + at.pw + 10}" y="${at.top + 100}">the axis is scaled to the λ</text>` +
        `<text x="${LEFT + at.pw + 10}" y="${at.top + 116}">up to a little past λ_1se</text></g>`,
    );
}

/**
 * A polyline's points ("x,y x,y ..."; x increasing), without the points inside a horizontal run
 * (the same y as the points before and after it, as drawn): the same line, drawn from far fewer
 * points where features enter late (a path of thousands of features is mostly their zeros).
 */
export function polylinePoints(xs: readonly string[], ys: readonly string[]): string {
  const n = xs.length;
  let out = '';
  for (let i = 0; i < n; i++) {
    if (i > 0 && i < n - 1 && ys[i] === ys[i - 1] && ys[i] === ys[i + 1]) continue;
    out += (out.length > 0 ? ' ' : '') + xs[i] + ',' + ys[i];
  }
  return out;
}
