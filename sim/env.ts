/**
 * One MuJoCo environment (Gymnasium semantics): `reset(seed)`, `step(action)` with clipping to the
 * actuators' ctrlrange, frame skip, time limit, and exact snapshots (getState/setState).
 *
 * The hot path avoids allocation and embind calls beyond `mj_step`: MjData's arrays are typed views
 * into the WASM heap, cached and re-fetched only when the heap has grown (a grown heap detaches old
 * views, which then report length 0).
 */
import { Random } from '../src/util/index.js';
import type { RandomizeSpec, TaskParams } from '../src/config/index.js';
import type { MjData, MjModel, MujocoModule } from './mujoco.js';
import { loadMujoco } from './mujoco.js';
import { ActionShaper } from './actionShaping.js';
import { Randomizer } from './randomization.js';
import { TaskModel } from './taskModel.js';
import type { TaskModelOptions } from './taskModel.js';
import type { ObservationInput, RewardInput, TaskDefinition } from './tasks/types.js';
import { distance3 } from './tasks/types.js';
import { taskNames } from './tasks/registry.js';
import type { Env, EnvState, StepInfo, StepResult, TaskSpec } from './types.js';
import { checkTaskSnapshot, readPhysics, writePhysics } from './envState.js';

export interface MakeEnvOptions extends TaskModelOptions {
  /** Domain randomisation (src/config/randomize.ts); none when absent. */
  readonly randomize?: RandomizeSpec;
}

export class MujocoEnv implements Env {
  readonly spec: TaskSpec;
  readonly #mj: MujocoModule;
  readonly #taskModel: TaskModel;
  readonly #task: TaskDefinition;
  readonly #ownsModel: boolean;
  /** The model stepped: the shared one, or this environment's own copy when randomised. */
  readonly #model: MjModel;
  readonly #rand: Randomizer | undefined;
  /** Action filter / torque rate limit (`control:`); undefined when off (no work per step). */
  readonly #shaper: ActionShaper | undefined;
  /** Physics steps per control step (the zero-order hold) and episode length, from the timing. */
  readonly #frameSkip: number;
  readonly #horizon: number;
  #data: MjData | undefined;
  #rng: Random = new Random(0);
  #stepCount = 0;
  // Cached heap views (see file comment).
  #qpos!: Float64Array;
  #qvel!: Float64Array;
  #ctrl!: Float64Array;
  #siteXpos!: Float64Array;
  #xpos!: Float64Array;
  // Scratch buffers, allocated once.
  readonly #jointPos: Float64Array;
  readonly #jointVel: Float64Array;
  readonly #target = new Float64Array(3);
  readonly #endEffector = new Float64Array(3);
  readonly #applied: Float64Array;
  readonly #obs: Float64Array;
  /** One reusable input record for observe/reward (no allocation per step). */
  readonly #rewardInput: { -readonly [K in keyof RewardInput]: RewardInput[K] };
  #lastDistance = NaN;
  #lastSuccess = false;
  #lastTerminated = false;
  #lastTruncated = false;
  #lastClipped = 0;
  // Randomisation scratch (empty when off): noisy observed joints, a state kept across mj_setConst.
  readonly #noisyInput: ObservationInput;
  readonly #noisyPos: Float64Array;
  readonly #noisyVel: Float64Array;
  readonly #keepQpos: Float64Array;
  readonly #keepQvel: Float64Array;

