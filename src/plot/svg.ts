/**
 * Small SVG drawing primitives shared by the path plot and the replay report: escaping, tick
 * values, number labels, distinct line styles and a plotting frame with its axes. Everything
 * returns strings; no DOM, no script, nothing fetched.
 */

/** Escapes text for XML and HTML content and attribute values (names are data: `<script>` is shown). */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `s` cut to at most `max` characters, with an ellipsis when cut. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * `s` cut to at most `max` characters by leaving out its middle (an ellipsis there): names that
 * share a long prefix (`feature_with_a_long_description_17`) stay apart in a legend.
 */
export function clipMiddle(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  if (max < 3) return clip(s, max);
  const tail = Math.floor((max - 1) / 3);
  return `${chars.slice(0, max - 1 - tail).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/**
 * Character widths in em, about the wider of Helvetica's and DejaVu Sans's (what a Linux browser
 * draws for "Helvetica, Arial, sans-serif"); other ASCII characters count 0.65 em, the rest 1 em.
 */
const EM: ReadonlyMap<string, number> = new Map(
  (
    [
      ["ijl'|!.,:;", 0.34],
      [' ()[]{}/\\-ftIJ`', 0.42],
      ['r"*', 0.47],
      ['csz_', 0.57],
      ['abdeghknopquvxy0123456789?$#', 0.64],
      ['FLTYZ', 0.63],
      ['ABEKPRSVX&', 0.7],
      ['CDGHNOQU+<>=~', 0.84],
      ['mMw%@', 0.98],
      ['W', 1],
    ] as const
  ).flatMap(([chars, em]) => [...chars].map((c) => [c, em] as const)),
);

/** About how wide `text` is drawn at `size` px (rather more than less: text clipped to it fits). */
export function textWidth(text: string, size = 12): number {
  let em = 0;
  for (const c of text) em += EM.get(c) ?? (c.charCodeAt(0) < 128 ? 0.65 : 1);
  return em * size;
}

/** `s` cut in its middle (`clipMiddle`) to at most `px` wide at `size` px. */
export function clipMiddleToWidth(s: string, px: number, size = 12): string {
  let max = [...s].length;
  let out = s;
  while (max > 1 && textWidth(out, size) > px) out = clipMiddle(s, --max);
  return out;
}

/**
 * "Nice" tick values covering [lo, hi] (1, 2, 5 × 10^k steps): of those steps, the one whose tick
 * count is nearest `target`, and at least 3 where a step gives that (the smallest step of at least
 * (hi − lo) / target could leave one or two ticks on a short panel). `integer`: no step below 1 (an axis of counts).
 */
export function niceTicks(lo: number, hi: number, target = 6, integer = false): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const ticksOf = (step: number): number[] => {
    const out: number[] = [];
    // multiples of the step, computed as such (not summed: 0.1 + 0.2 ≠ 0.3)
    for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++)
      out.push(i === 0 ? 0 : Number((i * step).toPrecision(12)));
    return out;
  };
  // fewer than 3 ticks (two labels, or one) tell a reader little: taken only when nothing else is near
  const miss = (n: number) => Math.abs(n - target) + (n < 3 ? target : 0);
  let best: number[] | null = null;
  for (const m of [0.5, 1, 2, 5, 10]) {
    const ticks = ticksOf(integer ? Math.max(1, m * mag) : m * mag);
    if (best === null || miss(ticks.length) < miss(best.length)) best = ticks;
  }
  return best!.length > 0 ? best! : [lo];
}

/** A short label for a number: 4 significant digits, exponent notation when very large or small. */
export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1);
  if (a >= 1e4) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(4)).toString();
}

/**
 * Twenty distinct colours: d3's category10, then ten more (black, dark and light tones) that differ
 * from all of them. Lines beyond twenty also get a dash pattern (`lineStyles`).
 */
export const PALETTE: readonly string[] = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
  '#000000',
  '#393b79',
  '#637939',
  '#843c39',
  '#7b4173',
  '#e7ba52',
  '#9edae5',
  '#ff9896',
  '#98df8a',
  '#c49c94',
];

/** Dash patterns (SVG stroke-dasharray), solid first. */
const DASHES: readonly (string | null)[] = [null, '7 3', '2 2', '9 3 2 3'];

export interface LineStyle {
  readonly color: string;
  readonly dash: string | null;
}

/** How many lines `lineStyles` can tell apart. */
export const DISTINCT_STYLES = PALETTE.length * DASHES.length;

/**
 * `n` pairwise distinct line styles (at most `DISTINCT_STYLES`): every colour solid first, then
 * every colour with the next dash pattern, and so on.
 */
