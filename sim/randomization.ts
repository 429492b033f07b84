/**
 * Domain randomisation of one environment (the terms of src/config/randomize.ts, mjlab's event
 * terms as data): which MjModel fields each model term writes, over which objects, and what MuJoCo
 * must recompute afterwards. One Randomizer per environment; it holds the nominal values (read from
 * the shared, never-written TaskModel), this episode's draws, and the action delay line.
 *
 * Draw order (all from the environment's own stream, after the task's reset draws, so a seed fixes
 * the same initial state and target with or without randomisation): per episode, each active model
 * term in MODEL_TERM_KEYS order (one draw per object), the payload mass, the latency k; per step,
 * the jitter substeps and then the observation noise.
 */
import type { ModelTermKey, RandomizeSpec, TermOperation } from '../src/config/index.js';
import { MODEL_TERM_KEYS } from '../src/config/index.js';
import type { Random } from '../src/util/index.js';
import type { MjData, MjModel, MujocoModule } from './mujoco.js';
import { nameToId } from './mujoco.js';
import { addSphere } from './payload.js';
import type { TaskModel } from './taskModel.js';

/** What a model term writes and what the physics derives from it. */
interface TermTable {
  /** Objects it draws one value for. */
  readonly over: 'body' | 'dof' | 'actuator';
  /** MjModel fields written. */
  readonly fields: readonly string[];
  /**
   * 'setConst': mj_setConst (body_subtreemass, dof_invweight0, actuator_acc0, stat.meaninertia
   * derive from masses, inertias, armature and gears); 'none': read directly by each mj_step.
   */
  readonly recompute: 'setConst' | 'none';
}

export const MODEL_TERMS: Readonly<Record<ModelTermKey, TermTable>> = Object.freeze({
  mass: { over: 'body', fields: ['body_mass', 'body_inertia'], recompute: 'setConst' },
  damping: { over: 'dof', fields: ['dof_damping'], recompute: 'none' },
  frictionloss: { over: 'dof', fields: ['dof_frictionloss'], recompute: 'none' },
  armature: { over: 'dof', fields: ['dof_armature'], recompute: 'setConst' },
  strength: { over: 'actuator', fields: ['actuator_gear'], recompute: 'setConst' },
  gravcomp: { over: 'body', fields: ['body_gravcomp'], recompute: 'none' },
});

/** Fields any term may write; their nominal values are kept to restore before each draw. */
const WRITTEN = [
  'body_mass',
  'body_inertia',
  'body_ipos',
  'body_iquat',
  'dof_damping',
  'dof_frictionloss',
  'dof_armature',
  'actuator_gear',
  'body_gravcomp',
] as const;
type WrittenField = (typeof WRITTEN)[number];

function combine(operation: TermOperation, nominal: number, x: number): number {
  return operation === 'scale' ? nominal * x : operation === 'add' ? nominal + x : x;
}

function view(model: MjModel, field: WrittenField): Float64Array {
  return (model as unknown as Record<WrittenField, Float64Array>)[field];
}

/** A model term bound to the objects it draws for. */
interface ActiveTerm {
  readonly key: ModelTermKey;
  readonly operation: TermOperation;
  readonly range: readonly [number, number];
  /** Body, dof or actuator ids. */
  readonly ids: Int32Array;
  /** Offset of its draws in the episode's parameter vector. */
  readonly offset: number;
}

export class Randomizer {
  readonly spec: RandomizeSpec;
  /** Whether any term writes the model (then the environment needs a model of its own). */
  readonly writesModel: boolean;
  /** Largest latency in periods (the delay line holds that many past actions). */
  readonly maxLatency: number;
  readonly #where: string;
  readonly #terms: ActiveTerm[] = [];
  readonly #nominal = new Map<WrittenField, Float64Array>();
  readonly #nominalSameframe: Uint8Array;
  readonly #setConst: boolean;
  readonly #frameSkip: number;
  readonly #actionSize: number;
  readonly #payloadBody: number;
  readonly #payloadPos: number[];
  readonly #payloadOffset: number;
  readonly #latencyOffset: number;
  /** This episode's draws: model terms, payload mass, latency. */
  readonly #params: Float64Array;
  /** Delay line: (maxLatency + 1) rows of actionSize, a ring with #head the next write. */
  readonly #ring: Float64Array;
  #head = 0;
  #latency = 0;

