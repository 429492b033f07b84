/**
 * The fleet's nodes in process (no DDS): the actor waits for parameters, acts with the newest one
 * (its chunks carry that version, its policy holds those parameters), refuses another task's
 * parameters once in the log; the learner publishes at start and every K updates, counts refusals
 * and malformed chunks, stops at its budget and checkpoints; the topic source counts sequence gaps.
 * The learner here is a minimal stand-in (fleetFakes.ts): the math is src/learn's tests'.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { makeVecEnv } from '../../../sim/index.js';
import type { VecEnv } from '../../../sim/index.js';
import { experienceIdentity } from '../../../src/learn/index.js';
import type { ExperienceIdentity } from '../../../src/learn/index.js';
import { GaussianPolicy, ValueNetwork } from '../../../src/policy/index.js';
import {
  ActorNode,
  FLEET_TOPICS,
  LearnerNode,
  TopicTransitionSource,
} from '../../../src/ros/nodes/index.js';
import {
  decodePolicyParameters,
  encodePolicyParameters,
  encodeTransitionChunk,
} from '../../../src/ros/transport/index.js';
import { Random } from '../../../src/util/index.js';
import { IDENTITY, MinimalLearner, RawBus, recordingLogger, sampleDelivery } from './fleetFakes.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('fleet nodes in process', () => {
  let vecEnv: VecEnv;
  let identity: ExperienceIdentity;

  // A fresh vectorised env per test: closing an actor closes its env.
  beforeEach(async () => {
    vecEnv = await makeVecEnv('reacher-2dof', { numEnvs: 2 });
    identity = experienceIdentity(vecEnv.spec);
  });
  afterEach(async () => {
    await vecEnv.close();
  });

  const networks = (seed: number) => {
    const rng = new Random(seed);
    const spec = vecEnv.spec;
    const policy = new GaussianPolicy(
      { obsSize: spec.obsSize, actionSize: spec.actionSize },
      rng.fork(),
    );
    const value = new ValueNetwork({ obsSize: spec.obsSize }, rng.fork());
    return { policy, value, rng };
  };

  test('actor: waits for parameters, acts with the newest, refuses another task once', async () => {
    const bus = new RawBus();
    const log = recordingLogger();
    const { policy, value, rng } = networks(1);
    const actor = new ActorNode(bus.node('actor', log), {
      identity,
      vecEnv,
      policy,
      value,
      chunkSteps: 8,
      rng: rng.fork(),
      seed: 5,
      actorId: 'a1',
    });
    const received = new TopicTransitionSource(bus.node('listener'));
    const learnerSide = bus.node('learner');
    const paramsPub = learnerSide.createRawPublisher('p', FLEET_TOPICS.parameters, {
      reliability: 'reliable',
      durability: 'transient_local',
      depth: 1,
    });
    let stop = false;
    const running = actor.run(() => stop, 3);
    for (let i = 0; i < 20; i++) await turn();
    assert.equal(actor.stats().chunksPublished, 0, 'a chunk before any parameters');

    // Another task's parameters: refused, logged once however often they come.
    const other = networks(2).policy;
    const foreign = {
      version: 3,
      identity: { ...identity, task: 'arm7-reach' },
      policyParams: Float32Array.from(other.params),
      normalizerMean: new Float64Array(identity.obsSize),
      normalizerVar: new Float64Array(identity.obsSize).fill(1),
      normalizerCount: 1,
    };
    for (let i = 0; i < 3; i++)
      paramsPub.publish(encodePolicyParameters({ stampNs: 0n, learnerId: 'x', snapshot: foreign }));
    assert.equal(actor.stats().snapshotsRefused, 3);
    assert.equal(
      log.lines.filter((l) => l.includes("task 'reacher-2dof' (learner has 'arm7-reach')")).length,
      1,
      log.lines.join('\n'),
    );
    assert.equal(actor.stats().chunksPublished, 0);

    const mean = Float64Array.from({ length: identity.obsSize }, (_, i) => i * 0.1);
    const mine = { ...foreign, version: 7, identity, normalizerMean: mean, normalizerCount: 50 };
    paramsPub.publish(encodePolicyParameters({ stampNs: 0n, learnerId: 'run', snapshot: mine }));
    stop = false;
    await running;
    const s = actor.stats();
    assert.equal(s.chunksPublished, 3);
    assert.equal(s.version, 7);
    assert.equal(s.learnerId, 'run');
    // The policy acts with the received parameters (log σ included).
    assert.deepEqual(policy.params, other.params);
    const deliveries = [received.poll(), received.poll(), received.poll()];
    assert.equal(received.poll(), null);
    deliveries.forEach((d, k) => {
      assert.ok(d !== null);
      assert.equal(d.sequence, k);
      assert.equal(d.origin, 'a1');
      assert.equal(d.segments.size, 16);
      assert.deepEqual([...new Set(d.segments.policyVersions)], [7]);
      assert.deepEqual(d.identity, identity);
    });
    await actor.close();
  });

  test('learner: publishes at start and every K, counts refusals, stops at its budget', async () => {
    const bus = new RawBus();
    const log = recordingLogger();
    const policy = new GaussianPolicy({ obsSize: 3, actionSize: 2 }, new Random(3));
    const learner = new MinimalLearner(policy, IDENTITY, 10);
    let checkpoints = 0;
    const metrics: number[] = [];
    const node = new LearnerNode(bus.node('learner', log), {
      learner,
      learnerId: 'run-1',
      publishEvery: 2,
      maxTransitions: 30,
      durationS: Infinity,
      checkpointEvery: 0,
      checkpoint: () => void checkpoints++,
      onUpdate: (m) => void metrics.push(m.version),
    });
    const versions: number[] = [];
    bus
      .node('actor')
      .createRawSubscription(
        'p',
        FLEET_TOPICS.parameters,
        { reliability: 'reliable', durability: 'transient_local', depth: 1 },
        (b) => void versions.push(decodePolicyParameters(b).snapshot.version),
      );
    const pub = bus.node('actor').createRawPublisher('c', FLEET_TOPICS.chunks, {
      reliability: 'reliable',
      durability: 'volatile',
      depth: 8,
    });
    // 5 transitions per chunk: sequence 0..7 with 3 lost, one of another task, one malformed.
    for (let seq = 0; seq < 8; seq++) {
      if (seq === 3) continue;
      pub.publish(encodeTransitionChunk(sampleDelivery(seq, seq), 0n));
    }
    const foreign = sampleDelivery(8);
    pub.publish(
      encodeTransitionChunk({ ...foreign, identity: { ...IDENTITY, robotName: 'ur5e' } }, 0n),
    );
    pub.publish(Buffer.from([0, 1, 0, 0, 9]));
    // All queued before the loop starts: the budget is reached with every refusal counted.
    const running = node.run(() => false);
    const result = await running;
    assert.equal(result.stoppedBy, 'steps');
    assert.equal(result.transitions, 30);
    assert.equal(result.updates, 3);
    assert.equal(result.refused, 2, 'the other robot and the malformed chunk');
    assert.equal(node.source.stats().gaps, 1);
    assert.deepEqual(metrics, [1, 2, 3]);
    // Start (0), every 2 updates (2), the end (3).
    assert.deepEqual(versions, [0, 2, 3]);
    assert.equal(checkpoints, 1);
    assert.equal(
      log.lines.filter((l) => l.includes("robotName 'ur5e'")).length,
      1,
      log.lines.join('\n'),
    );
    await node.close();
  });

  test("actor and learner together: the actor follows the learner's versions", async () => {
    const bus = new RawBus();
    const a = networks(4);
    const learnerPolicy = networks(5).policy;
    const learner = new MinimalLearner(learnerPolicy, identity, 32);
    const learnerNode = new LearnerNode(bus.node('learner'), {
      learner,
      learnerId: 'run-2',
      publishEvery: 1,
      maxTransitions: 32 * 4,
      durationS: Infinity,
      checkpointEvery: 0,
    });
    const actor = new ActorNode(bus.node('actor'), {
      identity,
      vecEnv,
      policy: a.policy,
      value: a.value,
      chunkSteps: 16,
      rng: a.rng.fork(),
      seed: 1,
      actorId: 'a2',
    });
    let done = false;
    const learning = learnerNode
      .run(() => false)
      .then((r) => {
        done = true;
        return r;
      });
    await actor.run(() => done);
    const r = await learning;
    assert.equal(r.updates, 4);
    assert.equal(r.refused, 0);
    const versions = learner.offered.map((d) => d.segments.policyVersions[0] as number);
    assert.ok(
      versions.every((v, i) => i === 0 || v >= (versions[i - 1] as number)),
      `${versions}`,
    );
    assert.ok(
      (versions[versions.length - 1] as number) >= 3,
      `the actor stayed behind: ${versions}`,
    );
    assert.deepEqual(a.policy.params, learnerPolicy.params);
    await learnerNode.close();
    await actor.close();
  });
});
