/**
 * The actor's --max-ahead (ActorNode maxAhead), in process (no DDS): with maxAhead 1 the actor
 * publishes two chunks with its first snapshot (the second is the one the learner takes when its
 * first update ends), then one per snapshot it receives, each as soon as it is collected, with the
 * newest version (so the learner always has the next chunk queued, one version old); with k, k
 * per snapshot (a learner whose batch is k chunks is never left waiting). Without the option it
 * publishes chunk after chunk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeVecEnv } from '../../../sim/index.js';
import { experienceIdentity } from '../../../src/learn/index.js';
import type { ExperienceIdentity } from '../../../src/learn/index.js';
import { GaussianPolicy, ValueNetwork } from '../../../src/policy/index.js';
import { ActorNode, FLEET_TOPICS, TopicTransitionSource } from '../../../src/ros/nodes/index.js';
import { encodePolicyParameters } from '../../../src/ros/transport/index.js';
import { Random } from '../../../src/util/index.js';
import { RawBus, recordingLogger } from './fleetFakes.js';

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Wait until `cond` holds (polled every 5 ms; gives up after 10 s, the assertion then fails). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await pause(5);
}

async function setup(maxAhead: number | undefined, stallMs?: number) {
  const vecEnv = await makeVecEnv('reacher-2dof', { numEnvs: 2 });
  const identity: ExperienceIdentity = experienceIdentity(vecEnv.spec);
  const rng = new Random(3);
  const spec = vecEnv.spec;
  const policy = new GaussianPolicy({ obsSize: spec.obsSize, actionSize: spec.actionSize }, rng);
  const value = new ValueNetwork({ obsSize: spec.obsSize }, rng.fork());
  const bus = new RawBus();
  const logger = recordingLogger();
  const actor = new ActorNode(bus.node('actor', logger), {
    identity,
    vecEnv,
    policy,
    value,
    chunkSteps: 4,
    rng: rng.fork(),
    seed: 9,
    actorId: 'a',
    ...(maxAhead !== undefined ? { maxAhead } : {}),
    ...(stallMs !== undefined ? { stallMs } : {}),
  });
  const received = new TopicTransitionSource(bus.node('listener'));
  const pub = bus.node('learner').createRawPublisher('p', FLEET_TOPICS.parameters, {
    reliability: 'reliable',
    durability: 'transient_local',
    depth: 1,
  });
  const snapshot = (version: number) => ({
    version,
    identity,
    policyParams: Float32Array.from(policy.params),
    normalizerMean: new Float64Array(identity.obsSize),
    normalizerVar: new Float64Array(identity.obsSize).fill(1),
    normalizerCount: 1,
  });
  const send = (version: number) =>
    pub.publish(
      encodePolicyParameters({ stampNs: 0n, learnerId: 'l', snapshot: snapshot(version) }),
    );
  return { actor, received, send, logger };
}

test('actor --max-ahead 1: one chunk ahead, then one chunk per snapshot with its version', async () => {
  const { actor, received, send } = await setup(1);
  let stop = false;
  send(0);
  const running = actor.run(() => stop, 10);
  await until(() => actor.stats().chunksPublished >= 2);
  await pause(150);
  assert.equal(actor.stats().chunksPublished, 2, 'a third chunk before a newer snapshot');
  send(1);
  await until(() => actor.stats().chunksPublished >= 3);
  await pause(150);
  assert.equal(actor.stats().chunksPublished, 3);
  send(2);
  await until(() => actor.stats().chunksPublished >= 4);
  assert.equal(actor.stats().chunksPublished, 4);
  stop = true;
  await running;
  // Chunks 0 and 1 were collected while version 0 acted, chunk k ≥ 2 while version k − 1 did.
  const versions = [0, 1, 2, 3].map((k) => {
    const d = received.poll();
    assert.ok(d !== null, `chunk ${k}`);
    assert.equal(d.sequence, k);
    return [...new Set(d.segments.policyVersions)];
  });
  assert.deepEqual(versions, [[0], [0], [1], [2]]);
  assert.equal(received.poll(), null);
  await actor.close();
});

test('actor --max-ahead 2 (a batch of two chunks): two chunks per snapshot, never stuck', async () => {
  // A learner whose batch is two of this actor's chunks needs two per version: one per snapshot
  // would leave it waiting forever after its second update.
  const { actor, received, send } = await setup(2);
  let stop = false;
  send(0);
  const running = actor.run(() => stop, 20);
  await until(() => actor.stats().chunksPublished >= 3);
  await pause(150);
  assert.equal(actor.stats().chunksPublished, 3, 'more than 1 + k chunks before a newer snapshot');
  for (const [version, total] of [
    [1, 5],
    [2, 7],
    [3, 9],
  ] as const) {
    send(version);
    await until(() => actor.stats().chunksPublished >= total);
    await pause(150);
    assert.equal(actor.stats().chunksPublished, total, `after version ${version}`);
  }
  stop = true;
  await running;
  const versions = Array.from({ length: 9 }, (_, k) => {
    const d = received.poll();
    assert.ok(d !== null, `chunk ${k}`);
    return [...new Set(d.segments.policyVersions)];
  });
  assert.deepEqual(versions, [[0], [0], [0], [1], [1], [2], [2], [3], [3]]);
  await actor.close();
});

test('actor --max-ahead below what the learner needs: one more chunk per stall, and a warning', async () => {
  // No newer snapshot comes (a learner waiting for a third chunk): after stallMs the actor
  // collects one more each time instead of waiting forever, and says why once.
  const { actor, send, logger } = await setup(1, 100);
  send(0);
  await actor.run(() => false, 5);
  assert.equal(actor.stats().chunksPublished, 5);
  const warnings = logger.lines.filter((l) => l.includes('raise --max-ahead'));
  assert.equal(warnings.length, 1, logger.lines.join('\n'));
  await actor.close();
});

test('actor without --max-ahead: chunk after chunk with one snapshot', async () => {
  const { actor, send } = await setup(undefined);
  send(0);
  await actor.run(() => false, 5);
  assert.equal(actor.stats().chunksPublished, 5);
  await actor.close();
});
