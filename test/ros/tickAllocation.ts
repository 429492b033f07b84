/**
 * How much the policy node's tick path allocates on the JavaScript heap, measured by counting, not
 * by timing (issue 20: GC scavenges are one suspect of the multi-ms stalls of the DDS round trip).
 *
 * The path is the one the node runs over DDS, without DDS: an arm7-reach policy (random weights,
 * the real checkpoint loader with MuJoCo kinematics) in a PolicyNode on the in-process transport's
 * manual clock, whose per-tick topics go through the rclnodejs adapter's own encoders and decoders
 * (cdrWire.ts): each joint state arrives as CDR bytes and is decoded as rclnodejs's raw
 * subscription delivers it, and the command and PolicyOutput are encoded to the Buffers rclnodejs
 * would publish. Real mode, armed, tick on joint states (the defaults of `torquepilot node`).
 *
 * Two figures:
 * - bytes per tick: the heap grows by what a run of CHUNK ticks allocates when no collection runs
 *   in between, so chunks start right after a scavenge (a full collection would leave V8's
 *   concurrent sweeper changing the figure under the reading) and are short (well inside the young
 *   generation); a chunk in which a collection ran anyway (the heap shrank) is not counted. An
 *   empty chunk reads about 10 bytes per tick.
 * - collections per run: the ticks run straight, and a PerformanceObserver counts V8's 'gc'
 *   entries by kind (minor = scavenge).
 * Not part of the tick and not counted: the bytes the feeder makes once, and rclnodejs's own
 * Buffer per taken message (made in C++, rcl_subscription_bindings.cpp RclTakeRaw).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { saveCheckpoint } from '../../src/policy/checkpoint.js';
import { GaussianPolicy } from '../../src/policy/index.js';
import { PolicyNode } from '../../src/ros/nodes/policyNode.js';
import { createDeploymentLoader } from '../../src/ros/nodes/simDeployment.js';
import { InProcessTransport } from '../../src/ros/transport/inProcessTransport.js';
import type { MessageTypeName, MessageTypes } from '../../src/ros/transport/messages.js';
import { cdrCodec } from '../../src/ros/transport/rclnodejs/cdrCodecs.js';
import { publishEncoder, subscriptionDecoder } from '../../src/ros/transport/rclnodejs/cdrWire.js';
import { rosConverters } from '../../src/ros/transport/rclnodejs/rosMessages.js';
import type {
  Disposable,
  EndpointOptions,
  Publisher,
  QosProfileName,
  TransportNode,
} from '../../src/ros/transport/transport.js';
import { Random } from '../../src/util/random.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const JOINTS = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
const CHUNK = 50;

let gcFunction: ((options?: { type: 'major' | 'minor' }) => void) | undefined;
/** V8's `gc` (as --expose-gc gives it): a full collection, or a scavenge with type 'minor'. */
function gc(type: 'major' | 'minor'): void {
  if (gcFunction === undefined) {
    // V8 installs `gc` on contexts created after the flag is set (as src/util/gc.ts does).
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as typeof gcFunction;
  }
  (gcFunction as NonNullable<typeof gcFunction>)({ type });
}

/** The node's transport node, with the per-tick topics on the rclnodejs adapter's wire format. */
class CdrWireNode implements TransportNode {
  readonly #inner: TransportNode;
  /** Raw feeders of the subscriptions that take CDR bytes, by topic. */
  readonly feeders = new Map<string, (bytes: Uint8Array) => void>();
  /** Bytes encoded so far (what rclnodejs would publish). */
  encodedBytes = 0;

  constructor(inner: TransportNode) {
    this.#inner = inner;
  }
  get name(): string {
    return this.#inner.name;
  }
  get logger(): TransportNode['logger'] {
    return this.#inner.logger;
  }
  now(): bigint {
    return this.#inner.now();
  }
  steadyNs(): bigint {
    return this.#inner.steadyNs();
  }
  createPublisher<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    options?: EndpointOptions,
  ): Publisher<T> {
    if (cdrCodec(type) === null) return this.#inner.createPublisher(type, topic, qos, options);
    const encode = publishEncoder(type);
    return {
      topic,
      publish: (m) => {
        this.encodedBytes += (encode(m) as Buffer).byteLength;
      },
    };
  }
  createSubscription<T extends MessageTypeName>(
    type: T,
    topic: string,
    qos: QosProfileName,
    callback: (message: MessageTypes[T]) => void,
    options?: EndpointOptions,
  ): Disposable {
    const { raw, decode } = subscriptionDecoder(type);
    if (!raw) return this.#inner.createSubscription(type, topic, qos, callback, options);
    this.feeders.set(topic, (bytes) => callback(decode(bytes)));
    return { dispose: () => this.feeders.delete(topic) };
  }
  createTimer(
    ...args: Parameters<TransportNode['createTimer']>
  ): ReturnType<TransportNode['createTimer']> {
    return this.#inner.createTimer(...args);
  }
  createTriggerService(...args: Parameters<TransportNode['createTriggerService']>): Disposable {
    return this.#inner.createTriggerService(...args);
  }
  declareParameters(...args: Parameters<TransportNode['declareParameters']>): void {
    this.#inner.declareParameters(...args);
  }
  getParameter(name: string): ReturnType<TransportNode['getParameter']> {
    return this.#inner.getParameter(name);
  }
  onSetParameters(...args: Parameters<TransportNode['onSetParameters']>): void {
    this.#inner.onSetParameters(...args);
  }
  setParameters(
    ...args: Parameters<TransportNode['setParameters']>
  ): ReturnType<TransportNode['setParameters']> {
    return this.#inner.setParameters(...args);
  }
  destroy(): void {
    this.#inner.destroy();
  }
}

