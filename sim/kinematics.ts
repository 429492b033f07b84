/**
 * Forward kinematics of a task's robot for the ROS node: the end-effector position from measured
 * joint positions, computed by MuJoCo (mj_kinematics) on the very model the policy trained on, so the
 * observation's end-effector terms match simulation.
 */
import type { TaskParams } from '../src/config/index.js';
import type { MjData, MujocoModule } from './mujoco.js';
import { loadMujoco } from './mujoco.js';
import { TaskModel } from './taskModel.js';
import type { TaskModelOptions } from './taskModel.js';

export class Kinematics {
  readonly #taskModel: TaskModel;
  #data: MjData | undefined;

  private constructor(taskModel: TaskModel) {
    this.#taskModel = taskModel;
    this.#data = new taskModel.mj.MjData(taskModel.model);
  }

  /** Load the task's robot model (the robot folder's MJCF unless `options.modelPath`). */
  static async create(
    task: string | TaskParams,
    options: TaskModelOptions = {},
  ): Promise<Kinematics> {
    return Kinematics.load(await loadMujoco(), task, options);
  }

  /** `create` for a caller that already holds the WASM module (synchronous). */
  static load(
    mj: MujocoModule,
    task: string | TaskParams,
    options: TaskModelOptions = {},
  ): Kinematics {
    return new Kinematics(TaskModel.load(mj, task, options));
  }

  /** The loaded task and robot (definition, description, spec with the robot's identity). */
  get taskModel(): TaskModel {
    return this.#taskModel;
  }

  /** The task's observed joints, in the order `endEffector` expects their positions. */
  get jointNames(): readonly string[] {
    return this.#taskModel.task.observedJoints;
  }

  /**
   * End-effector position (world, m) for joint positions in `jointNames` order; the other joints
   * (e.g. Reacher's target slides) stay at their reference positions.
   * @param jointPos Shape: (jointNames.length).
   * @param out Shape: (3).
   */
  endEffector(jointPos: ArrayLike<number>, out: Float64Array = new Float64Array(3)): Float64Array {
    const data = this.#data;
    if (data === undefined) throw new Error('sim/Kinematics: used after close()');
    const tm = this.#taskModel;
    if (jointPos.length !== tm.observedQposAdr.length) {
      throw new Error(
        `sim/Kinematics.endEffector: got ${jointPos.length} joint positions, expected ${tm.observedQposAdr.length} (${this.jointNames.join(', ')})`,
      );
    }
    const qpos = data.qpos as Float64Array;
    for (let i = 0; i < jointPos.length; i++)
      qpos[tm.observedQposAdr[i] as number] = jointPos[i] as number;
    tm.mj.mj_kinematics(tm.model, data);
    const siteXpos = data.site_xpos as Float64Array;
    const s = 3 * tm.endEffectorSiteId;
    out[0] = siteXpos[s] as number;
    out[1] = siteXpos[s + 1] as number;
    out[2] = siteXpos[s + 2] as number;
    return out;
  }

  close(): void {
    if (this.#data === undefined) return;
    this.#data.delete();
    this.#data = undefined;
    this.#taskModel.close();
  }
}
