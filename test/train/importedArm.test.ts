/**
 * An arm imported from URDF trains with no TypeScript (issue 15, "A short training run ... on an
 * imported arm"): the UR-type 6-joint URDF of the robot room's tests, imported by importRobot, trains
 * `reach` through the CLI (`--robot <dir> --task reach`, a few iterations, 2 environments); the
 * checkpoint's manifest names that robot (name, joints, limits, model hash) and the task; `eval`
 * finds the robot folder from the checkpoint without `--robot`; the folder changed after training
 * is refused, naming the model hash.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCheckpoint } from '../../src/policy/index.js';
import { importRobot } from '../../src/robot/index.js';
import { tempDir, UR_EFFORT, UR_JOINTS, urUrdf } from '../robot/fixtures.js';
import { runCli } from './cliHarness.js';

describe('reach on an imported UR-type arm, through the CLI', () => {
  test('train writes a checkpoint naming the robot; eval runs it back without --robot', async () => {
    const root = tempDir('imported-train');
    const urdf = join(root, 'ur.urdf');
    writeFileSync(urdf, urUrdf());
    const robotDir = join(root, 'ur');
    await importRobot({ input: { kind: 'file', path: urdf }, outDir: robotDir, noCollision: true });
    const config = join(root, 'tiny.yaml');
    writeFileSync(
      config,
      [
        'policy: { hiddenSizes: [16] }',
        'value: { hiddenSizes: [16] }',
        'trpo: { nSteps: 50 }',
        'eval: { every: 0, final: true, episodes: 1 }',
        '',
      ].join('\n'),
    );
    const out = join(root, 'run');
    const run = await runCli([
      'train',
      '--robot',
      robotDir,
      '--task',
      'reach',
      '--config',
      config,
      '--steps',
      '300',
      '--envs',
      '2',
      '--out',
      out,
      '--progress',
      'json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    // 300 steps of 2 × 50 per iteration: three iterations.
    assert.equal(run.lines.filter((l) => l['type'] === 'progress').length, 3, run.stdout);
    const manifest = loadCheckpoint(out).manifest;
    assert.equal(manifest.task, 'ur_test-reach');
    assert.equal(manifest.obsSize, 2 * 6 + 6);
    assert.equal(manifest.actionSize, 6);
    assert.deepEqual(manifest.jointNames, UR_JOINTS);
    assert.equal(manifest.robot?.name, 'ur_test');
    assert.deepEqual(manifest.robot?.jointNames, UR_JOINTS);
    assert.deepEqual(manifest.robot?.torqueLimits, UR_EFFORT);
    assert.equal(manifest.robot?.gravity, 'policy');
    assert.match(manifest.robot?.modelHash ?? '', /^[0-9a-f]{64}$/);
    assert.equal(manifest.taskParams?.['kind'], 'reach');
    assert.deepEqual(manifest.actionHigh, UR_EFFORT);

    // The trained-on folder is found from the checkpoint (the run config's robot path).
    const evaluated = await runCli(['eval', '--checkpoint', out, '--episodes', '1', '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const r = JSON.parse(evaluated.stdout.trim()) as { meanLength: number; task: string };
    assert.equal(r.task, 'ur_test-reach');
    assert.equal(r.meanLength, 150);

    // The folder edited after training (a heavier forearm): refused, naming the model hash.
    const model = join(robotDir, 'model.xml');
    writeFileSync(model, readFileSync(model, 'utf8').replace('mass="2.846"', 'mass="3.5"'));
    const refused = await runCli(['eval', '--checkpoint', out, '--episodes', '1', '--json']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /trained on robot 'ur_test'.*compiled model hash/);
  });
});
