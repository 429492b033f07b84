/**
 * Training with `control:` (a 500 Hz hold, an action filter and a torque rate limit): the settings
 * reach the checkpoint (what the node reads back), and a run stopped after two iterations and
 * resumed ends bit for bit where the uninterrupted run ends (the shaper's state is part of each
 * environment's snapshot).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { controlFromHyperparameters } from '../../src/config/index.js';
import { loadCheckpoint } from '../../src/policy/checkpoint.js';
import { tinyArm7Config, wholeAndResumed } from '../fixtures/tinyArm7Resume.js';

const CONTROL = { controllerRateHz: 500, actionFilterHz: 5, torqueRateLimit: 300 };

describe('training with control:', () => {
  test('the checkpoint carries the settings; resume is bit for bit', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tp-control-run-'));
    const { full, whole, resumed } = await wholeAndResumed(
      () => tinyArm7Config(5, { control: CONTROL }),
      root,
      2,
    );
    const ck = loadCheckpoint(full, { task: 'arm7-reach' }, 'latest');
    assert.deepEqual(controlFromHyperparameters(ck.manifest.hyperparameters, ck.dir), CONTROL);
    assert.equal(whole.steps, 512);
    assert.deepEqual(resumed, whole);
    // The environments' snapshots hold the shaper's state (one entry per joint).
    const envs = (whole.trainer as { envStates?: { task: Record<string, number[]> }[] }).envStates;
    assert.equal(envs?.length, 2);
    for (const e of envs ?? []) assert.equal(e.task['shaper']?.length, 7);
  });
});
