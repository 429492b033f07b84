/**
 * `--task` and `--robot` on commands that run a checkpoint (eval, deploy, node, replay): the
 * checkpoint fixes both, so the flags may only name its own, and a different one is refused before
 * any work, naming what the checkpoint was trained on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { confirmCheckpointFlags } from '../../src/train/checkpointTask.js';
import { writeArm3Robot } from '../fixtures/arm3Robot.js';
import { tinyArmConfig, trainTinyRun } from '../fixtures/tinyTrainConfig.js';
import { runCliSync } from '../replay/helpers.js';

let run = '';
before(async () => {
  run = await trainTinyRun({ ...tinyArmConfig(3), totalSteps: 128 }, 'tp-ckpt-flags-');
});

describe("--task and --robot may only name the checkpoint's own", () => {
  test("the checkpoint's own task and robot pass", async () => {
    await confirmCheckpointFlags(run, { task: 'arm7-reach', robot: 'arm7' }, 'eval');
  });
  test('another task is refused, naming both', async () => {
    await assert.rejects(
      confirmCheckpointFlags(run, { task: 'reacher-2dof' }, 'deploy'),
      /reacher-2dof[\s\S]*arm7-reach|arm7-reach[\s\S]*reacher-2dof/,
    );
  });
  test('another robot is refused, naming the difference', async () => {
    const other = writeArm3Robot(join(run, '..', 'arm3'));
    await assert.rejects(
      confirmCheckpointFlags(run, { robot: other }, 'replay'),
      /replay --robot[\s\S]*(joint|hash|model)/,
    );
  });
  test('the CLI wires them: eval and replay with another task exit 1 naming it', () => {
    for (const args of [
      ['eval', '--checkpoint', run, '--task', 'reacher-2dof', '--episodes', '1'],
      [
        'replay',
        '--bag',
        run,
        '--checkpoint',
        run,
        '--out',
        join(run, '..', 'x'),
        '--task',
        'reacher-2dof',
      ],
    ]) {
      const r = runCliSync(args);
      assert.equal(r.status, 1, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /reacher-2dof/, args[0]);
    }
  });
});
