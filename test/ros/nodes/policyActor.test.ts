/**
 * The policy node in explore mode as an actor of the fleet (issue 17), in process on the manual
 * clock: the sim robot node drives reacher-2dof in lockstep and announces its resets; the policy
 * node (the real deployment loader and checkpoint) records to a bag and publishes chunks at once.
 * - the deployment's identity is the learner's (`experienceIdentity` of the task spec) and its
 *   version the checkpoint's iteration; the bag's metadata carries the robot identity;
 * - one segmentation feeds both sinks: each chunk (decoded from its CDR bytes) is the bag's
 *   episode, step for step (observations, actions, log-probs, means, log σ, final observation),
 *   and the learner's checks accept it; without a bag the chunks are the same;
 * - follow_parameters: a snapshot arriving mid-episode acts from the next episode's first step
 *   (the recorded means are those of the new network exactly there), never before; a snapshot of
 *   another task or network is refused and logged;
 * - the length cap is a boundary too (a chunk splits its segments by version); real mode: opt-in,
 *   logged;
 * - deterministic steps are never published.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeEnv } from '../../../sim/index.js';
import type { TaskSpec } from '../../../sim/index.js';
import {
  experienceIdentity,
  identityDifference,
  SEGMENT_CUT,
  SEGMENT_TRUNCATED,
  segmentsProblem,
} from '../../../src/learn/index.js';
import type { ExperienceIdentity, TransitionDelivery } from '../../../src/learn/index.js';
import {
  GaussianPolicy,
  loadCheckpoint,
  policyFromCheckpoint,
  PolicyForward,
  saveCheckpoint,
  ValueNetwork,
} from '../../../src/policy/index.js';
import { BagEpisodeReader } from '../../../src/replay/index.js';
import type { Episode } from '../../../src/replay/index.js';
import { episodeSegments } from '../../../src/ros/nodes/chunkPublisher.js';
import { bagRecorderFactory } from '../../../src/ros/nodes/episodeRecording.js';
import type { SegmentedEpisode, SegmentedStep } from '../../../src/ros/nodes/episodeSegmenter.js';
import { PolicyNode } from '../../../src/ros/nodes/policyNode.js';
import { createDeploymentLoader, MujocoRobot } from '../../../src/ros/nodes/simDeployment.js';
import { SimRobotNode } from '../../../src/ros/nodes/simRobotNode.js';
import { FLEET_QOS, FLEET_TOPICS } from '../../../src/ros/nodes/topicTransitionSource.js';
import { InProcessTransport } from '../../../src/ros/transport/inProcessTransport.js';
import {
  decodeTransitionChunk,
  encodePolicyParameters,
  TRANSITION_CHUNK_TYPE,
} from '../../../src/ros/transport/index.js';
import type { ParameterValue } from '../../../src/ros/transport/index.js';
import { Random } from '../../../src/util/index.js';
import { RawBus, recordingLogger } from './fleetFakes.js';

const TASK = 'reacher-2dof';
const ITERATION = 5;
let dir = '';
let spec: TaskSpec;
let identity: ExperienceIdentity;
let checkpoint = '';
let loaderHandle: Awaited<ReturnType<typeof createDeploymentLoader>>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-ros-policy-actor-'));
  loaderHandle = await createDeploymentLoader();
  const env = await makeEnv(TASK);
  spec = env.spec;
  env.close();
  identity = experienceIdentity(spec);
  checkpoint = join(dir, 'ck');
  const rng = new Random(3);
  saveCheckpoint(checkpoint, {
    task: TASK,
    jointNames: spec.jointNames,
    backend: 'cpu',
    iteration: ITERATION,
    steps: 0,
    policy: new GaussianPolicy(
      { obsSize: spec.obsSize, actionSize: spec.actionSize, logStdInit: -1 },
      rng.fork(),
    ),
    value: new ValueNetwork({ obsSize: spec.obsSize }, rng.fork()),
    hyperparameters: {},
  });
});
after(() => {
  loaderHandle?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** The sim robot and the policy node on one in-process transport, chunks on a raw bus. */
