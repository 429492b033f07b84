/**
 * Perturbation files and `torquepilot eval --perturb`: the file changes exactly the model fields it
 * names (read back from MuJoCo), and evaluating one checkpoint with and without it differs, while
 * the same perturbation twice gives identical results.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEnv } from '../../sim/index.js';
import { readPerturbationFile } from '../../src/config/index.js';
import { runCli } from './cliHarness.js';
import { tinyArmConfig, trainTinyRun } from '../fixtures/tinyTrainConfig.js';

const arr = (x: unknown): number[] => Array.from(x as Float64Array);

function perturbationFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tp-perturb-')), 'arm.yaml');
  writeFileSync(path, text);
  return path;
}

describe('perturbation files', () => {
  test('mass ×1.25, damping ×2, strength ×0.9 and a payload: read back from MuJoCo', async () => {
    const spec = readPerturbationFile(
      perturbationFile('mass: 1.25\ndamping: 2\nstrength: 0.9\npayload: { mass: 0.2 }\n'),
    );
    const nominal = await makeEnv('arm7-reach');
    const shifted = await makeEnv('arm7-reach', { randomize: spec });
    try {
      nominal.reset(0);
      shifted.reset(0);
      const [n, s] = [nominal.model, shifted.model];
      const mass = arr(s.body_mass);
      arr(n.body_mass).forEach((m, b) => {
        // The flange link (body 8) also carries the 0.2 kg payload.
        const expected = b === 0 ? 0 : 1.25 * m + (b === 8 ? 0.2 : 0);
        assert.ok(Math.abs((mass[b] as number) - expected) < 1e-12, `body ${b}: ${mass[b]}`);
      });
      assert.deepEqual(
        arr(s.dof_damping),
        arr(n.dof_damping).map((d) => 2 * d),
      );
      assert.deepEqual(
        arr(s.actuator_gear).filter((_, i) => i % 6 === 0),
        arr(n.actuator_gear)
          .filter((_, i) => i % 6 === 0)
          .map((g) => 0.9 * g),
      );
      // Untouched terms stay nominal.
      assert.deepEqual(arr(s.dof_armature), arr(n.dof_armature));
      assert.deepEqual(arr(s.dof_frictionloss), arr(n.dof_frictionloss));
    } finally {
      nominal.close();
      shifted.close();
    }
  });
});

describe('eval --perturb', () => {
  test('differs from the nominal evaluation; the same perturbation twice is identical', async () => {
    const run = await trainTinyRun(tinyArmConfig(3), 'tp-perturb-run-');
    const file = perturbationFile('mass: 1.3\nlatency: 2\nnoise: { qpos: 0.01, qvel: 0.1 }\n');
    const base = ['eval', '--checkpoint', run, '--episodes', '2', '--deterministic', '--json'];
    const nominal = await runCli(base);
    const first = await runCli([...base, '--perturb', file]);
    const second = await runCli([...base, '--perturb', file]);
    for (const r of [nominal, first, second]) assert.equal(r.code, 0, r.stderr);
    const [n, a, b] = [nominal, first, second].map(
      (r) => JSON.parse(r.stdout.trim()) as { returns: number[]; perturb?: { file: string } },
    );
    assert.equal(n?.perturb, undefined);
    assert.equal(a?.perturb?.file, file);
    assert.notDeepEqual(a?.returns, n?.returns);
    assert.deepEqual(a?.returns, b?.returns);
    const text = await runCli(['eval', '--checkpoint', run, '--episodes', '1', '--perturb', file]);
    assert.match(
      text.stdout,
      new RegExp(`arm\\s+perturbed by ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
  });

  test('a bad perturbation file is refused, naming the file, the key and the value', async () => {
    const file = perturbationFile('mass: 1.2\nlatncy: 2\n');
    const r = await runCli(['eval', '--checkpoint', '/nonexistent', '--perturb', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /arm\.yaml: unknown key 'latncy' = 2; expected one of: .*latency/);
  });
});
