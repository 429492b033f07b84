/**
 * The trainer node: `torquepilot train`'s in-process vectorised training, shown live on ROS 2 so
 * that RViz and Foxglove follow it. Training itself runs unchanged (src/train/runner.ts `train`);
 * this node hooks into its progress reporter, which the runner calls once per iteration after the
 * metrics line and the checkpoint pointers are written, and publishes:
 *
 *   /torquepilot/training/metrics     std_msgs/String  one JSON object per iteration: the run's
 *                                                      metrics.jsonl line plus task, runDir,
 *                                                      totalSteps (latched: keep last 1)
 *   /torquepilot/training/checkpoint  std_msgs/String  absolute path of each new checkpoint
 *                                                      directory (latched: late joiners get it)
 *   /joint_states                     sensor_msgs/JointState  one environment of the task, driven
 *                                                      by the newest checkpoint's mean policy
 *   /torquepilot/target               geometry_msgs/PointStamped  that environment's target
 *   /tf                               tf2_msgs/TFMessage  that environment's links (tfPublisher.ts)
 *   /robot_description                std_msgs/String  the robot's URDF when given (latched)
 *
 * The /joint_states environment is one extra environment (not one of the training batch, whose
 * states live inside the vectorised rollout): it runs the policy as the deployed node would (plain
 * TypeScript forward pass, observation from joint states matched by name), so what RViz shows is
 * what the newest checkpoint does. It steps on a steady-clock timer at the task's dt; while a
 * rollout holds the event loop (0 worker threads) it waits, and missed periods are skipped.
 */
import { resolve } from 'node:path';
import { readPointer } from '../../policy/index.js';
import { readMetrics } from '../../train/index.js';
import type { ProgressReporter, ProgressUpdate } from '../../train/index.js';
import { runPaths } from '../../train/index.js';
import { Random } from '../../util/index.js';
import type { DeploymentLoader, LoadedDeployment } from '../control/index.js';
import { JointStateMatcher } from '../control/index.js';
import { POLICY_TOPICS, TRAINER_TOPICS } from './parameters.js';
import { publishRobotDescription, robotDescriptionText } from './robotDescriptionTopic.js';
import type { SimulatedRobot } from './simRobotNode.js';
import { DEFAULT_TF_RATE_HZ, TfPublisher } from './tfPublisher.js';
import type { Publisher, Timer, TransportNode } from '../transport/index.js';

export interface TrainerNodeOptions {
  /** Run directory the runner writes (metrics.jsonl, checkpoints/). */
  readonly runDir: string;
  readonly task: string;
  /** Training budget in environment steps (for the metrics message). */
  readonly totalSteps: number;
  /** The /joint_states environment and the checkpoint loader; omitted = no /joint_states. */
  readonly showcase?: {
    readonly robot: SimulatedRobot;
    readonly loader: DeploymentLoader;
    /** Seed of the first episode; episode k uses seed + k. */
    readonly seed: number;
    /** Most /tf messages per second (default DEFAULT_TF_RATE_HZ; 0 = no /tf). */
    readonly tfRateHz?: number;
    /** URDF text to latch on /robot_description (absent or '' = the robot's descriptionFile). */
    readonly robotDescription?: string;
  };
}

export interface TrainerNodeStats {
  readonly metricsPublished: number;
  /** Checkpoint paths published, in order. */
  readonly checkpoints: readonly string[];
  /** Steps of the /joint_states environment. */
  readonly showcaseSteps: number;
  /** Checkpoint id the /joint_states environment runs ('' before the first checkpoint). */
  readonly showcaseCheckpointId: string;
}

export class TrainerNode {
  readonly node: TransportNode;
  readonly #o: TrainerNodeOptions;
  readonly #metricsPub: Publisher<'std_msgs/msg/String'>;
  readonly #checkpointPub: Publisher<'std_msgs/msg/String'>;
  readonly #showcase: Showcase | null;
  #timer: Timer | null = null;
  #lastCheckpoint = '';
  #checkpoints: string[] = [];
  #metricsPublished = 0;

