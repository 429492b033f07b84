/**
 * The payload term's inertia arithmetic (sim/payload.ts) against ground truth: explicit matrices,
 * and MuJoCo's own compiler, which combines a sphere geom added to the flange link into the same
 * body_mass / body_ipos / body_inertia. Also gravity-compensation error on a model that declares
 * gravcomp (the built-in arm declares none).
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEnv, modelsDir } from '../../sim/index.js';
import type { MjModel } from '../../sim/index.js';
import { inertiaTensor, matToQuat, quatToMat, symmetricEigen3 } from '../../sim/payload.js';

const close = (a: readonly number[], b: readonly number[], tol: number, what: string): void => {
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) =>
    assert.ok(Math.abs(x - (b[i] as number)) < tol, `${what}[${i}]: ${x} vs ${b[i]}`),
  );
};

describe('inertia arithmetic', () => {
  test('symmetricEigen3 reconstructs an explicit matrix; its vectors are a proper rotation', () => {
    const A = [4, 1, -2, 1, 3, 0.5, -2, 0.5, 5];
    const { values, vectors: V } = symmetricEigen3(A);
    const back = inertiaTensor({ mass: 1, ipos: [0, 0, 0], iquat: matToQuat(V), inertia: values });
    close(back, A, 1e-12, 'V diag Vᵀ');
    // Trace and determinant are invariants: sum and product of the eigenvalues.
    assert.ok(Math.abs(values.reduce((a, b) => a + b) - 12) < 1e-12);
    const det = 4 * (15 - 0.25) - 1 * (5 + 1) + -2 * (0.5 + 6);
    assert.ok(Math.abs(values.reduce((a, b) => a * b) - det) < 1e-10);
  });

  test('quaternion ↔ matrix round trip', () => {
    const q = [0.5, -0.5, 0.5, 0.5];
    close(matToQuat(quatToMat(q)), q, 1e-15, 'q');
  });
});

/** A copy of models/robots/arm7 with `edit` applied to model.xml; returns the model path. */
function editedArm(edit: (xml: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tp-arm-'));
  cpSync(join(modelsDir(), 'robots', 'arm7'), dir, { recursive: true });
  const path = join(dir, 'model.xml');
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return path;
}

const arr = (x: unknown): number[] => Array.from(x as Float64Array);
const FLANGE = 8;

function bodyTensor(m: MjModel, b: number): number[] {
  return inertiaTensor({
    mass: 0,
    ipos: [],
    iquat: arr(m.body_iquat).slice(4 * b, 4 * b + 4),
    inertia: arr(m.body_inertia).slice(3 * b, 3 * b + 3),
  });
}

describe('payload term vs MuJoCo’s compiler', () => {
  for (const pos of ['0 0 -0.107', '0.03 -0.02 -0.107']) {
    test(`a 0.5 kg sphere (r 0.03 m) at ${pos} in the flange link`, async () => {
      const modelPath = editedArm((xml) =>
        xml
          .replace(
            '<site name="ee"',
            `<geom type="sphere" size="0.03" pos="${pos}" mass="0.5"/>\n<site name="ee"`,
          )
          .replace('<site name="ee" pos="0 0 -0.107"', `<site name="ee" pos="${pos}"`),
      );
      const sitePath = editedArm((xml) =>
        xml.replace('<site name="ee" pos="0 0 -0.107"', `<site name="ee" pos="${pos}"`),
      );
      const truth = await makeEnv('arm7-reach', { modelPath });
      const env = await makeEnv('arm7-reach', {
        modelPath: sitePath,
        randomize: { payload: { mass: [0.5, 0.5], radius: 0.03 } },
      });
      try {
        truth.reset(0);
        env.reset(0);
        const [t, m] = [truth.model, env.model];
        close(arr(m.body_mass), arr(t.body_mass), 1e-12, 'body_mass');
        close(
          arr(m.body_ipos).slice(3 * FLANGE),
          arr(t.body_ipos).slice(3 * FLANGE),
          1e-12,
          'ipos',
        );
        // MuJoCo's compiler diagonalises with its own tolerance (mju_eig3, ~1e-12 on the rotation):
        // off-axis its tensor is off by ~1e-10 kg·m² (3e-8 of the trace; ours is exact, e.g. an
        // off-diagonal of 0.5 kg × 0.03 × 0.02 m² ... to the last digit), so compare to 1e-9.
        close(bodyTensor(m, FLANGE), bodyTensor(t, FLANGE), 1e-9, 'inertia tensor');
        close(arr(m.body_subtreemass), arr(t.body_subtreemass), 1e-12, 'subtreemass');
        // Same dynamics: 20 steps under the same torques agree to round-off.
        for (let k = 0; k < 20; k++) {
          const a = Array.from({ length: 7 }, (_, i) => 5 * Math.cos(k + i));
          close(Array.from(env.step(a).obs), Array.from(truth.step(a).obs), 1e-7, `obs ${k}`);
        }
      } finally {
        truth.close();
        env.close();
      }
    });
  }
});

describe('gravity-compensation error', () => {
  test('scales body_gravcomp where the model declares it', async () => {
    const modelPath = editedArm((xml) =>
      xml.replace(/<body name="(link[1-7])"/g, '<body name="$1" gravcomp="1"'),
    );
    const env = await makeEnv('arm7-reach', {
      modelPath,
      randomize: { gravcomp: { range: [0.8, 0.9], operation: 'scale' } },
    });
    try {
      env.reset(2);
      const g = arr(env.model.body_gravcomp);
      assert.equal(g[1], 0, 'link0 declares none and stays at 0');
      for (let b = 2; b <= FLANGE; b++)
        assert.ok((g[b] as number) >= 0.8 && (g[b] as number) < 0.9, `body ${b}: ${g[b]}`);
      assert.equal(env.getState().task['randomization']?.length, 7);
    } finally {
      env.close();
    }
  });
});
