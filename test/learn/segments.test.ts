/**
 * segmentsFromRollout against hand-worked rollouts: termination, truncation (and both flags at
 * once), the cut at the rollout's end, several environments, and the policy version per segment;
 * RolloutRecorder's bookkeeping.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VecStepResult } from '../../src/learn/env.js';
import { RolloutRecorder, segmentsFromRollout } from '../../src/learn/segments.js';
import type { RolloutRecord } from '../../src/learn/segments.js';
import {
  SEGMENT_CUT,
  SEGMENT_TERMINATED,
  SEGMENT_TRUNCATED,
} from '../../src/learn/transitionSource.js';

/**
 * T = 3 steps, N = 2 envs, obsSize 1, actionSize 1. Observation of (t, e) = 10·e + t, action =
 * 100 + observation, reward = −observation, log μ = −1 − observation.
 *   env 0: t = 1 terminated (final obs 91)                     → [t0 t1] TERMINATED, [t2] CUT
 *   env 1: t = 0 truncated (final obs 80), t = 1 both flags (81) → [t0] TRUNCATED, [t1] TERMINATED,
 *                                                                 [t2] CUT
 * Observations after the rollout (cursor): env 0 → 7, env 1 → 17.
 */
function handRollout(): RolloutRecord {
  const T = 3;
  const N = 2;
  const obs = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let e = 0; e < N; e++) obs[t * N + e] = 10 * e + t;
  const flags = (rows: ReadonlyArray<readonly [number, number]>): Uint8Array => {
    const f = new Uint8Array(T * N);
    for (const [t, e] of rows) f[t * N + e] = 1;
    return f;
  };
  const finals = new Float64Array(T * N).fill(Number.NaN);
  finals[1 * N + 0] = 91;
  finals[0 * N + 1] = 80;
  finals[1 * N + 1] = 81;
  return {
    numSteps: T,
    numEnvs: N,
    obsSize: 1,
    actionSize: 1,
    observations: obs,
    actions: obs.map((o) => 100 + o),
    rewards: obs.map((o) => -o),
    terminated: flags([
      [1, 0],
      [1, 1],
    ]),
    truncated: flags([
      [0, 1],
      [1, 1],
    ]),
    logProbs: obs.map((o) => -1 - o),
    means: obs.map((o) => 0.5 * o),
    logStds: obs.map(() => -0.25),
    finalObservations: finals,
    lastObservations: Float64Array.of(7, 17),
  };
}

