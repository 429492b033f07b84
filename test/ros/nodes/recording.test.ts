/**
 * Recording from the policy node: the bag it writes is read back by the replay room's reader.
 * - Explore mode: the node's exact actions and observations, the behaviour's log σ (trained log σ
 *   + log explore_scale) and its log-prob, checked against the Gaussian density of the recorded
 *   action; deterministic mode: every step flagged, log-prob NaN.
 * - Episodes follow boundaries (the episode topic's Header, a target change), by stamp even when
 *   the boundary arrives late; the step before a boundary is dropped and the one before it ends
 *   the episode with the dropped step's observation as final observation (its exact successor);
 *   without boundaries the safety cap cuts, with the next step's observation as final one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BagEpisodeReader } from '../../../src/replay/index.js';
import type { Episode } from '../../../src/replay/types.js';
import { bagRecorderFactory } from '../../../src/ros/nodes/episodeRecording.js';
import { CAP_GRACE_STEPS } from '../../../src/ros/nodes/episodeSegmenter.js';
import {
  InProcessTransport,
  SILENT_LOGGER,
} from '../../../src/ros/transport/inProcessTransport.js';
import type { PolicyOutputMessage } from '../../../src/ros/transport/messages.js';
import type { ParameterValue } from '../../../src/ros/transport/transport.js';
import { PolicyNode } from '../../../src/ros/nodes/policyNode.js';
import { JOINTS, LinearPolicy, fakeWorld, stateObservation } from '../fakes.js';

const MS = 1_000_000n;
const TICK = 10n * MS; // the fake description's 100 Hz
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The node recording into a fresh bag, a joint-state peer, and what it published. */
function recordingNode(
  overrides: Record<string, ParameterValue>,
  options: { cap?: number; needsTarget?: boolean; targetAtStart?: boolean } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'tp-ros-rec-'));
  dirs.push(dir);
  const bag = join(dir, 'bag');
  const transport = new InProcessTransport({ clock: 'manual' });
  const needsTarget = options.needsTarget ?? false;
  const obsSize = 2 * JOINTS.length + (needsTarget ? 3 : 0);
  const world = fakeWorld(() => ({
    observation: stateObservation(JOINTS.length, needsTarget),
    policy: new LinearPolicy(JOINTS, obsSize),
  }));
  let pn: PolicyNode | undefined;
  const handle = transport.createLifecycleNode(
    'torquepilot_policy',
    (node) => {
      pn = new PolicyNode(node, {
        loader: world.loader,
        recorderFactory: bagRecorderFactory(
          SILENT_LOGGER,
          () => options.cap ?? 1000,
          () => obsSize,
        ),
      });
      return pn.callbacks();
    },
    {
      parameterOverrides: { checkpoint: '/x', record_path: bag, max_torque_step: 2, ...overrides },
    },
  );
  const outputs: PolicyOutputMessage[] = [];
  transport.subscribe(
    'torquepilot_msgs/msg/PolicyOutput',
    '/torquepilot/policy_output',
    'reliable',
    // Copies: in process the command is the node's ring buffer, reused a few ticks later.
    (m) =>
      outputs.push({
        ...m,
        action: Array.from(m.action),
        mean: Array.from(m.mean),
        command: Array.from(m.command),
      }),
  );
  const stamps: bigint[] = [];
  const observations: number[][] = [];
  let k = 0;
  /** Publish the joint state of tick k (q_j = 0.1 k + j), then run one tick. */
  const tick = (): void => {
    const q = JOINTS.map((_, j) => 0.1 * k + j);
    const stampNs = transport.nowNs();
    stamps.push(stampNs);
    observations.push([...q, ...q.map((x) => 0.1 * x)]);
    transport.publish('sensor_msgs/msg/JointState', '/joint_states', {
      stampNs,
      name: JOINTS,
      position: q,
      velocity: q.map((x) => 0.1 * x),
      effort: [],
    });
    transport.advanceBy(TICK);
    k++;
  };
  const boundary = (stampNs: bigint, frameId: string): void =>
    transport.publish('std_msgs/msg/Header', '/torquepilot/episode', { stampNs, frameId });
  const target = (x: number, stampNs = transport.nowNs()): void =>
    transport.publish('geometry_msgs/msg/PointStamped', '/torquepilot/target', {
      stampNs,
      frameId: 'world',
      x,
      y: 0,
      z: 0,
    });
  const start = (): void => {
    assert.equal(handle.trigger('configure').success, true);
    if (needsTarget && (options.targetAtStart ?? true)) target(0.5);
    assert.equal(handle.trigger('activate').success, true);
  };
  const finish = async (): Promise<Episode[]> => {
    handle.trigger('deactivate');
    await pn!.recordingsClosed();
    const reader = await BagEpisodeReader.open(bag);
    const episodes: Episode[] = [];
    for await (const e of reader.episodes()) episodes.push(e);
    return episodes;
  };
  return { transport, start, tick, boundary, target, finish, outputs, stamps, observations, bag };
}

