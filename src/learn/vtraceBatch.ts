/**
 * What the asynchronous learner does with a delivery before and after it queues it:
 *   - `deliveryProblem`: the checks of `offer` (identity, sizes, bounds, finite values), cheap
 *     O(n) scans with no network pass;
 *   - `buildVtraceBatch`: the TransitionBatch of one update from whole deliveries — normalised
 *     observations, π/μ ratios from the current policy, truncated ρ/c, V-trace targets
 *     (Espeholt et al. 2018, eq. 1) with the bootstrap each segment's end calls for.
 */
import type { GaussianPolicy, ValueNetwork } from '../policy/index.js';
import type { TransitionBatch } from './batch.js';
import type { ExperienceIdentity, TrajectorySegments } from './transitionSource.js';
import { SEGMENT_CUT, SEGMENT_TERMINATED, SEGMENT_TRUNCATED } from './transitionSource.js';
import { logImportanceRatios, truncatedWeights, vtrace } from './vtrace.js';

/** The first field in which two identities differ, or null when they are the same. */
export function identityDifference(a: ExperienceIdentity, b: ExperienceIdentity): string | null {
  for (const key of [
    'robotName',
    'modelHash',
    'task',
    'taskParams',
    'obsSize',
    'actionSize',
  ] as const) {
    if (a[key] !== b[key]) return `${key} '${String(b[key])}' (learner has '${String(a[key])}')`;
  }
  if (
    a.jointNames.length !== b.jointNames.length ||
    a.jointNames.some((name, i) => name !== b.jointNames[i])
  )
    return `jointNames [${b.jointNames.join(', ')}] (learner has [${a.jointNames.join(', ')}])`;
  return null;
}

function firstNonFinite(arr: ArrayLike<number>, len: number): number {
  for (let i = 0; i < len; i++) if (!Number.isFinite(arr[i] as number)) return i;
  return -1;
}

/**
 * Why segments cannot be learned from (sizes against the identity, bounds, segment ends, finite
 * values, a density for every action), or null when they can.
 */
export function segmentsProblem(
  s: TrajectorySegments,
  identity: ExperienceIdentity,
): string | null {
  const n = s.size;
  if (!Number.isInteger(n) || n < 1) return `size ${n} is not a positive integer`;
  if (s.obsSize !== identity.obsSize || s.actionSize !== identity.actionSize)
    return `obsSize/actionSize ${s.obsSize}/${s.actionSize}, expected ${identity.obsSize}/${identity.actionSize}`;
  const E = s.bounds.length - 1;
  if (E < 1) return `bounds has ${s.bounds.length} entries, expected at least 2`;
  const lengths: Array<[string, ArrayLike<number> | undefined, number]> = [
    ['observations', s.observations, n * s.obsSize],
    ['actions', s.actions, n * s.actionSize],
    ['rewards', s.rewards, n],
    ['behaviourLogProbs', s.behaviourLogProbs, n],
    ['behaviourMeans', s.behaviourMeans, n * s.actionSize],
    ['behaviourLogStds', s.behaviourLogStds, n * s.actionSize],
    ['deterministic', s.deterministic, n],
    ['segmentEnds', s.segmentEnds, E],
    ['finalObservations', s.finalObservations, E * s.obsSize],
    ['policyVersions', s.policyVersions, E],
  ];
  for (const [name, arr, len] of lengths) {
    if (arr !== undefined && arr.length !== len)
      return `${name} has ${arr.length} values, expected ${len}`;
  }
  if (s.bounds[0] !== 0 || s.bounds[E] !== n)
    return `bounds must start at 0 and end at ${n}, got ${s.bounds[0]}..${s.bounds[E]}`;
  for (let e = 0; e < E; e++) {
    if ((s.bounds[e + 1] as number) <= (s.bounds[e] as number))
      return `bounds must be strictly increasing (segment ${e} is empty or reversed)`;
    const end = s.segmentEnds[e];
    if (end !== SEGMENT_TERMINATED && end !== SEGMENT_TRUNCATED && end !== SEGMENT_CUT)
      return `segmentEnds[${e}] = ${end} is not 1 (terminated), 2 (truncated) or 3 (cut)`;
  }
  const finite: Array<[string, ArrayLike<number>, number]> = [
    ['observations', s.observations, n * s.obsSize],
    ['actions', s.actions, n * s.actionSize],
    ['rewards', s.rewards, n],
    ['behaviourLogProbs', s.behaviourLogProbs, n],
    ['finalObservations', s.finalObservations, E * s.obsSize],
  ];
  for (const [name, arr, len] of finite) {
    const i = firstNonFinite(arr, len);
    if (i >= 0) return `${name}[${i}] = ${arr[i]} is not finite`;
  }
  if (s.deterministic) {
    // A mean action has no density μ(a|s): no importance ratio exists for it.
    const i = s.deterministic.indexOf(1);
    if (i >= 0) return `deterministic[${i}] = 1: a behaviour mean action has no log-prob`;
  }
  return null;
}

/** How the learner corrects for the policy lag: V-trace, or none (the data treated as on-policy). */
export type LagCorrection = 'vtrace' | 'none';

