/**
 * The synthetic actor of bench/fleet.ts's ingest figure: a process that publishes TransitionChunks
 * on /torquepilot/transition_chunks as fast as it can, with the actor's QoS, so that the receiving
 * side (the bench's own subscription, or `torquepilot learner`) is the bottleneck.
 *
 *   node --import tsx bench/fleetPublisher.ts --task reacher-2dof --envs 8 --chunk-steps 64
 *        --duration 20 --actor-id pub0 [--max-rate 0]
 *
 * The chunks are real: `--distinct` (default 8) chunks collected once from the task's vectorised
 * simulation with a random policy (behaviour log-probs, means and log σ included), then published
 * in turn, each encoded anew with its own sequence number and stamp (encoding is part of an actor's
 * cost). Policy version 0 throughout: the learner needs `--max-lag` large enough to keep them.
 * Waits for a subscriber before the clock starts. Prints one JSON line at the end:
 * {"type":"done","chunks","transitions","seconds","transitionsPerChunk"}.
 */
import { makeVecEnv, modelsDir } from '../sim/index.js';
import { resolveTrainConfig } from '../src/config/index.js';
import type { TransitionDelivery } from '../src/learn/index.js';
import { experienceIdentity, VecEnvSource } from '../src/learn/index.js';
import { GaussianPolicy, ValueNetwork } from '../src/policy/index.js';
import {
  encodeTransitionChunk,
  ensureRosEnvironment,
  FLEET_QOS,
  FLEET_TOPICS,
  loadRclnodejsTransport,
  TRANSITION_CHUNK_TYPE,
} from '../src/ros/index.js';
import { cliLayer } from '../src/train/index.js';
import { Random } from '../src/util/index.js';
import { benchArgs, numberArg } from './benchArgs.js';

const B = 'fleetPublisher';
const a = benchArgs(B, {
  task: { type: 'string', default: 'reacher-2dof' },
  envs: { type: 'string', default: '8' },
  'chunk-steps': { type: 'string', default: '64' },
  duration: { type: 'string', default: '20' },
  'actor-id': { type: 'string', default: `pub-${process.pid}` },
  distinct: { type: 'string', default: '8' },
  'max-rate': { type: 'string', default: '0' },
});
const numEnvs = numberArg(B, 'envs', a.envs, { integer: true, min: 1 });
const chunkSteps = numberArg(B, 'chunk-steps', a['chunk-steps'], { integer: true, min: 1 });
const durationS = numberArg(B, 'duration', a.duration, { min: 0.1 });
const distinct = numberArg(B, 'distinct', a.distinct, { integer: true, min: 1 });
const maxRate = numberArg(B, 'max-rate', a['max-rate'], { min: 0 });

await ensureRosEnvironment();
const config = resolveTrainConfig({
  modelsDir: modelsDir(),
  cli: cliLayer({ task: a.task }),
}).config;
const vecEnv = await makeVecEnv(config.task, { numEnvs });
const spec = vecEnv.spec;
const root = new Random(7);
const policy = new GaussianPolicy(
  { ...config.policy, obsSize: spec.obsSize, actionSize: spec.actionSize },
  root.fork(),
);
const value = new ValueNetwork({ ...config.value, obsSize: spec.obsSize }, root.fork());
const source = new VecEnvSource({
  vecEnv,
  policy,
  value,
  nSteps: chunkSteps,
  rng: root.fork(),
  policyVersion: () => 0,
  origin: a['actor-id'],
  identity: experienceIdentity(spec),
});
await source.reset(11);
const chunks: TransitionDelivery[] = [];
for (let i = 0; i < distinct; i++) {
  const d = await source.next();
  if (d === null) throw new Error(`bench/${B}: the simulation source closed`);
  // Only the segments travel: drop the on-policy extras (they hold the rollout storage).
  chunks.push({ segments: d.segments, identity: d.identity, origin: d.origin, sequence: 0 });
}
await source.close();

const transport = await loadRclnodejsTransport();
const node = transport.createRawTopicNode(`fleet_bench_publisher_${process.pid}`);
const pub = node.createRawPublisher(
  TRANSITION_CHUNK_TYPE,
  FLEET_TOPICS.chunks,
  FLEET_QOS.chunksOut,
);
transport.spin();
let stopping = false;
process.on('SIGINT', () => (stopping = true));
process.on('SIGTERM', () => (stopping = true));
const turn = (ms = 0): Promise<void> =>
  new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));
while (pub.subscriptionCount() === 0 && !stopping) await turn(20);

const perChunk = chunks[0]?.segments.size ?? 0;
const t0 = performance.now();
let published = 0;
for (;;) {
  const elapsed = (performance.now() - t0) / 1000;
  if (stopping || elapsed >= durationS) break;
  if (maxRate > 0 && published * perChunk > maxRate * elapsed) {
    await turn(1);
    continue;
  }
  const c = chunks[published % chunks.length] as TransitionDelivery;
  pub.publish(encodeTransitionChunk({ ...c, sequence: published }, node.now()));
  published++;
  await turn();
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(
  `${JSON.stringify({ type: 'done', chunks: published, transitions: published * perChunk, seconds, transitionsPerChunk: perChunk })}\n`,
);
await transport.shutdown();
process.exit(0);
