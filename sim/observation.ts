/**
 * The observation as the policy sees it, built from plain joint state: the one function the ROS node
 * and the simulator share, so a policy trained in simulation sees the same numbers on the robot.
 *
 * On the robot: take /joint_states, pick the task's `observedJoints` by name (never by index), add
 * the target (world coordinates, m) and the end-effector position from `Kinematics`, and call
 * `buildObservation(task, input)`.
 */
import { getTask } from './tasks/registry.js';
import type { ObservationInput, TaskDefinition } from './tasks/types.js';

/**
 * The observation of `task` for one state.
 * @param task Task name (e.g. 'arm7-reach') or a task's definition (any robot).
 * @param input jointPos / jointVel in the task's `observedJoints` order; target and endEffector in
 *   world coordinates (length 3; ignored by tasks without them).
 * @param out Optional destination. Shape: (obsSize).
 * @returns `out` (or a new array) holding the observation. Shape: (obsSize).
 * @throws Error when the joint arrays are shorter than the task's observed joints.
 */
export function buildObservation(
  task: string | TaskDefinition,
  input: ObservationInput,
  out?: Float64Array,
): Float64Array {
  const definition = typeof task === 'string' ? getTask(task) : task;
  const n = definition.observedJoints.length;
  if (input.jointPos.length < n || input.jointVel.length < n) {
    throw new Error(
      `sim/buildObservation(${definition.name}): expected ${n} joint positions and velocities (${definition.observedJoints.join(', ')}), got ${input.jointPos.length} and ${input.jointVel.length}`,
    );
  }
  const destination = out ?? new Float64Array(definition.obsSize);
  if (destination.length !== definition.obsSize) {
    throw new Error(
      `sim/buildObservation(${definition.name}): out has ${destination.length} entries, expected ${definition.obsSize}`,
    );
  }
  definition.observe(input, destination);
  return destination;
}
