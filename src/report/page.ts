import { clip, escapeXml, formatNumber } from '../plot/svg.js';
import { keyChartSvg, severityColor } from './charts.js';
import type { KeyReport, ReportData, ReportOptions } from './collect.js';

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.
 * Every name and message from the data is escaped (a feature called `<script>` is shown as text).
 */

const CSS = `body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0}
.meta{color:#555;font-size:13px}table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
details{border:1px solid #ccc;border-radius:4px;margin:16px 0;padding:8px 12px}
summary{cursor:pointer}.notes{color:#8a4b00;font-size:13px}.warn{color:#b71c1c;font-size:13px;margin:4px 0}.small{font-size:12px;color:#555}
.sev{display:inline-block;padding:0 6px;border-radius:3px;color:white;font-size:12px}`;

const ALERT_ROWS = 30;

function summaryTable(summary: Readonly<Record<string, unknown>>): string {
  // top-level scalars and one level of nested scalars (refits.completed), whatever the fields are
  const rows: string[] = [];
  const cell = (v: unknown): string | null =>
    typeof v === 'number'
      ? formatNumber(v)
      : typeof v === 'string'
        ? clip(v, 120)
        : typeof v === 'boolean' || v === null
          ? String(v)
          : null;
  for (const [name, value] of Object.entries(summary)) {
    const text = cell(value);
    if (text !== null) rows.push(`<th>${escapeXml(name)}</th><td>${escapeXml(text)}</td>`);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const parts = Object.entries(value)
        .slice(0, 12)
        .map(([k, v]) => [k, cell(v)] as const)
        .filter(([, t]) => t !== null)
        .map(([k, t]) => `${escapeXml(clip(k, 60))} ${escapeXml(t!)}`);
      if (parts.length > 0) rows.push(`<th>${escapeXml(name)}</th><td>${parts.join(', ')}</td>`);
    }
    if (rows.length >= 40) break;
  }
  // three fields a row
  const lines: string[] = [];
  for (let i = 0; i < rows.length; i += 3) lines.push(`<tr>${rows.slice(i, i + 3).join('')}</tr>`);
  return `<table class="summary">${lines.join('')}</table>`;
}

function alertTable(k: KeyReport): string {
  if (k.alerts.length === 0) return '<p class="small">No alerts for this key.</p>';
  // the most severe rows (a critical alert late in the run is not crowded out by early info ones), by event
  const rank = (s: string) => (s === 'critical' ? 0 : s === 'warning' ? 1 : 2);
  const listed = [...k.alerts]
    .sort((a, b) => rank(a.severity) - rank(b.severity) || a.offset - b.offset)
    .slice(0, ALERT_ROWS)
    .sort((a, b) => a.offset - b.offset);
  const rows = listed.map((a) => {
    const color = severityColor(a.severity);
    const features = a.features.slice(0, 10).map((f) => clip(f, 60));
    const more =
      a.features.length > features.length ? ` and ${a.features.length - features.length} more` : '';
    return (
      `<tr><td class="num">${a.offset.toLocaleString('en-US')}</td><td>${escapeXml(a.type)}</td>` +
      `<td><span class="sev" style="background:${color}">${escapeXml(a.severity)}</span></td>` +
      `<td>${escapeXml(features.join(', ') + more)}</td><td>${escapeXml(clip(a.message, 200))}</td></tr>`
    );
  });
  const omitted =
    k.alertsTotal > rows.length
      ? `<p class="small">${k.alertsTotal - rows.length} more alert(s) in alerts.jsonl not listed here (the ${rows.length} listed are the most severe).</p>`
      : '';
  return `<table class="alerts"><tr><th>event</th><th>type</th><th>severity</th><th>features</th><th>message</th></tr>${rows.join('')}</table>${omitted}`;
}