export interface TickAllocation {
  /** Ticks measured. */
  readonly ticks: number;
  /** Heap bytes allocated per tick (mean over the counted chunks). */
  readonly bytesPerTick: number;
  /** Chunks counted, and chunks dropped because a collection ran inside them. */
  readonly chunks: number;
  readonly droppedChunks: number;
  /** V8 collections during `ticks` ticks run straight: scavenges, and mark-compacts. */
  readonly scavenges: number;
  readonly markCompacts: number;
  /** CDR bytes encoded per tick (command + PolicyOutput): checks the outputs were made. */
  readonly encodedBytesPerTick: number;
}

/** A policy node in the harness, ready to tick; `close()` when done. */
export interface TickHarness {
  /** Advance one control period, delivering its joint states (the first ticks the node). */
  tick(): void;
  readonly node: PolicyNode;
  readonly wire: CdrWireNode;
  close(): Promise<void>;
}

/**
 * @param statesPerTick joint states per control period (10: a 500 Hz driver and a 50 Hz policy);
 *   the first of each period ticks the node.
 */
export async function tickHarness(
  parameters: Record<string, string | number | boolean> = {},
  statesPerTick = 1,
): Promise<TickHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-tick-alloc-'));
  const checkpoint = join(dir, 'ckpt');
  const policy = new GaussianPolicy({ obsSize: 20, actionSize: 7, logStdInit: -1 }, new Random(3));
  saveCheckpoint(checkpoint, {
    task: 'arm7-reach',
    jointNames: JOINTS,
    backend: 'cpu',
    iteration: 0,
    steps: 0,
    policy,
    hyperparameters: {},
  });
  const loading = await createDeploymentLoader();
  const transport = new InProcessTransport({ clock: 'manual' });
  let pn: PolicyNode | undefined;
  let wire: CdrWireNode | undefined;
  const handle = transport.createLifecycleNode(
    'torquepilot_policy',
    (node) => {
      wire = new CdrWireNode(node);
      pn = new PolicyNode(wire, { loader: loading.loader });
      return pn.callbacks();
    },
    { parameterOverrides: { checkpoint, mode: 'real', armed: true, ...parameters } },
  );
  for (const t of ['configure', 'activate'] as const) {
    const r = handle.trigger(t);
    if (!r.success) throw new Error(`tickHarness: ${t} failed: ${r.reason ?? ''}`);
  }
  transport.publish(
    'geometry_msgs/msg/PointStamped',
    '/torquepilot/target',
    { stampNs: 0n, frameId: 'world', x: 0.4, y: 0.1, z: 0.5 },
    'latest',
  );
  const node = pn as PolicyNode;
  const w = wire as CdrWireNode;
  const feed = w.feeders.get('/joint_states');
  if (feed === undefined) throw new Error('tickHarness: no raw /joint_states subscription');
  const periodNs = BigInt(Math.round(1e9 / (node.deployment?.description.controlRateHz ?? 50)));
  const stepNs = periodNs / BigInt(statesPerTick);
  // One JointState's bytes, as a driver publishes it; the stamp is not what is measured.
  const toRos = rosConverters.toRos['sensor_msgs/msg/JointState'];
  const jointState = cdrCodec('sensor_msgs/msg/JointState');
  if (jointState === null) throw new Error('tickHarness: JointState has no codec');
  const bytes = Uint8Array.from(
    jointState.write(
      toRos({
        stampNs: 1_796_370_632_757_682_814n,
        name: JOINTS,
        position: JOINTS.map((_, j) => 0.1 * j),
        velocity: JOINTS.map((_, j) => -0.05 * j),
        effort: JOINTS.map(() => 0),
      }),
    ),
  );
  return {
    node,
    wire: w,
    tick: () => {
      for (let k = 0; k < statesPerTick; k++) {
        transport.advanceBy(stepNs);
        feed(bytes);
      }
    },
    close: async () => {
      handle.trigger('deactivate');
      handle.trigger('shutdown');
      await transport.shutdown();
      loading.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Measure `ticks` ticks of a warmed-up harness (see the file comment). */
export async function measureTickAllocation(
  harness: TickHarness,
  ticks: number,
): Promise<TickAllocation> {
  for (let k = 0; k < 2000; k++) harness.tick(); // JIT-compile the path first
  const startTicks = harness.node.stats().ticks;
  const startBytes = harness.wire.encodedBytes;
  let counted = 0;
  let bytes = 0;
  let dropped = 0;
  gc('major');
  for (let done = 0; done < ticks; done += CHUNK) {
    gc('minor');
    const before = process.memoryUsage().heapUsed;
    for (let k = 0; k < CHUNK; k++) harness.tick();
    const grew = process.memoryUsage().heapUsed - before;
    if (grew < 0) {
      dropped++;
      continue;
    }
    bytes += grew;
    counted++;
  }
  // Collections over `ticks` ticks run straight, after a full collection.
  const kinds: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      kinds.push((e as unknown as { detail: { kind: number } }).detail.kind);
  });
  gc('major');
  observer.observe({ entryTypes: ['gc'] });
  for (let k = 0; k < ticks; k++) harness.tick();
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const measuredTicks = harness.node.stats().ticks - startTicks;
  return {
    ticks,
    bytesPerTick: counted === 0 ? NaN : bytes / (counted * CHUNK),
    chunks: counted,
    droppedChunks: dropped,
    scavenges: kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MINOR).length,
    markCompacts: kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MAJOR).length,
    encodedBytesPerTick: (harness.wire.encodedBytes - startBytes) / measuredTicks,
  };
}
