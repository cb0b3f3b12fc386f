import {
  clip,
  clipMiddleToWidth,
  drawFrame,
  escapeXml,
  formatNumber,
  lineStyles,
  padded,
  strokeOf,
  svgOpen,
  type Frame,
} from '../plot/svg.js';
import type { AlertMark, KeyReport, SnapshotPoint } from './collect.js';

/**
 * One key's pictures as one SVG: panels stacked on the same event axis (coefficients of the top
 * features, support size, progressive loss, AUC for binomial models, alerts), online snapshots as
 * lines, refits as diamonds, every alert a triangle in the alerts strip, with its type, severity,
 * message and features as a tooltip (SVG <title>), and a critical or warning one a vertical line
 * through all panels too (info alerts, often many, are small triangles counted per stretch).
 */

const LEFT = 80;
const PLOT_WIDTH = 640;
const LEGEND = 260;
const GAP = 58;
const SEVERITY_COLOR: Readonly<Record<string, string>> = {
  critical: '#c62828',
  warning: '#ef6c00',
  info: '#78909c',
};
/** An alert severity's colour (unknown severities grey, like info). */
export const severityColor = (s: string): string =>
  Object.prototype.hasOwnProperty.call(SEVERITY_COLOR, s) ? SEVERITY_COLOR[s]! : '#78909c';
const ONLINE = '#1f77b4';
const events = (v: number): string => Math.round(v).toLocaleString('en-US');

/**
 * A polyline through (x, y) pairs; null values break the line. A run of one point (a key with one
 * snapshot, or one between gaps) is a dot in the line's colour: a one-point polyline draws nothing.
 */
function polyline(frame: Frame, pts: ReadonlyArray<[number, number | null]>, attrs: string): string {
  const parts: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) {
      const [cx, cy] = run[0]!.split(',');
      const color = /stroke="([^"]*)"/.exec(attrs)?.[1] ?? 'currentColor';
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    } else if (run.length > 1) parts.push(`<polyline fill="none" ${attrs} points="${run.join(' ')}"/>`);
    run = [];
  };
  for (const [x, y] of pts) {
    if (y === null) flush();
    else run.push(`${frame.x(x).toFixed(1)},${frame.y(y).toFixed(1)}`);
  }
  flush();
  return parts.join('');
}

/** Diamonds at (x, y) pairs, as one path. */
function diamonds(frame: Frame, pts: ReadonlyArray<[number, number]>, attrs: string, size = 4): string {
  if (pts.length === 0) return '';
  const d = pts
    .map(
      ([x, y]) =>
        `M${frame.x(x).toFixed(1)} ${(frame.y(y) - size).toFixed(1)}l${size} ${size}l${-size} ${size}l${-size} ${-size}z`,
    )
    .join('');
  return `<path d="${d}" ${attrs}/>`;
}

/**
 * The padded range of `values`, within `bounds` (what the quantity can be: a loss is never
 * negative, an AUC is in [0, 1]; the ±1 around a single value would otherwise show -1 to 1).
 */
function range(
  values: Iterable<number>,
  includeZero: boolean,
  bounds: { lo: number; hi: number } = { lo: -Infinity, hi: Infinity },
): { lo: number; hi: number } {
  let lo = includeZero ? 0 : Infinity;
  let hi = includeZero ? 0 : -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return { lo: 0, hi: 1 };
  const p = padded(lo, hi);
  return { lo: Math.max(p.lo, Math.min(bounds.lo, lo)), hi: Math.min(p.hi, Math.max(bounds.hi, hi)) };
}

/**
 * The alerts whose triangles (12 px wide) would overlap in their row, grouped: each group's
 * triangles lie within 12 px of its first; groups in row, then event order.
 */
export function alertClusters(
  alerts: readonly AlertMark[],
  x: (a: AlertMark) => number,
  row: (a: AlertMark) => number,
): AlertMark[][] {
  const out: AlertMark[][] = [];
  for (const r of [2, 1, 0]) {
    let cluster: AlertMark[] = [];
    for (const a of alerts.filter((m) => row(m) === r).sort((p, q) => p.offset - q.offset)) {
      if (cluster.length > 0 && x(a) - x(cluster[0]!) >= 12) {
        out.push(cluster);
        cluster = [];
      }
      cluster.push(a);
    }
    if (cluster.length > 0) out.push(cluster);
  }
  return out;
}

