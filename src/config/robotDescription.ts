/**
 * The robot description (`models/<task>/robot.yaml`): what the ROS node and the simulator must agree
 * on about a robot: joint names in command order, torque limits, the ros2_control topics, the control
 * rate, and how to rebuild the policy's observation from /joint_states.
 *
 * ```yaml
 * task: arm7-reach                 # sim task this robot is trained on
 * model: model.xml                 # MJCF, relative to this file
 * controlRateHz: 50                # policy/command rate; equals 1 / task dt
 * jointNames: [joint1, ..., joint7]   # command order of /<controller>/commands
 * torqueLimits: [87, ..., 12]      # |effort| limit per commanded joint, N·m (N for prismatic)
 * actuatorGear: [1, ..., 1]        # effort = gear × action (optional, default 1)
 * topics:
 *   jointStates: /joint_states
 *   commands: /effort_controller/commands
 * observation:
 *   size: 20
 *   stateJoints: [joint1, ..., joint7]   # joints read from /joint_states, in observation order
 *   target: true                          # the observation needs a target position (world, m)
 *   endEffectorSite: ee                   # MJCF site used for forward kinematics
 *   layout: [{ name: joint positions (rad), size: 7 }, ...]
 * ```
 *
 * `loadRobotDescription` rejects an invalid file with an error naming the file, the dotted key and
 * the offending value.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const topicName = z
  .string()
  .regex(/^\/[A-Za-z_][A-Za-z0-9_/]*$/, 'a ROS 2 topic name starting with "/"');

const layoutEntry = z.strictObject({
  /** Segment name, with units. */
  name: z.string().min(1),
  /** Segment length. */
  size: z.number().int().positive(),
});

export const robotDescriptionSchema = z
  .strictObject({
    /** The sim task trained on this robot (`models/<task>/`). */
    task: z.string().min(1),
    /** MJCF file, relative to the description. */
    model: z.string().min(1).default('model.xml'),
    /** Control (command) rate, Hz. */
    controlRateHz: z.number().positive().max(10000),
    /** Commanded joints, in the order of the command array. */
    jointNames: z.array(z.string().min(1)).min(1),
    /** Effort limit per commanded joint (N·m, or N for prismatic joints). */
    torqueLimits: z.array(z.number().positive().finite()).min(1),
    /** Actuator gear per commanded joint: effort = gear × action. Default: all 1. */
    actuatorGear: z.array(z.number().positive().finite()).optional(),
    topics: z.strictObject({
      /** sensor_msgs/msg/JointState input. */
      jointStates: topicName.default('/joint_states'),
      /** std_msgs/msg/Float64MultiArray output of a ros2_control effort controller. */
      commands: topicName.regex(/\/commands$/, 'a topic ending in "/commands"'),
    }),
    observation: z.strictObject({
      /** Observation length. */
      size: z.number().int().positive(),
      /** Joints read from /joint_states (by name), in observation order. */
      stateJoints: z.array(z.string().min(1)).min(1),
      /** Whether the observation needs a target position. */
      target: z.boolean(),
      /** MJCF site of the end effector (forward kinematics). */
      endEffectorSite: z.string().min(1),
      /** Named segments of the observation; sizes must add up to `size`. */
      layout: z.array(layoutEntry).min(1),
    }),
  })
  .superRefine((d, ctx) => {
    if (d.torqueLimits.length !== d.jointNames.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['torqueLimits'],
        message: `expected one limit per joint (${d.jointNames.length}), got ${d.torqueLimits.length}`,
      });
    }
    if (d.actuatorGear !== undefined && d.actuatorGear.length !== d.jointNames.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['actuatorGear'],
        message: `expected one gear per joint (${d.jointNames.length}), got ${d.actuatorGear.length}`,
      });
    }
    const seen = new Set<string>();
    d.jointNames.forEach((name, i) => {
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['jointNames', i], message: 'duplicate joint name' });
      }
      seen.add(name);
    });
    const total = d.observation.layout.reduce((sum, entry) => sum + entry.size, 0);
    if (total !== d.observation.size) {
      ctx.addIssue({
        code: 'custom',
        path: ['observation', 'layout'],
        message: `segment sizes add up to ${total}, expected observation.size = ${d.observation.size}`,
      });
    }
  });

export type RobotDescription = z.infer<typeof robotDescriptionSchema> & {
  /** Absolute path of the file it was loaded from. */
  readonly sourcePath: string;
};

/** The value at a dotted path inside parsed input (for error messages). */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Validate an already parsed description. `source` names the file in errors.
 * @throws Error: `robot description <source>: key '<dotted.path>' = <value>: <reason>` (one line
 *   per problem).
 */
export function parseRobotDescription(raw: unknown, source: string): RobotDescription {
  const result = robotDescriptionSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.') || '(root)';
      let reason = issue.message;
      if (issue.code === 'unrecognized_keys') reason = `unknown key(s) ${issue.keys.join(', ')}`;
      return `key '${key}' = ${show(valueAt(raw, issue.path))}: ${reason}`;
    });
    throw new Error(`robot description ${source}: invalid:\n  ${lines.join('\n  ')}`);
  }
  return { ...result.data, sourcePath: source };
}

/**
 * Read and validate `models/<task>/robot.yaml` (or any path).
 * @throws Error naming the file for a missing/unreadable file or bad YAML, and the key and value for
 *   a schema violation.
 */
export function loadRobotDescription(path: string): RobotDescription {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `robot description ${path}: cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`robot description ${path}: invalid YAML: ${(err as Error).message}`);
  }
  return parseRobotDescription(raw, path);
}

/** Effort to command for an action: gear × action per joint (gear defaults to 1). */
export function actionToEffort(
  description: RobotDescription,
  action: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  for (let i = 0; i < description.jointNames.length; i++) {
    out[i] = (description.actuatorGear?.[i] ?? 1) * (action[i] ?? NaN);
  }
  return out;
}
