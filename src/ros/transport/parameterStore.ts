/**
 * A node's declared parameters: declaration with overrides, validation against the declared
 * ParameterSpec (type, range, choices, read-only), get/set and the on-set callbacks, as rcl's
 * parameter service does with ParameterDescriptors. Both transports use it, so that a bad value is
 * refused with the same message in process and over DDS: the in-process node keeps its values
 * here; the rclnodejs adapter keeps them in rcl and uses the store's specs and checks.
 */
import type { ParameterSpec, ParameterValue, SetParametersResult } from './transport.js';

/** One requested change, as /<node>/set_parameters carries it. */
export interface ParameterChange {
  readonly name: string;
  readonly value: ParameterValue;
}

/** Called before changes are applied; a refusal cancels the whole (atomic) set. */
export type SetParametersCallback = (changes: readonly ParameterChange[]) => SetParametersResult;

const ACCEPTED: SetParametersResult = Object.freeze({ successful: true, reason: '' });

export class ParameterStore {
  /** Node name, for error messages. */
  readonly owner: string;
  readonly #overrides: Readonly<Record<string, ParameterValue>>;
  readonly #specs = new Map<string, ParameterSpec>();
  readonly #values = new Map<string, ParameterValue>();
  readonly #onSet: SetParametersCallback[] = [];

  /** @param overrides values that replace defaults at declaration (`--ros-args -p name:=value`). */
  constructor(owner: string, overrides: Readonly<Record<string, ParameterValue>> = {}) {
    this.owner = owner;
    this.#overrides = overrides;
  }

  /** Declare one parameter; returns its initial value (override, else default), validated. */
  declare(spec: ParameterSpec): ParameterValue {
    if (this.#specs.has(spec.name)) {
      throw new Error(`${this.owner}: parameter '${spec.name}' declared twice`);
    }
    const value = this.#overrides[spec.name] ?? spec.default;
    this.checkOverride(spec, value);
    this.#specs.set(spec.name, spec);
    this.#values.set(spec.name, value);
    return value;
  }

  /** Throw, naming node, parameter, value and rule, when an initial value breaks its spec. */
  checkOverride(spec: ParameterSpec, value: ParameterValue): void {
    const problem = validateParameterValue(spec, value);
    if (problem !== null) throw new Error(`${this.owner}: parameter override ${problem}`);
  }

  spec(name: string): ParameterSpec | undefined {
    return this.#specs.get(name);
  }

  get(name: string): ParameterValue {
    const v = this.#values.get(name);
    if (v === undefined) throw new Error(`${this.owner}: parameter '${name}' is not declared`);
    return v;
  }

  /**
   * Check changes against the declared specs: undeclared (refused, or skipped when another layer
   * owns them, as rcl does use_sim_time), read-only, or a value breaking type, range or choices.
   */
  check(
    changes: readonly ParameterChange[],
    undeclared: 'refuse' | 'skip' = 'refuse',
  ): SetParametersResult {
    for (const { name, value } of changes) {
      const spec = this.#specs.get(name);
      if (spec === undefined) {
        if (undeclared === 'skip') continue;
        return { successful: false, reason: `parameter '${name}' is not declared` };
      }
      if (spec.readOnly) {
        return {
          successful: false,
          reason: `parameter '${name}' is read-only (set it at launch: --ros-args -p ${name}:=...)`,
        };
      }
      const problem = validateParameterValue(spec, value);
      if (problem !== null) return { successful: false, reason: problem };
    }
    return ACCEPTED;
  }

  onSet(callback: SetParametersCallback): void {
    this.#onSet.push(callback);
  }

  /** Run the on-set callbacks in order; the first refusal wins. */
  notify(changes: readonly ParameterChange[]): SetParametersResult {
    for (const cb of this.#onSet) {
      const result = cb(changes);
      if (!result.successful) return result;
    }
    return ACCEPTED;
  }

  /** Check, ask the callbacks, then apply all changes or none. */
  set(changes: readonly ParameterChange[]): SetParametersResult {
    const checked = this.check(changes);
    if (!checked.successful) return checked;
    const notified = this.notify(changes);
    if (!notified.successful) return notified;
    for (const { name, value } of changes) this.#values.set(name, value);
    return ACCEPTED;
  }
}

/** Checks a value against its spec. Returns null when valid, otherwise a message naming the parameter, the value and the rule. */
export function validateParameterValue(spec: ParameterSpec, value: ParameterValue): string | null {
  const where = `'${spec.name}' = ${JSON.stringify(value)}`;
  switch (spec.type) {
    case 'bool':
      if (typeof value !== 'boolean') return `${where}: expected a bool`;
      return null;
    case 'string':
      if (typeof value !== 'string') return `${where}: expected a string`;
      if (spec.choices !== undefined && !spec.choices.includes(value)) {
        return `${where}: expected one of ${spec.choices.join(', ')}`;
      }
      return null;
    case 'integer':
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return `${where}: expected a finite ${spec.type}`;
      }
      if (spec.type === 'integer' && !Number.isInteger(value)) {
        return `${where}: expected an integer`;
      }
      const r = spec.range;
      if (r !== undefined && (value < r.from || value > r.to)) {
        return `${where}: out of range [${r.from}, ${r.to}]`;
      }
      return null;
    }
  }
}