function keySection(k: KeyReport, open: boolean, rank: 'max' | 'final', scaled: boolean): string {
  // "1 event", "6,000 online snapshots"
  const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
  const refits = k.refitSnapshots > 0 ? `, ${count(k.refitSnapshots, 'refit')}` : '';
  const drawn =
    k.points.length < k.onlineSnapshots + k.refitSnapshots
      ? ` (${k.points.length.toLocaleString('en-US')} drawn, evenly spaced)`
      : '';
  return (
    `<details${open ? ' open' : ''} class="key"><summary><h2 style="display:inline">model ${escapeXml(clip(k.key, 120))}</h2> ` +
    `<span class="meta">${k.family}${k.lambda !== null ? `, λ = ${formatNumber(k.lambda)}` : ''}, ${count(k.events, 'event')} learned, ${count(k.onlineSnapshots, 'online snapshot')}${refits}${drawn}, ` +
    `${count(k.featuresSeen, 'feature')} ever non-zero, ${count(k.alertsTotal, 'alert')}</span></summary>` +
    keyChartSvg(k, rank, scaled) +
    alertTable(k) +
    '</details>'
  );
}

/** The whole page. */
export function reportHtml(data: ReportData, limits: ReportOptions): string {
  const s = data.summary;
  const title = `l1stream report: ${clip(typeof s?.input === 'string' ? s.input : data.dir, 160)}`;
  const keysLine =
    data.keysTotal > data.keys.length
      ? `<p class="notes">${data.keysTotal} model keys; the ${data.keys.length} with the most critical alerts, then warnings, then learned events are shown (--keys ${limits.keys}), ${data.keysTotal - data.keys.length} are not: ` +
        escapeXml(
          data.keysOmitted.map((o) => `${clip(o.key, 40)} (${o.events.toLocaleString('en-US')})`).join(', '),
        ) +
        (data.keysTotal - data.keys.length > data.keysOmitted.length ? ', …' : '') +
        '</p>'
      : '';
  const notes = data.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('');
  // the run's own warnings (summary.json), e.g. that every learned label was the same: the pictures say nothing then
  const warnings = (Array.isArray(s?.warnings) ? s.warnings : [])
    .filter((w): w is string => typeof w === 'string')
    .slice(0, 20)
    .map((w) => `<li>${escapeXml(clip(w, 600))}</li>`)
    .join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${escapeXml(title)}</h1>`,
    `<p class="meta">From ${escapeXml(data.dir)}: models.jsonl, alerts.jsonl and summary.json. ` +
      (data.scales !== null
        ? `Coefficients are drawn as standardized effects β·sd (β as in models.jsonl times the feature's sd over the events learned, see the notes); `
        : `Coefficients are on the original scale, as in models.jsonl (see the notes); `) +
      `the x axis of every picture counts the events ` +
      `its model learned (a snapshot's or an alert's "offset"). Online snapshots are lines, refits (exact solutions on ` +
      `their window of recent events) are diamonds; every alert is a triangle in the bottom strip (hover them), ` +
      `critical and warning alerts also dashed vertical lines through every panel; info alerts, which can be ` +
      `many, are small triangles counted per stretch of the axis (×3). The loss "since the last snapshot" is computed from the ` +
      `running means, exact when events are unweighted; where the first events' loss is many times the rest ` +
      `(a model that has learned nothing yet), the loss axis is scaled to the loss after them, and the values ` +
      `above it are cut off the lines and marked ▲ on its top edge, their values in the tooltips.</p>`,
    s ? summaryTable(s) : '',
    warnings ? `<p class="warn">The replay warned (summary.json):</p><ul class="warn">${warnings}</ul>` : '',
    notes ? `<ul class="notes">${notes}</ul>` : '',
    keysLine,
    ...data.keys.map((k, i) => keySection(k, i === 0, limits.rank, data.scales !== null)),
    `<p class="small">Bounds: at most ${limits.keys} keys, ${limits.features} features, ${limits.points} online and ${limits.refits} refit snapshots and ${limits.alerts} alerts per key (see l1stream report --help).</p>`,
    '</body></html>',
    '',
  ].join('\n');
}