  /**
   * An environment on a loaded TaskModel. With `ownsModel`, `close()` also frees the model (single
   * environments); vectorised environments share one model and free it themselves. With a
   * `randomize` spec whose terms write the model, the environment steps a copy of its own (each
   * episode draws its own masses, gears...), and the shared model stays nominal.
   */
  constructor(taskModel: TaskModel, ownsModel = false, randomize?: RandomizeSpec) {
    this.#mj = taskModel.mj;
    this.#taskModel = taskModel;
    this.#task = taskModel.task;
    this.#ownsModel = ownsModel;
    this.spec = taskModel.spec;
    this.#rand = randomize === undefined ? undefined : new Randomizer(taskModel, randomize);
    this.#frameSkip = taskModel.timing.frameSkip;
    this.#horizon = taskModel.timing.horizon;
    this.#shaper = ActionShaper.create({
      ...taskModel.control,
      dt: taskModel.timing.dt,
      actionSize: this.spec.actionSize,
      gear: taskModel.description.actuatorGear,
      where: `sim/MujocoEnv(${this.spec.name})`,
    });
    this.#model = this.#rand?.writesModel ? new this.#mj.MjModel(taskModel.model) : taskModel.model;
    this.#data = new this.#mj.MjData(this.#model);
    this.#jointPos = new Float64Array(taskModel.observedQposAdr.length);
    this.#jointVel = new Float64Array(taskModel.observedDofAdr.length);
    this.#applied = new Float64Array(this.spec.actionSize);
    this.#obs = new Float64Array(this.spec.obsSize);
    this.#rewardInput = {
      jointPos: this.#jointPos,
      jointVel: this.#jointVel,
      target: this.#target,
      endEffector: this.#endEffector,
      action: this.#applied,
      obs: this.#obs,
      distance: NaN,
    };
    const noisy = this.#rand?.noisy === true;
    this.#noisyPos = new Float64Array(noisy ? this.#jointPos.length : 0);
    this.#noisyVel = new Float64Array(noisy ? this.#jointVel.length : 0);
    this.#noisyInput = {
      jointPos: this.#noisyPos,
      jointVel: this.#noisyVel,
      target: this.#target,
      endEffector: this.#endEffector,
    };
    const writes = this.#rand?.writesModel === true;
    this.#keepQpos = new Float64Array(writes ? this.#model.nq : 0);
    this.#keepQvel = new Float64Array(writes ? this.#model.nv : 0);
    this.#refreshViews();
  }

  #refreshViews(): void {
    const data = this.#liveData();
    this.#qpos = data.qpos as Float64Array;
    this.#qvel = data.qvel as Float64Array;
    this.#ctrl = data.ctrl as Float64Array;
    this.#siteXpos = data.site_xpos as Float64Array;
    this.#xpos = data.xpos as Float64Array;
  }

  #liveData(): MjData {
    if (this.#data === undefined)
      throw new Error(`MujocoEnv(${this.spec.name}): used after close()`);
    return this.#data;
  }

  /** Re-fetch views if the heap grew since they were taken (detached views have length 0). */
  #ensureViews(): MjData {
    const data = this.#liveData();
    if (this.#qpos.length === 0) this.#refreshViews();
    return data;
  }

  /** The task on its robot: definition, robot description (robot.yaml), spec. */
  get taskModel(): TaskModel {
    return this.#taskModel;
  }

  /** The model this environment steps: its own copy when randomised, else the shared one. */
  get model(): MjModel {
    return this.#model;
  }

  /** This episode's latency in control periods (0 without a latency term). */
  get latency(): number {
    return this.#rand?.latency ?? 0;
  }

  /** Episode steps taken since the last reset. */
  get stepCount(): number {
    return this.#stepCount;
  }

  /** Reset with a fresh seed: the same seed gives a bit-identical episode. */
  reset(seed: number): Float64Array {
    this.#rng = new Random(seed);
    return this.resetNext();
  }

  /**
   * Reset continuing this environment's random stream (Gymnasium's `reset()` without a seed): what
   * vectorised environments do on auto-reset.
   */
  resetNext(): Float64Array {
    let data = this.#ensureViews();
    const { mj } = this.#taskModel;
    const model = this.#model;
    mj.mj_resetData(model, data);
    this.#target.fill(0);
    this.#task.reset(this.#rng, {
      qpos: this.#qpos,
      qvel: this.#qvel,
      target: this.#target,
      observedQposAdr: this.#taskModel.observedQposAdr,
      observedDofAdr: this.#taskModel.observedDofAdr,
    });
    const rand = this.#rand;
    if (rand !== undefined) {
      rand.drawEpisode(this.#rng);
      if (rand.writesModel) {
        // mj_setConst computes at qpos0 in `data`: keep the task's draw across it.
        this.#keepQpos.set(this.#qpos);
        this.#keepQvel.set(this.#qvel);
        rand.applyModel(mj, model, data);
        mj.mj_resetData(model, data);
        data = this.#ensureViews();
        this.#qpos.set(this.#keepQpos);
        this.#qvel.set(this.#keepQvel);
      }
    }
    mj.mj_forward(model, data);
    this.#stepCount = 0;
    this.#applied.fill(0);
    this.#shaper?.reset();
    this.#lastTerminated = false;
    this.#lastTruncated = false;
    this.#lastClipped = 0;
    this.#evaluate();
    return this.#obs;
  }

  /**
   * Apply `action` (clipped to ctrlrange, then shaped when `control:` asks), hold it over
   * `frameSkip` physics steps (the controller's zero-order hold), and evaluate.
   * @param action Shape: (actionSize), actuator units.
   * @throws Error for a wrong length or a non-finite entry (it would poison the physics state).
   */
  step(action: ArrayLike<number>): StepResult {
    const reward = this.stepFrom(action, 0);
    const ee = this.#endEffector;
    const endEffector = [ee[0], ee[1], ee[2]] as [number, number, number];
    const info: StepInfo = !this.#task.hasTarget
      ? { clipped: this.#lastClipped, endEffector }
      : this.#task.hasSuccess
        ? {
            clipped: this.#lastClipped,
            endEffector,
            distance: this.#lastDistance,
            success: this.#lastSuccess,
          }
        : { clipped: this.#lastClipped, endEffector, distance: this.#lastDistance };
    return {
      obs: this.#obs,
      reward,
      terminated: this.#lastTerminated,
      truncated: this.#lastTruncated,
      info,
    };
  }

  /**
   * The allocation-free step of the batched path: action row at `offset` of `actions`; returns the
   * reward and leaves obs, terminated, truncated, clipped, distance and success in getters.
   */
  stepFrom(actions: ArrayLike<number>, offset: number): number {
    const data = this.#ensureViews();
    this.#lastClipped = this.#applyAction(actions, offset);
    const { mj } = this.#taskModel;
    const model = this.#model;
    const substeps = this.#rand === undefined ? this.#frameSkip : this.#rand.substeps(this.#rng);
    for (let k = 0; k < substeps; k++) mj.mj_step(model, data);
    if (this.#task.freshKinematics) mj.mj_kinematics(model, data);
    this.#stepCount++;
    const reward = this.#evaluate();
    this.#lastTerminated = this.#task.terminated(this.#obs);
    // Gymnasium's TimeLimit: truncated whenever the limit is reached, even on a terminal step
    // (consumers check terminated first).
    this.#lastTruncated = this.#stepCount >= this.#horizon;
    return reward;
  }

  /** Clip, shape (as the node does) and delay (latency) into ctrl; returns how many were clipped. */
  #applyAction(action: ArrayLike<number>, offset: number): number {
    const n = this.spec.actionSize;
    if (action.length < offset + n) {
      throw new Error(
        `MujocoEnv(${this.spec.name}).step: action has ${action.length - offset} entries, expected ${n}`,
      );
    }
    const low = this.spec.actionLow;
    const high = this.spec.actionHigh;
    const ctrl = this.#ctrl;
    let clipped = 0;
    for (let i = 0; i < n; i++) {
      let a = action[offset + i] as number;
      if (!Number.isFinite(a)) {
        throw new Error(
          `MujocoEnv(${this.spec.name}).step: action[${i}] = ${a} is not finite (policy output diverged?)`,
        );
      }
      const lo = low[i] as number;
      const hi = high[i] as number;
      if (a < lo) {
        a = lo;
        clipped++;
      } else if (a > hi) {
        a = hi;
        clipped++;
      }
      ctrl[i] = a;
      this.#applied[i] = a;
    }
    if (this.#shaper !== undefined) {
      this.#shaper.apply(this.#applied, this.#applied);
      ctrl.set(this.#applied);
    }
    if (this.#rand !== undefined && this.#rand.maxLatency > 0) {
      // The delay line: the torque applied now is the action of `latency` steps ago.
      this.#rand.delay(this.#applied, this.#applied);
      ctrl.set(this.#applied);
    }
    return clipped;
  }

  get lastTerminated(): boolean {
    return this.#lastTerminated;
  }
  get lastTruncated(): boolean {
    return this.#lastTruncated;
  }
  get lastClipped(): number {
    return this.#lastClipped;
  }
  /** The torque the last step held (clipped, shaped, delayed). Shape: (actionSize); reused. */
  get lastApplied(): Float64Array {
    return this.#applied;
  }
  get obs(): Float64Array {
    return this.#obs;
  }
  /**
   * The observed joints' positions and velocities as of the last step or reset, without the copy
   * of the whole state that getState makes (a real-time loop reads this every tick).
   * Shapes: (observed joints).
   */
  readObservedJoints(position: Float64Array, velocity: Float64Array): void {
    position.set(this.#jointPos);
    velocity.set(this.#jointVel);
  }

  /**
   * The observed joints as the robot's encoders report them: with the randomisation's noise on q
   * and q̇ (the very draw the observation saw) when it has noise, else as readObservedJoints.
   * setState draws no noise: until the next step or reset, the last draw. Shapes: (observed joints).
   */
  readMeasuredJoints(position: Float64Array, velocity: Float64Array): void {
    if (this.#rand?.noisy !== true) return this.readObservedJoints(position, velocity);
    position.set(this.#noisyPos);
    velocity.set(this.#noisyVel);
  }

  /**
   * World poses of every body at the current joint positions (MjData.xpos, xquat), for /tf.
   * Tasks that keep mj_step's stale positions (Gymnasium twins) get them recomputed here
   * (mj_kinematics), which the next mj_step recomputes anyway: the physics is unchanged.
   * Shapes: xpos (nbody, 3), xquat (nbody, 4: w, x, y, z).
   */
  readBodyPoses(xpos: Float64Array, xquat: Float64Array): void {
    const data = this.#ensureViews();
    if (!this.#task.freshKinematics) this.#taskModel.mj.mj_kinematics(this.#model, data);
    xpos.set(data.xpos as Float64Array);
    xquat.set(data.xquat as Float64Array);
  }

  /** This episode's target (world, m). Shape: (3). */
  readTarget(out: Float64Array): void {
    out.set(this.#target);
  }

  get lastDistance(): number {
    return this.#lastDistance;
  }
  get lastSuccess(): boolean {
    return this.#lastSuccess;
  }
  get task(): TaskDefinition {
    return this.#task;
  }

  /**
   * Build obs from the current MjData into the scratch buffer; returns the reward. With noise on
   * (and `noisy`), the observation sees q and q̇ plus noise; the reward sees the true state.
   */
  #evaluate(noisy = true): number {
    const tm = this.#taskModel;
    const qpos = this.#qpos;
    const qvel = this.#qvel;
    for (let i = 0; i < this.#jointPos.length; i++) {
      this.#jointPos[i] = qpos[tm.observedQposAdr[i] as number] as number;
      this.#jointVel[i] = qvel[tm.observedDofAdr[i] as number] as number;
    }
    const s = 3 * tm.endEffectorSiteId;
    this.#endEffector[0] = this.#siteXpos[s] as number;
    this.#endEffector[1] = this.#siteXpos[s + 1] as number;
    this.#endEffector[2] = this.#siteXpos[s + 2] as number;
    if (tm.targetBodyId >= 0) {
      const b = 3 * tm.targetBodyId;
      this.#target[0] = this.#xpos[b] as number;
      this.#target[1] = this.#xpos[b + 1] as number;
      this.#target[2] = this.#xpos[b + 2] as number;
    }
    const input = this.#rewardInput;
    if (noisy && this.#rand?.noisy === true) {
      this.#noisyPos.set(this.#jointPos);
      this.#noisyVel.set(this.#jointVel);
      this.#rand.addNoise(this.#rng, this.#noisyPos, this.#noisyVel);
      this.#task.observe(this.#noisyInput, this.#obs);
    } else this.#task.observe(input, this.#obs);
    this.#lastDistance = this.#task.hasTarget ? distance3(this.#endEffector, this.#target) : NaN;
    this.#lastSuccess = this.#task.hasSuccess && this.#lastDistance < this.#task.successRadius;
    input.distance = this.#lastDistance;
    return this.#task.reward(input);
  }

  getState(): EnvState {
    const data = this.#ensureViews();
    return {
      physics: readPhysics(data),
      time: data.time,
      stepCount: this.#stepCount,
      task: {
        target: Array.from(this.#target),
        applied: Array.from(this.#applied),
        obs: Array.from(this.#obs),
        ...this.#rand?.getState(),
        ...(this.#shaper === undefined ? {} : { shaper: this.#shaper.getState() }),
      },
      rng: this.#rng.getState(),
    };
  }

  setState(state: EnvState): void {
    let data = this.#ensureViews();
    const where = `MujocoEnv(${this.spec.name}).setState`;
    const rand = this.#rand;
    if (rand !== undefined) {
      // The episode's model first: mj_setConst overwrites the state restored below.
      rand.setState(state.task, where);
      rand.applyModel(this.#taskModel.mj, this.#model, data);
      data = this.#ensureViews();
    }
    writePhysics(data, state, where);
    const snapshot = checkTaskSnapshot(state, this.spec.actionSize, where);
    data.time = state.time;
    this.#target.set(snapshot.target);
    this.#applied.set(snapshot.applied);
    this.#shaper?.setState(state.task['shaper'], where);
    this.#stepCount = snapshot.stepCount;
    this.#rng = Random.fromState(snapshot.rng);
    // mj_forward recomputes positions (site_xpos, xpos) from qpos; it reads but never writes
    // qacc_warmstart, which we restore anyway so the next step starts from the saved warm start.
    const warm = Float64Array.from(data.qacc_warmstart as Float64Array);
    this.#taskModel.mj.mj_forward(this.#model, data);
    this.#ensureViews();
    (data.qacc_warmstart as Float64Array).set(warm);
    // No noise draw here: the stream was just restored, and the saved observation wins below.
    this.#evaluate(false);
    // The saved observation wins over the recomputed one: Gymnasium tasks read positions one
    // substep stale after mj_step, which mj_forward here would have refreshed.
    const obs = state.task['obs'];
    if (obs !== undefined && obs.length === this.#obs.length) this.#obs.set(obs);
  }

  close(): void {
    if (this.#data === undefined) return;
    this.#data.delete();
    this.#data = undefined;
    if (this.#model !== this.#taskModel.model) this.#model.delete();
    if (this.#ownsModel) this.#taskModel.close();
  }
}

/**
 * One environment of `task` (a built-in task name, a kind, a task file or parameters) on
 * `options.robot`, with its own model (freed by `close()`).
 */
export async function makeEnv(
  task: string | TaskParams,
  options: MakeEnvOptions = {},
): Promise<MujocoEnv> {
  const mj = await loadMujoco();
  return new MujocoEnv(TaskModel.load(mj, task, options), true, options.randomize);
}

/** The TaskSpec of one task (loads its model once to read sizes and ctrlrange). */
export async function taskSpec(
  task: string | TaskParams,
  options: MakeEnvOptions = {},
): Promise<TaskSpec> {
  const mj = await loadMujoco();
  const taskModel = TaskModel.load(mj, task, options);
  const spec = taskModel.spec;
  taskModel.close();
  return spec;
}

/** Every task's spec, in `taskNames` order. */
export async function listTasks(): Promise<TaskSpec[]> {
  const specs: TaskSpec[] = [];
  for (const name of taskNames) specs.push(await taskSpec(name));
  return specs;
}