async function actorWorld(overrides: Record<string, ParameterValue>) {
  const log = recordingLogger();
  const transport = new InProcessTransport({ clock: 'manual', logger: log });
  const bus = new RawBus();
  const robot = await MujocoRobot.create(TASK);
  const robotNode = new SimRobotNode(transport.createNode('sim_robot'), {
    robot,
    jointStatesTopic: robot.jointStatesTopic,
    commandTopic: robot.commandTopic,
    realtime: false,
    publishClock: false,
    seed: 11,
  });
  let pn: PolicyNode | undefined;
  const handle = transport.createLifecycleNode(
    'torquepilot_policy',
    (node) => {
      pn = new PolicyNode(node, {
        loader: loaderHandle.loader,
        recorderFactory: bagRecorderFactory(
          log,
          () => spec.horizon,
          () => spec.obsSize,
        ),
        rawTopics: () => bus.node('torquepilot_policy', log),
      });
      return pn.callbacks();
    },
    {
      parameterOverrides: {
        checkpoint,
        explore: true,
        seed: 4,
        max_torque_step: 2,
        chunk_topic: FLEET_TOPICS.chunks,
        ...overrides,
      },
    },
  );
  const chunks: TransitionDelivery[] = [];
  bus
    .node('learner')
    .createRawSubscription(TRANSITION_CHUNK_TYPE, FLEET_TOPICS.chunks, FLEET_QOS.chunksIn, (b) =>
      chunks.push(decodeTransitionChunk(b).delivery),
    );
  const periodNs = BigInt(Math.round(spec.dt * 1e9));
  return {
    transport,
    bus,
    log,
    chunks,
    node: () => pn as PolicyNode,
    start(): void {
      assert.equal(handle.trigger('configure').success, true, log.lines.join('\n'));
      assert.equal(handle.trigger('activate').success, true, log.lines.join('\n'));
      robotNode.start();
    },
    /** Lockstep: one robot step per tick. */
    steps(n: number): void {
      transport.advanceBy(periodNs * BigInt(n));
    },
    async stop(): Promise<void> {
      handle.trigger('deactivate');
      await pn!.recordingsClosed();
      robotNode.stop();
      handle.trigger('shutdown');
      robot.close();
      await transport.shutdown();
    },
  };
}

async function readBag(bag: string) {
  const reader = await BagEpisodeReader.open(bag);
  const episodes: Episode[] = [];
  for await (const e of reader.episodes()) episodes.push(e);
  return {
    episodes,
    customData: reader.metadata?.rosbag2_bagfile_information.custom_data ?? {},
  };
}

const rows = (a: Float64Array, width: number, from: number, to: number) =>
  Array.from(a.subarray(from * width, to * width));

