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
import { policyScratch, valueScratch } from './scratch.js';
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

/** `arr` when it holds at least `len` values, else a new array of that type and length. */
function atLeast<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(
  arr: T,
  len: number,
  make: (len: number) => T,
): T {
  return arr.length >= len ? arr : make(len);
}
const f64 = (len: number): Float64Array => new Float64Array(len);
const f32 = (len: number): Float32Array => new Float32Array(len);

/**
 * The arrays of V-trace batches, kept between updates: each grows to the largest batch seen and is
 * never shrunk, so that a learner's steady state allocates no per-update arrays (and the forward
 * passes run on network workspaces kept in scratch.ts, never a fresh wasm memory per update).
 * A batch built on a workspace (its `batch` arrays and `logRatios` are views of it) is valid until
 * the next build on the same workspace.
 */
export class VtraceWorkspace {
  // Concatenated inputs (float64, as the actors computed them) and per-segment ends.
  rawObs = f64(0);
  actions64 = f64(0);
  rewards = f64(0);
  behaviourLogProbs = f64(0);
  bounds = new Int32Array(0);
  rawFinal = f64(0);
  ends = new Uint8Array(0);
  // π, V, ratios and V-trace (float64).
  obs64 = f64(0);
  finalObs = f64(0);
  logPi = f64(0);
  logRatios = f64(0);
  values = f64(0);
  finalValues = f64(0);
  bootstrap = f64(0);
  rho = f64(0);
  c = f64(0);
  ones = f64(0);
  vs = f64(0);
  advantages64 = f64(0);
  // The TransitionBatch (float32, as the update rules read it).
  obs = f32(0);
  actions = f32(0);
  advantages = f32(0);
  returns = f32(0);
  weights = f32(0);
  oldLogProb = f32(0);
  oldMean = f32(0);
  oldLogStd = f32(0);

  /** Room for n transitions in E segments of obsSize D and actionSize A. */
  ensure(n: number, E: number, D: number, A: number): void {
    this.rawObs = atLeast(this.rawObs, n * D, f64);
    this.actions64 = atLeast(this.actions64, n * A, f64);
    this.rewards = atLeast(this.rewards, n, f64);
    this.behaviourLogProbs = atLeast(this.behaviourLogProbs, n, f64);
    this.bounds = atLeast(this.bounds, E + 1, (len) => new Int32Array(len));
    this.rawFinal = atLeast(this.rawFinal, E * D, f64);
    this.ends = atLeast(this.ends, E, (len) => new Uint8Array(len));
    this.obs64 = atLeast(this.obs64, n * D, f64);
    this.finalObs = atLeast(this.finalObs, E * D, f64);
    this.logPi = atLeast(this.logPi, n, f64);
    this.logRatios = atLeast(this.logRatios, n, f64);
    this.values = atLeast(this.values, n, f64);
    this.finalValues = atLeast(this.finalValues, E, f64);
    this.bootstrap = atLeast(this.bootstrap, E, f64);
    this.rho = atLeast(this.rho, n, f64);
    this.c = atLeast(this.c, n, f64);
    if (this.ones.length < n) this.ones = f64(n).fill(1);
    this.vs = atLeast(this.vs, n, f64);
    this.advantages64 = atLeast(this.advantages64, n, f64);
    this.obs = atLeast(this.obs, n * D, f32);
    this.actions = atLeast(this.actions, n * A, f32);
    this.advantages = atLeast(this.advantages, n, f32);
    this.returns = atLeast(this.returns, n, f32);
    this.weights = atLeast(this.weights, n, f32);
    this.oldLogProb = atLeast(this.oldLogProb, n, f32);
    this.oldMean = atLeast(this.oldMean, n * A, f32);
    this.oldLogStd = atLeast(this.oldLogStd, n * A, f32);
  }
}

/** `src` rounded into the first src.length values of `dst`, returned as a view of that length. */
function intoFloat32(dst: Float32Array, src: Float64Array): Float32Array {
  const out = dst.subarray(0, src.length);
  out.set(src);
  return out;
}

