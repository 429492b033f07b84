/**
 * A hand-written SVG of the learning curves: one row per task, two panels per row (deterministic
 * evaluation return against training steps, and against training wall-clock with evaluation time
 * excluded). One colour per configuration, one line per seed, a dashed line at the threshold. The
 * wall-clock axis stops at 1.25× the slowest time to the threshold when every run reaches it.
 */
import type { EvalPoint } from './types.js';

export interface Curve {
  /** Configuration id: one colour each. */
  readonly config: string;
  readonly label: string;
  readonly seed: number;
  readonly evals: readonly EvalPoint[];
}

export interface PlotTask {
  readonly title: string;
  readonly curves: readonly Curve[];
  /** Horizontal dashed line (e.g. the pendulum threshold), if any. */
  readonly threshold: number | null;
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
];
const PANEL_W = 460;
const PANEL_H = 280;
const MARGIN = { left: 62, right: 16, top: 34, bottom: 44 };

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round tick steps: 1, 2 or 5 times a power of ten, about `n` ticks over [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step)
    out.push(+t.toFixed(10));
  return out;
}

/** Tick text; `thousands` writes 5000 as 5k (step axes), otherwise plain numbers (returns, seconds). */
const tickLabel = (t: number, thousands: boolean): string =>
  thousands && Math.abs(t) >= 1000 && t % 1000 === 0 ? `${t / 1000}k` : String(+t.toPrecision(4));

function panel(
  x0: number,
  y0: number,
  title: string,
  xName: string,
  curves: readonly Curve[],
  colorOf: (c: string) => string,
  xOf: (e: EvalPoint) => number,
  threshold: number | null,
  thousandsX: boolean,
  xLimit = Infinity,
): string {
  const pts = curves.flatMap((c) => c.evals);
  const xs = pts.map(xOf);
  const ys = pts.map((e) => e.meanReturn);
  if (threshold !== null) ys.push(threshold);
  const xMax = Math.max(1e-9, Math.min(xLimit, Math.max(...xs)));
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  if (!(yMax > yMin)) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = 0.04 * (yMax - yMin);
  yMin -= pad;
  yMax += pad;
  const iw = PANEL_W - MARGIN.left - MARGIN.right;
  const ih = PANEL_H - MARGIN.top - MARGIN.bottom;
  const sx = (x: number): number => x0 + MARGIN.left + (x / xMax) * iw;
  const sy = (y: number): number => y0 + MARGIN.top + (1 - (y - yMin) / (yMax - yMin)) * ih;
  const parts: string[] = [];
  parts.push(
    `<text x="${x0 + PANEL_W / 2}" y="${y0 + 20}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
  );
  parts.push(
    `<rect x="${x0 + MARGIN.left}" y="${y0 + MARGIN.top}" width="${iw}" height="${ih}" fill="none" stroke="#999"/>`,
  );
  // Curves past xLimit are cut at the panel's edge.
  const clipId = `clip-${x0}-${y0}`;
  parts.push(
    `<clipPath id="${clipId}"><rect x="${x0 + MARGIN.left}" y="${y0 + MARGIN.top - 3}" width="${iw}" height="${ih + 6}"/></clipPath>`,
  );
  for (const t of niceTicks(0, xMax)) {
    const x = sx(t).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${y0 + MARGIN.top}" y2="${y0 + MARGIN.top + ih}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${x}" y="${y0 + MARGIN.top + ih + 16}" text-anchor="middle">${tickLabel(t, thousandsX)}</text>`,
    );
  }
  for (const t of niceTicks(yMin, yMax)) {
    const y = sy(t).toFixed(1);
    parts.push(
      `<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + iw}" y1="${y}" y2="${y}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${x0 + MARGIN.left - 6}" y="${y}" text-anchor="end" dy="4">${tickLabel(t, false)}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + MARGIN.left + iw / 2}" y="${y0 + PANEL_H - 8}" text-anchor="middle">${esc(xName)}</text>`,
  );
  if (threshold !== null) {
    const y = sy(threshold).toFixed(1);
    parts.push(
      `<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + iw}" y1="${y}" y2="${y}" stroke="#555" stroke-dasharray="5,4"/>`,
    );
  }
  for (const c of curves) {
    if (c.evals.length === 0) continue;
    const d = c.evals
      .map((e) => `${sx(xOf(e)).toFixed(1)},${sy(e.meanReturn).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<polyline points="${d}" fill="none" stroke="${colorOf(c.config)}" stroke-width="1.4" stroke-opacity="0.8" clip-path="url(#${clipId})"><title>${esc(`${c.label}, seed ${c.seed}`)}</title></polyline>`,
    );
    for (const e of c.evals) {
      parts.push(
        `<circle cx="${sx(xOf(e)).toFixed(1)}" cy="${sy(e.meanReturn).toFixed(1)}" r="1.8" fill="${colorOf(c.config)}" clip-path="url(#${clipId})"/>`,
      );
    }
  }
  return parts.join('\n');
}

