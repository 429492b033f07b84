/**
 * A simulated recording carries its robot and task identity in metadata.yaml, so the bag source
 * (and a learner fed from it) can refuse another robot's episodes: the identity read back equals
 * the identity of experience collected on the same task in simulation.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { taskSpec } from '../../sim/index.js';
import { experienceIdentity } from '../../src/learn/index.js';
import { BagTransitionSource } from '../../src/replay/bagTransitionSource.js';
import { recordSimulatedEpisodes } from '../../src/replay/recordSimulation.js';
import { saveFreshCheckpoint, tempDir } from './helpers.js';

const tmp = tempDir('torquepilot-bag-identity-');

test('record writes the robot name, model hash and task parameters that the bag source reads', async () => {
  const spec = await taskSpec('reacher-2dof');
  const ckpt = join(tmp, 'ck');
  saveFreshCheckpoint(ckpt, {
    task: 'reacher-2dof',
    jointNames: spec.jointNames,
    obsSize: spec.obsSize,
    seed: 3,
    policyOptions: { actionSize: spec.actionSize },
  });
  const bag = join(tmp, 'bag');
  await recordSimulatedEpisodes(ckpt, bag, { episodes: 1, seed: 1, startTimeNs: 0n });
  const source = new BagTransitionSource({ bags: [bag] });
  try {
    const delivery = await source.next();
    assert.ok(delivery !== null);
    const expected = experienceIdentity(spec);
    assert.notEqual(expected.modelHash, '');
    assert.notEqual(expected.taskParams, '');
    assert.deepEqual(delivery.identity, expected);
  } finally {
    await source.close();
  }
});
