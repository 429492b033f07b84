/**
 * Policy evaluation: run whole episodes on a single environment with the plain-TS forward pass,
 * either deterministically (the mean action, as SB3's `evaluate_policy(deterministic=True)`) or by
 * sampling, and summarise returns, lengths, success and final distance.
 *
 * Episode i is reset with seed `evalEpisodeSeed(seed, i)`, so an evaluation is reproducible and
 * touches none of the training run's random streams or normaliser statistics.
 */
import type { Env } from '../../sim/index.js';
import { PolicyForward } from '../policy/index.js';
import type { GaussianPolicy } from '../policy/index.js';
import { Random } from '../util/index.js';

export interface EvaluateOptions {
  /** Number of episodes. */
  readonly episodes: number;
  /** Mean action instead of a sample. */
  readonly deterministic: boolean;
  /** Seed of the episode resets (and of the action noise when not deterministic). */
  readonly seed: number;
}

export const EVALUATE_DEFAULTS: Readonly<EvaluateOptions> = Object.freeze({
  episodes: 10,
  deterministic: true,
  seed: 0,
});

export interface EvaluationResult {
  readonly episodes: number;
  readonly deterministic: boolean;
  readonly meanReturn: number;
  /** Population standard deviation of the returns (numpy's default, as SB3 reports). */
  readonly stdReturn: number;
  readonly minReturn: number;
  readonly maxReturn: number;
  /** Fraction of episodes whose last step met the task's success criterion; null if none defined. */
  readonly successRate: number | null;
  readonly meanLength: number;
  readonly minLength: number;
  readonly maxLength: number;
  /** Mean end-effector-to-target distance at the last step (reach tasks), metres; else null. */
  readonly meanFinalDistance: number | null;
  /** Median of the same (the arm7-reach figure). */
  readonly medianFinalDistance: number | null;
  /** Per-episode values. */
  readonly returns: readonly number[];
  readonly lengths: readonly number[];
  readonly finalDistances: readonly number[];
}

/** Reset seed of evaluation episode i; distinct from the training environments' seeds. */
export function evalEpisodeSeed(seed: number, episode: number): number {
  return (Math.imul(seed + 0x51ed27, 0x2545f491) + 0x9e3779b9 * (episode + 1)) >>> 0;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Summary statistics of per-episode results. */
export function summarizeEpisodes(
  returns: readonly number[],
  lengths: readonly number[],
  successes: readonly number[] | null,
  finalDistances: readonly number[],
  deterministic: boolean,
): EvaluationResult {
  if (returns.length === 0) throw new Error('summarizeEpisodes: no episodes');
  const m = mean(returns);
  return {
    episodes: returns.length,
    deterministic,
    meanReturn: m,
    stdReturn: Math.sqrt(mean(returns.map((r) => (r - m) ** 2))),
    minReturn: Math.min(...returns),
    maxReturn: Math.max(...returns),
    successRate: successes ? mean(successes) : null,
    meanLength: mean(lengths),
    minLength: Math.min(...lengths),
    maxLength: Math.max(...lengths),
    meanFinalDistance: finalDistances.length > 0 ? mean(finalDistances) : null,
    medianFinalDistance: finalDistances.length > 0 ? median(finalDistances) : null,
    returns: [...returns],
    lengths: [...lengths],
    finalDistances: [...finalDistances],
  };
}

/**
 * Run `episodes` episodes of `policy` on `env` (raw observations; the policy's normaliser is read,
 * never updated). The env is left open for reuse.
 */
export function evaluatePolicy(
  env: Env,
  policy: GaussianPolicy,
  options: Partial<EvaluateOptions> = {},
): EvaluationResult {
  const o: EvaluateOptions = { ...EVALUATE_DEFAULTS, ...options };
  if (!Number.isInteger(o.episodes) || o.episodes < 1)
    throw new Error(`evaluatePolicy: episodes must be a positive integer, got ${o.episodes}`);
  if (env.spec.obsSize !== policy.obsSize || env.spec.actionSize !== policy.actionSize) {
    throw new Error(
      `evaluatePolicy: task '${env.spec.name}' has obsSize ${env.spec.obsSize}, actionSize ${env.spec.actionSize}; the policy expects ${policy.obsSize}, ${policy.actionSize}`,
    );
  }
  const fwd = new PolicyForward(policy);
  const action = new Float64Array(policy.actionSize);
  const noise = new Random(o.seed ^ 0x5eed);
  const returns: number[] = [];
  const lengths: number[] = [];
  const successes: number[] = [];
  const distances: number[] = [];
  for (let ep = 0; ep < o.episodes; ep++) {
    let obs: ArrayLike<number> = env.reset(evalEpisodeSeed(o.seed, ep));
    let total = 0;
    let length = 0;
    for (;;) {
      if (o.deterministic) fwd.forward(obs, action);
      else fwd.sample(obs, noise, action);
      const r = env.step(action);
      total += r.reward;
      length += 1;
      obs = r.obs;
      if (r.terminated || r.truncated) {
        if (env.spec.hasSuccess) successes.push(r.info.success ? 1 : 0);
        if (r.info.distance !== undefined) distances.push(r.info.distance);
        break;
      }
    }
    returns.push(total);
    lengths.push(length);
  }
  return summarizeEpisodes(
    returns,
    lengths,
    env.spec.hasSuccess ? successes : null,
    distances,
    o.deterministic,
  );
}
