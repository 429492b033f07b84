/**
 * Shared pieces of the asynchronous-learner tests: an identity, hand-made segments and a tiny
 * policy/value pair.
 */
import { GaussianPolicy } from '../../src/policy/policy.js';
import { ValueNetwork } from '../../src/policy/value.js';
import type {
  ExperienceIdentity,
  SegmentEnd,
  TrajectorySegments,
  TransitionDelivery,
} from '../../src/learn/transitionSource.js';
import { Random } from '../../src/util/random.js';

export const IDENTITY: ExperienceIdentity = Object.freeze({
  robotName: 'toy',
  modelHash: 'abc',
  task: 'toy-task',
  taskParams: '{}',
  jointNames: Object.freeze(['j0']),
  obsSize: 2,
  actionSize: 1,
});

export function tinyNetworks(
  seed: number,
  normalizeObs = false,
): { policy: GaussianPolicy; value: ValueNetwork } {
  const rng = new Random(seed);
  const policy = new GaussianPolicy(
    { obsSize: 2, actionSize: 1, hiddenSizes: [4], normalizeObs },
    rng.fork(),
  );
  for (let i = 0; i < policy.params.length; i++) policy.params[i] = 0.5 * rng.normal();
  const value = new ValueNetwork({ obsSize: 2, hiddenSizes: [4] }, rng.fork());
  for (let i = 0; i < value.params.length; i++) value.params[i] = 0.5 * rng.normal();
  return { policy, value };
}

/**
 * Random segments of the given lengths and ends (obs 2, action 1), behaviour log-probs
 * `logMu` (default: all −1), every segment acted by `version`.
 */
export function makeSegments(
  lengths: readonly number[],
  ends: readonly SegmentEnd[],
  seed: number,
  version = 0,
  logMu?: readonly number[],
): TrajectorySegments {
  const rng = new Random(seed);
  const n = lengths.reduce((a, b) => a + b, 0);
  const E = lengths.length;
  const fill = (len: number, scale: number): Float64Array => {
    const out = new Float64Array(len);
    for (let i = 0; i < len; i++) out[i] = scale * rng.normal();
    return out;
  };
  const bounds = new Int32Array(E + 1);
  for (let e = 0; e < E; e++) bounds[e + 1] = (bounds[e] as number) + (lengths[e] as number);
  return {
    size: n,
    obsSize: 2,
    actionSize: 1,
    observations: fill(2 * n, 1),
    actions: fill(n, 1),
    rewards: fill(n, 1),
    behaviourLogProbs: logMu ? Float64Array.from(logMu) : new Float64Array(n).fill(-1),
    bounds,
    segmentEnds: Uint8Array.from(ends),
    finalObservations: fill(2 * E, 1),
    policyVersions: new Uint32Array(E).fill(version),
  };
}

export function deliver(
  segments: TrajectorySegments,
  sequence = 0,
  identity: ExperienceIdentity = IDENTITY,
): TransitionDelivery {
  return { segments, identity, origin: 'test', sequence };
}
