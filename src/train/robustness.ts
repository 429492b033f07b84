/**
 * The robustness report of `torquepilot robustness`: one policy evaluated on a grid of shifted arms
 * (link mass scale × action latency × encoder noise), each cell a perturbation built from the same
 * terms as `randomize:` and `eval --perturb` (src/config/randomize.ts), evaluated with the same
 * episode seeds, so cells differ by the arm only. Reported as a table, as JSON, and as an SVG heat
 * map (one panel per noise level: mass across, latency down, success rate, or return for tasks
 * without success, as colour).
 */
import { makeEnv } from '../../sim/index.js';
import type { ControlSpec, RandomizeSpec } from '../config/index.js';
import type { GaussianPolicy } from '../policy/index.js';
import { evaluatePolicy } from './evaluate.js';

export interface RobustnessOptions {
  /** Scales of every link's mass (and inertia). */
  readonly masses: readonly number[];
  /** Action latencies, control periods. */
  readonly latencies: readonly number[];
  /** Encoder noise: std of q in rad; q̇ gets ten times it in rad/s. */
  readonly noises: readonly number[];
  /** Episodes per cell. */
  readonly episodes: number;
  readonly deterministic: boolean;
  /** Seed of the episode resets (the same in every cell). */
  readonly seed: number;
  /** The control loop the policy was trained with (rates, shaping); the task's own when absent. */
  readonly control?: ControlSpec;
}

export const ROBUSTNESS_DEFAULTS: Readonly<RobustnessOptions> = Object.freeze({
  masses: [0.7, 0.85, 1, 1.15, 1.3],
  latencies: [0, 1, 2, 3],
  noises: [0, 0.002, 0.005],
  episodes: 10,
  deterministic: true,
  seed: 0,
});

/** q̇ noise std per unit of q noise std (1/s): encoder differencing at ~10 samples per period. */
export const VELOCITY_NOISE_RATIO = 10;

export interface RobustnessCell {
  readonly mass: number;
  readonly latency: number;
  readonly noise: number;
  readonly successRate: number | null;
  readonly meanReturn: number;
  readonly stdReturn: number;
  readonly meanFinalDistance: number | null;
}

export interface RobustnessReport {
  readonly task: string;
  readonly episodes: number;
  readonly deterministic: boolean;
  readonly seed: number;
  readonly masses: readonly number[];
  readonly latencies: readonly number[];
  readonly noises: readonly number[];
  /** Noise-major, then latency, then mass. */
  readonly cells: readonly RobustnessCell[];
}

/** The arm of one cell, as fixed terms. */
export function cellPerturbation(mass: number, latency: number, noise: number): RandomizeSpec {
  return {
    mass: { range: [mass, mass], operation: 'scale' },
    latency: { periods: [latency, latency] },
    noise: { qpos: noise, qvel: VELOCITY_NOISE_RATIO * noise },
  };
}

/** Evaluate `policy` on every cell of the grid. */
export async function robustnessSweep(
  task: string,
  policy: GaussianPolicy,
  options: Partial<RobustnessOptions> = {},
): Promise<RobustnessReport> {
  const o: RobustnessOptions = { ...ROBUSTNESS_DEFAULTS, ...options };
  const cells: RobustnessCell[] = [];
  for (const noise of o.noises) {
    for (const latency of o.latencies) {
      for (const mass of o.masses) {
        const env = await makeEnv(task, {
          randomize: cellPerturbation(mass, latency, noise),
          ...(o.control === undefined ? {} : { control: o.control }),
        });
        try {
          const r = evaluatePolicy(env, policy, {
            episodes: o.episodes,
            deterministic: o.deterministic,
            seed: o.seed,
          });
          cells.push({
            mass,
            latency,
            noise,
            successRate: r.successRate,
            meanReturn: r.meanReturn,
            stdReturn: r.stdReturn,
            meanFinalDistance: r.meanFinalDistance,
          });
        } finally {
          env.close();
        }
      }
    }
  }
  return {
    task,
    episodes: o.episodes,
    deterministic: o.deterministic,
    seed: o.seed,
    masses: [...o.masses],
    latencies: [...o.latencies],
    noises: [...o.noises],
    cells,
  };
}

function cellAt(r: RobustnessReport, noise: number, latency: number, mass: number): RobustnessCell {
  const c = r.cells.find((x) => x.noise === noise && x.latency === latency && x.mass === mass);
  if (c === undefined) throw new Error(`robustness: no cell for ${noise}/${latency}/${mass}`);
  return c;
}