  constructor(taskModel: TaskModel, spec: RandomizeSpec) {
    const { mj, model, task, description } = taskModel;
    this.spec = spec;
    this.#where = `sim/Randomizer(${task.name})`;
    // Jitter varies the hold by whole controller ticks: the frame skip under `control:`.
    this.#frameSkip = taskModel.timing.frameSkip;
    this.#actionSize = model.nu;
    for (const field of WRITTEN) this.#nominal.set(field, Float64Array.from(view(model, field)));
    this.#nominalSameframe = Uint8Array.from(model.body_sameframe as Uint8Array);
    const objects = {
      // Every body but the world and a target body (Reacher's target is not a link).
      body: [...Array(model.nbody).keys()].filter(
        (b) => b > 0 && b !== taskModel.targetBodyId && (view(model, 'body_mass')[b] ?? 0) > 0,
      ),
      // The dofs of the robot's actuated joints (hinge and slide joints: one dof each).
      dof: description.jointNames.map(
        (name) => (model.jnt_dofadr as Int32Array)[nameToId(mj, model, 'joint', name)] ?? -1,
      ),
      actuator: [...Array(model.nu).keys()],
    };
    let offset = 0;
    let setConst = false;
    for (const key of MODEL_TERM_KEYS) {
      const term = spec[key];
      if (term === undefined) continue;
      const table = MODEL_TERMS[key];
      let ids = objects[table.over];
      // Gravity compensation exists only where the model declares it (`gravity: robot` robots).
      if (key === 'gravcomp') ids = ids.filter((b) => (view(model, 'body_gravcomp')[b] ?? 0) !== 0);
      if (ids.length === 0) continue;
      this.#terms.push({ key, ...term, ids: Int32Array.from(ids), offset });
      offset += ids.length;
      if (table.recompute === 'setConst') setConst = true;
    }
    this.#payloadOffset = -1;
    this.#payloadBody = -1;
    this.#payloadPos = [0, 0, 0];
    if (spec.payload !== undefined) {
      const site = taskModel.endEffectorSiteId;
      this.#payloadBody = (model.site_bodyid as Int32Array)[site] ?? -1;
      const sitePos = model.site_pos as Float64Array;
      this.#payloadPos = [0, 1, 2].map((k) => sitePos[3 * site + k] ?? 0);
      this.#payloadOffset = offset++;
      setConst = true;
    }
    this.#latencyOffset = spec.latency !== undefined ? offset++ : -1;
    this.#setConst = setConst;
    this.writesModel = this.#terms.length > 0 || spec.payload !== undefined;
    this.#params = new Float64Array(offset);
    this.maxLatency = spec.latency?.periods[1] ?? 0;
    this.#ring = new Float64Array((this.maxLatency + 1) * this.#actionSize);
    const jitter = spec.jitter?.substeps ?? 0;
    if (jitter >= this.#frameSkip) {
      throw new Error(
        `${this.#where}: key 'randomize.jitter.substeps' = ${jitter}: expected < frame skip ${this.#frameSkip}`,
      );
    }
  }

  /** This episode's draws (for snapshots). */
  get params(): Float64Array {
    return this.#params;
  }

  /** This episode's latency, control periods. */
  get latency(): number {
    return this.#latency;
  }

