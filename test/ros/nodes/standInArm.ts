/**
 * A stand-in for a real arm in process: a MuJoCo environment of the task, perturbed by a
 * perturbation (a heavier, more damped arm than the policy was trained on), behind the sim robot
 * node's SimulatedRobot interface, announcing each reset on the episode topic as the sim robot
 * does (std_msgs/Header, stamp = the reset time, frame_id 'start' for the first, 'horizon' after).
 * `sim-robot --perturb` is the real thing; this keeps the replay test independent of it.
 */
import { loadRobotDescription, perturbationToSpec } from '../../../src/config/index.js';
import type { Perturbation } from '../../../src/config/index.js';
import type { SimulatedRobot } from '../../../src/ros/nodes/simRobotNode.js';
import { defaultDescriptionPath } from '../../../src/ros/nodes/simDeployment.js';
import { makeEnv } from '../../../sim/index.js';
import type { MujocoEnv } from '../../../sim/index.js';

export class StandInArm implements SimulatedRobot {
  readonly task: string;
  readonly commandJointNames: readonly string[];
  readonly stateJointNames: readonly string[];
  readonly gear: ArrayLike<number>;
  readonly jointStatesTopic: string;
  readonly commandTopic: string;
  readonly dt: number;
  readonly horizon: number;
  readonly target: Float64Array | null;
  readonly env: MujocoEnv;
  resets = 0;
  readonly #onReset: (frameId: string) => void;

  private constructor(env: MujocoEnv, task: string, onReset: (frameId: string) => void) {
    const description = loadRobotDescription(defaultDescriptionPath(task));
    this.env = env;
    this.task = task;
    this.commandJointNames = description.jointNames;
    this.stateJointNames = env.task.observedJoints;
    this.gear = description.actuatorGear ?? description.jointNames.map(() => 1);
    this.jointStatesTopic = description.topics.jointStates;
    this.commandTopic = description.topics.commands;
    this.dt = env.spec.dt;
    this.horizon = env.spec.horizon;
    this.target = env.task.hasTarget ? new Float64Array(3) : null;
    this.#onReset = onReset;
  }

  /** The perturbed arm; `onReset` publishes the boundary (called after each reset). */
  static async create(
    task: string,
    perturbation: Perturbation,
    onReset: (frameId: string) => void,
  ): Promise<StandInArm> {
    const env = await makeEnv(task, {
      randomize: perturbationToSpec(perturbation, 'StandInArm'),
    });
    return new StandInArm(env, task, onReset);
  }

  reset(seed: number): void {
    this.env.reset(seed);
    if (this.target !== null) this.env.readTarget(this.target);
    this.#onReset(this.resets++ === 0 ? 'start' : 'horizon');
  }

  step(action: Float64Array): void {
    this.env.stepFrom(action, 0);
  }

  readJointState(position: Float64Array, velocity: Float64Array, effort: Float64Array): void {
    this.env.readObservedJoints(position, velocity);
    effort.fill(0);
  }

  distance(): number {
    return this.env.lastDistance;
  }

  close(): void {
    this.env.close();
  }
}