const row = (a: Float64Array, t: number, w: number): number[] =>
  Array.from(a.subarray(t * w, (t + 1) * w));

describe('recording episodes from the policy node', () => {
  test('explore mode: actions, behaviour log σ and log-prob of N(μ, (s·σ)²), observations', async () => {
    const r = recordingNode({ explore: true, explore_scale: 0.5, seed: 9 });
    r.start();
    for (let i = 0; i < 6; i++) r.tick();
    r.boundary(r.transport.nowNs(), 'horizon'); // after tick 5: ticks 0..5, 5 is dropped
    for (let i = 0; i < 4; i++) r.tick();
    const episodes = await r.finish(); // ticks 6..9, 9 dropped at the end
    assert.deepEqual(
      episodes.map((e) => e.length),
      [5, 3],
    );
    const sigma = 0.5 * 0.5; // the fake policy's σ = 0.5, explore_scale 0.5
    let t = 0;
    for (const [i, e] of episodes.entries()) {
      for (let s = 0; s < e.length; s++, t++) {
        const o = r.outputs[t]!;
        assert.equal(o.deterministic, false);
        assert.deepEqual(row(e.actions, s, 3), o.action);
        assert.deepEqual(row(e.means, s, 3), o.mean);
        assert.deepEqual(row(e.observations, s, 6), r.observations[t]);
        assert.deepEqual(
          row(e.logStds, s, 3),
          [1, 2, 3].map(() => Math.log(0.5) + Math.log(0.5)),
        );
        assert.equal(e.behaviourLogProbs[s], o.logProb);
        assert.equal(e.deterministic[s], 0);
        // Ground truth: the density of the recorded action under N(μ, σ_b²).
        let lp = 0;
        for (let j = 0; j < 3; j++) {
          const z = ((e.actions[s * 3 + j] as number) - (e.means[s * 3 + j] as number)) / sigma;
          lp += -0.5 * z * z - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
        }
        assert.ok(Math.abs((e.behaviourLogProbs[s] as number) - lp) < 1e-9, `${i}/${s}`);
      }
      t++; // the dropped step
      assert.equal(e.truncated, true);
      assert.equal(e.terminated, false);
    }
    // Each episode's final observation is the dropped step's: its exact successor state.
    assert.deepEqual(Array.from(episodes[0]!.finalObservation), r.observations[5]);
    assert.deepEqual(Array.from(episodes[1]!.finalObservation), r.observations[9]);
  });

  test('deterministic mode (the default): every step flagged, log-prob NaN, action = mean', async () => {
    const r = recordingNode({});
    r.start();
    for (let i = 0; i < 5; i++) r.tick();
    const [e] = await r.finish();
    assert.equal(e!.length, 4);
    assert.deepEqual(Array.from(e!.deterministic), [1, 1, 1, 1]);
    assert.ok(Array.from(e!.behaviourLogProbs).every(Number.isNaN));
    assert.deepEqual(Array.from(e!.actions), Array.from(e!.means));
    const reader = await BagEpisodeReader.open(r.bag);
    for await (const _ of reader.episodes());
    assert.equal(reader.report().deterministicSteps, 4);
    assert.equal(
      reader.metadata?.rosbag2_bagfile_information.custom_data?.['torquepilot.deterministic_steps'],
      '4',
    );
  });

  test('a boundary that arrives late cuts by its stamp; a repeated one is a no-op', async () => {
    const r = recordingNode({ explore: true });
    r.start();
    for (let i = 0; i < 7; i++) r.tick();
    // The robot reset before tick 4's state (stamp of tick 4), but the signal comes after tick 6.
    r.boundary(r.stamps[4]!, 'reset');
    r.boundary(r.stamps[4]!, 'reset'); // the same reset again (e.g. as a target change)
    r.boundary(r.stamps[2]!, 'late'); // before every open step: an episode already ended
    for (let i = 0; i < 3; i++) r.tick();
    const episodes = await r.finish();
    // Ticks 0..3 (3 dropped) | 4..9 (9 dropped at the end).
    assert.deepEqual(
      episodes.map((e) => e.length),
      [3, 5],
    );
    assert.deepEqual(Array.from(episodes[0]!.finalObservation), r.observations[3]);
    assert.deepEqual(row(episodes[1]!.observations, 0, 6), r.observations[4]);
    assert.deepEqual(
      episodes.map((e) => e.episodeIndex),
      [0, 1],
    );
  });

  test('an operator signal (stamp 0) cuts on arrival; a 1-step episode is dropped whole', async () => {
    const r = recordingNode({ explore: true });
    r.start();
    for (let i = 0; i < 3; i++) r.tick();
    r.boundary(0n, 'operator');
    r.tick();
    r.boundary(0n, 'operator'); // an episode of one step: no successor, nothing to write
    for (let i = 0; i < 3; i++) r.tick();
    const episodes = await r.finish();
    assert.deepEqual(
      episodes.map((e) => e.length),
      [2, 2],
    );
    assert.deepEqual(row(episodes[1]!.observations, 0, 6), r.observations[4]);
  });

  test('a new target ends the episode; the same target again does not', async () => {
    const r = recordingNode({ explore: true }, { needsTarget: true });
    r.start();
    for (let i = 0; i < 4; i++) r.tick();
    r.target(0.5); // unchanged
    r.tick();
    r.target(-0.25);
    for (let i = 0; i < 3; i++) r.tick();
    const episodes = await r.finish();
    assert.deepEqual(
      episodes.map((e) => e.length),
      [4, 2],
    );
    assert.equal(episodes[0]!.observations[6], 0.5, 'target in the observation');
    assert.equal(episodes[1]!.observations[6], -0.25);
  });

  test('ticks waiting for a late target are not steps; every acted tick is, the last dropped', async () => {
    // As over DDS: ticks on joint states start at once, but the target latched before the node
    // started is delivered late (Fast DDS: up to a writer heartbeat period), stamped before every
    // joint state. Until then the node sends zero torque ('waiting') and records nothing.
    const r = recordingNode(
      { explore: true, tick_source: 'joint_states' },
      { needsTarget: true, targetAtStart: false },
    );
    r.start();
    const latchedAt = r.transport.nowNs();
    for (let i = 0; i < 20; i++) r.tick();
    r.target(0.5, latchedAt);
    for (let i = 0; i < 5; i++) r.tick();
    const episodes = await r.finish();
    const driven = r.outputs.filter((o) => Array.from(o.command).some((c) => c !== 0)).length;
    assert.equal(r.outputs.filter((o) => o.safetyState === 'waiting').length, 20);
    assert.equal(driven, 5);
    // The first target is no boundary; the last acted step has no observed successor.
    assert.deepEqual(
      episodes.map((e) => e.length),
      [driven - 1],
    );
    assert.deepEqual(row(episodes[0]!.observations, 0, 9).slice(0, 6), r.observations[20]);
  });

  test('without boundaries the cap cuts exactly (next step is the final observation)', async () => {
    const cap = 4;
    const r = recordingNode({ explore: true }, { cap });
    r.start();
    const ticks = 2 * cap + CAP_GRACE_STEPS + 1;
    for (let i = 0; i < ticks; i++) r.tick();
    const episodes = await r.finish();
    // Cut at 4 and 8 (each once CAP_GRACE_STEPS more steps came), the rest ends at deactivate.
    assert.deepEqual(
      episodes.map((e) => e.length),
      [cap, cap, ticks - 2 * cap - 1],
    );
    assert.deepEqual(Array.from(episodes[0]!.finalObservation), r.observations[cap]);
    assert.deepEqual(Array.from(episodes[1]!.finalObservation), r.observations[2 * cap]);
  });

  test('episode_max_steps overrides the default cap; a boundary in the grace window wins', async () => {
    const r = recordingNode({ explore: true, episode_max_steps: 3 });
    r.start();
    for (let i = 0; i < 5; i++) r.tick();
    // The robot reset at tick 3 (exactly the cap): signalled before the cap's grace ran out.
    r.boundary(r.stamps[3]!, 'horizon');
    for (let i = 0; i < 3 + CAP_GRACE_STEPS; i++) r.tick();
    const episodes = await r.finish();
    assert.equal(episodes[0]!.length, 2, 'ticks 0..2, 2 dropped: the reset replaced its successor');
    assert.deepEqual(Array.from(episodes[0]!.finalObservation), r.observations[2]);
    assert.equal(episodes[1]!.length, 3, 'then the cap of 3');
    assert.deepEqual(Array.from(episodes[1]!.finalObservation), r.observations[6]);
  });
});
