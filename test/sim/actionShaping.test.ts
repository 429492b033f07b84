/**
 * The action shaper against hand-worked values: the first-order filter's step response
 * y_k = 1 − (1 − α)^k, the rate limit's |Δτ| ≤ r·dt and its ceil(Δ / (r·dt)) steps to a target,
 * both together, reset, snapshots and the errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActionShaper, lowPassAlpha } from '../../sim/actionShaping.js';
import { Random } from '../../src/util/index.js';

const near = (actual: number, expected: number, what: string, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected}`);

describe('lowPassAlpha', () => {
  test('α = dt / (RC + dt), RC = 1 / (2π f_c)', () => {
    // f_c = 2 Hz, dt = 0.02 s: RC = 1 / (4π) = 0.0795774715…, α = 0.02 / 0.0995774715… = 0.2008486…
    near(lowPassAlpha(2, 0.02), 0.02 / (1 / (4 * Math.PI) + 0.02), 'α(2 Hz, 20 ms)', 1e-15);
    near(lowPassAlpha(2, 0.02), 0.2008486, 'α(2 Hz, 20 ms), 7 digits', 1e-7);
    // RC = dt (f_c = 1 / (2π dt)): α = 1/2.
    near(lowPassAlpha(1 / (2 * Math.PI * 0.01), 0.01), 0.5, 'α with RC = dt', 1e-15);
    // Higher cutoff → closer to 1 (less filtering); lower → closer to 0.
    assert.ok(lowPassAlpha(100, 0.02) > lowPassAlpha(10, 0.02));
    assert.ok(lowPassAlpha(0.1, 0.02) < 0.02);
  });
});

describe('ActionShaper: filter', () => {
  test('step response from zero is 1 − (1 − α)^k', () => {
    const dt = 0.02;
    const shaper = new ActionShaper({ dt, actionSize: 2, actionFilterHz: 3 });
    const alpha = lowPassAlpha(3, dt);
    assert.equal(shaper.alpha, alpha);
    const out = new Float64Array(2);
    for (let k = 1; k <= 60; k++) {
      shaper.apply([1, -2], out);
      near(out[0] as number, 1 - (1 - alpha) ** k, `y_${k}[0]`);
      near(out[1] as number, -2 * (1 - (1 - alpha) ** k), `y_${k}[1]`);
    }
  });

  test('α = 1/2 by hand: 0.5, 0.75, 0.875, then down again towards 0', () => {
    const dt = 0.01;
    const shaper = new ActionShaper({ dt, actionSize: 1, actionFilterHz: 1 / (2 * Math.PI * dt) });
    const out = new Float64Array(1);
    const ys = [1, 1, 1, 0].map((x) => shaper.apply([x], out)[0] as number);
    [0.5, 0.75, 0.875, 0.4375].forEach((e, k) => near(ys[k] as number, e, `y_${k + 1}`, 1e-15));
  });
});

describe('ActionShaper: torque rate limit', () => {
  test('|Δτ| ≤ r·dt on every step; a target Δ away is reached in ceil(Δ / (r·dt)) steps', () => {
    const dt = 0.02;
    const r = 10; // N·m/s → 0.2 N·m per step
    for (const target of [1, 0.95, -0.5, 0.2, 0.05]) {
      const shaper = new ActionShaper({ dt, actionSize: 1, torqueRateLimit: r });
      const out = new Float64Array(1);
      const needed = Math.ceil(Math.abs(target) / (r * dt) - 1e-9);
      let prev = 0;
      for (let k = 1; k <= needed + 2; k++) {
        const y = shaper.apply([target], out)[0] as number;
        assert.ok(Math.abs(y - prev) <= r * dt * (1 + 1e-12), `step ${k}: |Δ| = ${y - prev}`);
        if (k < needed) assert.notEqual(y, target, `target ${target} reached early, step ${k}`);
        if (k >= needed) near(y, target, `target ${target} at step ${k}`, 1e-12);
        prev = y;
      }
    }
  });

  test('per joint and through the gear: the torque gear·a moves by at most r_j·dt', () => {
    const dt = 0.01;
    const gear = [2, 1, 50];
    const rates = [40, 5, 100];
    const shaper = new ActionShaper({ dt, actionSize: 3, torqueRateLimit: rates, gear });
    // Δa_j = r_j·dt / gear_j = 0.2, 0.05, 0.02.
    assert.deepEqual(Array.from(shaper.maxStep), [0.2, 0.05, 0.02]);
    const rng = new Random(3);
    const out = new Float64Array(3);
    const prev = new Float64Array(3);
    for (let k = 0; k < 200; k++) {
      const action = [0, 1, 2].map(() => rng.uniformRange(-3, 3));
      shaper.apply(action, out);
      for (let j = 0; j < 3; j++) {
        const dTau = (gear[j] as number) * Math.abs((out[j] as number) - (prev[j] as number));
        assert.ok(dTau <= (rates[j] as number) * dt * (1 + 1e-12), `k ${k} joint ${j}: ${dTau}`);
      }
      prev.set(out);
    }
  });

  test('within the limit the action passes exactly (no rounding)', () => {
    const shaper = new ActionShaper({ dt: 0.02, actionSize: 1, torqueRateLimit: 1000 });
    const out = new Float64Array(1);
    for (const x of [0.1, 0.3, -0.7, 1 / 3]) assert.equal(shaper.apply([x], out)[0], x);
  });
});

describe('ActionShaper: both, reset, state', () => {
  test("the rate limit bounds the filter's increment", () => {
    const dt = 0.02;
    // α(5 Hz, 20 ms) = 0.02 / (1/(10π) + 0.02) = 0.3858…; limit 0.1 per step.
    const shaper = new ActionShaper({ dt, actionSize: 1, actionFilterHz: 5, torqueRateLimit: 5 });
    const alpha = lowPassAlpha(5, dt);
    const out = new Float64Array(1);
    let y = 0;
    for (const x of [1, 1, 1, 0.05, 0.05, -1]) {
      const expected = y + Math.max(-0.1, Math.min(0.1, alpha * (x - y)));
      y = shaper.apply([x], out)[0] as number;
      near(y, expected, `x ${x}`);
    }
    // x = 0.05 after y = 0.3: α·(0.05 − 0.3) = −0.0965 is within the limit, so the filter rules.
  });

  test('reset restarts from zero; getState/setState continue identically', () => {
    const opts = { dt: 0.02, actionSize: 2, actionFilterHz: 4, torqueRateLimit: [3, 6] };
    const a = new ActionShaper(opts);
    const b = new ActionShaper(opts);
    const out = new Float64Array(2);
    const outB = new Float64Array(2);
    for (let k = 0; k < 7; k++) a.apply([1, -1], out);
    b.setState(a.getState(), 'test');
    for (let k = 0; k < 5; k++) {
      a.apply([0.3 * k, 2], out);
      b.apply([0.3 * k, 2], outB);
      assert.deepEqual(Array.from(outB), Array.from(out));
    }
    a.reset();
    const fresh = new ActionShaper(opts);
    assert.deepEqual(
      Array.from(a.apply([1, 1], out)),
      Array.from(fresh.apply([1, 1], outB)),
      'after reset = a fresh shaper',
    );
    assert.throws(() => b.setState([1], 'where'), /where: task\.shaper has 1 entries, expected 2/);
  });

  test('create: undefined when off; errors name the key and value', () => {
    assert.equal(ActionShaper.create({ dt: 0.02, actionSize: 3 }), undefined);
    assert.ok(ActionShaper.create({ dt: 0.02, actionSize: 3, actionFilterHz: 10 }));
    assert.throws(
      () => new ActionShaper({ dt: 0.02, actionSize: 3, torqueRateLimit: [1, 2], where: 'env X' }),
      /env X: key 'control\.torqueRateLimit' = \[1,2\]: expected one number or 3 \(one per joint\), got 2/,
    );
    assert.throws(
      () => new ActionShaper({ dt: 0.02, actionSize: 1, torqueRateLimit: [-1] }),
      /key 'control\.torqueRateLimit\.0' = -1: expected a rate > 0/,
    );
    assert.throws(
      () => new ActionShaper({ dt: 0.02, actionSize: 1, actionFilterHz: 0 }),
      /key 'control\.actionFilterHz' = 0: expected a cutoff > 0 Hz/,
    );
    assert.throws(
      () => new ActionShaper({ dt: 0, actionSize: 1, actionFilterHz: 1 }),
      /control period dt = 0 s/,
    );
    const s = new ActionShaper({ dt: 0.02, actionSize: 2, actionFilterHz: 1 });
    assert.throws(() => s.apply([1], new Float64Array(2)), /expected 2 entries, got action 1/);
  });
});
