/**
 * Gravity handling of an imported arm. `gravity: robot` puts gravcomp="1" on every body, so MuJoCo
 * applies qfrc_gravcomp = -(gravity term of the bias force) and zero motor torque holds any pose, as
 * a torque interface with built-in gravity compensation does (Franka's). `gravity: policy` leaves
 * gravity to the policy, so with zero torque the stretched-out UR-type arm falls.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadModel, loadMujoco } from '../../sim/index.js';
import { importRobot } from '../../src/robot/index.js';
import { tempDir, urUrdf } from './fixtures.js';

/** Largest |q − home| after `seconds` of simulation with zero motor torque. */
async function driftUnderZeroTorque(gravity: 'policy' | 'robot', seconds: number): Promise<number> {
  const root = tempDir(`gravity-${gravity}`);
  const urdf = join(root, 'ur.urdf');
  writeFileSync(urdf, urUrdf());
  const home = [0, -0.3, 0.6, -0.2, 0.4, 0];
  const out = join(root, 'out');
  await importRobot({
    input: { kind: 'file', path: urdf },
    outDir: out,
    gravity,
    home,
    noCollision: true,
  });
  const gravcomps =
    readFileSync(join(out, 'model.xml'), 'utf8').match(/gravcomp="1"/g)?.length ?? 0;
  // Every body (base_link, base, six links, flange, tool0) or none.
  assert.equal(gravcomps, gravity === 'robot' ? 10 : 0);
  const mj = await loadMujoco();
  const model = loadModel(mj, join(out, 'model.xml'));
  const data = new mj.MjData(model);
  try {
    const qpos = data.qpos as Float64Array;
    qpos.set(home);
    (data.ctrl as Float64Array).fill(0);
    const steps = Math.round(seconds / model.opt.timestep);
    for (let i = 0; i < steps; i++) mj.mj_step(model, data);
    return Math.max(...home.map((q, i) => Math.abs((qpos[i] ?? NaN) - q)));
  } finally {
    data.delete();
    model.delete();
  }
}

describe('robot import: gravity handling', () => {
  it('gravity: robot: zero torque holds the home pose for 1 s (drift < 1e-3 rad)', async () => {
    const drift = await driftUnderZeroTorque('robot', 1);
    assert.ok(drift < 1e-3, `drift ${drift} rad`);
  });

  it('gravity: policy: with zero torque the arm falls (> 0.3 rad in 1 s)', async () => {
    const drift = await driftUnderZeroTorque('policy', 1);
    assert.ok(drift > 0.3, `drift ${drift} rad`);
  });
});
