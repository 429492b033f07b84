import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SafetyLayer } from '../../../src/ros/control/safety.js';
import type { SafetyOptions } from '../../../src/ros/control/safety.js';

const MS = 1_000_000n;
const base: SafetyOptions = {
  torqueLimits: [10, 2],
  watchdogPeriodNs: 50n * MS,
  mode: 'sim',
  maxTorqueStepFraction: 2, // no rate limit unless a test sets one
  torqueScale: 1,
  armRampTicks: 0,
};
const fresh = 1n * MS;

function run(layer: SafetyLayer, action: number[], age: bigint | null = fresh) {
  const out = new Float64Array(layer.jointCount);
  const verdict = layer.filter(action, age, out);
  return { verdict, out: [...out] };
}

describe('SafetyLayer', () => {
  test('clamps each joint to its own limit', () => {
    const s = new SafetyLayer(base);
    const { verdict, out } = run(s, [25, -3]);
    assert.deepEqual(out, [10, -2]);
    assert.equal(verdict.state, 'clamped');
    assert.equal(verdict.clampedJoints, 2);
    assert.deepEqual(run(s, [4, 1.5]).out, [4, 1.5]);
  });

  test('rate limit: |Δτ| per tick ≤ fraction × limit, worked by hand', () => {
    // limits 10 and 2, fraction 0.25 → max steps 2.5 and 0.5 per tick.
    const s = new SafetyLayer({ ...base, maxTorqueStepFraction: 0.25 });
    assert.deepEqual(run(s, [10, -2]).out, [2.5, -0.5]);
    assert.deepEqual(run(s, [10, -2]).out, [5, -1]);
    const third = run(s, [6, -2]);
    assert.deepEqual(third.out, [6, -1.5]);
    assert.equal(third.verdict.state, 'rate_limited');
    assert.deepEqual(run(s, [-10, 2]).out, [3.5, -1]);
  });

  test('non-finite input becomes zero torque with an error naming the joint; never published', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const s = new SafetyLayer(base);
      run(s, [3, 1]);
      const { verdict, out } = run(s, [1, bad]);
      assert.deepEqual(out, [0, 0]);
      assert.equal(verdict.state, 'non_finite');
      assert.equal(verdict.publish, true);
      assert.match(verdict.error ?? '', /non-finite action\[1\]/);
      assert.deepEqual(s.lastCommand, new Float64Array([0, 0]));
    }
  });

  test('limits that could make the output non-finite are refused up front', () => {
    assert.throws(() => new SafetyLayer({ ...base, torqueLimits: [1, NaN] }), /torqueLimits\[1\]/);
    assert.throws(() => new SafetyLayer({ ...base, torqueLimits: [1, 0] }), /torqueLimits\[1\]/);
  });

  test('watchdog: stale or missing states give zero torque; trips counted once per episode', () => {
    const s = new SafetyLayer(base);
    // No state yet: zero torque, 'waiting', not a trip (nothing went stale; issue 20).
    const waiting = run(s, [5, 1], null);
    assert.equal(waiting.verdict.state, 'waiting');
    assert.deepEqual(waiting.out, [0, 0]);
    assert.equal(s.watchdogTripped, false);
    assert.equal(s.watchdogTrips, 0);
    assert.deepEqual(run(s, [5, 1], 50n * MS).out, [5, 1]); // exactly the period: still fresh
    const stale = run(s, [5, 1], 50n * MS + 1n);
    assert.deepEqual(stale.out, [0, 0]);
    assert.equal(stale.verdict.state, 'watchdog');
    run(s, [5, 1], 80n * MS);
    assert.equal(s.watchdogTrips, 1);
    assert.equal(s.watchdogTripped, true);
    assert.deepEqual(run(s, [5, 1], fresh).out, [5, 1]);
    assert.equal(s.watchdogTripped, false);
    run(s, [5, 1], 51n * MS);
    assert.equal(s.watchdogTrips, 2);
  });

  test('after a stop, torque rises again from zero under the rate limit', () => {
    const s = new SafetyLayer({ ...base, maxTorqueStepFraction: 0.5 });
    assert.deepEqual(run(s, [10, 2]).out, [5, 1]);
    assert.deepEqual(run(s, [10, 2]).out, [10, 2]);
    assert.deepEqual(run(s, [10, 2], 60n * MS).out, [0, 0]); // the stop bypasses the rate limit
    assert.deepEqual(run(s, [10, 2]).out, [5, 1]);
  });

  test('e-stop latches zero torque until reset', () => {
    const s = new SafetyLayer(base);
    s.triggerEstop();
    for (let k = 0; k < 3; k++) {
      const { verdict, out } = run(s, [5, 1]);
      assert.deepEqual(out, [0, 0]);
      assert.equal(verdict.state, 'estop');
    }
    assert.equal(s.resetEstop(), true);
    assert.equal(s.resetEstop(), false);
    assert.deepEqual(run(s, [5, 1]).out, [5, 1]);
  });

  test('real mode publishes nothing until armed, then ramps the scale up from zero', () => {
    const s = new SafetyLayer({ ...base, mode: 'real', armRampTicks: 4, torqueScale: 0.8 });
    const before = run(s, [10, 2]);
    assert.equal(before.verdict.publish, false);
    assert.equal(before.verdict.state, 'unarmed');
    s.triggerEstop();
    assert.equal(
      run(s, [10, 2]).verdict.publish,
      false,
      'even the e-stop publishes nothing unarmed',
    );
    s.resetEstop();
    s.setArmed(true);
    assert.equal(s.rampFraction, 0);
    // scale_k = 0.8 · min(1, k/4) for k = 0, 1, 2, 3, 4, 5 → 0, 0.2, 0.4, 0.6, 0.8, 0.8
    const fractions: number[] = [];
    const outs = [0, 1, 2, 3, 4, 5].map(() => {
      const o = run(s, [10, 2]);
      fractions.push(s.rampFraction);
      return o;
    });
    // The ramp advances once per tick that acts: k/4 after tick k, capped at 1.
    assert.deepEqual(fractions, [0.25, 0.5, 0.75, 1, 1, 1]);
    const expected = [0, 2, 4, 6, 8, 8];
    outs.forEach((o, k) => assert.ok(Math.abs((o.out[0] ?? NaN) - (expected[k] ?? 0)) < 1e-12));
    assert.deepEqual(
      outs.map((o) => o.verdict.state),
      ['ramping', 'ramping', 'ramping', 'ramping', 'ok', 'ok'],
    );
    s.setArmed(false);
    assert.equal(run(s, [10, 2]).verdict.publish, false);
    s.setArmed(true);
    assert.equal(run(s, [10, 2]).out[0], 0, 're-arming restarts the ramp');
  });

  test('torque scale applies before the clamp', () => {
    const s = new SafetyLayer({ ...base, torqueScale: 0.5 });
    assert.deepEqual(run(s, [30, 1]).out, [10, 0.5]);
    s.setTorqueScale(0.1);
    assert.deepEqual(run(s, [30, 1]).out, [3, 0.1]);
    assert.throws(() => s.setTorqueScale(1.5), /torqueScale must be in \[0, 1\], got 1.5/);
  });

  test('wrong sizes are refused', () => {
    const s = new SafetyLayer(base);
    assert.throws(() => s.filter([1, 2, 3], fresh, new Float64Array(2)), /expected 2 entries/);
  });
});
