/**
 * Matching /joint_states entries to the robot description's joints by NAME, never by index:
 * joint_state_broadcaster orders joints as the hardware interface lists them, drivers add extra
 * joints (grippers, passive joints), and the order may differ from the policy's command order.
 */

/**
 * The fields of sensor_msgs/msg/JointState that matching reads (the transport's message type has
 * them; control/ imports no transport).
 */
export interface JointStateSample {
  readonly name: readonly string[];
  /** Shape: (name.length). */
  readonly position: ArrayLike<number>;
  /** Shape: (name.length) or empty. */
  readonly velocity: ArrayLike<number>;
  /** Shape: (name.length) or empty. */
  readonly effort: ArrayLike<number>;
}

export type MatchResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: MatchResult = Object.freeze({ ok: true });

/**
 * Extracts positions and velocities of the described joints, in description order, from joint
 * state messages. The index map is rebuilt only when the message's name list changes, so the
 * steady-state cost is one string comparison per joint and no allocation.
 */
export class JointStateMatcher {
  readonly jointNames: readonly string[];
  /** Positions in description order (rad or m). Shape: (nJoints). */
  readonly position: Float64Array;
  /** Velocities in description order (rad/s or m/s). Shape: (nJoints). */
  readonly velocity: Float64Array;
  /** Measured efforts in description order, zeros when the message has none. Shape: (nJoints). */
  readonly effort: Float64Array;
  #cachedNames: readonly string[] | null = null;
  /** indexOf[j] = index in the message of description joint j. Shape: (nJoints). */
  readonly #indexOf: Int32Array;

  constructor(jointNames: readonly string[]) {
    if (new Set(jointNames).size !== jointNames.length) {
      throw new Error(`JointStateMatcher: duplicate joint names in [${jointNames.join(', ')}]`);
    }
    this.jointNames = jointNames;
    const n = jointNames.length;
    this.position = new Float64Array(n);
    this.velocity = new Float64Array(n);
    this.effort = new Float64Array(n);
    this.#indexOf = new Int32Array(n);
  }

  /** Copy the described joints out of `message`; on failure the arrays are left unchanged. */
  update(message: JointStateSample): MatchResult {
    if (!this.#sameNames(message.name)) {
      const problem = this.#rebuild(message.name);
      if (problem !== null) return { ok: false, reason: problem };
    }
    const count = message.name.length;
    if (message.position.length !== count) {
      return {
        ok: false,
        reason: `JointState has ${count} names but ${message.position.length} positions`,
      };
    }
    if (message.velocity.length !== count) {
      return {
        ok: false,
        reason: `JointState has ${count} names but ${message.velocity.length} velocities (the policy needs velocities)`,
      };
    }
    const hasEffort = message.effort.length === count;
    const n = this.jointNames.length;
    for (let j = 0; j < n; j++) {
      const i = this.#indexOf[j] as number;
      this.position[j] = message.position[i] as number;
      this.velocity[j] = message.velocity[i] as number;
      this.effort[j] = hasEffort ? (message.effort[i] as number) : 0;
    }
    return OK;
  }

  #sameNames(names: readonly string[]): boolean {
    const cached = this.#cachedNames;
    if (cached === null) return false;
    if (cached === names) return true;
    if (cached.length !== names.length) return false;
    for (let i = 0; i < names.length; i++) if (cached[i] !== names[i]) return false;
    return true;
  }

  #rebuild(names: readonly string[]): string | null {
    const where = new Map<string, number>();
    names.forEach((name, i) => where.set(name, i));
    const missing: string[] = [];
    this.jointNames.forEach((name, j) => {
      const i = where.get(name);
      if (i === undefined) missing.push(name);
      else this.#indexOf[j] = i;
    });
    if (missing.length > 0) {
      this.#cachedNames = null;
      return `JointState lacks joint(s) [${missing.join(', ')}] of the robot description (it has [${names.join(', ')}])`;
    }
    this.#cachedNames = names.slice();
    return null;
  }
}
