/**
 * The behaviour the policy node acts with, and what it can say about its own actions.
 *
 * - Deterministic (deploy, explore = false): a = μθ(s). A point mass has no density, so the step's
 *   log-prob is NaN and a recorded step is flagged deterministic: importance weights π/μ need
 *   μ(a|s) > 0 on a set of positive measure, which a deterministic behaviour never gives
 *   (Precup et al. 2000, the ratio's denominator). Replay refuses to weight such steps.
 * - Explore (data collection): a ~ N(μθ(s), (s·σθ(s))²) with s = explore_scale ∈ (0, 1]. The
 *   behaviour's log σ is log σθ + log s and its log-prob is that Gaussian's density (DiagGaussian,
 *   the one implementation), both recorded with the step. s ≤ 1 on purpose: on a real arm the
 *   noise may only shrink from what the policy was trained with, never widen.
 *
 * Sampling draws ε_j = rng.normal() for j = 0..d−1 in order, as DiagGaussian.sample does, so at
 * s = 1 the actions are exactly those of the policy's own sampler from the same seed.
 */
import { DiagGaussian } from '../../policy/index.js';
import type { Random } from '../../util/index.js';
import type { NodePolicy } from './deployment.js';

/** The smallest explore_scale (a ROS parameter range is closed; (0, 1] is taken as [0.01, 1]). */
export const EXPLORE_SCALE_MIN = 0.01;

/** Throws unless `scale` is in [EXPLORE_SCALE_MIN, 1] (the std may only shrink). */
export function checkExploreScale(scale: number, where: string): void {
  if (!(Number.isFinite(scale) && scale >= EXPLORE_SCALE_MIN && scale <= 1)) {
    throw new Error(
      `${where}: explore_scale ${scale} is outside [${EXPLORE_SCALE_MIN}, 1]: explore mode may only shrink the trained std (scale ≤ 1), never widen it`,
    );
  }
}

export class BehaviourPolicy {
  /** log σ of the behaviour at the last act: log σθ + log s (explore), log σθ (deterministic). */
  readonly logStd: Float64Array;
  readonly #gaussian: DiagGaussian;
  #explore = false;
  #scale = 1;
  #logScale = 0;

  /** @param actionSize the policy's action size d. */
  constructor(actionSize: number) {
    this.logStd = new Float64Array(actionSize);
    this.#gaussian = new DiagGaussian(actionSize);
  }

  /** Sample (true) or take the mean (false). */
  get explore(): boolean {
    return this.#explore;
  }
  set explore(on: boolean) {
    this.#explore = on;
  }

  /** s in N(μ, (s·σ)²); in [EXPLORE_SCALE_MIN, 1]. */
  get scale(): number {
    return this.#scale;
  }
  set scale(s: number) {
    checkExploreScale(s, 'BehaviourPolicy.scale');
    this.#scale = s;
    this.#logScale = Math.log(s);
  }

  /**
   * One action for the raw observation `obs` into `out` (actionSize): the policy's mean, then, in
   * explore mode, a + s·σ ⊙ ε. Returns log μ(a|s) of the behaviour, NaN when deterministic.
   * `explore` overrides the mode for this call (warm-up). Allocates nothing.
   */
  act(
    policy: NodePolicy,
    obs: Float64Array,
    rng: Random,
    out: Float64Array,
    explore = this.#explore,
  ): number {
    policy.act(obs, true, rng, out);
    const ls = policy.logStd;
    const shift = explore ? this.#logScale : 0;
    for (let j = 0; j < this.logStd.length; j++) this.logStd[j] = (ls[j] as number) + shift;
    if (!explore) return NaN;
    return this.#gaussian.sample(policy.mean, this.logStd, rng, out);
  }
}
