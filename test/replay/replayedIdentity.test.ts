/**
 * A replayed checkpoint keeps the robot and task identity of the checkpoint it started from, in both
 * replay modes, so eval and the policy node still check the robot (before, replay wrote a manifest
 * without `robot` and `taskParams`, and a replayed policy of an imported arm no longer knew its arm).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rmSync } from 'node:fs';
import { loadCheckpoint, saveCheckpoint } from '../../src/policy/checkpoint.js';
import { GaussianPolicy, ValueNetwork } from '../../src/policy/index.js';
import { EpisodeRecorder } from '../../src/replay/episodeRecorder.js';
import { runReplay } from '../../src/replay/runReplay.js';
import { Random } from '../../src/util/random.js';
import { JOINTS, OBS_SIZE, syntheticSteps, tempDir } from './helpers.js';

const tmp = tempDir('torquepilot-replay-identity-');
const bag = join(tmp, 'bag');
const ck = join(tmp, 'ck');
const robot = {
  name: 'toy-arm',
  modelHash: 'a'.repeat(64),
  jointNames: [...JOINTS],
  torqueLimits: JOINTS.map((_, j) => 10 + j),
  gravity: 'robot' as const,
};
const taskParams = { kind: 'reach', horizon: 40, successRadius: 0.02 };

before(async () => {
  const rng = new Random(3);
  saveCheckpoint(ck, {
    task: 'toy-arm-reach',
    robot,
    taskParams,
    jointNames: JOINTS,
    backend: 'cpu',
    iteration: 0,
    steps: 0,
    policy: new GaussianPolicy({ obsSize: OBS_SIZE, actionSize: JOINTS.length }, rng.fork()),
    value: new ValueNetwork({ obsSize: OBS_SIZE }, rng.fork()),
    hyperparameters: {},
  });
  const rec = await EpisodeRecorder.create(bag, {
    task: 'toy-arm-reach',
    jointNames: JOINTS,
    checkpointId: 'toy-behaviour',
    obsSize: OBS_SIZE,
  });
  for (const s of syntheticSteps(4, 7, 1_000_000_000n, false)) await rec.writeStep(s);
  await rec.close();
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('a replayed checkpoint keeps its robot and task', () => {
  for (const criticOnly of [false, true]) {
    test(criticOnly ? 'replay --critic-only' : 'replay (policy update)', async () => {
      const out = join(tmp, criticOnly ? 'critic' : 'policy');
      await runReplay({ bags: [bag], checkpoint: ck, out, criticOnly, config: { iterations: 1 } });
      const m = loadCheckpoint(out).manifest;
      assert.equal(m.task, 'toy-arm-reach');
      assert.deepEqual(m.robot, robot);
      assert.deepEqual(m.taskParams, taskParams);
    });
  }
});