export function lineStyles(n: number): LineStyle[] {
  if (n > DISTINCT_STYLES)
    throw new RangeError(`at most ${DISTINCT_STYLES} distinct line styles, asked ${n}`);
  return Array.from({ length: n }, (_, i) => ({
    color: PALETTE[i % PALETTE.length]!,
    dash: DASHES[Math.floor(i / PALETTE.length)]!,
  }));
}

/** The stroke attributes of a style. */
export function strokeOf(style: LineStyle, width = 1.6): string {
  return `stroke="${style.color}" stroke-width="${width}"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}`;
}

export interface AxisSpec {
  readonly lo: number;
  readonly hi: number;
  readonly label: string;
  /** Larger values to the left (λ paths: the model grows to the right). */
  readonly reversed?: boolean;
  /** Tick labels (default `formatNumber`). */
  readonly format?: (v: number) => string;
  /** Draw tick labels (default true). */
  readonly labels?: boolean;
  /** Ticks at whole numbers only (counts: events), so that no two labels read the same. */
  readonly integer?: boolean;
}

/** A plotting area in SVG coordinates, with the data → pixel maps of its axes. */
export interface Frame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly x: (v: number) => number;
  readonly y: (v: number) => number;
}

/** A range padded by `share` of its width on each side, or ±1 around a single value. */
export function padded(lo: number, hi: number, share = 0.05): { lo: number; hi: number } {
  if (!(hi > lo)) return { lo: lo - 1, hi: hi + 1 };
  const pad = (hi - lo) * share;
  return { lo: lo - pad, hi: hi + pad };
}

/**
 * Draws a frame's grid, ticks, tick labels, border and axis titles into `out`; returns the frame
 * with its maps. The y axis title is rotated on the left; the x title sits under the tick labels.
 */
export function drawFrame(
  out: string[],
  box: { left: number; top: number; width: number; height: number },
  xAxis: AxisSpec,
  yAxis: AxisSpec,
): Frame {
  const { left, top, width, height } = box;
  const x = (v: number) =>
    xAxis.reversed
      ? left + ((xAxis.hi - v) / (xAxis.hi - xAxis.lo)) * width
      : left + ((v - xAxis.lo) / (xAxis.hi - xAxis.lo)) * width;
  const y = (v: number) => top + (1 - (v - yAxis.lo) / (yAxis.hi - yAxis.lo)) * height;
  const fx = xAxis.format ?? formatNumber;
  const fy = yAxis.format ?? formatNumber;
  const yTicks =
    yAxis.labels === false
      ? []
      : niceTicks(yAxis.lo, yAxis.hi, Math.max(3, Math.round(height / 50)), yAxis.integer);
  for (const t of yTicks) {
    const py = y(t).toFixed(1);
    const zero = t === 0 && yAxis.lo < 0;
    out.push(
      `<line x1="${left}" x2="${left + width}" y1="${py}" y2="${py}" stroke="${zero ? '#888' : '#e5e5e5'}"${zero ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeXml(fy(t))}</text>`,
    );
  }
  for (const t of niceTicks(xAxis.lo, xAxis.hi, Math.max(2, Math.round(width / 110)), xAxis.integer)) {
    const px = x(t).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="${top}" y2="${top + height}" stroke="#e5e5e5"/>`);
    if (xAxis.labels !== false)
      out.push(`<text x="${px}" y="${top + height + 16}" text-anchor="middle">${escapeXml(fx(t))}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#333"/>`);
  if (xAxis.label !== '' && xAxis.labels !== false)
    out.push(
      `<text x="${left + width / 2}" y="${top + height + 34}" text-anchor="middle" font-size="13" class="x-label">${escapeXml(xAxis.label)}</text>`,
    );
  // the title clear of the widest tick label (it is 13 px high, centred on its x)
  let widest = 0;
  for (const t of yTicks) widest = Math.max(widest, labelWidth(fy(t)));
  const titleX = Math.max(10, Math.min(left - 52, left - 6 - widest - 12));
  out.push(
    `<text transform="translate(${titleX.toFixed(1)} ${top + height / 2}) rotate(-90)" text-anchor="middle" font-size="13" class="y-label">${escapeXml(yAxis.label)}</text>`,
  );
  return { left, top, width, height, x, y };
}

/** About how wide a tick label is at 12 px Helvetica/Arial (digits 0.556 em, `,` and `.` 0.278 em). */
export function labelWidth(text: string): number {
  let w = 0;
  for (const c of text) w += c === ',' || c === '.' ? 3.4 : c === '-' ? 4 : 6.7;
  return w;
}

/** An open SVG document of the given size on a white background. */
export function svgOpen(width: number, height: number, attrs = ''): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12"${attrs}>` +
    `<rect width="100%" height="100%" fill="white"/>`
  );
}