/** Greedy word wrap to lines of at most `width` characters (a longer word gets its own line). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * Wall-clock axis limit: when every curve reaches the threshold, 1.25× the slowest time to reach it
 * (the plateau after that says little and a slow run's tail would squash the rest); else no limit.
 */
export function wallClockLimit(t: PlotTask): number {
  if (t.threshold === null || t.curves.length === 0) return Infinity;
  let slowest = 0;
  for (const c of t.curves) {
    const hit = c.evals.find((e) => e.meanReturn >= t.threshold!);
    if (!hit) return Infinity;
    slowest = Math.max(slowest, hit.trainSeconds);
  }
  return slowest > 0 ? 1.25 * slowest : Infinity;
}

/** The whole figure as an SVG document. */
export function learningCurvesSvg(tasks: readonly PlotTask[], caption: string): string {
  const configs: { id: string; label: string }[] = [];
  for (const t of tasks) {
    for (const c of t.curves) {
      if (!configs.some((x) => x.id === c.config)) configs.push({ id: c.config, label: c.label });
    }
  }
  const colorOf = (id: string): string =>
    PALETTE[configs.findIndex((c) => c.id === id) % PALETTE.length] ?? '#000';
  const captionLines = wrap(caption, 140);
  const legendH = 22 * Math.ceil(configs.length / 3) + 14 + 16 * captionLines.length;
  const width = 2 * PANEL_W;
  const height = tasks.length * PANEL_H + legendH;
  const body: string[] = [];
  tasks.forEach((t, i) => {
    const y0 = i * PANEL_H;
    body.push(
      panel(
        0,
        y0,
        `${t.title}: return vs steps`,
        'training steps',
        t.curves,
        colorOf,
        (e) => e.steps,
        t.threshold,
        true,
      ),
    );
    body.push(
      panel(
        PANEL_W,
        y0,
        `${t.title}: return vs wall-clock`,
        'training seconds (evaluation excluded)',
        t.curves,
        colorOf,
        (e) => e.trainSeconds,
        t.threshold,
        false,
        wallClockLimit(t),
      ),
    );
  });
  const ly = tasks.length * PANEL_H + 10;
  configs.forEach((c, i) => {
    const x = 20 + (i % 3) * (width / 3);
    const y = ly + 22 * Math.floor(i / 3);
    body.push(
      `<line x1="${x}" x2="${x + 24}" y1="${y + 6}" y2="${y + 6}" stroke="${colorOf(c.id)}" stroke-width="3"/>`,
    );
    body.push(`<text x="${x + 30}" y="${y + 10}">${esc(c.label)}</text>`);
  });
  // The caption may be long (the command line): split it into lines that fit the width.
  captionLines.forEach((line, i) => {
    const y = height - 8 - 16 * (captionLines.length - 1 - i);
    body.push(`<text x="20" y="${y}" fill="#555">${esc(line)}</text>`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