/**
 * Concatenate `parts` and form the V-trace batch with the CURRENT policy and value (normaliser
 * statistics as they are now):
 *   log ρ_s = log π(a_s|x_s) − log μ(a_s|x_s); ρ_s = min(ρ̄, e^{log ρ_s}), c_s = min(c̄, e^{log ρ_s})
 *   bootstrap: 0 after TERMINATED, V(final observation) after TRUNCATED or CUT
 *   advantages = r_s + γ v_{s+1} − V(x_s), returns = v_s, weights = ρ_s (eq. 4).
 * With correction 'none', ρ = c = 1 (ratios are still reported).
 * One batched forward pass each for π (all rows), V (all rows) and V (the E final observations).
 * `ws` (default: a fresh one) holds every array of the result: a learner passes the same one to
 * every update (see VtraceWorkspace).
 */
export function buildVtraceBatch(
  policy: GaussianPolicy,
  value: ValueNetwork,
  parts: readonly TrajectorySegments[],
  options: VtraceBatchOptions,
  ws: VtraceWorkspace = new VtraceWorkspace(),
): VtraceBatch {
  const D = policy.obsSize;
  const A = policy.actionSize;
  let n = 0;
  let E = 0;
  for (const p of parts) {
    n += p.size;
    E += p.bounds.length - 1;
  }
  ws.ensure(n, E, D, A);
  const rawObs = ws.rawObs.subarray(0, n * D);
  const actions64 = ws.actions64.subarray(0, n * A);
  const rewards = ws.rewards.subarray(0, n);
  const behaviourLogProbs = ws.behaviourLogProbs.subarray(0, n);
  const bounds = ws.bounds.subarray(0, E + 1);
  const rawFinal = ws.rawFinal.subarray(0, E * D);
  const ends = ws.ends.subarray(0, E);
  const hasBehaviour = parts.every((p) => p.behaviourMeans && p.behaviourLogStds);
  const oldMean = hasBehaviour ? ws.oldMean.subarray(0, n * A) : undefined;
  const oldLogStd = hasBehaviour ? ws.oldLogStd.subarray(0, n * A) : undefined;
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

  // Ratios (and bootstrap values) from float64 observations and actions, as an actor computes log μ
  // (collectRollouts normalises into float64): an on-policy ratio is then 1 to float64 round-off.
  const obs = ws.obs64.subarray(0, n * D);
  policy.normalizeObs(rawObs, obs, n);
  const finalObs = ws.finalObs.subarray(0, E * D);
  policy.normalizeObs(rawFinal, finalObs, E);
  const logPi = ws.logPi.subarray(0, n);
  policy.logProb(obs, actions64, n, logPi, policyScratch(policy, 'vtrace'));
  const logRatios = logImportanceRatios(logPi, behaviourLogProbs, ws.logRatios.subarray(0, n));
  // V(x_s) on the float32 observations the update reads: the critic fit then reuses these values
  // (TransitionBatch.values) instead of a forward pass of its own.
  const obs32 = intoFloat32(ws.obs, obs);
  const valueWs = valueScratch(value, 'vtrace');
  const values = ws.values.subarray(0, n);
  value.predict(obs32, n, values, valueWs);
  const finalValues = ws.finalValues.subarray(0, E);
  value.predict(finalObs, E, finalValues, valueWs);
  const bootstrap = ws.bootstrap.subarray(0, E);
  for (let e = 0; e < E; e++)
    bootstrap[e] = ends[e] === SEGMENT_TERMINATED ? 0 : (finalValues[e] as number);

  const tw = truncatedWeights(logRatios, options.rhoBar, options.cBar, {
    rho: ws.rho.subarray(0, n),
    c: ws.c.subarray(0, n),
  });
  const rho = options.correction === 'vtrace' ? tw.rho : ws.ones.subarray(0, n);
  const c = options.correction === 'vtrace' ? tw.c : rho;
  const vt = vtrace(rewards, values, rho, c, bounds, options.gamma, bootstrap, {
    vs: ws.vs.subarray(0, n),
    advantages: ws.advantages64.subarray(0, n),
  });
  let sumRho = 0;
  for (let i = 0; i < n; i++) sumRho += rho[i] as number;
  const batch: TransitionBatch = {
    size: n,
    obs: obs32,
    actions: intoFloat32(ws.actions, actions64),
    advantages: intoFloat32(ws.advantages, vt.advantages),
    returns: intoFloat32(ws.returns, vt.vs),
    weights: intoFloat32(ws.weights, rho),
    oldLogProb: intoFloat32(ws.oldLogProb, behaviourLogProbs),
    ...(oldMean && oldLogStd ? { oldMean, oldLogStd } : {}),
    values,
  };
  return { batch, logRatios, clipped: tw.clipped, meanRho: sumRho / n };
}