  /** Draw this episode's model values, payload and latency, and empty the delay line. */
  drawEpisode(rng: Random): void {
    const p = this.#params;
    for (const term of this.#terms) {
      const [lo, hi] = term.range;
      for (let i = 0; i < term.ids.length; i++) p[term.offset + i] = rng.uniformRange(lo, hi);
    }
    if (this.#payloadOffset >= 0) {
      const [lo, hi] = this.spec.payload?.mass ?? [0, 0];
      p[this.#payloadOffset] = rng.uniformRange(lo, hi);
    }
    if (this.#latencyOffset >= 0) {
      const [lo, hi] = this.spec.latency?.periods ?? [0, 0];
      p[this.#latencyOffset] = lo + rng.int(hi - lo + 1);
    }
    this.#startEpisode();
  }

  #startEpisode(): void {
    this.#latency = this.#latencyOffset >= 0 ? (this.#params[this.#latencyOffset] as number) : 0;
    this.#ring.fill(0);
    this.#head = 0;
  }

  /**
   * Write this episode's values into `model` (a model of this environment's own), starting from the
   * nominal ones, then recompute what MuJoCo derives from them. mj_setConst works on `data` at
   * qpos0: the caller restores the state afterwards.
   */
  applyModel(mj: MujocoModule, model: MjModel, data: MjData): void {
    if (!this.writesModel) return;
    const p = this.#params;
    for (const field of WRITTEN) view(model, field).set(this.#nominal.get(field) as Float64Array);
    (model.body_sameframe as Uint8Array).set(this.#nominalSameframe);
    for (const term of this.#terms) {
      const fields = MODEL_TERMS[term.key].fields;
      const target = view(model, fields[0] as WrittenField);
      const nominal = this.#nominal.get(fields[0] as WrittenField) as Float64Array;
      const stride = term.key === 'strength' ? 6 : 1;
      for (let i = 0; i < term.ids.length; i++) {
        const id = term.ids[i] as number;
        const v0 = nominal[stride * id] as number;
        const v = combine(term.operation, v0, p[term.offset + i] as number);
        if (term.key === 'mass' && !(v > 0)) {
          throw new Error(
            `${this.#where}: key 'randomize.mass' gives body ${id} a mass of ${v} kg (nominal ${v0}); expected > 0`,
          );
        }
        if (stride === 1) target[id] = v;
        else {
          // Strength: every gear component by the ratio of the first (the joint's torque factor).
          const ratio = v0 === 0 ? 0 : v / v0;
          for (let k = 0; k < 6; k++) target[6 * id + k] = (nominal[6 * id + k] as number) * ratio;
        }
        if (term.key === 'mass') {
          // A uniformly denser (or lighter) link: inertia in proportion to its mass.
          const inertia = view(model, 'body_inertia');
          const i0 = this.#nominal.get('body_inertia') as Float64Array;
          for (let k = 0; k < 3; k++) inertia[3 * id + k] = (i0[3 * id + k] as number) * (v / v0);
        }
      }
    }
    if (this.#payloadOffset >= 0) this.#addPayload(model, p[this.#payloadOffset] as number);
    if (this.#setConst) mj.mj_setConst(model, data);
  }

  #addPayload(model: MjModel, mass: number): void {
    const b = this.#payloadBody;
    const massView = view(model, 'body_mass');
    const ipos = view(model, 'body_ipos');
    const iquat = view(model, 'body_iquat');
    const inertia = view(model, 'body_inertia');
    const body = {
      mass: massView[b] as number,
      ipos: Array.from(ipos.subarray(3 * b, 3 * b + 3)),
      iquat: Array.from(iquat.subarray(4 * b, 4 * b + 4)),
      inertia: Array.from(inertia.subarray(3 * b, 3 * b + 3)),
    };
    if (mass === 0) return;
    const out = addSphere(body, mass, this.spec.payload?.radius ?? 0.03, this.#payloadPos);
    massView[b] = out.mass;
    ipos.set(out.ipos, 3 * b);
    iquat.set(out.iquat, 4 * b);
    inertia.set(out.inertia, 3 * b);
    // The compiler marks coinciding frames (body_sameframe: inertial frame = body frame, or the
    // same orientation), and kinematics then ignores body_ipos/body_iquat; ours no longer coincide.
    (model.body_sameframe as Uint8Array)[b] = 0;
  }

  /**
   * The delay line: store this step's (clipped) action and write the one of `latency` steps ago
   * into `out` (zeros until the line has filled). Shapes: (actionSize).
   */
  delay(action: Float64Array, out: Float64Array): void {
    const n = this.#actionSize;
    const rows = this.maxLatency + 1;
    this.#ring.set(action, this.#head * n);
    const read = ((this.#head - this.#latency + rows) % rows) * n;
    for (let i = 0; i < n; i++) out[i] = this.#ring[read + i] as number;
    this.#head = (this.#head + 1) % rows;
  }

  /** Physics substeps of this control step: frameSkip + U{−j, …, j}. */
  substeps(rng: Random): number {
    const j = this.spec.jitter?.substeps ?? 0;
    return j === 0 ? this.#frameSkip : this.#frameSkip - j + rng.int(2 * j + 1);
  }

  /** Observed joint state plus Gaussian noise (std from the spec), into `pos`/`vel`. */
  addNoise(rng: Random, pos: Float64Array, vel: Float64Array): void {
    const sq = this.spec.noise?.qpos ?? 0;
    const sv = this.spec.noise?.qvel ?? 0;
    if (sq > 0)
      for (let i = 0; i < pos.length; i++) pos[i] = (pos[i] as number) + sq * rng.normal();
    if (sv > 0)
      for (let i = 0; i < vel.length; i++) vel[i] = (vel[i] as number) + sv * rng.normal();
  }

  /** Whether observations are noisy. */
  get noisy(): boolean {
    return (this.spec.noise?.qpos ?? 0) > 0 || (this.spec.noise?.qvel ?? 0) > 0;
  }

  /** The episode's draws and the delay line, for EnvState.task. */
  getState(): Record<string, number[]> {
    return {
      randomization: Array.from(this.#params),
      delayLine: [this.#head, ...this.#ring],
    };
  }

  /** Restore draws and delay line (the caller re-applies the model). */
  setState(task: Readonly<Record<string, readonly number[]>>, where: string): void {
    const params = task['randomization'];
    const line = task['delayLine'];
    if (params === undefined || params.length !== this.#params.length) {
      throw new Error(
        `${where}: task.randomization has ${params?.length ?? 'no'} entries, expected ${this.#params.length} (was the state saved with the same 'randomize' setting?)`,
      );
    }
    if (line === undefined || line.length !== this.#ring.length + 1) {
      throw new Error(
        `${where}: task.delayLine has ${line?.length ?? 'no'} entries, expected ${this.#ring.length + 1}`,
      );
    }
    this.#params.set(params);
    this.#startEpisode();
    this.#head = line[0] as number;
    this.#ring.set(line.slice(1));
  }
}