/** The alert strip's rows, bottom up: info (and unknown severities), warning, critical. */
const SEVERITY_ROWS = ['info', 'warning', 'critical'];
const rowOf = (a: AlertMark): number => Math.max(0, SEVERITY_ROWS.indexOf(a.severity));
/** The stretch of the event axis (px) whose info alerts are counted together. */
export const INFO_BUCKET = 24;

/**
 * Info alerts grouped by the stretch of the axis (`INFO_BUCKET` px from `left`) they are drawn in,
 * in event order: one count per stretch, so counts never overlap however many there are.
 */
export function infoBuckets(
  alerts: readonly AlertMark[],
  x: (a: AlertMark) => number,
  left: number,
): AlertMark[][] {
  const byBucket = new Map<number, AlertMark[]>();
  for (const a of [...alerts].sort((p, q) => p.offset - q.offset)) {
    const b = Math.floor((x(a) - left) / INFO_BUCKET);
    byBucket.set(b, [...(byBucket.get(b) ?? []), a]);
  }
  return [...byBucket.values()];
}

/** The alert's tooltip: what, how bad, where, and the features it names. */
export function alertTitle(a: AlertMark): string {
  const shown = a.features.slice(0, 10);
  const more = a.features.length > shown.length ? ` and ${a.features.length - shown.length} more` : '';
  return (
    `${a.type} (${a.severity}) at event ${events(a.offset)}: ${clip(a.message, 200)}` +
    (shown.length > 0 ? `\nfeatures: ${shown.map((f) => clip(f, 60)).join(', ')}${more}` : '')
  );
}

/**
 * The per-interval loss between consecutive online snapshots, from their running means; the first
 * interval, from event 0 to the first snapshot, is that snapshot's running mean.
 */
export function intervalLosses(
  points: readonly SnapshotPoint[],
): Array<{ from: number; to: number; loss: number }> {
  const out: Array<{ from: number; to: number; loss: number }> = [];
  let prev: SnapshotPoint | null = null;
  for (const p of points) {
    if (p.source !== 'online' || p.loss === null || p.lossEvents === null) continue;
    if (prev === null && p.offset > 0 && p.lossEvents > 0) out.push({ from: 0, to: p.offset, loss: p.loss });
    if (prev !== null && p.lossEvents > prev.lossEvents!) {
      const loss =
        (p.loss * p.lossEvents - prev.loss! * prev.lossEvents!) / (p.lossEvents - prev.lossEvents!);
      out.push({ from: prev.offset, to: p.offset, loss });
    }
    prev = p;
  }
  return out;
}

/**
 * The loss panel's y range, robust to the first events' loss: the loss of a model that has learned
 * nothing yet (a first confident miss's log loss, a gaussian run's first squared errors in the
 * label's units) can be a hundred times the rest, and an axis that includes it draws the run as a
 * flat line at the bottom. The warm-up is the intervals that end within the first 5 % of the events
 * (at least the first interval); the axis reaches the largest interval loss after it, and the
 * running means of the last three quarters of the run: no interval after the warm-up is ever cut
 * off (a loss that rises later, a drift, stays in range), and what lies above is the warm-up's
 * intervals and the early running means they pull up (a running mean decays like 1/events from
 * them). It is used when the whole range would be more than 1.5 times as tall, and there are at
 * least 5 intervals; else every value is in range. `top` is where values are cut off (the axis'
 * top, padding included; Infinity when nothing is), `above` how many plotted values (running means
 * and interval means) lie above it, `max` the largest of all, `warmupEnd` the warm-up's last event.
 */
