/**
 * The learning curve as a self-contained SVG: episode return against environment steps, with
 * axes, "nice" ticks (1-2-5 steps), labels, a min–max band of training returns, the mean training
 * return, and the deterministic evaluation return when the run evaluates. No plotting library.
 */
import type { MetricsLine } from './metrics.js';

export interface CurveSeries {
  readonly label: string;
  readonly color: string;
  /** Points (x, y); null y values are gaps. */
  readonly points: ReadonlyArray<readonly [number, number | null]>;
  /** Optional band (x, low, high) drawn behind the line. */
  readonly band?: ReadonlyArray<readonly [number, number, number]>;
  readonly dashed?: boolean;
}

export interface PlotOptions {
  /** Image width and height in pixels. */
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
}

export const PLOT_DEFAULTS: Readonly<PlotOptions> = Object.freeze({
  width: 720,
  height: 420,
  title: 'Learning curve',
  xLabel: 'environment steps',
  yLabel: 'episode return',
});

/** Tick positions enclosing [lo, hi] with about `count` steps of 1, 2 or 5 × 10^k. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return niceTicks(lo - d, hi + d, count);
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  // Outermost ticks at or beyond the data, so the axes enclose every point.
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  for (let k = first; k <= last; k++) {
    const t = Number((k * step).toPrecision(12));
    out.push(t === 0 ? 0 : t);
  }
  return out;
}

/** Short tick label: 1.5k, 2M, 0.25, -4.5. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  const trim = (s: string): string => s.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
  if (a >= 1e6) return `${trim((v / 1e6).toFixed(2))}M`;
  if (a >= 1e4) return `${trim((v / 1e3).toFixed(1))}k`;
  if (a === 0) return '0';
  if (a < 0.01) return v.toExponential(1);
  return trim(v.toFixed(a >= 100 ? 0 : 2));
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Render series into an SVG document (string). */
export function renderCurveSvg(
  series: readonly CurveSeries[],
  options: Partial<PlotOptions> = {},
): string {
  const o: PlotOptions = { ...PLOT_DEFAULTS, ...options };
  const m = { left: 70, right: 20, top: 56, bottom: 55 };
  const w = o.width - m.left - m.right;
  const h = o.height - m.top - m.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    for (const [x, y] of s.points) {
      xs.push(x);
      if (y !== null) ys.push(y);
    }
    for (const [x, lo, hi] of s.band ?? []) {
      xs.push(x);
      ys.push(lo, hi);
    }
  }
  const xTicks = niceTicks(0, xs.length ? Math.max(...xs) : 1);
  const yTicks = niceTicks(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
  const x0 = xTicks[0] ?? 0;
  const x1 = xTicks[xTicks.length - 1] ?? 1;
  const y0 = Math.min(yTicks[0] ?? 0, ys.length ? Math.min(...ys) : 0);
  const y1 = Math.max(yTicks[yTicks.length - 1] ?? 1, ys.length ? Math.max(...ys) : 1);
  const px = (x: number): number => m.left + ((x - x0) / (x1 - x0 || 1)) * w;
  const py = (y: number): number => m.top + h - ((y - y0) / (y1 - y0 || 1)) * h;
  const f = (v: number): string => v.toFixed(1);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" viewBox="0 0 ${o.width} ${o.height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${o.width / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
  );
  for (const t of xTicks) {
    parts.push(
      `<line x1="${f(px(t))}" y1="${m.top}" x2="${f(px(t))}" y2="${m.top + h}" stroke="#eee"/>`,
      `<line x1="${f(px(t))}" y1="${m.top + h}" x2="${f(px(t))}" y2="${m.top + h + 5}" stroke="black"/>`,
      `<text x="${f(px(t))}" y="${m.top + h + 18}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  for (const t of yTicks) {
    parts.push(
      `<line x1="${m.left}" y1="${f(py(t))}" x2="${m.left + w}" y2="${f(py(t))}" stroke="#eee"/>`,
      `<line x1="${m.left - 5}" y1="${f(py(t))}" x2="${m.left}" y2="${f(py(t))}" stroke="black"/>`,
      `<text x="${m.left - 8}" y="${f(py(t) + 4)}" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" y1="${m.top + h}" x2="${m.left + w}" y2="${m.top + h}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + h}" stroke="black"/>`,
    `<text x="${m.left + w / 2}" y="${o.height - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  for (const s of series) {
    if (s.band && s.band.length > 1) {
      const up = s.band.map(([x, , hi]) => `${f(px(x))},${f(py(hi))}`);
      const down = [...s.band].reverse().map(([x, lo]) => `${f(px(x))},${f(py(lo))}`);
      parts.push(
        `<polygon points="${[...up, ...down].join(' ')}" fill="${s.color}" fill-opacity="0.15" stroke="none"/>`,
      );
    }
    // Split at null values so gaps stay gaps.
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1)
        parts.push(
          `<polyline points="${run.join(' ')}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
        );
      else if (run.length === 1) {
        const [cx, cy] = (run[0] as string).split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${s.color}"/>`);
      }
      run = [];
    };
    for (const [x, y] of s.points) {
      if (y === null) flush();
      else run.push(`${f(px(x))},${f(py(y))}`);
    }
    flush();
  }
  // Legend in one row between the title and the plot, so it never hides data.
  let lx = m.left;
  const ly = 40;
  for (const s of series) {
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${esc(s.label)}</text>`,
    );
    lx += 30 + s.label.length * 6.5 + 24;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The run's learning curve from its metrics lines. */
export function learningCurveSvg(lines: readonly MetricsLine[], title: string): string {
  const train: CurveSeries = {
    label: 'training return (mean, min–max band)',
    color: '#1f77b4',
    points: lines.map((l) => [l.steps, l.episodeReturnMean] as const),
    band: lines.flatMap((l) =>
      l.episodeReturnMin !== null && l.episodeReturnMax !== null
        ? [[l.steps, l.episodeReturnMin, l.episodeReturnMax] as const]
        : [],
    ),
  };
  const evals = lines.filter((l) => l.evalReturn !== undefined && l.evalReturn !== null);
  const series: CurveSeries[] = [train];
  if (evals.length > 0)
    series.push({
      label: 'deterministic eval return',
      color: '#d62728',
      points: evals.map((l) => [l.steps, l.evalReturn ?? null] as const),
      dashed: true,
    });
  return renderCurveSvg(series, { title });
}
