/**
 * The production pieces behind the node interfaces: the deployment loader (checkpoint + robot
 * description + the sim layer's observation builder and forward kinematics) and the simulated
 * robot (a MuJoCo environment from sim/).
 *
 * Lifecycle callbacks are synchronous, but loading MuJoCo is not: `createDeploymentLoader` does the
 * async part up front (the WASM module and each task's kinematics model), and the loader it returns
 * reads checkpoints and descriptions synchronously on configure.
 */
import { basename, dirname, resolve } from 'node:path';
import {
  BUILTIN_TASKS,
  controlFromHyperparameters,
  loadRobotDescription,
  resolveRobotPath,
  shapingOf,
} from '../../config/index.js';
import type { RandomizeSpec, RobotDescription, TaskParams } from '../../config/index.js';
import { experienceIdentity } from '../../learn/index.js';
import { forwardFromCheckpoint, loadCheckpoint, robotDifferences } from '../../policy/index.js';
import type { CheckpointManifest, PolicyForward } from '../../policy/index.js';
import { checkpointTask } from '../../train/index.js';
import type { Random } from '../../util/index.js';
import { BodyFrames, Kinematics, loadMujoco, makeEnv, modelsDir } from '../../../sim/index.js';
import type { MujocoEnv, TaskDefinition } from '../../../sim/index.js';
import type {
  DeploymentDescription,
  DeploymentLoader,
  LoadedDeployment,
  NodePolicy,
  ObservationBuilder,
} from '../control/index.js';
import type { SimulatedRobot } from './simRobotNode.js';
import type { LinkPoseSource } from './tfPublisher.js';

/** The default robot description of a built-in task: models/robots/<robot>/robot.yaml. */
export function defaultDescriptionPath(task: string): string {
  return resolveRobotPath(BUILTIN_TASKS[task]?.robot ?? task, modelsDir());
}

/** A checkpoint's policy behind the NodePolicy interface (allocation-free per call). */
export class CheckpointPolicy implements NodePolicy {
  readonly checkpointId: string;
  readonly task: string;
  readonly jointNames: readonly string[];
  readonly obsSize: number;
  readonly actionSize: number;
  readonly parameterCount: number;
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
    this.parameterCount = forward.policy.params.length;
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
  /** The forward pass reads the policy's own arrays: overwrite them in place. */
  setParameters(
    params: Float32Array,
    normalizerMean: Float64Array,
    normalizerVar: Float64Array,
    normalizerCount: number,
  ): void {
    const policy = this.#forward.policy;
    if (params.length !== policy.params.length)
      throw new Error(
        `CheckpointPolicy.setParameters: ${params.length} parameters, checkpoint '${this.checkpointId}' has ${policy.params.length}`,
      );
    policy.params.set(params);
    policy.normalizer.setStatistics(normalizerMean, normalizerVar, normalizerCount);
  }
}

/** The task's observation from measured joints, target and forward kinematics (sim/ code). */
export class TaskObservation implements ObservationBuilder {
  readonly obsSize: number;
  readonly jointNames: readonly string[];
  readonly needsTarget: boolean;
  readonly endEffector = new Float64Array(3);
  readonly #task: TaskDefinition;
  readonly #kinematics: Kinematics;
  readonly #target = new Float64Array(3);
  #position: Float64Array = new Float64Array(0);
  #velocity: Float64Array = new Float64Array(0);
  #obs: Float64Array = new Float64Array(0);

