/**
 * The loop of issue 16 in process, on the manual clock: the policy node in explore mode drives a
 * stand-in arm (reacher-2dof with 25 % heavier links and 1.5× joint damping, not the model the
 * policy knows) through the sim robot node, recording episodes cut at the arm's resets (its
 * /torquepilot/episode Header); `replay` updates the policy from that bag alone; the deterministic
 * evaluation return ON THE STAND-IN ARM goes up. Self-replay of the explore-mode bag has ESS = n:
 * the recorded log-probs are the behaviour's real densities. Fixed seeds, small budget: 60
 * episodes (49 recorded steps each), 5 iterations.
 *
 * The DDS variant (both nodes on rclnodejs, every message through rmw, 3 seeds, the nominal arm) is
 * `bench/exploreReplay.ts`; it runs in wall time (about a minute per seed), too slow for CI, so here
 * both nodes share the in-process transport.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { perturbationToSpec } from '../../../src/config/index.js';
import { loadCheckpoint, policyFromCheckpoint } from '../../../src/policy/checkpoint.js';
import { BagEpisodeReader } from '../../../src/replay/bagEpisodeReader.js';
import { runReplay } from '../../../src/replay/runReplay.js';
import { bagRecorderFactory } from '../../../src/ros/nodes/episodeRecording.js';
import { PolicyNode } from '../../../src/ros/nodes/policyNode.js';
import { MujocoRobot, createDeploymentLoader } from '../../../src/ros/nodes/simDeployment.js';
import { SimRobotNode } from '../../../src/ros/nodes/simRobotNode.js';
import {
  InProcessTransport,
  SILENT_LOGGER,
} from '../../../src/ros/transport/inProcessTransport.js';
import { evaluatePolicy } from '../../../src/train/evaluate.js';
import { makeEnv, taskSpec } from '../../../sim/index.js';
import { saveFreshCheckpoint } from '../../replay/helpers.js';

const TASK = 'reacher-2dof';
const PERTURBATION = { mass: 1.25, damping: 1.5 };
const EPISODES = 60;
let dir = '';
let loaderHandle: Awaited<ReturnType<typeof createDeploymentLoader>>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-ros-replay-arm-'));
  loaderHandle = await createDeploymentLoader();
});
after(() => {
  loaderHandle?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('explore-mode episodes recorded on a stand-in arm improve the policy on that arm', async () => {
  const spec = await taskSpec(TASK);
  const behaviour = join(dir, 'ck-behaviour');
  // As test/replay/replayImproves.test.ts: σ = exp(−1.5) keeps the control cost from swamping
  // the distance signal at this sample size.
  saveFreshCheckpoint(behaviour, {
    task: TASK,
    jointNames: spec.jointNames,
    obsSize: spec.obsSize,
    seed: 7,
    policyOptions: { actionSize: spec.actionSize, normalizeObs: false, logStdInit: -1.5 },
  });
  const bag = join(dir, 'bag');

  const transport = new InProcessTransport({ clock: 'manual' });
  // The stand-in arm: the sim robot's own MuJoCo robot, perturbed (heavier, more damped); the
  // sim robot node announces each episode on /torquepilot/episode, which cuts the recording.
  const arm = await MujocoRobot.create(TASK, undefined, perturbationToSpec(PERTURBATION, 'test'));
  const robotNode = new SimRobotNode(transport.createNode('sim_robot'), {
    robot: arm,
    jointStatesTopic: arm.jointStatesTopic,
    commandTopic: arm.commandTopic,
    realtime: false,
    publishClock: false,
    seed: 100,
  });
  let pn: PolicyNode | undefined;
  const handle = transport.createLifecycleNode(
    'torquepilot_policy',
    (node) => {
      pn = new PolicyNode(node, {
        loader: loaderHandle.loader,
        recorderFactory: bagRecorderFactory(
          SILENT_LOGGER,
          () => spec.horizon,
          () => spec.obsSize,
        ),
      });
      return pn.callbacks();
    },
    {
      parameterOverrides: {
        checkpoint: behaviour,
        explore: true,
        seed: 3,
        record_path: bag,
        // No rate limit: the arm gets the sampled torque (clamped to its limits, as in training).
        max_torque_step: 2,
      },
    },
  );
  assert.equal(handle.trigger('configure').success, true);
  assert.equal(handle.trigger('activate').success, true);
  robotNode.start();
  const periodNs = BigInt(Math.round(spec.dt * 1e9));
  // Lockstep: one robot step per tick; EPISODES resets, then the first tick of the next episode.
  transport.advanceBy(periodNs * BigInt(EPISODES * spec.horizon + 1));
  handle.trigger('deactivate');
  await pn!.recordingsClosed();
  assert.equal(robotNode.stats().episodes, EPISODES);
  robotNode.stop();
  arm.close();
  await transport.shutdown();

  // One bag episode per arm episode, each one step short (the step the reset replaced).
  const reader = await BagEpisodeReader.open(bag);
  const lengths: number[] = [];
  for await (const e of reader.episodes()) {
    lengths.push(e.length);
    assert.equal(
      e.deterministic.every((d) => d === 0),
      true,
    );
  }
  assert.deepEqual(lengths, new Array<number>(EPISODES).fill(spec.horizon - 1));

  const improved = join(dir, 'ck-replayed');
  const summary = await runReplay({
    bags: [bag],
    checkpoint: behaviour,
    out: improved,
    config: { weights: 'truncated', iterations: 5 },
  });
  const n = EPISODES * (spec.horizon - 1);
  assert.equal(summary.transitions, n);
  assert.equal(summary.deterministicSteps, 0);
  // Self-replay: π = μ on every logged step, so every weight is 1 (float32 round-off).
  assert.ok(Math.abs(summary.ess - n) < 1e-6 * n, `ESS ${summary.ess} of ${n}`);

  const evalEnv = await makeEnv(TASK, { randomize: perturbationToSpec(PERTURBATION, 'test') });
  try {
    const evaluate = (ckpt: string): number =>
      evaluatePolicy(evalEnv, policyFromCheckpoint(loadCheckpoint(ckpt)), {
        episodes: 20,
        deterministic: true,
        seed: 5,
      }).meanReturn;
    const before = evaluate(behaviour);
    const after = evaluate(improved);
    assert.ok(
      after > before + 0.5,
      `return on the stand-in arm ${before.toFixed(3)} → ${after.toFixed(3)} did not improve`,
    );
  } finally {
    evalEnv.close();
  }
});
