/**
 * The trainer node (src/ros/nodes/trainerNode.ts) on the in-process transport:
 * - with a toy robot and a fake checkpoint loader: metrics per iteration, each new checkpoint path
 *   once (latched), /joint_states at the task's dt with zero torque before the first checkpoint
 *   and the checkpoint's mean action after it (checked against the linear policy's closed form);
 * - with the real runner (`train`, reacher-2dof, 2 iterations): one metrics message per iteration
 *   carrying metrics.jsonl's line, and the run's latest checkpoint published by path.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { writePointer } from '../../../src/policy/checkpointPointers.js';
import { InProcessTransport } from '../../../src/ros/transport/inProcessTransport.js';
import type { JointStateMessage } from '../../../src/ros/transport/messages.js';
import { TRAINER_TOPICS } from '../../../src/ros/nodes/parameters.js';
import { TrainerNode } from '../../../src/ros/nodes/trainerNode.js';
import { createProgress } from '../../../src/train/progress.js';
import type { ProgressUpdate } from '../../../src/train/progress.js';
import { createRunDir, runPaths } from '../../../src/train/runDir.js';
import { train } from '../../../src/train/runner.js';
import { createLogger } from '../../../src/util/log.js';
import { LinearPolicy, ToyRobot, fakeWorld } from '../fakes.js';
import { tinyReacherConfig } from '../../fixtures/tinyTrainConfig.js';

const MS = 1_000_000n;

function update(iteration: number): ProgressUpdate {
  return {
    iteration,
    steps: iteration * 100,
    totalSteps: 1000,
    meanReturn: -iteration,
    stepsPerSec: 50,
    elapsed: iteration,
    startSteps: 0,
  };
}

function listen(transport: InProcessTransport) {
  const metrics: Record<string, unknown>[] = [];
  const checkpoints: string[] = [];
  const states: JointStateMessage[] = [];
  transport.subscribe('std_msgs/msg/String', TRAINER_TOPICS.metrics, 'reliable', (m) =>
    metrics.push(JSON.parse(m.data) as Record<string, unknown>),
  );
  transport.subscribe('std_msgs/msg/String', TRAINER_TOPICS.checkpoint, 'latched', (m) =>
    checkpoints.push(m.data),
  );
  transport.subscribe('sensor_msgs/msg/JointState', '/joint_states', 'sensor', (m) =>
    states.push(m),
  );
  return { metrics, checkpoints, states };
}

describe('TrainerNode', () => {
  test('metrics per iteration, each new checkpoint once, /joint_states driven by it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-trainer-node-'));
    try {
      const runDir = join(dir, 'run');
      const checkpoints = runPaths(runDir).checkpoints;
      mkdirSync(checkpoints, { recursive: true });
      const transport = new InProcessTransport({ clock: 'manual' });
      const robot = new ToyRobot(0.01, 1000);
      const world = fakeWorld(() => {
        const policy = new LinearPolicy();
        policy.bias = [1, -2, 0.5];
        return { policy };
      });
      const loaded: string[] = [];
      const trainer = new TrainerNode(transport.createNode('torquepilot_trainer'), {
        runDir,
        task: 'fake',
        totalSteps: 1000,
        showcase: {
          robot,
          loader: (request) => {
            loaded.push(request.checkpoint);
            return world.loader(request);
          },
          seed: 5,
        },
      });
      const got = listen(transport);
      const progress = trainer.progressReporter(createProgress('none'));
      trainer.start();
      assert.deepEqual(robot.resets, [5], 'the first episode starts with the seed');
      assert.equal(got.states.length, 1, 'the reset state is published at once');

      // Before any checkpoint: zero torque, one state per dt (10 ms).
      transport.advanceBy(30n * MS);
      assert.deepEqual(robot.actions, [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ]);
      assert.equal(got.states.length, 4);

      // Iteration 1 without a checkpoint yet: metrics only (from the progress update).
      progress.update(update(1));
      assert.equal(got.metrics.length, 1);
      assert.equal(got.metrics[0]?.['iteration'], 1);
      assert.equal(got.metrics[0]?.['episodeReturnMean'], -1);
      assert.equal(got.metrics[0]?.['task'], 'fake');
      assert.deepEqual(got.checkpoints, []);

      // Iteration 2 wrote iter-000002: published once, loaded, a fresh episode.
      writePointer(checkpoints, 'latest', { checkpoint: 'iter-000002', iteration: 2, steps: 200 });
      progress.update(update(2));
      progress.update(update(3));
      const path2 = resolve(checkpoints, 'iter-000002');
      assert.deepEqual(got.checkpoints, [path2]);
      assert.deepEqual(loaded, [path2]);
      assert.deepEqual(robot.resets, [5, 5], 'episode index unchanged: seed + 0 again');
      assert.equal(got.metrics.length, 3);

      // At rest after the reset (q = q̇ = 0) the mean action is the bias: a = gain·(q + q̇) + b.
      robot.actions.length = 0;
      transport.advanceBy(10n * MS);
      assert.deepEqual(robot.actions, [[1, -2, 0.5]]);
      // Next step: q̇ = dt·(a − 2·0) = 0.01·a, q = dt·q̇ = 1e-4·a → a = (q + q̇) + b.
      transport.advanceBy(10n * MS);
      const second = robot.actions[1] ?? [];
      [1, -2, 0.5].forEach((b, j) => {
        assert.ok(Math.abs((second[j] ?? NaN) - (b + 0.0101 * b)) < 1e-12, `joint ${j}`);
      });

      // A new checkpoint replaces the old one (closing it); done() publishes the last one.
      writePointer(checkpoints, 'latest', { checkpoint: 'iter-000004', iteration: 4, steps: 400 });
      progress.done();
      assert.deepEqual(got.checkpoints, [path2, resolve(checkpoints, 'iter-000004')]);
      assert.equal(world.closed, 1);
      trainer.stop();
      assert.equal(world.closed, 2);
      const stats = trainer.stats();
      assert.equal(stats.metricsPublished, 3);
      assert.equal(stats.showcaseSteps, 5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with the real runner: metrics.jsonl lines and the latest checkpoint on the topics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-trainer-run-'));
    try {
      const runDir = join(dir, 'run');
      const config = tinyReacherConfig();
      createRunDir(runDir, config);
      const transport = new InProcessTransport({ clock: 'steady' });
      const trainer = new TrainerNode(transport.createNode('torquepilot_trainer'), {
        runDir,
        task: config.task,
        totalSteps: config.totalSteps,
      });
      const got = listen(transport);
      const result = await train({
        config,
        runDir,
        resume: false,
        logger: createLogger({ level: 'warn', console: 'none' }),
        progress: trainer.progressReporter(createProgress('none')),
      });
      // The in-process transport delivers on the next event-loop turns.
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(result.iterations, 2);
      assert.deepEqual(
        got.metrics.map((m) => [m['iteration'], m['steps'], m['task']]),
        [
          [1, 256, 'reacher-2dof'],
          [2, 512, 'reacher-2dof'],
        ],
      );
      // The metrics.jsonl line itself: fields only the runner's line has.
      assert.equal(typeof got.metrics[1]?.['kl'], 'number');
      assert.equal(got.metrics[1]?.['runDir'], resolve(runDir));
      const last = got.checkpoints[got.checkpoints.length - 1];
      assert.equal(last, resolve(runPaths(runDir).checkpoints, 'iter-000002'));
      assert.equal(new Set(got.checkpoints).size, got.checkpoints.length, 'each path once');
      trainer.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
