/**
 * metrics.jsonl: one JSON line per training iteration, its zod schema, an appender and the resume
 * truncation. Each line is written with a single write() call followed by fsync, so a `kill -9`
 * can at worst leave one torn last line; readers drop a last line that does not parse, and resume
 * rewrites the file (atomically) with exactly the lines up to the checkpoint's iteration.
 */
import { appendFileSync, existsSync, readFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../util/index.js';

const num = z.number().refine(Number.isFinite, 'expected a finite number');
/** A statistic that is null when no episode (or no eval) produced it this iteration. */
const maybe = num.nullable();

export const MetricsLineSchema = z.strictObject({
  /** 1-based iteration index. */
  iteration: z.number().int().positive(),
  /** Environment steps completed after this iteration (all envs together). */
  steps: z.number().int().nonnegative(),
  /** Undiscounted returns of the episodes that ended during this iteration's rollout. */
  episodeReturnMean: maybe,
  episodeReturnMin: maybe,
  episodeReturnMax: maybe,
  /** Number of episodes that ended during this iteration's rollout. */
  episodeCount: z.number().int().nonnegative(),
  /** Mean length (steps) of those episodes. */
  episodeLengthMean: maybe,
  /** Fraction of those episodes that ended in success (tasks with a success criterion). */
  successRate: maybe,
  /** Mean final end-effector distance of those episodes (reach tasks), metres. */
  finalDistanceMean: maybe,
  /** Mean KL(π_old || π_new) measured after the update. */
  kl: maybe,
  /** Mean policy entropy (nats) after the update. */
  entropy: maybe,
  /** Value-function regression loss (mean squared error) of the critic fit. */
  valueLoss: maybe,
  /** Explained variance 1 − Var[R − V] / Var[R] of the critic before the update. */
  explainedVariance: maybe,
  /** Line search (TRPO): whether a step was accepted, and how many backtracks it took. */
  lineSearchAccepted: z.boolean().nullable(),
  lineSearchSteps: z.number().int().nonnegative().nullable(),
  /** Environment steps per second of this iteration, rollout and update included. */
  stepsPerSec: num.nonnegative(),
  /** Seconds spent collecting the rollout and updating in this iteration. */
  rolloutSeconds: num.nonnegative(),
  updateSeconds: num.nonnegative(),
  /** Seconds of training since the run started (excluding evaluation and checkpointing). */
  wallTime: num.nonnegative(),
  /** Deterministic evaluation return (mean over eval episodes), when evaluated this iteration. */
  evalReturn: maybe.optional(),
  /** Deterministic evaluation success rate / final distance, where the task defines them. */
  evalSuccessRate: maybe.optional(),
  evalFinalDistance: maybe.optional(),
});
export type MetricsLine = z.infer<typeof MetricsLineSchema>;

/** Append one line and fsync it (one write: a crash leaves at worst one torn line at the end). */
export function appendMetricsLine(path: string, line: MetricsLine): void {
  appendFileSync(path, `${JSON.stringify(line)}\n`);
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Read every complete, valid line. A last line that is torn (no newline or not JSON) is dropped;
 * a malformed line in the middle is an error naming the file and the line number.
 */
export function readMetrics(path: string): MetricsLine[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const parts = text.split('\n');
  // The part after the last newline is either '' or a torn line: drop it either way.
  const complete = parts.slice(0, -1);
  const out: MetricsLine[] = [];
  complete.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error(`readMetrics: ${path}: line ${i + 1} is not JSON`);
    }
    const r = MetricsLineSchema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(
        `readMetrics: ${path}: line ${i + 1}: key '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}`,
      );
    }
    out.push(r.data);
  });
  return out;
}

/**
 * Keep exactly iterations 1..iteration (atomically rewriting the file), so a resumed run appends
 * without duplicated or missing iterations. Throws if an iteration in that range is missing.
 */
export function truncateMetrics(path: string, iteration: number): MetricsLine[] {
  const kept = readMetrics(path).filter((l) => l.iteration <= iteration);
  kept.forEach((l, i) => {
    if (l.iteration !== i + 1) {
      throw new Error(
        `truncateMetrics: ${path}: expected iteration ${i + 1} at line ${i + 1}, found ${l.iteration}`,
      );
    }
  });
  if (kept.length !== iteration) {
    throw new Error(
      `truncateMetrics: ${path}: has ${kept.length} iterations, the checkpoint is at iteration ${iteration}`,
    );
  }
  writeFileAtomic(path, kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
  return kept;
}