/** One table per noise level: rows latency, columns mass scale; "success % (return)" per cell. */
export function formatRobustnessTable(r: RobustnessReport): string {
  const lines: string[] = [
    `robustness of a ${r.task} policy: ${r.episodes} ${r.deterministic ? 'deterministic' : 'stochastic'} episodes per cell, seed ${r.seed}`,
  ];
  const cellText = (c: RobustnessCell): string =>
    c.successRate === null
      ? c.meanReturn.toFixed(1)
      : `${(c.successRate * 100).toFixed(0)}% (${c.meanReturn.toFixed(1)})`;
  for (const noise of r.noises) {
    lines.push(
      '',
      `noise: q ${noise} rad, q̇ ${VELOCITY_NOISE_RATIO * noise} rad/s — success (mean return); rows latency (periods), columns mass ×`,
    );
    const rows = [
      ['latency', ...r.masses.map((m) => `×${m}`)],
      ...r.latencies.map((k) => [
        String(k),
        ...r.masses.map((m) => cellText(cellAt(r, noise, k, m))),
      ]),
    ];
    const widths = rows[0]!.map((_, j) => Math.max(...rows.map((row) => row[j]!.length)));
    for (const row of rows) lines.push(row.map((s, j) => s.padStart(widths[j]!)).join('  '));
  }
  return lines.join('\n');
}

/** Red (0) → yellow → green (1). */
function color(t: number): string {
  const x = Math.min(1, Math.max(0, t));
  const r = Math.round(x < 0.5 ? 215 : 215 - (x - 0.5) * 2 * 189);
  const g = Math.round(x < 0.5 ? 48 + x * 2 * 170 : 218 - (x - 0.5) * 2 * 68);
  const b = Math.round(x < 0.5 ? 39 + x * 2 * 30 : 69 - (x - 0.5) * 2 * 7);
  return `rgb(${r},${g},${b})`;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The heat map: one panel per noise level, mass scale across, latency down. */
export function robustnessSvg(r: RobustnessReport): string {
  const cw = 64;
  const ch = 32;
  const left = 70;
  const top = 56;
  const panelW = left + r.masses.length * cw + 30;
  const panelH = r.latencies.length * ch;
  const width = Math.max(panelW * r.noises.length, 360);
  const height = top + panelH + 60;
  const bySuccess = r.cells.every((c) => c.successRate !== null);
  const returns = r.cells.map((c) => c.meanReturn);
  const lo = Math.min(...returns);
  const hi = Math.max(...returns);
  const value = (c: RobustnessCell): number =>
    bySuccess ? (c.successRate as number) : hi > lo ? (c.meanReturn - lo) / (hi - lo) : 1;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="20" font-size="14">${esc(`Robustness of a ${r.task} policy: ${bySuccess ? 'success rate' : 'mean return'} (${r.episodes} episodes per cell)`)}</text>`,
  ];
  r.noises.forEach((noise, p) => {
    const x0 = p * panelW + left;
    out.push(
      `<text x="${x0}" y="${top - 22}">${esc(`noise q ${noise} rad, q̇ ${VELOCITY_NOISE_RATIO * noise} rad/s`)}</text>`,
    );
    r.latencies.forEach((k, i) => {
      out.push(
        `<text x="${x0 - 8}" y="${top + i * ch + ch / 2 + 4}" text-anchor="end">${k}</text>`,
      );
      r.masses.forEach((m, j) => {
        const c = cellAt(r, noise, k, m);
        const label = bySuccess
          ? `${((c.successRate as number) * 100).toFixed(0)}%`
          : c.meanReturn.toFixed(0);
        const x = x0 + j * cw;
        const y = top + i * ch;
        out.push(
          `<rect x="${x}" y="${y}" width="${cw - 2}" height="${ch - 2}" fill="${color(value(c))}"><title>${esc(`mass ×${m}, latency ${k}, noise ${noise}: success ${c.successRate ?? '—'}, return ${c.meanReturn.toFixed(2)}`)}</title></rect>`,
          `<text x="${x + cw / 2 - 1}" y="${y + ch / 2 + 4}" text-anchor="middle">${label}</text>`,
        );
      });
    });
    r.masses.forEach((m, j) => {
      out.push(
        `<text x="${x0 + j * cw + cw / 2}" y="${top + panelH + 16}" text-anchor="middle">×${m}</text>`,
      );
    });
    out.push(
      `<text x="${x0 + (r.masses.length * cw) / 2}" y="${top + panelH + 36}" text-anchor="middle">link mass scale</text>`,
    );
  });
  out.push(
    `<text x="14" y="${top + panelH / 2}" transform="rotate(-90 14 ${top + panelH / 2})" text-anchor="middle">latency (periods)</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
