/**
 * `train` takes every rollout through the learning seam: a spy wrapped around the runner's
 * simulation source (TrainOptions.wrapSource) sees one delivery per iteration, whose segments
 * cover exactly the iteration's steps with the policy version of that iteration; and a source that
 * stops delivering stops training (the runner has no other way to the environments).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OnPolicyDelivery, OnPolicySource } from '../../src/learn/index.js';
import { createProgress } from '../../src/train/progress.js';
import { createRunDir } from '../../src/train/runDir.js';
import { train } from '../../src/train/runner.js';
import type { TrainOptions } from '../../src/train/runner.js';
import { createLogger } from '../../src/util/log.js';
import { tinyArmConfig } from '../fixtures/tinyTrainConfig.js';

const tmp = mkdtempSync(join(tmpdir(), 'tp-runner-source-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function options(name: string, wrapSource: TrainOptions['wrapSource']): TrainOptions {
  const config = tinyArmConfig(4, { totalSteps: 256 }); // 2 envs × 64 steps × 2 iterations
  const runDir = join(tmp, name);
  createRunDir(runDir, config);
  return {
    config,
    runDir,
    resume: false,
    logger: createLogger({ level: 'warn', console: 'none' }),
    progress: createProgress('none'),
    wrapSource,
  };
}

test('every iteration trains on one delivery of the simulation source', async () => {
  const seen: OnPolicyDelivery[] = [];
  let closed = 0;
  const result = await train(
    options('spy', (inner) => ({
      kind: inner.kind,
      next: async () => {
        const d = await inner.next();
        if (d) seen.push(d);
        return d;
      },
      close: async () => {
        closed += 1;
        await inner.close();
      },
    })),
  );
  assert.equal(result.iterations, 2);
  assert.equal(seen.length, 2);
  assert.equal(closed, 1);
  seen.forEach((d, k) => {
    assert.equal(d.sequence, k);
    assert.equal(d.origin, 'local');
    assert.equal(d.identity.task, 'arm7-reach');
    assert.equal(d.identity.robotName, 'arm7');
    assert.match(d.identity.modelHash, /^[0-9a-f]{64}$/);
    assert.equal(d.segments.size, 128);
    assert.equal(d.segments.bounds[d.segments.bounds.length - 1], 128);
    assert.equal(d.onPolicy.rollout.steps, 128);
    // Collected before the k-th update: the parameters of version k.
    assert.ok(d.segments.policyVersions.every((v) => v === k));
  });
  assert.equal(result.steps, 256);
});

test('a source that stops delivering stops train (no other way to the environments)', async () => {
  const closing = (inner: OnPolicySource): OnPolicySource => ({
    kind: inner.kind,
    next: async () => null,
    close: () => inner.close(),
  });
  await assert.rejects(
    train(options('closed', closing)),
    /OnPolicyRunner.learn: the simulation source was closed/,
  );
});
