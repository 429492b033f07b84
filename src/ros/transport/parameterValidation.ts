/**
 * Checks a parameter value against its descriptor (type, range, choices), as rcl's parameter
 * service does with a ParameterDescriptor's ranges. Shared by both transports so that an
 * out-of-range value is refused the same way in process and over DDS.
 */
import type { ParameterSpec, ParameterValue } from './transport.js';

/** Returns null when valid, otherwise a message naming the parameter, the value and the rule. */
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
