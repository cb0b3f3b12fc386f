export interface PlotOptions {
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
  /** At most this many features are labelled (the largest at the smallest λ; default 20). */
  readonly maxLabels?: number;
  /** The y axis title (default "coefficient"). */
  readonly yLabel?: string;
  /** Dashed markers, e.g. λ_min and λ_1se from cross-validation. */
  readonly markers?: ReadonlyArray<{ readonly lambda: number; readonly label: string }>;
}

interface PathLike {
  readonly lambda: number;
  readonly coefficients: ArrayLike<number>;
}

const PALETTE = [
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
];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "Nice" tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
function ticks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(4)).toString();
}

/**
 * Coefficient paths against log λ, one line per feature that is ever non-zero, labelled by feature
 * name at the small-λ end (λ decreases to the right); the top axis counts non-zero coefficients (as glmnet's plot). Returns a
 * self-contained SVG document.
 */
export function plotPathSvg(
  fits: readonly PathLike[],
  names: readonly string[],
  options: PlotOptions = {},
): string {
  const width = options.width ?? 960;
  const height = options.height ?? 600;
  const maxLabels = options.maxLabels ?? 20;
  const left = 80;
  const right = 190;
  const top = 60;
  const bottom = 60;
  const pw = width - left - right;
  const ph = height - top - bottom;
  const logs = fits.map((f) => Math.log(f.lambda));
  const xs = logs.filter(Number.isFinite);
  let xLo = Math.min(...xs);
  let xHi = Math.max(...xs);
  if (!(xHi > xLo)) {
    xLo -= 1;
    xHi += 1;
  }
  const p = names.length;
  const ever: number[] = [];
  let yLo = 0;
  let yHi = 0;
  for (let j = 0; j < p; j++) {
    let nz = false;
    for (const f of fits) {
      const c = f.coefficients[j]!;
      if (c !== 0) nz = true;
      if (c < yLo) yLo = c;
      if (c > yHi) yHi = c;
    }
    if (nz) ever.push(j);
  }
  if (!(yHi > yLo)) {
    yLo = -1;
    yHi = 1;
  }
  const pad = (yHi - yLo) * 0.05;
  yLo -= pad;
  yHi += pad;
  // λ decreases to the right: the model grows left to right and the labels sit at its full end
  const X = (v: number) => left + ((xHi - v) / (xHi - xLo)) * pw;
  const Y = (v: number) => top + (1 - (v - yLo) / (yHi - yLo)) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  );
  if (options.title)
    out.push(
      `<text x="${left + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(options.title)}</text>`,
    );
  // grid and axes
  for (const t of ticks(yLo, yHi)) {
    const y = Y(t).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${left + pw}" y1="${y}" y2="${y}" stroke="${t === 0 ? '#888' : '#e5e5e5'}"${t === 0 ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
    out.push(`<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(xLo, xHi)) {
    const x = X(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${top + ph + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(
    `<text x="${left + pw / 2}" y="${height - 14}" text-anchor="middle" font-size="13">log(λ)  — λ decreases to the right →</text>`,
  );
  out.push(
    `<text transform="translate(20 ${top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13">coefficient</text>`,
  );
  // top axis: number of non-zero coefficients at a few λ
  const step = Math.max(1, Math.floor(fits.length / 8));
  for (let k = 0; k < fits.length; k += step) {
    if (!Number.isFinite(logs[k]!)) continue;
    let nz = 0;
    for (let j = 0; j < p; j++) if (fits[k]!.coefficients[j] !== 0) nz++;
    out.push(
      `<text x="${X(logs[k]!).toFixed(1)}" y="${top - 8}" text-anchor="middle" fill="#555">${nz}</text>`,
    );
  }
  out.push(`<text x="${left + pw + 6}" y="${top - 8}" fill="#555">non-zero</text>`);
  for (const m of options.markers ?? []) {
    const x = X(Math.log(m.lambda)).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + ph}" stroke="#444" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${x}" y="${top + 14}" text-anchor="start" dx="4" fill="#444">${esc(m.label)}</text>`);
  }
  // paths, clipped to the plot area
  out.push(
    `<clipPath id="plot-area"><rect x="${left}" y="${top}" width="${pw}" height="${ph}"/></clipPath><g clip-path="url(#plot-area)">`,
  );
  ever.forEach((j, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const pts: string[] = [];
    fits.forEach((f, i) => {
      if (Number.isFinite(logs[i]!))
        pts.push(`${X(logs[i]!).toFixed(1)},${Y(f.coefficients[j]!).toFixed(1)}`);
    });
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${pts.join(' ')}"><title>${esc(names[j]!)}</title></polyline>`,
    );
  });
  out.push('</g>');
  // labels at the smallest λ (the right edge), largest |coefficient| first, de-collided
  let iMin = 0;
  for (let i = 1; i < fits.length; i++) if (logs[i]! < logs[iMin]!) iMin = i;
  const last = fits[iMin]!;
  const labelled = ever
    .map((j, k) => ({ j, k, c: last.coefficients[j]! }))
    .filter((e) => e.c !== 0)
    .sort((a, b) => Math.abs(b.c) - Math.abs(a.c))
    .slice(0, Math.min(maxLabels, Math.floor(ph / 14)))
    .map((e) => ({ ...e, y: Y(e.c) }))
    .sort((a, b) => a.y - b.y);
  const gap = 14;
  for (let i = 1; i < labelled.length; i++)
    labelled[i]!.y = Math.max(labelled[i]!.y, labelled[i - 1]!.y + gap);
  const overflow = labelled.length > 0 ? labelled[labelled.length - 1]!.y - (top + ph) : 0;
  if (overflow > 0) for (const l of labelled) l.y -= overflow;
  for (let i = labelled.length - 2; i >= 0; i--)
    labelled[i]!.y = Math.min(labelled[i]!.y, labelled[i + 1]!.y - gap);
  const lx = left + pw + 10;
  for (const l of labelled) {
    const color = PALETTE[l.k % PALETTE.length]!;
    const ly = Y(l.c);
    out.push(
      `<line x1="${left + pw}" y1="${ly.toFixed(1)}" x2="${lx}" y2="${l.y.toFixed(1)}" stroke="${color}" stroke-width="0.8"/>`,
    );
    out.push(
      `<text x="${lx + 3}" y="${l.y.toFixed(1)}" dominant-baseline="middle" fill="${color}">${esc(names[l.j]!)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