  constructor(node: TransportNode, options: TrainerNodeOptions) {
    this.node = node;
    this.#o = options;
    // Latched: a late subscriber (Foxglove opened mid-run) sees the newest iteration at once.
    this.#metricsPub = node.createPublisher(
      'std_msgs/msg/String',
      TRAINER_TOPICS.metrics,
      'latched',
    );
    this.#checkpointPub = node.createPublisher(
      'std_msgs/msg/String',
      TRAINER_TOPICS.checkpoint,
      'latched',
    );
    this.#showcase = options.showcase ? new Showcase(node, options.showcase) : null;
  }

  /** Start the /joint_states environment's timer (steady clock, the task's dt). */
  start(): void {
    const showcase = this.#showcase;
    if (showcase === null || this.#timer !== null) return;
    showcase.reset();
    this.#timer = this.node.createTimer(showcase.periodNs, () => showcase.step(), 'steady');
  }

  stop(): void {
    this.#timer?.dispose();
    this.#timer = null;
    this.#showcase?.close();
  }

  /** A progress reporter for `train()`: forwards to `inner` and publishes each iteration. */
  progressReporter(inner: ProgressReporter): ProgressReporter {
    return {
      update: (u) => {
        inner.update(u);
        this.onIteration(u);
      },
      bracket: (after) => inner.bracket(after),
      done: () => {
        inner.done();
        this.#publishNewCheckpoint();
      },
    };
  }

  /** Publish the iteration's metrics and, when the `latest` pointer moved, the new checkpoint. */
  onIteration(u: ProgressUpdate): void {
    const paths = runPaths(this.#o.runDir);
    const lines = readMetrics(paths.metrics);
    const line = lines.findLast((l) => l.iteration === u.iteration);
    const message = {
      task: this.#o.task,
      runDir: resolve(this.#o.runDir),
      totalSteps: this.#o.totalSteps,
      elapsed: u.elapsed,
      ...(line ?? {
        iteration: u.iteration,
        steps: u.steps,
        episodeReturnMean: u.meanReturn,
        stepsPerSec: u.stepsPerSec,
        ...(u.evalReturn !== undefined ? { evalReturn: u.evalReturn } : {}),
      }),
    };
    this.#metricsPub.publish({ data: JSON.stringify(message) });
    this.#metricsPublished++;
    this.#publishNewCheckpoint();
  }

  stats(): TrainerNodeStats {
    return {
      metricsPublished: this.#metricsPublished,
      checkpoints: this.#checkpoints,
      showcaseSteps: this.#showcase?.steps ?? 0,
      showcaseCheckpointId: this.#showcase?.checkpointId ?? '',
    };
  }

  #publishNewCheckpoint(): void {
    const checkpoints = runPaths(this.#o.runDir).checkpoints;
    const pointer = readPointer(checkpoints, 'latest');
    if (pointer === undefined) return;
    const dir = resolve(checkpoints, pointer.checkpoint);
    if (dir === this.#lastCheckpoint) return;
    this.#lastCheckpoint = dir;
    this.#checkpoints.push(dir);
    this.#checkpointPub.publish({ data: dir });
    this.node.logger.info(`${this.node.name}: checkpoint ${dir}`);
    try {
      this.#showcase?.load(dir);
    } catch (err) {
      // The checkpoint stays published; only the live view keeps the previous policy.
      this.node.logger.error(
        `${this.node.name}: /joint_states environment could not load ${dir}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}

/** One environment driven by the newest checkpoint's mean policy, published as /joint_states. */
class Showcase {
  readonly periodNs: bigint;
  steps = 0;
  readonly #node: TransportNode;
  readonly #robot: SimulatedRobot;
  readonly #loader: DeploymentLoader;
  readonly #seed: number;
  readonly #statePub: Publisher<'sensor_msgs/msg/JointState'>;
  readonly #targetPub: Publisher<'geometry_msgs/msg/PointStamped'>;
  readonly #tf: TfPublisher | null;
  readonly #position: Float64Array;
  readonly #velocity: Float64Array;
  readonly #effort: Float64Array;
  readonly #action: Float64Array;
  readonly #rng = new Random(0);
  #deployment: LoadedDeployment | null = null;
  #matcher: JointStateMatcher | null = null;
  #obs = new Float64Array(0);
  #stepInEpisode = 0;
  #episodes = 0;

  constructor(node: TransportNode, o: NonNullable<TrainerNodeOptions['showcase']>) {
    this.#node = node;
    this.#robot = o.robot;
    this.#loader = o.loader;
    this.#seed = o.seed;
    this.periodNs = BigInt(Math.round(o.robot.dt * 1e9));
    const m = o.robot.stateJointNames.length;
    this.#position = new Float64Array(m);
    this.#velocity = new Float64Array(m);
    this.#effort = new Float64Array(m);
    this.#action = new Float64Array(o.robot.commandJointNames.length);
    this.#statePub = node.createPublisher(
      'sensor_msgs/msg/JointState',
      o.robot.jointStatesTopic,
      'reliable',
    );
    this.#targetPub = node.createPublisher(
      'geometry_msgs/msg/PointStamped',
      POLICY_TOPICS.target,
      'latched',
    );
    const tfRate = o.tfRateHz ?? DEFAULT_TF_RATE_HZ;
    this.#tf =
      o.robot.links !== undefined && tfRate > 0
        ? new TfPublisher(node, o.robot.links, tfRate)
        : null;
    const description = robotDescriptionText(o.robotDescription, o.robot.descriptionFile);
    if (description !== undefined) publishRobotDescription(node, description);
  }

  get checkpointId(): string {
    return this.#deployment?.policy.checkpointId ?? '';
  }

  /** Switch to a new checkpoint and start a fresh episode with it. */
  load(checkpointDir: string): void {
    const next = this.#loader({ checkpoint: checkpointDir, robotDescription: '' });
    if (next.policy.actionSize !== this.#action.length) {
      next.close();
      throw new Error(
        `checkpoint action size ${next.policy.actionSize}, the environment has ${this.#action.length} actuators`,
      );
    }
    this.#deployment?.close();
    this.#deployment = next;
    this.#matcher = new JointStateMatcher(next.observation.jointNames);
    this.#obs = new Float64Array(next.policy.obsSize);
    this.reset();
  }

  reset(): void {
    this.#robot.reset(this.#seed + this.#episodes);
    this.#stepInEpisode = 0;
    const t = this.#robot.target;
    if (t !== null) {
      this.#targetPub.publish({
        stampNs: this.#node.now(),
        frameId: 'world',
        x: t[0] as number,
        y: t[1] as number,
        z: t[2] as number,
      });
    }
    this.#publishState();
  }

  /** One control period: policy on the current state (zero torque before any checkpoint). */
  step(): void {
    const robot = this.#robot;
    const deployment = this.#deployment;
    const matcher = this.#matcher;
    this.#action.fill(0);
    if (deployment !== null && matcher !== null) {
      robot.readJointState(this.#position, this.#velocity, this.#effort);
      const matched = matcher.update(this.#stateMessage());
      if (matched.ok) {
        deployment.observation.build(matcher.position, matcher.velocity, robot.target, this.#obs);
        deployment.policy.act(this.#obs, true, this.#rng, this.#action);
      }
    }
    robot.step(this.#action);
    this.steps++;
    if (++this.#stepInEpisode >= robot.horizon) {
      this.#episodes++;
      this.reset();
      return;
    }
    this.#publishState();
  }

  close(): void {
    this.#deployment?.close();
    this.#deployment = null;
  }

  #stateMessage() {
    return {
      stampNs: this.#node.now(),
      name: this.#robot.stateJointNames,
      position: this.#position,
      velocity: this.#velocity,
      effort: this.#effort,
    };
  }

  #publishState(): void {
    this.#robot.readJointState(this.#position, this.#velocity, this.#effort);
    const m = this.#stateMessage();
    // Copies: the in-process transport delivers later, and these arrays are reused.
    this.#statePub.publish({
      ...m,
      position: Float64Array.from(m.position),
      velocity: Float64Array.from(m.velocity),
      effort: Float64Array.from(m.effort),
    });
    this.#tf?.publish(m.stampNs);
  }
}