  /** The observation of the task and robot `kinematics` was loaded for. */
  constructor(kinematics: Kinematics) {
    this.#task = kinematics.taskModel.task;
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

function toDeploymentDescription(d: RobotDescription, task: string): DeploymentDescription {
  return {
    task,
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
 * Refuse a checkpoint whose robot is not `d` before anything is compiled: the number of joints, and
 * the robot's identity (joint names, limits, gravity; the model hash is compared once compiled).
 * Checkpoints from before robot folders carry only joint names and a built-in task.
 */
function robotProblems(m: CheckpointManifest, d: RobotDescription): string[] {
  const problems: string[] = [];
  const n = d.jointNames.length;
  if (m.actionSize !== n) {
    problems.push(
      `action size: policy has ${m.actionSize}, robot description commands ${n} joints`,
    );
  }
  const where = basename(d.sourcePath);
  if (m.robot !== undefined) {
    const given = {
      ...m.robot,
      name: d.name,
      jointNames: d.jointNames,
      torqueLimits: d.torqueLimits,
      gravity: d.gravity,
    };
    problems.push(...robotDifferences(m.robot, given, where));
  } else if (m.jointNames.length === n) {
    m.jointNames.forEach((name, i) => {
      if (name !== d.jointNames[i]) {
        problems.push(
          `joint ${i + 1} name '${name}' in the checkpoint, '${d.jointNames[i]}' in ${where}`,
        );
      }
    });
  }
  const trainedOn = m.robot?.name ?? BUILTIN_TASKS[m.task]?.robot;
  if (problems.length > 0 && trainedOn !== undefined && trainedOn !== d.name) {
    problems.push(
      `task: policy trained on '${m.task}' (robot '${trainedOn}'), description is robot '${d.name}'`,
    );
  }
  return problems;
}

/**
 * Make the synchronous loader. Loads MuJoCo up front; on configure it reads the checkpoint, the robot
 * (the `robot_description` parameter: a robot folder, its robot.yaml or a built-in name; default
 * the checkpoint's robot) and builds the observation of the checkpoint's task on that robot. A
 * robot other than the checkpoint's is refused, naming each difference. `robots` (the --robot
 * flag) are checked at once, so a bad path fails at start.
 */
export async function createDeploymentLoader(
  robots: readonly string[] = [],
): Promise<{ loader: DeploymentLoader; close(): void }> {
  for (const ref of robots) loadRobotDescription(resolveRobotPath(ref, modelsDir()));
  const mj = await loadMujoco();
  const kinematics = new Map<string, Kinematics>();
  const loader: DeploymentLoader = (request) => {
    const ckpt = loadCheckpoint(request.checkpoint);
    const m = ckpt.manifest;
    const given = request.robotDescription !== '' ? request.robotDescription : undefined;
    const { task, robot } = checkpointTask(m, given);
    const robotPath =
      robot !== undefined ? resolveRobotPath(robot, modelsDir()) : defaultDescriptionPath(m.task);
    const description = loadRobotDescription(robotPath);
    const refuse = (problems: string[]): never => {
      throw new Error(
        `policy node: checkpoint '${m.id}' does not match robot description ${robotPath}: ${problems.join('; ')}`,
      );
    };
    const early = robotProblems(m, description);
    if (early.length > 0) refuse(early);
    const key = `${robotPath}\u0000${JSON.stringify(task)}`;
    let kin = kinematics.get(key);
    if (kin === undefined) {
      kin = Kinematics.load(mj, task, { robot: robotPath });
      kinematics.set(key, kin);
    }
    const spec = kin.taskModel.spec;
    if (m.robot !== undefined && spec.robot !== undefined) {
      const late = robotDifferences(m.robot, spec.robot, basename(robotPath));
      if (late.length > 0) refuse(late);
    }
    const policy = new CheckpointPolicy(forwardFromCheckpoint(ckpt), {
      id: m.id,
      task: m.task,
      jointNames: m.jointNames,
    });
    // Trained at another policy rate than the description's: the node ticks at the trained one.
    const control = controlFromHyperparameters(m.hyperparameters, ckpt.dir);
    const deployed = toDeploymentDescription(description, spec.name);
    const deployment: LoadedDeployment = {
      policy,
      observation: new TaskObservation(kin),
      description:
        control.policyRateHz === undefined
          ? deployed
          : { ...deployed, controlRateHz: control.policyRateHz },
      shaping: shapingOf(control),
      // The learner's identity for this robot and task (it builds it from the same task spec).
      identity: experienceIdentity(spec),
      policyVersion: m.iteration,
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

/**
 * A MuJoCo environment of sim/ as the robot of the sim robot node. With a perturbation (a
 * perturbation file's spec, src/config/randomize.ts), the environment is the one `eval --perturb`
 * steps: its own model with the shifted masses, friction, gears and payload (mj_setConst after),
 * the delay line on applied commands, jitter, and the noise draw on the joints it reports.
 */
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
  readonly links: LinkPoseSource;
  readonly descriptionFile?: string;
  readonly #env: MujocoEnv;

  private constructor(env: MujocoEnv, description: RobotDescription, frames: BodyFrames) {
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
    if (description.description !== undefined) {
      this.descriptionFile = resolve(dirname(description.sourcePath), description.description);
    }
    // /tf: every MuJoCo body in its parent body's frame, from MjData's world poses (BodyFrames
    // writes sim's POSE_STRIDE layout, which is LINK_POSE_STRIDE: t, then w, x, y, z).
    const xpos = new Float64Array(3 * env.model.nbody);
    const xquat = new Float64Array(4 * env.model.nbody);
    this.links = {
      linkFrames: frames.frames,
      linkParents: frames.parents,
      readLinkPoses: (out) => {
        env.readBodyPoses(xpos, xquat);
        frames.relativePoses(xpos, xquat, out);
      },
    };
  }

  /**
   * The simulated robot of `task` on `robot` (a robot folder or name; default: the task's), shifted
   * by `perturbation` when given (the stand-in arm).
   */
  static async create(
    task: string | TaskParams,
    robot?: string,
    perturbation?: RandomizeSpec,
  ): Promise<MujocoRobot> {
    const env = await makeEnv(task, {
      ...(robot !== undefined ? { robot } : {}),
      ...(perturbation !== undefined ? { randomize: perturbation } : {}),
    });
    const frames = new BodyFrames(await loadMujoco(), env.model);
    const sim = new MujocoRobot(env, env.taskModel.description, frames);
    // JIT warm-up: a fresh simulation's first steps run several times slower, which a real-time
    // loop would see as late ticks. The node's first reset starts the seeded episode afresh.
    const action = new Float64Array(sim.commandJointNames.length);
    sim.reset(0);
    for (let k = 0; k < WARM_UP_STEPS; k++) sim.step(action);
    return sim;
  }

  reset(seed: number): void {
    this.#env.reset(seed);
    this.#readTarget();
  }

  /** One control period; true when the task terminated and a new episode started (resetNext). */
  step(action: Float64Array): boolean {
    this.#env.stepFrom(action, 0);
    if (!this.#env.lastTerminated) return false;
    this.#env.resetNext();
    this.#readTarget();
    return true;
  }

  readJointState(position: Float64Array, velocity: Float64Array, effort: Float64Array): void {
    // As the encoders report them: with the perturbation's noise, if any.
    this.#env.readMeasuredJoints(position, velocity);
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