describe('the policy node as an actor', () => {
  test('the deployment carries the learner identity and the checkpoint version', () => {
    const d = loaderHandle.loader({ checkpoint, robotDescription: '' });
    assert.deepEqual(d.identity, identity);
    assert.equal(identityDifference(identity, d.identity as ExperienceIdentity), null);
    assert.notEqual(identity.modelHash, '');
    assert.equal(d.policyVersion, ITERATION);
    assert.equal(
      d.policy.parameterCount,
      policyFromCheckpoint(loadCheckpoint(checkpoint)).params.length,
    );
  });

  test('one segmentation feeds the bag and the chunks: the same episodes, step for step', async () => {
    const bag = join(dir, 'both');
    const w = await actorWorld({ record_path: bag });
    w.start();
    const episodes = 3;
    w.steps(episodes * spec.horizon + 1);
    await w.stop();
    const { episodes: recorded, customData } = await readBag(bag);
    // The robot identity in the bag's metadata, as `record` writes it.
    assert.equal(customData['torquepilot.robot_name'], identity.robotName);
    assert.equal(customData['torquepilot.model_hash'], identity.modelHash);
    assert.equal(customData['torquepilot.task_params'], identity.taskParams);
    assert.equal(recorded.length, episodes);
    assert.equal(w.chunks.length, episodes);
    const D = spec.obsSize;
    const A = spec.actionSize;
    w.chunks.forEach((chunk, k) => {
      const e = recorded[k] as Episode;
      const s = chunk.segments;
      assert.deepEqual(chunk.identity, identity);
      assert.equal(chunk.origin, 'torquepilot_policy');
      assert.equal(chunk.sequence, k);
      assert.equal(segmentsProblem(s, identity), null, 'the learner would refuse it');
      assert.equal(s.size, e.length);
      assert.equal(e.length, spec.horizon - 1);
      assert.deepEqual(Array.from(s.bounds), [0, e.length]);
      assert.deepEqual(Array.from(s.segmentEnds), [SEGMENT_TRUNCATED]);
      assert.deepEqual(Array.from(s.policyVersions), [ITERATION]);
      assert.deepEqual(Array.from(s.observations), Array.from(e.observations));
      assert.deepEqual(Array.from(s.actions), Array.from(e.actions));
      assert.deepEqual(Array.from(s.behaviourLogProbs), Array.from(e.behaviourLogProbs));
      assert.deepEqual(Array.from(s.behaviourMeans ?? []), Array.from(e.means));
      assert.deepEqual(Array.from(s.behaviourLogStds ?? []), Array.from(e.logStds));
      assert.deepEqual(Array.from(s.rewards), Array.from(e.rewards));
      assert.deepEqual(rows(s.finalObservations, D, 0, 1), Array.from(e.finalObservation));
      assert.ok(s.behaviourLogProbs.every(Number.isFinite));
      assert.equal(s.actions.length, e.length * A);
    });
    assert.equal(w.node().fleet.chunks?.chunks, episodes);
  });

  test('chunks without a bag: the same chunks', async () => {
    const withBag = await actorWorld({ record_path: join(dir, 'again') });
    withBag.start();
    withBag.steps(2 * spec.horizon + 1);
    await withBag.stop();
    const alone = await actorWorld({});
    alone.start();
    alone.steps(2 * spec.horizon + 1);
    await alone.stop();
    assert.equal(alone.chunks.length, 2);
    assert.deepEqual(
      alone.chunks.map((c) => Array.from(c.segments.actions)),
      withBag.chunks.map((c) => Array.from(c.segments.actions)),
    );
  });

  test('follow_parameters: a snapshot received mid-episode acts from the next episode on', async () => {
    const w = await actorWorld({ follow_parameters: true });
    const learner = w.bus
      .node('learner')
      .createRawPublisher('p', FLEET_TOPICS.parameters, FLEET_QOS.parameters);
    w.start();
    const half = Math.floor(spec.horizon / 2);
    w.steps(half);
    // The learner's snapshot: other weights and normaliser statistics, version 9.
    const fresh = new GaussianPolicy(
      { obsSize: spec.obsSize, actionSize: spec.actionSize, logStdInit: -0.5 },
      new Random(99),
    );
    fresh.normalizer.setStatistics(
      Float64Array.from({ length: spec.obsSize }, (_, j) => 0.01 * j),
      Float64Array.from({ length: spec.obsSize }, (_, j) => 1 + 0.1 * j),
      500,
    );
    const snapshot = {
      version: 9,
      identity,
      policyParams: Float32Array.from(fresh.params),
      normalizerMean: Float64Array.from(fresh.normalizer.mean),
      normalizerVar: Float64Array.from(fresh.normalizer.var),
      normalizerCount: 500,
    };
    learner.publish(encodePolicyParameters({ stampNs: 1n, learnerId: 'run-a', snapshot }));
    assert.equal(w.node().fleet.follower?.pending, true, 'applied mid-episode');
    assert.equal(w.node().fleet.follower?.version, ITERATION);
    // Another task's and another network's snapshots: refused, logged.
    learner.publish(
      encodePolicyParameters({
        stampNs: 2n,
        learnerId: 'run-b',
        snapshot: { ...snapshot, identity: { ...identity, task: 'arm7-reach' } },
      }),
    );
    learner.publish(
      encodePolicyParameters({
        stampNs: 3n,
        learnerId: 'run-c',
        snapshot: { ...snapshot, policyParams: snapshot.policyParams.subarray(1) },
      }),
    );
    assert.equal(w.node().fleet.follower?.refused, 2);
    assert.ok(w.log.lines.some((l) => l.includes("parameters of learner 'run-b' refused: task")));
    assert.ok(w.log.lines.some((l) => l.includes("this node's network has")));
    w.steps(spec.horizon - half + spec.horizon + 1);
    assert.equal(w.node().fleet.follower?.version, 9);
    assert.equal(w.node().fleet.follower?.applied, 1);
    await w.stop();
    const [first, second] = w.chunks as [TransitionDelivery, TransitionDelivery];
    assert.equal(w.chunks.length, 2);
    // The first episode entirely under the checkpoint's version, the second under the learner's.
    assert.deepEqual(Array.from(first.segments.policyVersions), [ITERATION]);
    assert.deepEqual(Array.from(second.segments.policyVersions), [9]);
    assert.ok(w.log.lines.some((l) => l.includes("acting with version 9 of learner 'run-a'")));
    // The recorded means are those of the network that acted, at every step of each episode.
    const meansOf = (policy: GaussianPolicy, s: TransitionDelivery['segments']) => {
      const forward = new PolicyForward(policy);
      const out: number[] = [];
      for (let i = 0; i < s.size; i++)
        out.push(...forward.forward(s.observations.subarray(i * s.obsSize, (i + 1) * s.obsSize)));
      return out;
    };
    const old = policyFromCheckpoint(loadCheckpoint(checkpoint));
    const close = (a: number[], b: ArrayLike<number>) =>
      a.every((x, i) => Math.abs(x - (b[i] as number)) < 1e-9);
    assert.ok(close(meansOf(old, first.segments), first.segments.behaviourMeans ?? []));
    assert.ok(close(meansOf(fresh, second.segments), second.segments.behaviourMeans ?? []));
    assert.ok(!close(meansOf(old, second.segments), second.segments.behaviourMeans ?? []));
  });

  test('the length cap is a boundary too; steps acted before it arrived keep their version', async () => {
    // Capped at 10 steps, cut CAP_GRACE_STEPS later: the snapshot applies at that cut, so the
    // next capped episode's first steps acted under the old version, its last ones under the new.
    const w = await actorWorld({ follow_parameters: true, episode_max_steps: 10 });
    const learner = w.bus
      .node('learner')
      .createRawPublisher('p', FLEET_TOPICS.parameters, FLEET_QOS.parameters);
    w.start();
    w.steps(3);
    const fresh = new GaussianPolicy(
      { obsSize: spec.obsSize, actionSize: spec.actionSize },
      new Random(5),
    );
    const snapshot = {
      version: 12,
      identity,
      policyParams: Float32Array.from(fresh.params),
      normalizerMean: Float64Array.from(fresh.normalizer.mean),
      normalizerVar: Float64Array.from(fresh.normalizer.var),
      normalizerCount: fresh.normalizer.count,
    };
    learner.publish(encodePolicyParameters({ stampNs: 1n, learnerId: 'run-a', snapshot }));
    w.steps(spec.horizon - 3);
    await w.stop();
    const first = w.chunks[0] as TransitionDelivery;
    assert.deepEqual(Array.from(first.segments.policyVersions), [ITERATION]);
    const mixed = w.chunks[1] as TransitionDelivery;
    const s = mixed.segments;
    assert.deepEqual(Array.from(s.policyVersions), [ITERATION, 12]);
    assert.deepEqual(Array.from(s.segmentEnds), [SEGMENT_CUT, SEGMENT_TRUNCATED]);
    // The old version's segment bootstraps from the exact next observation, the new one's first.
    const D = spec.obsSize;
    const b = s.bounds[1] as number;
    assert.deepEqual(rows(s.finalObservations, D, 0, 1), rows(s.observations, D, b, b + 1));
    assert.equal(s.size, 10);
    assert.ok(w.chunks.slice(2).every((c) => c.segments.policyVersions.every((v) => v === 12)));
  });

  test('real mode: following is opt-in and the log says so', async () => {
    const off = await actorWorld({ mode: 'real' });
    off.start();
    assert.equal(off.node().fleet.follower, null);
    await off.stop();
    const on = await actorWorld({ mode: 'real', follow_parameters: true });
    on.start();
    assert.ok(on.log.lines.some((l) => l.includes('real mode, follow_parameters enabled')));
    await on.stop();
  });

  test('deterministic steps are never published (logged once)', async () => {
    const w = await actorWorld({ explore: false });
    w.start();
    w.steps(2 * spec.horizon + 1);
    await w.stop();
    assert.equal(w.chunks.length, 0);
    const said = w.log.lines.filter((l) => l.includes('are not published as chunks'));
    assert.equal(said.length, 1);
  });
});