describe('segmentsFromRollout', () => {
  test('cuts each env at termination, truncation and the rollout end (hand-worked)', () => {
    const s = segmentsFromRollout(handRollout(), 4);
    assert.equal(s.size, 6);
    assert.equal(s.obsSize, 1);
    assert.equal(s.actionSize, 1);
    // Env 0 first (rows 0–2), then env 1 (rows 3–5), each in time order.
    assert.deepEqual(Array.from(s.observations), [0, 1, 2, 10, 11, 12]);
    assert.deepEqual(Array.from(s.actions), [100, 101, 102, 110, 111, 112]);
    assert.deepEqual(Array.from(s.rewards), [-0, -1, -2, -10, -11, -12]);
    assert.deepEqual(Array.from(s.behaviourLogProbs), [-1, -2, -3, -11, -12, -13]);
    assert.deepEqual(Array.from(s.behaviourMeans ?? []), [0, 0.5, 1, 5, 5.5, 6]);
    assert.deepEqual(
      Array.from(s.behaviourLogStds ?? []),
      [-0.25, -0.25, -0.25, -0.25, -0.25, -0.25],
    );
    assert.equal(s.deterministic, undefined);
    assert.deepEqual(Array.from(s.bounds), [0, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(s.segmentEnds), [
      SEGMENT_TERMINATED,
      SEGMENT_CUT,
      SEGMENT_TRUNCATED,
      SEGMENT_TERMINATED, // both flags: terminated wins (no bootstrap), as collectRollouts does
      SEGMENT_CUT,
    ]);
    // Ended segments: the step's final observation; cut ones: the next rollout's first observation.
    assert.deepEqual(Array.from(s.finalObservations), [91, 7, 80, 81, 17]);
    assert.deepEqual(Array.from(s.policyVersions), [4, 4, 4, 4, 4]);
  });

  test('a version per segment from its env and first step', () => {
    const s = segmentsFromRollout(handRollout(), (env, first) => 10 * env + first);
    assert.deepEqual(Array.from(s.policyVersions), [0, 2, 10, 11, 12]);
  });

  test('one env that never ends is one CUT segment', () => {
    const r = handRollout();
    const calm: RolloutRecord = {
      ...r,
      terminated: new Uint8Array(6),
      truncated: new Uint8Array(6),
    };
    const s = segmentsFromRollout(calm, 0);
    assert.deepEqual(Array.from(s.bounds), [0, 3, 6]);
    assert.deepEqual(Array.from(s.segmentEnds), [SEGMENT_CUT, SEGMENT_CUT]);
    assert.deepEqual(Array.from(s.finalObservations), [7, 17]);
  });

  test('an episode ending at the rollout’s last step is not cut again', () => {
    const r = handRollout();
    const terminated = new Uint8Array(6);
    terminated[2 * 2 + 0] = 1; // env 0 terminates at t = 2
    const finals = new Float64Array(6);
    finals[2 * 2 + 0] = 42;
    const s = segmentsFromRollout(
      { ...r, terminated, truncated: new Uint8Array(6), finalObservations: finals },
      0,
    );
    assert.deepEqual(Array.from(s.bounds), [0, 3, 6]);
    assert.deepEqual(Array.from(s.segmentEnds), [SEGMENT_TERMINATED, SEGMENT_CUT]);
    assert.deepEqual(Array.from(s.finalObservations), [42, 17]);
  });

  test('the segments are copies: reusing the record leaves them unchanged', () => {
    const r = handRollout();
    const s = segmentsFromRollout(r, 0);
    (r.observations as Float64Array).fill(-1);
    (r.lastObservations as Float64Array).fill(-1);
    assert.deepEqual(Array.from(s.observations), [0, 1, 2, 10, 11, 12]);
    assert.deepEqual(Array.from(s.finalObservations), [91, 7, 80, 81, 17]);
  });

  test('a version that is not a uint32 is refused, naming env and step', () => {
    assert.throws(
      () => segmentsFromRollout(handRollout(), (env) => (env === 1 ? -1 : 0)),
      /segmentsFromRollout: policy version of env 1 from step 0 must be a uint32, got -1/,
    );
  });
});

describe('RolloutRecorder', () => {
  const step = (k: number, ended: boolean): VecStepResult => ({
    obs: Float64Array.of(k + 1, k + 1.5),
    rewards: Float64Array.of(k, -k),
    terminated: Uint8Array.of(ended ? 1 : 0, 0),
    truncated: Uint8Array.of(0, 0),
    finalObs: Float64Array.of(ended ? 99 : Number.NaN, Number.NaN),
    clipped: new Uint32Array(2),
    distance: new Float64Array(2),
    success: new Uint8Array(2),
  });

  test('keeps each step time-major and the final observation of ended envs', () => {
    const rec = new RolloutRecorder(2, 2, 1, 1);
    rec.add([0, 0.5], [1, 2], [-1, -2], [0.1, 0.2], [-0.5, -0.6], step(0, false));
    rec.add([1, 1.5], [3, 4], [-3, -4], [0.3, 0.4], [-0.7, -0.8], step(1, true));
    rec.finish([2, 2.5]);
    const r = rec.record;
    assert.equal(rec.step, 2);
    assert.deepEqual(Array.from(r.observations), [0, 0.5, 1, 1.5]);
    assert.deepEqual(Array.from(r.actions), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(r.rewards), [0, -0, 1, -1]);
    assert.deepEqual(Array.from(r.terminated), [0, 0, 1, 0]);
    assert.equal(r.finalObservations[2], 99);
    assert.deepEqual(Array.from(r.lastObservations), [2, 2.5]);
    const s = segmentsFromRollout(r, 0);
    assert.deepEqual(Array.from(s.segmentEnds), [SEGMENT_TERMINATED, SEGMENT_CUT]);
    assert.deepEqual(Array.from(s.finalObservations), [99, 2.5]);
  });

  test('adding past capacity throws and says what to call', () => {
    const rec = new RolloutRecorder(1, 2, 1, 1);
    rec.add([0, 0], [0, 0], [0, 0], [0, 0], [0, 0], step(0, false));
    assert.throws(
      () => rec.add([0, 0], [0, 0], [0, 0], [0, 0], [0, 0], step(1, false)),
      /RolloutRecorder.add: already holds 1 steps × 2 envs; call clear\(\) first/,
    );
    rec.clear();
    assert.equal(rec.step, 0);
    assert.throws(() => new RolloutRecorder(0, 1, 1, 1), /numSteps must be a positive integer/);
  });
});
