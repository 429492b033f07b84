/**
 * Parameter values across the rclnodejs boundary: rcl's type codes, rclnodejs parameters as our
 * changes, and `--ros-args -p` / parameters-file overrides checked against our specs before
 * rclnodejs sees them.
 */
import type * as rclnodejsModule from 'rclnodejs';
import type { Parameter as RclParameter, ParameterType as RclParameterType } from 'rclnodejs';
import type { ParameterChange, ParameterStore } from '../parameterStore.js';
import type { ParameterSpec, ParameterValue } from '../transport.js';

type Rcl = typeof rclnodejsModule;

/** rcl_interfaces/msg/ParameterType values (rclnodejs declares them as a const enum). */
export const PARAMETER_TYPE: Readonly<Record<ParameterSpec['type'], RclParameterType>> =
  Object.freeze({
    bool: 1 as RclParameterType,
    integer: 2 as RclParameterType,
    double: 3 as RclParameterType,
    string: 4 as RclParameterType,
  });

/** An rclnodejs parameter as a change of ours (integers arrive as bigint). */
export function toChange(p: RclParameter): ParameterChange {
  const value: unknown = p.value;
  return {
    name: p.name,
    value: typeof value === 'bigint' ? Number(value) : (value as ParameterValue),
  };
}

/**
 * A `--ros-args -p` / parameters-file override replaces the declared value inside rclnodejs, which
 * refuses a mismatch with an unreadable reason ("Parameter x does not  readonly"). Launch writes
 * `arm_ramp_time:=0` as an integer, and rclcpp would refuse it for a double parameter too; take a
 * whole number for a double, as an operator means it, and check every other override against the
 * spec first (it throws), so the error names the node, the parameter, the value and the rule.
 */
export function prepareParameterOverride(
  rcl: Rcl,
  node: object,
  spec: ParameterSpec,
  store: ParameterStore,
): void {
  const overrides = (node as { _parameterOverrides?: Map<string, RclParameter> })
    ._parameterOverrides;
  const override = overrides?.get(spec.name);
  if (overrides === undefined || override === undefined) return;
  const raw: unknown = override.value;
  const value = typeof raw === 'bigint' ? Number(raw) : raw;
  if (
    spec.type === 'double' &&
    typeof value === 'number' &&
    override.type !== PARAMETER_TYPE.double
  ) {
    overrides.set(spec.name, new rcl.Parameter(spec.name, PARAMETER_TYPE.double, value));
  }
  store.checkOverride(spec, value as ParameterValue);
}
