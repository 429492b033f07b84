/**
 * The production pieces behind the node interfaces: the deployment loader (checkpoint + robot
 * description + the sim layer's observation builder and forward kinematics) and the simulated
 * robot (a MuJoCo environment from sim/).
 *
 * Lifecycle callbacks are synchronous, but loading MuJoCo is not: `createDeploymentLoader` does the
 * async part up front (the WASM module and each task's kinematics model), and the loader it returns
 * reads checkpoints and descriptions synchronously on configure.
 */
import { dirname, join, resolve } from 'node:path';
import { loadRobotDescription } from '../../config/index.js';
import type { RobotDescription } from '../../config/index.js';
import { forwardFromCheckpoint, loadCheckpoint } from '../../policy/index.js';
import type { PolicyForward } from '../../policy/index.js';
import type { Random } from '../../util/index.js';
import { Kinematics, getTask, makeEnv, modelsDir, taskNames } from '../../../sim/index.js';
import type { MujocoEnv } from '../../../sim/index.js';
import type {
  DeploymentDescription,
  DeploymentLoader,
  LoadedDeployment,
  NodePolicy,
  ObservationBuilder,
} from '../control/index.js';
import type { SimulatedRobot } from './simRobotNode.js';

/** The default robot description of a task: models/<task>/robot.yaml. */
export function defaultDescriptionPath(task: string): string {
  return join(modelsDir(), task, 'robot.yaml');
}

/** A checkpoint's policy behind the NodePolicy interface (allocation-free per call). */
export class CheckpointPolicy implements NodePolicy {
  readonly checkpointId: string;
  readonly task: string;
  readonly jointNames: readonly string[];
  readonly obsSize: number;
  readonly actionSize: number;
  readonly #forward: PolicyForward;

  constructor(
    forward: PolicyForward,
    meta: { id: string; task: string; jointNames: readonly string[] },
  ) {
    this.#forward = forward;
    this.checkpointId = meta.id;
    this.task = meta.task;
    this.jointNames = meta.jointNames;
    this.obsSize = forward.obsSize;
    this.actionSize = forward.actionSize;
  }
  get mean(): Float64Array {
    return this.#forward.mean;
  }
  get logStd(): Float64Array {
    return this.#forward.logStd;
  }
  act(obs: Float64Array, deterministic: boolean, rng: Random, out: Float64Array): number {
    if (!deterministic) return this.#forward.sample(obs, rng, out);
    this.#forward.forward(obs, out);
    // The mean is a deterministic behaviour: it has no density (issue 16), so no log-prob.
    return NaN;
  }
}

/** The task's observation from measured joints, target and forward kinematics (sim/ code). */
export class TaskObservation implements ObservationBuilder {
  readonly obsSize: number;
  readonly jointNames: readonly string[];
  readonly needsTarget: boolean;
  readonly endEffector = new Float64Array(3);
  readonly #task: ReturnType<typeof getTask>;
  readonly #kinematics: Kinematics;
  readonly #target = new Float64Array(3);
  #position: Float64Array = new Float64Array(0);
  #velocity: Float64Array = new Float64Array(0);
  #obs: Float64Array = new Float64Array(0);

  constructor(task: string, kinematics: Kinematics) {
    this.#task = getTask(task);
    this.#kinematics = kinematics;
    this.obsSize = this.#task.obsSize;
    this.jointNames = this.#task.observedJoints;
    this.needsTarget = this.#task.hasTarget;
  }

  build(
    position: Float64Array,
    velocity: Float64Array,
    target: Float64Array | null,
    out: Float64Array,
  ): void {
    this.#kinematics.endEffector(position, this.endEffector);
    if (target !== null) this.#target.set(target);
    this.#task.observe(
      {
        jointPos: position,
        jointVel: velocity,
        target: this.#target,
        endEffector: this.endEffector,
      },
      out,
    );
    this.#position = position;
    this.#velocity = velocity;
    this.#obs = out;
  }

  reward(action: Float64Array): number {
    const ee = this.endEffector;
    const t = this.#target;
    const distance = this.needsTarget
      ? Math.hypot(ee[0]! - t[0]!, ee[1]! - t[1]!, ee[2]! - t[2]!)
      : NaN;
    return this.#task.reward({
      jointPos: this.#position,
      jointVel: this.#velocity,
      target: t,
      endEffector: ee,
      action,
      obs: this.#obs,
      distance,
    });
  }
}