describe('episodeSegments', () => {
  const step = (i: number, deterministic = false): SegmentedStep => ({
    stampNs: BigInt(i),
    episodeIndex: 0,
    stepIndex: i,
    observation: Float64Array.of(i, -i),
    action: Float64Array.of(10 + i),
    mean: Float64Array.of(20 + i),
    logStd: Float64Array.of(-1),
    logProb: deterministic ? NaN : -i,
    deterministic,
    reward: 0.5 * i,
    terminated: false,
    truncated: false,
  });

  test('runs of one version with a density; ends TRUNCATED at the episode end, CUT before', () => {
    // Steps 0-1 version 3, step 2 deterministic, 3 version 3, 4-5 version 4.
    const e: SegmentedEpisode = {
      index: 0,
      steps: [step(0), step(1), step(2, true), step(3), step(4), step(5)],
      versions: [3, 3, 3, 3, 4, 4],
      finalObservation: Float64Array.of(6, -6),
    };
    const s = episodeSegments(e, 2, 1);
    assert.ok(s !== null);
    assert.equal(s.size, 5);
    assert.deepEqual(Array.from(s.bounds), [0, 2, 3, 5]);
    assert.deepEqual(Array.from(s.segmentEnds), [SEGMENT_CUT, SEGMENT_CUT, SEGMENT_TRUNCATED]);
    assert.deepEqual(Array.from(s.policyVersions), [3, 3, 4]);
    // Final observations: the exact successors (steps 2 and 4), then the episode's.
    assert.deepEqual(Array.from(s.finalObservations), [2, -2, 4, -4, 6, -6]);
    assert.deepEqual(Array.from(s.actions), [10, 11, 13, 14, 15]);
    assert.deepEqual(Array.from(s.behaviourLogProbs), [-0, -1, -3, -4, -5]);
    assert.deepEqual(Array.from(s.rewards), [0, 0.5, 1.5, 2, 2.5]);
  });

  test('an episode of deterministic steps only: no segments', () => {
    const e: SegmentedEpisode = {
      index: 0,
      steps: [step(0, true), step(1, true)],
      versions: [0, 0],
      finalObservation: Float64Array.of(2, -2),
    };
    assert.equal(episodeSegments(e, 2, 1), null);
  });
});
