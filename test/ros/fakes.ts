/**
 * Fakes for the policy node tests: a linear "policy" whose action is known in closed form, an
 * observation builder obs = [q, q̇], and a robot description — no checkpoint, no MuJoCo.
 */
import type {
  DeploymentDescription,
  DeploymentLoader,
  LoadedDeployment,
  NodePolicy,
  ObservationBuilder,
} from '../../src/ros/control/deployment.js';
import type { Random } from '../../src/util/random.js';

export const JOINTS = ['shoulder', 'elbow', 'wrist'] as const;
export const LIMITS = [10, 5, 2] as const;

/** action_j = gain · (q_j + q̇_j) + bias_j, σ = 0.5 (log σ = ln 0.5). */
export class LinearPolicy implements NodePolicy {
  readonly checkpointId = 'fake-ckpt';
  readonly task: string;
  readonly jointNames: readonly string[];
  readonly obsSize: number;
  readonly actionSize: number;
  readonly mean: Float64Array;
  readonly logStd: Float64Array;
  gain = 1;
  bias: number[];
  /** When set, the next act() returns this in action entry 0 (NaN tests). */
  poison: number | null = null;
  calls = 0;

  constructor(
    jointNames: readonly string[] = JOINTS,
    obsSize = 2 * jointNames.length,
    task = 'fake',
  ) {
    this.jointNames = jointNames;
    this.obsSize = obsSize;
    this.actionSize = jointNames.length;
    this.task = task;
    this.mean = new Float64Array(this.actionSize);
    this.logStd = new Float64Array(this.actionSize).fill(Math.log(0.5));
    this.bias = new Array<number>(this.actionSize).fill(0);
  }

  act(obs: Float64Array, deterministic: boolean, rng: Random, out: Float64Array): number {
    this.calls++;
    const n = this.actionSize;
    let lp = 0;
    for (let j = 0; j < n; j++) {
      this.mean[j] = this.gain * ((obs[j] ?? 0) + (obs[n + j] ?? 0)) + (this.bias[j] ?? 0);
      const eps = deterministic ? 0 : rng.normal();
      out[j] = (this.mean[j] as number) + 0.5 * eps;
      lp += -0.5 * eps * eps - Math.log(0.5) - 0.5 * Math.log(2 * Math.PI);
    }
    if (this.poison !== null) out[0] = this.poison;
    return lp;
  }
}

/** obs = [q (n), q̇ (n)] (+ target (3) when needsTarget). */
export function stateObservation(n: number, needsTarget = false): ObservationBuilder {
  return {
    jointNames: JOINTS.slice(0, n),
    obsSize: 2 * n + (needsTarget ? 3 : 0),
    needsTarget,
    build(position, velocity, target, out) {
      out.set(position, 0);
      out.set(velocity, n);
      if (needsTarget && target !== null) out.set(target, 2 * n);
    },
  };
}

export function fakeDescription(over: Partial<DeploymentDescription> = {}): DeploymentDescription {
  return {
    task: 'fake',
    jointNames: JOINTS,
    torqueLimits: LIMITS,
    controlRateHz: 100,
    jointStatesTopic: '/joint_states',
    commandTopic: '/effort_controller/commands',
    source: 'fake/robot.yaml',
    ...over,
  };
}

export interface FakeWorld {
  policy: LinearPolicy;
  loader: DeploymentLoader;
  closed: number;
}

export function fakeWorld(
  make: () => Partial<Omit<LoadedDeployment, 'close'>> = () => ({}),
): FakeWorld {
  const world: FakeWorld = { policy: new LinearPolicy(), loader: () => null as never, closed: 0 };
  world.loader = () => {
    const parts = make();
    const policy = (parts.policy as LinearPolicy | undefined) ?? world.policy;
    world.policy = policy;
    return {
      policy,
      observation: parts.observation ?? stateObservation(JOINTS.length),
      description: parts.description ?? fakeDescription(),
      ...(parts.shaping === undefined ? {} : { shaping: parts.shaping }),
      close: () => {
        world.closed++;
      },
    };
  };
  return world;
}

/**
 * A toy robot for sim-node tests: independent damped joints, q̈ = τ − 2 q̇ (unit inertia), explicit
 * Euler with period dt; the "end effector" is q itself and the target is (0.5, 0, 0) in its first
 * three joints, so distance = ‖q[0:3] − target‖.
 */
export class ToyRobot {
  readonly task = 'fake';
  readonly commandJointNames: readonly string[] = JOINTS;
  /** Published in a shuffled order with an extra joint, as real drivers do. */
  readonly stateJointNames: readonly string[] = ['gripper', 'wrist', 'shoulder', 'elbow'];
  readonly gear = [1, 1, 1];
  readonly jointStatesTopic = '/joint_states';
  readonly commandTopic = '/effort_controller/commands';
  readonly dt: number;
  readonly horizon: number;
  readonly q = new Float64Array(3);
  readonly qd = new Float64Array(3);
  readonly target = new Float64Array([0.5, 0, 0]);
  resets: number[] = [];
  actions: number[][] = [];
  closed = false;

  constructor(dt = 0.01, horizon = 1000) {
    this.dt = dt;
    this.horizon = horizon;
  }
  reset(seed: number): void {
    this.resets.push(seed);
    this.q.fill(0);
    this.qd.fill(0);
  }
  step(action: Float64Array): void {
    this.actions.push([...action]);
    for (let j = 0; j < 3; j++) {
      const acc = (action[j] ?? 0) - 2 * (this.qd[j] ?? 0);
      this.qd[j] = (this.qd[j] ?? 0) + this.dt * acc;
      this.q[j] = (this.q[j] ?? 0) + this.dt * (this.qd[j] ?? 0);
    }
  }
  readJointState(p: Float64Array, v: Float64Array, e: Float64Array): void {
    // state order: gripper, wrist, shoulder, elbow
    const order = [-1, 2, 0, 1];
    order.forEach((j, i) => {
      p[i] = j < 0 ? 0.01 : (this.q[j] ?? NaN);
      v[i] = j < 0 ? 0 : (this.qd[j] ?? NaN);
    });
    e.fill(0);
  }
  distance(): number {
    let s = 0;
    for (let k = 0; k < 3; k++) s += ((this.q[k] ?? 0) - (this.target[k] ?? 0)) ** 2;
    return Math.sqrt(s);
  }
  close(): void {
    this.closed = true;
  }
}