export interface VtraceBatchOptions {
  readonly gamma: number;
  readonly rhoBar: number;
  readonly cBar: number;
  readonly correction: LagCorrection;
}

/** The batch of one update and what the learner reports about it. */
export interface VtraceBatch {
  readonly batch: TransitionBatch;
  /** Untruncated log π/μ of every transition. Shape: (n). */
  readonly logRatios: Float64Array;
  /** Steps with ρ > ρ̄. */
  readonly clipped: number;
  /** Mean truncated ρ. */
  readonly meanRho: number;
}

/**
 * Concatenate `parts` and form the V-trace batch with the CURRENT policy and value (normaliser
 * statistics as they are now):
 *   log ρ_s = log π(a_s|x_s) − log μ(a_s|x_s); ρ_s = min(ρ̄, e^{log ρ_s}), c_s = min(c̄, e^{log ρ_s})
 *   bootstrap: 0 after TERMINATED, V(final observation) after TRUNCATED or CUT
 *   advantages = r_s + γ v_{s+1} − V(x_s), returns = v_s, weights = ρ_s (eq. 4).
 * With correction 'none', ρ = c = 1 (ratios are still reported).
 */
export function buildVtraceBatch(
  policy: GaussianPolicy,
  value: ValueNetwork,
  parts: readonly TrajectorySegments[],
  options: VtraceBatchOptions,
): VtraceBatch {
  const D = policy.obsSize;
  const A = policy.actionSize;
  let n = 0;
  let E = 0;
  for (const p of parts) {
    n += p.size;
    E += p.bounds.length - 1;
  }
  const rawObs = new Float64Array(n * D);
  const actions64 = new Float64Array(n * A);
  const rewards = new Float64Array(n);
  const behaviourLogProbs = new Float64Array(n);
  const bounds = new Int32Array(E + 1);
  const rawFinal = new Float64Array(E * D);
  const ends = new Uint8Array(E);
  const hasBehaviour = parts.every((p) => p.behaviourMeans && p.behaviourLogStds);
  const oldMean = hasBehaviour ? new Float32Array(n * A) : undefined;
  const oldLogStd = hasBehaviour ? new Float32Array(n * A) : undefined;
  let row = 0;
  let seg = 0;
  for (const p of parts) {
    rawObs.set(p.observations.subarray(0, p.size * D), row * D);
    actions64.set(p.actions.subarray(0, p.size * A), row * A);
    rewards.set(p.rewards.subarray(0, p.size), row);
    behaviourLogProbs.set(p.behaviourLogProbs.subarray(0, p.size), row);
    if (oldMean && oldLogStd && p.behaviourMeans && p.behaviourLogStds) {
      oldMean.set(p.behaviourMeans.subarray(0, p.size * A), row * A);
      oldLogStd.set(p.behaviourLogStds.subarray(0, p.size * A), row * A);
    }
    const pe = p.bounds.length - 1;
    for (let e = 0; e < pe; e++) {
      bounds[seg + e] = row + (p.bounds[e] as number);
      ends[seg + e] = p.segmentEnds[e] as number;
    }
    rawFinal.set(p.finalObservations.subarray(0, pe * D), seg * D);
    row += p.size;
    seg += pe;
  }
  bounds[E] = n;

  // Ratios and values from float64 observations and actions, as an actor computes log μ
  // (collectRollouts normalises into float64): an on-policy ratio is then 1 to float64 round-off.
  const obs = new Float64Array(n * D);
  policy.normalizeObs(rawObs, obs, n);
  const finalObs = new Float64Array(E * D);
  policy.normalizeObs(rawFinal, finalObs, E);
  const logPi = new Float64Array(n);
  policy.logProb(obs, actions64, n, logPi, policy.createWorkspace(n));
  const logRatios = logImportanceRatios(logPi, behaviourLogProbs);
  const values = new Float64Array(n);
  value.predict(obs, n, values, value.createWorkspace(n));
  const finalValues = new Float64Array(E);
  value.predict(finalObs, E, finalValues, value.createWorkspace(E));
  const bootstrap = new Float64Array(E);
  for (let e = 0; e < E; e++)
    bootstrap[e] = ends[e] === SEGMENT_TERMINATED ? 0 : (finalValues[e] as number);

  const tw = truncatedWeights(logRatios, options.rhoBar, options.cBar);
  const rho = options.correction === 'vtrace' ? tw.rho : new Float64Array(n).fill(1);
  const c = options.correction === 'vtrace' ? tw.c : rho;
  const vt = vtrace(rewards, values, rho, c, bounds, options.gamma, bootstrap);
  let sumRho = 0;
  for (let i = 0; i < n; i++) sumRho += rho[i] as number;
  const batch: TransitionBatch = {
    size: n,
    obs: Float32Array.from(obs),
    actions: Float32Array.from(actions64),
    advantages: Float32Array.from(vt.advantages),
    returns: Float32Array.from(vt.vs),
    weights: Float32Array.from(rho),
    oldLogProb: Float32Array.from(behaviourLogProbs),
    ...(oldMean && oldLogStd ? { oldMean, oldLogStd } : {}),
  };
  return { batch, logRatios, clipped: tw.clipped, meanRho: sumRho / n };
}
