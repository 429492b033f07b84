/**
 * The stand-in arm: the sim robot node on a MuJoCo arm shifted by a perturbation file (the very
 * environment `eval --perturb` steps), driven in process on the manual clock, so that every run
 * is exact. Each check compares two runs of the same command sequence:
 * - mass ×1.3 moves the arm differently; an identity file changes nothing (bit-exact);
 * - latency k: the states equal those of the nominal arm given the sequence k periods later;
 * - noise: published minus noise-free states have the configured std (tolerance from n);
 * - ~/reset: the reset pose of episode seed + 1, and an emptied delay line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readPerturbationFile } from '../../../src/config/index.js';
import type { RandomizeSpec } from '../../../src/config/index.js';
import { SEED, commands, drive, maxAbsDiff } from './standInDrive.js';
import type { Run } from './standInDrive.js';

const dir = mkdtempSync(join(tmpdir(), 'tp-standin-'));

function perturbationFile(name: string, text: string): RandomizeSpec {
  const path = join(dir, name);
  writeFileSync(path, text);
  return readPerturbationFile(path);
}

describe('stand-in arm: sim robot node with a perturbation file', () => {
  const sequence = commands(40);
  let nominal: Run;

  test('mass ×1.3 changes the motion under the same commands; the identity file does not', async () => {
    nominal = await drive(undefined, sequence);
    assert.equal(nominal.position.length, 41);
    const heavy = await drive(perturbationFile('heavy.yaml', 'mass: 1.3\n'), sequence);
    const identity = await drive(
      perturbationFile('identity.yaml', 'mass: 1\ndamping: 1\nstrength: 1\nlatency: 0\n'),
      sequence,
    );
    assert.deepEqual(heavy.position[0], nominal.position[0], 'same seed, same start pose');
    // 40 steps (0.8 s) of the same torques on links 30 % heavier: a visibly different pose.
    const d = maxAbsDiff(heavy.position, nominal.position);
    assert.ok(d > 1e-2, `mass ×1.3 moved the arm like the nominal one (max |Δq| = ${d} rad)`);
    assert.deepEqual(identity.position, nominal.position);
    assert.deepEqual(identity.velocity, nominal.velocity);
  });

  test('latency 2: the effect of each command comes exactly 2 periods later', async () => {
    nominal ??= await drive(undefined, sequence);
    const late = await drive(perturbationFile('late.yaml', 'latency: 2\n'), sequence);
    const zero = new Array<number>(7).fill(0);
    const shifted = await drive(undefined, [zero, zero, ...sequence.slice(0, -2)]);
    assert.deepEqual(late.position, shifted.position);
    assert.deepEqual(late.velocity, shifted.velocity);
    assert.ok(maxAbsDiff(late.position, nominal.position) > 1e-3, 'the latency had an effect');
  });

  test('noise on the published joint states has the configured std, from the seed', async () => {
    const spec = perturbationFile('noisy.yaml', 'noise: { qpos: 0.01, qvel: 0.1 }\n');
    const long = commands(300);
    const clean = await drive(undefined, long);
    const noisy = await drive(spec, long);
    const again = await drive(spec, long);
    const other = await drive(spec, long, { seed: SEED + 100 });
    assert.deepEqual(again.position, noisy.position, 'the seed fixes the noise');
    assert.notDeepEqual(other.position.slice(1), noisy.position.slice(1));
    for (const [what, sigma, a, b] of [
      ['q', 0.01, noisy.position, clean.position],
      ['q̇', 0.1, noisy.velocity, clean.velocity],
    ] as const) {
      // The noise never feeds back into the physics: published − noise-free = the noise itself.
      const e = a.flatMap((row, i) => row.map((x, j) => x - (b[i]?.[j] as number)));
      const n = e.length; // 301 states × 7 joints
      const mean = e.reduce((s, x) => s + x, 0) / n;
      const std = Math.sqrt(e.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
      // 4 standard errors: SE(mean) = σ/√n, SE(std) ≈ σ/√(2(n−1)) for Gaussian draws.
      assert.ok(Math.abs(mean) < (4 * sigma) / Math.sqrt(n), `${what}: mean ${mean}`);
      assert.ok(
        Math.abs(std - sigma) < (4 * sigma) / Math.sqrt(2 * (n - 1)),
        `${what}: std ${std}, expected ${sigma} (n = ${n})`,
      );
    }
  });

  test('~/reset: the start pose of episode seed + 1, and an emptied delay line', async () => {
    const spec = perturbationFile('reset.yaml', 'mass: 1.3\nlatency: 2\n');
    const next = commands(10).map((c) => c.map((x) => -x));
    const reset = await drive(spec, sequence, { thenReset: next });
    const fresh = await drive(spec, next, { seed: SEED + 1 });
    assert.deepEqual(reset.reset, { success: true, message: 'episode 1 started' });
    // After the reset: exactly a fresh episode with seed + 1 (pose, then the same motion: the two
    // commands still in the delay line were dropped, zeros applied instead).
    assert.deepEqual(reset.position.slice(41), fresh.position);
    assert.deepEqual(reset.velocity.slice(41), fresh.velocity);
    assert.notDeepEqual(reset.position[41], reset.position[40], 'the arm moved back');
  });
});