function toDeploymentDescription(d: RobotDescription): DeploymentDescription {
  return {
    task: d.task,
    jointNames: d.jointNames,
    torqueLimits: d.torqueLimits,
    ...(d.actuatorGear !== undefined ? { actuatorGear: d.actuatorGear } : {}),
    controlRateHz: d.controlRateHz,
    jointStatesTopic: d.topics.jointStates,
    commandTopic: d.topics.commands,
    source: d.sourcePath,
  };
}

/**
 * Make the synchronous loader. Loads MuJoCo and the kinematics model of every task's default
 * description, plus those of `extraDescriptions` (custom robots given on the command line).
 */
export async function createDeploymentLoader(
  extraDescriptions: readonly string[] = [],
): Promise<{ loader: DeploymentLoader; close(): void }> {
  const kinematics = new Map<string, Kinematics>();
  const key = (path: string) => resolve(path);
  for (const task of taskNames) {
    kinematics.set(key(defaultDescriptionPath(task)), await Kinematics.create(task));
  }
  for (const path of extraDescriptions) {
    if (kinematics.has(key(path))) continue;
    const d = loadRobotDescription(path);
    kinematics.set(
      key(path),
      await Kinematics.create(d.task, { robotPath: path, modelPath: join(dirname(path), d.model) }),
    );
  }
  const loader: DeploymentLoader = (request) => {
    const ckpt = loadCheckpoint(request.checkpoint);
    const m = ckpt.manifest;
    const descriptionPath =
      request.robotDescription !== '' ? request.robotDescription : defaultDescriptionPath(m.task);
    const description = loadRobotDescription(descriptionPath);
    const kin = kinematics.get(key(descriptionPath));
    if (kin === undefined) {
      throw new Error(
        `robot description ${descriptionPath} was not given when the node started (its kinematics model is not loaded); start the node with --robot ${descriptionPath}`,
      );
    }
    const policy = new CheckpointPolicy(forwardFromCheckpoint(ckpt), {
      id: m.id,
      task: m.task,
      jointNames: m.jointNames,
    });
    const deployment: LoadedDeployment = {
      policy,
      observation: new TaskObservation(description.task, kin),
      description: toDeploymentDescription(description),
      close: () => {},
    };
    return deployment;
  };
  return {
    loader,
    close: () => {
      for (const k of kinematics.values()) k.close();
      kinematics.clear();
    },
  };
}

const WARM_UP_STEPS = 300;

/** A MuJoCo environment of sim/ as the robot of the sim robot node. */
export class MujocoRobot implements SimulatedRobot {
  readonly task: string;
  readonly commandJointNames: readonly string[];
  readonly stateJointNames: readonly string[];
  readonly gear: ArrayLike<number>;
  readonly jointStatesTopic: string;
  readonly commandTopic: string;
  readonly dt: number;
  readonly horizon: number;
  readonly target: Float64Array | null;
  readonly #env: MujocoEnv;

  private constructor(env: MujocoEnv, description: RobotDescription) {
    this.#env = env;
    this.task = env.spec.name;
    this.commandJointNames = description.jointNames;
    this.stateJointNames = env.task.observedJoints;
    this.gear = description.actuatorGear ?? description.jointNames.map(() => 1);
    this.jointStatesTopic = description.topics.jointStates;
    this.commandTopic = description.topics.commands;
    this.dt = env.spec.dt;
    this.horizon = env.spec.horizon;
    this.target = env.task.hasTarget ? new Float64Array(3) : null;
  }

  static async create(task: string, robotPath?: string): Promise<MujocoRobot> {
    const path = robotPath ?? defaultDescriptionPath(task);
    const description = loadRobotDescription(path);
    const robot = new MujocoRobot(await makeEnv(task, { robotPath: path }), description);
    // JIT warm-up: a fresh simulation's first steps run several times slower, which a real-time
    // loop would see as late ticks. The node's first reset starts the seeded episode afresh.
    const action = new Float64Array(robot.commandJointNames.length);
    robot.reset(0);
    for (let k = 0; k < WARM_UP_STEPS; k++) robot.step(action);
    return robot;
  }

  reset(seed: number): void {
    this.#env.reset(seed);
    this.#readTarget();
  }

  step(action: Float64Array): void {
    this.#env.stepFrom(action, 0);
    if (this.#env.lastTerminated) {
      this.#env.resetNext();
      this.#readTarget();
    }
  }

  readJointState(position: Float64Array, velocity: Float64Array, effort: Float64Array): void {
    this.#env.readObservedJoints(position, velocity);
    effort.fill(0);
  }

  distance(): number {
    return this.#env.lastDistance;
  }

  close(): void {
    this.#env.close();
  }

  #readTarget(): void {
    if (this.target !== null) this.#env.readTarget(this.target);
  }
}