export function lossScale(
  running: ReadonlyArray<{ offset: number; loss: number }>,
  intervals: ReadonlyArray<{ from: number; to: number; loss: number }>,
  events: number,
): { lo: number; hi: number; top: number; above: number; max: number; warmupEnd: number | null } {
  const values = [...running.map((p) => p.loss), ...intervals.map((s) => s.loss)];
  const all = range(values, false, { lo: 0, hi: Infinity });
  const max = values.reduce((a, b) => Math.max(a, b), -Infinity);
  const whole = { ...all, top: Infinity, above: 0, max, warmupEnd: null };
  if (intervals.length < 5 || running.length === 0) return whole;
  const warmupEnd = Math.max(intervals[0]!.to, 0.05 * events);
  let cap = running[running.length - 1]!.loss;
  for (const p of running) if (p.offset >= 0.25 * events) cap = Math.max(cap, p.loss);
  let after = 0;
  for (const s of intervals)
    if (s.to > warmupEnd) {
      cap = Math.max(cap, s.loss);
      after++;
    }
  if (after === 0) return whole;
  const lo = values.reduce((a, b) => Math.min(a, b), Infinity);
  if (max - lo <= 1.5 * (cap - lo)) return whole;
  const r = range(
    values.filter((v) => v <= cap),
    false,
    { lo: 0, hi: Infinity },
  );
  return { ...r, top: r.hi, above: values.filter((v) => v > r.hi).length, max, warmupEnd };
}

/**
 * Points of a line (null breaks it) cut at `top`: the parts above it left out, each crossing of
 * `top` a point of the line (where the segment crosses it), so what is drawn is the same line.
 */
export function clipAbove(
  pts: ReadonlyArray<[number, number | null]>,
  top: number,
): Array<[number, number | null]> {
  const out: Array<[number, number | null]> = [];
  let prev: [number, number] | null = null;
  for (const [x, y] of pts) {
    if (y === null) {
      out.push([x, null]);
      prev = null;
      continue;
    }
    if (prev !== null && prev[1] > top !== y > top)
      out.push([prev[0] + ((top - prev[1]) / (y - prev[1])) * (x - prev[0]), top]);
    out.push([x, y > top ? null : y]);
    prev = [x, y];
  }
  return out;
}

/**
 * The runs of consecutive points above `top` (one for each stretch of the line cut off), each as
 * its first and last x and its highest point.
 */
function runsAbove(
  pts: ReadonlyArray<{ from: number; to: number; at: number; value: number }>,
  top: number,
): Array<{ from: number; to: number; at: number; value: number }> {
  const out: Array<{ from: number; to: number; at: number; value: number }> = [];
  let run: { from: number; to: number; at: number; value: number } | null = null;
  for (const p of pts) {
    if (p.value > top) {
      if (run === null) run = { ...p };
      else {
        run.to = p.to;
        if (p.value > run.value) {
          run.value = p.value;
          run.at = p.at;
        }
      }
    } else if (run !== null) {
      out.push(run);
      run = null;
    }
  }
  if (run !== null) out.push(run);
  return out;
}

export function keyChartSvg(k: KeyReport, rank: 'max' | 'final' = 'max', scaled = false): string {
  const online = k.points.filter((p) => p.source === 'online');
  const refits = k.points.filter((p) => p.source === 'refit');
  const xAxis = { lo: 0, hi: Math.max(k.events, 1), format: events, integer: true };
  const withLoss = online.filter((p) => p.loss !== null);
  const withAuc = online.filter((p) => p.auc !== null);
  const panels: Array<{ height: number; draw: (out: string[], top: number, last: boolean) => Frame }> = [];
  const xLabel = (last: boolean) => ({ ...xAxis, label: last ? 'events learned by this model' : '' });
  const title = (out: string[], top: number, text: string) =>
    out.push(
      `<text x="${LEFT}" y="${top - 10}" font-size="13" font-weight="bold" class="panel-title">${escapeXml(text)}</text>`,
    );
  const styles = lineStyles(k.features.length);
  const effect = scaled ? '|β·sd|' : '|β|';

  panels.push({
    height: 260,
    draw: (out, top, last) => {
      title(
        out,
        top,
        `${scaled ? 'standardized effects β·sd' : 'coefficients'} of the ${k.features.length} largest features (${rank === 'max' ? `max ${effect} over the run` : `${effect} in the last snapshot`})`,
      );
      const values: number[] = [];
      for (const p of k.points) for (const c of p.coefficients) values.push(c);
      const f = drawFrame(out, { left: LEFT, top, width: PLOT_WIDTH, height: 260 }, xLabel(last), {
        ...range(values, true),
        label: scaled ? 'β_j·sd_j (standardized)' : 'β_j (original scale)',
      });
      k.features.forEach((name, j) => {
        const style = styles[j]!;
        out.push(
          `<g class="feature-line"><title>${escapeXml(name)}</title>` +
            polyline(
              f,
              online.map((p) => [p.offset, p.coefficients[j]!]),
              strokeOf(style),
            ) +
            diamonds(
              f,
              refits.map((p) => [p.offset, p.coefficients[j]!]),
              `fill="${style.color}" stroke="white" stroke-width="0.6"`,
            ) +
            '</g>',
        );
        const ly = top + 6 + j * 16;
        const lx = LEFT + PLOT_WIDTH + 16;
        out.push(
          `<g class="legend-entry"><title>${escapeXml(name)}: max ${effect} ${formatNumber(k.maxAbs[j]!)}</title>` +
            `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" ${strokeOf(style, 2.4)}/>` +
            `<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${escapeXml(clipMiddleToWidth(name, LEGEND - 16 - 28 - 6))}</text></g>`,
        );
      });
      if (k.features.length === 0)
        out.push(
          `<text x="${LEFT + 12}" y="${top + 24}" fill="#777">${
            k.featuresSeen > 0
              ? // non-zero, but β·sd is 0: a feature with one value over the events (or absent from them)
                `${k.featuresSeen} feature(s) non-zero, each with sd 0 over the events (one value, or absent: see the notes), so β·sd is 0`
              : 'no feature was ever non-zero'
          }</text>`,
        );
      return f;
    },
  });
  panels.push({
    height: 140,
    draw: (out, top, last) => {
      title(out, top, 'support size');
      const f = drawFrame(out, { left: LEFT, top, width: PLOT_WIDTH, height: 140 }, xLabel(last), {
        ...range(
          k.points.map((p) => p.support),
          true,
        ),
        label: 'non-zero β',
        integer: true,
      });
      out.push(
        polyline(
          f,
          online.map((p) => [p.offset, p.support]),
          strokeOf({ color: ONLINE, dash: null }, 1.8),
        ),
        diamonds(
          f,
          refits.map((p) => [p.offset, p.support]),
          'fill="#000" stroke="white" stroke-width="0.6" class="refit-marker"',
        ),
      );
      return f;
    },
  });
  const binomial = k.family === 'binomial';
  panels.push({
    height: 160,
    draw: (out, top, last) => {
      title(out, top, `progressive ${binomial ? 'log loss' : 'squared error (MSE)'} of the online model`);
      const intervals = intervalLosses(online);
      const running = withLoss.map((p) => ({ offset: p.offset, loss: p.loss! }));
      const values = [...running.map((p) => p.loss), ...intervals.map((s) => s.loss)];
      const scale = lossScale(running, intervals, k.events);
      const f = drawFrame(out, { left: LEFT, top, width: PLOT_WIDTH, height: 160 }, xLabel(last), {
        lo: scale.lo,
        hi: scale.hi,
        label: binomial ? 'log loss' : 'MSE',
      });
      const steps: Array<[number, number | null]> = [];
      for (const s of intervals) steps.push([s.from, s.loss], [s.to, s.loss]);
      // the values above the axis are cut off the lines (the lines are the same where drawn)
      out.push(
        polyline(f, clipAbove(steps, scale.top), strokeOf({ color: '#ff7f0e', dash: null }, 1.4)),
        polyline(
          f,
          clipAbove(
            running.map((p) => [p.offset, p.loss]),
            scale.top,
          ),
          strokeOf({ color: ONLINE, dash: null }, 2),
        ),
      );
      // each stretch cut off: a mark under the top edge at its highest value, which its tooltip gives
      const what = binomial ? 'log loss' : 'MSE';
      const cut = [
        ...runsAbove(
          intervals.map((s) => ({ from: s.from, to: s.to, at: (s.from + s.to) / 2, value: s.loss })),
          scale.top,
        ).map((r) => ({
          ...r,
          color: '#ff7f0e',
          text: `mean ${what} since the last snapshot above the axis over events ${events(r.from)} to ${events(r.to)}: up to ${formatNumber(r.value)}`,
        })),
        ...runsAbove(
          running.map((p) => ({ from: p.offset, to: p.offset, at: p.offset, value: p.loss })),
          scale.top,
        ).map((r) => ({
          ...r,
          color: ONLINE,
          text: `running mean ${what} above the axis ${r.from === r.to ? `at event ${events(r.from)}` : `from event ${events(r.from)} to ${events(r.to)}`}: up to ${formatNumber(r.value)}`,
        })),
      ];
      for (const c of cut) {
        const x = f.x(c.at);
        out.push(
          `<g class="loss-above" data-value="${c.value}"><title>${escapeXml(`${c.text} (at event ${events(c.at)})`)}</title>` +
            `<path d="M${x.toFixed(1)} ${top + 1}l5 8h-10z" fill="${c.color}" stroke="white" stroke-width="0.5"/></g>`,
        );
      }
      const lx = LEFT + PLOT_WIDTH + 16;
      out.push(
        `<line x1="${lx}" x2="${lx + 22}" y1="${top + 6}" y2="${top + 6}" ${strokeOf({ color: ONLINE, dash: null }, 2)}/>`,
        `<text x="${lx + 28}" y="${top + 6}" dominant-baseline="middle">running mean (all events so far)</text>`,
        `<line x1="${lx}" x2="${lx + 22}" y1="${top + 24}" y2="${top + 24}" ${strokeOf({ color: '#ff7f0e', dash: null }, 1.4)}/>`,
        `<text x="${lx + 28}" y="${top + 24}" dominant-baseline="middle">mean since the last snapshot</text>`,
      );
      // the events whose loss is cut off: the warm-up's intervals above the axis (no later one is)
      const cutTo = intervals.reduce((a, s) => (s.loss > scale.top ? Math.max(a, s.to) : a), 0);
      if (scale.above > 0)
        out.push(
          `<g class="loss-clip-note" font-size="11" fill="#8a4b00"><path d="M${lx + 11} ${top + 43}l5 8h-10z" fill="#8a4b00"/>` +
            `<text x="${lx + 28}" y="${top + 48}" dominant-baseline="middle">${scale.above} value${scale.above === 1 ? '' : 's'} above the axis, up to ${escapeXml(formatNumber(scale.max))}:</text>` +
            `<text x="${lx + 28}" y="${top + 62}" dominant-baseline="middle">the loss of events 0 to ${escapeXml(events(cutTo))}, and the</text>` +
            `<text x="${lx + 28}" y="${top + 76}" dominant-baseline="middle">running mean it raises (hover ▲)</text></g>`,
        );
      if (values.length === 0)
        out.push(
          `<text x="${LEFT + 12}" y="${top + 24}" fill="#777">the snapshots carry no progressive loss</text>`,
        );
      return f;
    },
  });
  if (withAuc.length > 0)
    panels.push({
      height: 130,
      draw: (out, top, last) => {
        title(out, top, 'progressive AUC of the online model (running, over every event so far)');
        const f = drawFrame(out, { left: LEFT, top, width: PLOT_WIDTH, height: 130 }, xLabel(last), {
          ...range(
            withAuc.map((p) => p.auc!),
            false,
            { lo: 0, hi: 1 },
          ),
          label: 'AUC',
        });
        out.push(
          polyline(
            f,
            withAuc.map((p) => [p.offset, p.auc!]),
            strokeOf({ color: ONLINE, dash: null }, 2),
          ),
        );
        return f;
      },
    });
  panels.push({
    height: 66,
    draw: (out, top, last) => {
      const shown = k.alerts.length < k.alertsTotal ? ` (${k.alerts.length} of ${k.alertsTotal} shown)` : '';
      const bySeverity = ['critical', 'warning', 'info']
        .map((s) => [s, k.alerts.filter((a) => rowOf(a) === SEVERITY_ROWS.indexOf(s)).length] as const)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ');
      title(
        out,
        top,
        k.alertsTotal === 0
          ? 'alerts: none'
          : `alerts${shown}${k.alerts.length > 0 ? ` (${bySeverity})` : ''}: hover a triangle for what it says`,
      );
      const f = drawFrame(out, { left: LEFT, top, width: PLOT_WIDTH, height: 66 }, xLabel(last), {
        lo: -0.5,
        hi: 2.5,
        label: '',
        labels: false,
      });
      ['critical', 'warning', 'info'].forEach((s, row) =>
        out.push(
          `<text x="${LEFT - 6}" y="${f.y(2 - row).toFixed(1)}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="${severityColor(s)}">${s}</text>`,
        ),
      );
      // critical and warning triangles of a row closer than their width are drawn over each other:
      // such a cluster is counted beside it (×2); info alerts, which can be many, are small
      // triangles counted per stretch of the axis (INFO_BUCKET px); each triangle's tooltip names
      // the other alerts of its cluster or stretch
      const x = (a: AlertMark) => f.x(a.offset);
      const groups = [
        ...alertClusters(
          k.alerts.filter((a) => rowOf(a) > 0),
          x,
          rowOf,
        ),
        ...infoBuckets(
          k.alerts.filter((a) => rowOf(a) === 0),
          x,
          LEFT,
        ),
      ];
      const groupOf = new Map<AlertMark, AlertMark[]>();
      for (const c of groups) for (const a of c) groupOf.set(a, c);
      // drawn in event order (what the alert table lists)
      for (const a of k.alerts) {
        const ax = x(a);
        const y = f.y(rowOf(a));
        const others = (groupOf.get(a) ?? [a]).filter((o) => o !== a);
        const also =
          others.length === 0
            ? ''
            : `\n\n${others.length} more alert(s) drawn here:\n` +
              others
                .slice(0, 5)
                .map((o) => `${o.type} (${o.severity}) at event ${events(o.offset)}`)
                .join('\n') +
              (others.length > 5 ? `\n… and ${others.length - 5} more` : '');
        const shape =
          rowOf(a) > 0
            ? `M${ax.toFixed(1)} ${(y - 7).toFixed(1)}l6 11h-12z`
            : `M${ax.toFixed(1)} ${(y - 3).toFixed(1)}l4 7h-8z`;
        out.push(
          `<g class="alert-marker" data-severity="${escapeXml(a.severity)}"><title>${escapeXml(alertTitle(a) + also)}</title>` +
            `<path d="${shape}" fill="${severityColor(a.severity)}" stroke="white" stroke-width="0.5"/></g>`,
        );
      }
      for (const group of groups) {
        if (group.length < 2) continue;
        const row = rowOf(group[0]!);
        // critical, warning: centred above the cluster's triangles, clear of the row above; info:
        // centred on its stretch of the axis (the counts of two stretches never overlap)
        const mid =
          row > 0
            ? (x(group[0]!) + x(group[group.length - 1]!)) / 2
            : LEFT + (Math.floor((x(group[0]!) - LEFT) / INFO_BUCKET) + 0.5) * INFO_BUCKET;
        out.push(
          `<text class="alert-count" x="${mid.toFixed(1)}" y="${(f.y(row) - (row > 0 ? 9 : 6)).toFixed(1)}" text-anchor="middle" font-size="9" fill="${severityColor(group[0]!.severity)}">×${group.length}</text>`,
        );
      }
      return f;
    },
  });

  const top0 = 34;
  let height = top0;
  for (const p of panels) height += p.height + GAP;
  height += 10;
  const out: string[] = [svgOpen(LEFT + PLOT_WIDTH + LEGEND, height, ' class="key-chart"')];
  // a key for the line kinds, above the first panel's legend
  out.push(
    `<g font-size="11" fill="#444"><line x1="${LEFT + PLOT_WIDTH - 250}" x2="${LEFT + PLOT_WIDTH - 228}" y1="10" y2="10" stroke="#444" stroke-width="2"/>` +
      `<text x="${LEFT + PLOT_WIDTH - 224}" y="10" dominant-baseline="middle">online snapshots</text>` +
      `<path d="M${LEFT + PLOT_WIDTH - 120} 6l4 4l-4 4l-4 -4z" fill="#444"/>` +
      `<text x="${LEFT + PLOT_WIDTH - 112}" y="10" dominant-baseline="middle">refits (on their window)</text></g>`,
  );
  let top = top0 + 12;
  const frames: Frame[] = [];
  panels.forEach((p, i) => {
    frames.push(p.draw(out, top, i === panels.length - 1));
    top += p.height + GAP;
  });
  // alerts through every panel, behind nothing that matters: thin and translucent
  const first = frames[0]!;
  const last = frames[frames.length - 1]!;
  // (info alerts, which can be many, are in the strip only: lines of them would hide the panels)
  for (const a of k.alerts.filter((m) => rowOf(m) > 0)) {
    const x = first.x(a.offset).toFixed(1);
    out.push(
      `<line class="alert-line" x1="${x}" x2="${x}" y1="${first.top}" y2="${last.top + last.height}" stroke="${severityColor(a.severity)}" stroke-opacity="0.45" stroke-dasharray="3 3"/>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
