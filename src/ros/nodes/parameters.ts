/**
 * The policy node's and the sim robot node's ROS parameters: one table, the single source for the
 * node (declaration with descriptors and ranges), the docs and the launch-file test (which checks
 * that every parameter a launch file sets is declared here).
 */
import type { ActionShapingSpec } from '../../config/index.js';
import { EXPLORE_SCALE_MIN } from '../control/index.js';
import type { ControlStep, SafetyLayer } from '../control/index.js';
import type { ParameterSpec, ParameterValue } from '../transport/index.js';
import { DEFAULT_TF_RATE_HZ } from './tfPublisher.js';

/** Topics and services of the policy node that the robot description does not name. */
export const POLICY_TOPICS = Object.freeze({
  /** torquepilot_msgs/msg/PolicyOutput, every tick. */
  policyOutput: '/torquepilot/policy_output',
  /** diagnostic_msgs/msg/DiagnosticArray, ~1 Hz. */
  diagnostics: '/diagnostics',
  /** std_msgs/msg/Bool: true latches the e-stop (false does nothing). */
  estop: '/torquepilot/estop',
  /** std_msgs/msg/Bool: true clears a latched e-stop (the topic form of the reset service). */
  estopReset: '/torquepilot/estop_reset',
  /** std_srvs/srv/Trigger: clears a latched e-stop. */
  estopResetService: '/torquepilot/reset_estop',
  /**
   * geometry_msgs/msg/PointStamped: the reach target (world frame); the default of the policy
   * node's `target_topic` parameter. Taken VOLATILE and latched alike (two subscriptions).
   */
  target: '/torquepilot/target',
  /** rosgraph_msgs/msg/Clock, from the sim robot under use_sim_time. */
  clock: '/clock',
  /**
   * std_msgs/msg/Header, RELIABLE, VOLATILE, depth 10: episode boundaries, one per new episode. The
   * sim robot publishes them (stamp = the new episode's first joint state, frame_id = its cause, one
   * of EPISODE_BOUNDARIES); an operator may too (stamp 0 = on arrival). The default of the policy
   * node's `episode_topic`, which cuts recorded episodes there.
   */
  episode: '/torquepilot/episode',
});

/**
 * frame_id of an episode boundary on POLICY_TOPICS.episode: 'start' (the sim robot's first
 * episode), 'reset' (its ~/reset service), 'horizon' (episode_steps reached), 'terminated' (the
 * task ended the episode, e.g. the pendulum fell).
 */
export const EPISODE_BOUNDARIES = Object.freeze([
  'start',
  'reset',
  'horizon',
  'terminated',
] as const);
export type EpisodeBoundary = (typeof EPISODE_BOUNDARIES)[number];

/** std_srvs/srv/Trigger of the sim robot: start a fresh episode (rcl expands '~' to the node's name). */
export const SIM_ROBOT_RESET_SERVICE = '~/reset';

export const POLICY_NODE_NAME = 'torquepilot_policy';
export const SIM_ROBOT_NODE_NAME = 'torquepilot_sim_robot';

/** Parameters of the policy node (`torquepilot node`). */
export const POLICY_NODE_PARAMETERS: readonly ParameterSpec[] = Object.freeze([
  {
    name: 'mode',
    type: 'string',
    default: 'sim',
    choices: ['sim', 'real'],
    readOnly: true,
    description: "'sim' publishes at once; 'real' publishes nothing until armed, then ramps up.",
  },
  {
    name: 'checkpoint',
    type: 'string',
    default: '',
    readOnly: false,
    description: 'Checkpoint directory (or run directory: its best checkpoint); read on configure.',
  },
  {
    name: 'robot_description',
    type: 'string',
    default: '',
    readOnly: false,
    description:
      "Robot: a robot folder, its robot.yaml or a built-in robot name; '' = the checkpoint's robot (models/robots/<name>/). A robot other than the checkpoint's is refused. Read on configure.",
  },
  {
    name: 'control_rate',
    type: 'double',
    default: 0,
    range: { from: 0, to: 2000 },
    readOnly: false,
    description: "Control timer rate in Hz; 0 = the robot description's rate. Applied on activate.",
  },
  {
    name: 'watchdog_period',
    type: 'double',
    default: 0.1,
    range: { from: 0.001, to: 10 },
    readOnly: false,
    description: 'Seconds: joint states older than this (by arrival) give zero torque.',
  },
  {
    name: 'torque_scale',
    type: 'double',
    default: 1,
    range: { from: 0, to: 1 },
    readOnly: false,
    description: "Multiplies the policy's torque before clamping (applies at once).",
  },
  {
    name: 'max_torque_step',
    type: 'double',
    default: 0.5,
    range: { from: 0.001, to: 2 },
    readOnly: false,
    description: "Rate limit: largest torque change per tick, as a fraction of the joint's limit.",
  },
  {
    name: 'action_filter_hz',
    type: 'double',
    default: -1,
    range: { from: -1, to: 10000 },
    readOnly: false,
    description:
      "Cutoff (Hz) of the first-order action filter applied before the safety layer, as in training; -1 = the checkpoint's control.actionFilterHz, 0 = off. On activate.",
  },
  {
    name: 'torque_rate_limit',
    type: 'double',
    default: -1,
    range: { from: -1, to: 1000000 },
    readOnly: false,
    description:
      "Torque rate limit (N·m/s, every joint) applied before the safety layer, as in training; -1 = the checkpoint's control.torqueRateLimit, 0 = off. On activate.",
  },
  {
    name: 'arm_ramp_time',
    type: 'double',
    default: 1,
    range: { from: 0, to: 60 },
    readOnly: false,
    description: 'Seconds over which torque_scale ramps up from 0 after arming (real mode).',
  },
  {
    name: 'explore',
    type: 'bool',
    default: false,
    readOnly: false,
    description:
      'false: publish the mean (deploy; recorded steps are flagged deterministic, replay will not importance-weight them); true: sample N(mean, (explore_scale·std)²) and record each step with that std and its log-prob (data collection). Applies at once.',
  },
  {
    name: 'explore_scale',
    type: 'double',
    default: 1,
    range: { from: EXPLORE_SCALE_MIN, to: 1 },
    readOnly: false,
    description:
      'Explore mode: multiplies the trained std (it may only shrink: at most 1). Applies at once.',
  },
  {
    name: 'seed',
    type: 'integer',
    default: 0,
    range: { from: 0, to: 2147483647 },
    readOnly: false,
    description: 'Seed of the exploration noise (explore = true). Applied on activate.',
  },
  {
    name: 'record_path',
    type: 'string',
    default: '',
    readOnly: false,
    description: "Record episodes as a rosbag2 MCAP bag in this directory; '' = off. On activate.",
  },
  {
    name: 'chunk_topic',
    type: 'string',
    default: '',
    readOnly: false,
    description:
      "Publish each explore-mode episode as a torquepilot_msgs/TransitionChunk on this topic for `torquepilot learner` (e.g. /torquepilot/transition_chunks); deterministic steps are never sent; '' = off. On activate.",
  },
  {
    name: 'actor_id',
    type: 'string',
    default: '',
    readOnly: false,
    description:
      "The chunks' actor id (the learner counts per id); '' = the node's name. On activate.",
  },
  {
    name: 'follow_parameters',
    type: 'bool',
    default: false,
    readOnly: false,
    description:
      "Take the learner's parameters (/torquepilot/policy_parameters) and apply the newest only at an episode boundary, never mid-episode; another robot, task or network is refused. Opt-in, also in real mode. On configure.",
  },
  {
    name: 'episode_topic',
    type: 'string',
    default: POLICY_TOPICS.episode,
    readOnly: false,
    description:
      "std_msgs/Header episode boundaries for recording (the sim robot's resets, an operator's `ros2 topic pub`); a target change is one too. On configure.",
  },
  {
    name: 'episode_max_steps',
    type: 'integer',
    default: 0,
    range: { from: 0, to: 100000000 },
    readOnly: false,
    description:
      "Safety cap on a recorded episode's length when no boundary comes; 0 = the task's horizon. On activate.",
  },
  {
    name: 'armed',
    type: 'bool',
    default: false,
    readOnly: false,
    description: 'Real mode: publish torque only when true. Reset to false on deactivate.',
  },
  {
    name: 'tick_source',
    type: 'string',
    default: 'auto',
    choices: ['timer', 'joint_states', 'auto'],
    readOnly: false,
    description:
      "'joint_states': tick on the first joint state of each control period (the timer only enforces the watchdog); 'timer': tick at control_rate; 'auto': joint_states in real mode, timer in sim mode. On activate.",
  },
  {
    name: 'target_topic',
    type: 'string',
    default: POLICY_TOPICS.target,
    readOnly: false,
    description:
      "geometry_msgs/PointStamped reach targets, VOLATILE (ros2 topic pub, RViz's /clicked_point) or latched. On configure.",
  },
  {
    name: 'publish_policy_output',
    type: 'bool',
    default: true,
    readOnly: false,
    description: 'Publish torquepilot_msgs/msg/PolicyOutput every tick.',
  },
]);

/** Parameters of the simulated robot node (`torquepilot sim-robot`). */
export const SIM_ROBOT_PARAMETERS: readonly ParameterSpec[] = Object.freeze([
  {
    name: 'task',
    type: 'string',
    default: 'arm7-reach',
    readOnly: true,
    description:
      'Task to simulate: a built-in task (arm7-reach, inverted-pendulum, reacher-2dof), a task kind (reach) or a task YAML file.',
  },
  {
    name: 'robot',
    type: 'string',
    default: '',
    readOnly: true,
    description:
      "Robot to simulate: a robot folder (with robot.yaml) or a built-in robot name (models/robots/<name>/); '' = the task's robot.",
  },
  {
    name: 'realtime',
    type: 'bool',
    default: false,
    readOnly: true,
    description: 'true: step every control period of the task; false: lockstep (on each command).',
  },
  {
    name: 'update_rate',
    type: 'double',
    default: 0,
    range: { from: 0, to: 10000 },
    readOnly: true,
    description:
      "realtime: steps (and joint states) per wall-clock second, like controller_manager's update_rate; 0 = 1/dt of the task (sim time = wall time). Otherwise sim time runs update_rate·dt times wall time.",
  },
  {
    name: 'seed',
    type: 'integer',
    default: 0,
    range: { from: 0, to: 2147483647 },
    readOnly: true,
    description:
      "Seed of the episode resets (initial state and target) and of the perturbation's noise draws: episode k (0 at start, +1 at each episode_steps or ~/reset reset) uses seed + k; an episode after the task terminated one continues the stream.",
  },
  {
    name: 'episode_steps',
    type: 'integer',
    default: 0,
    range: { from: 0, to: 100000000 },
    readOnly: false,
    description: "Reset after this many steps; 0 = the task's horizon.",
  },
  {
    name: 'perturb',
    type: 'string',
    default: '',
    readOnly: true,
    description:
      "Perturbation file (YAML, docs/sim-to-real.md): simulate that shifted arm (masses, friction, strength, payload, latency, noise on the published joint states); '' = the nominal arm.",
  },
  {
    name: 'tf_rate',
    type: 'double',
    default: DEFAULT_TF_RATE_HZ,
    range: { from: 0, to: 10000 },
    readOnly: true,
    description:
      "Most /tf messages (every link's pose) per second, one per joint state at most; 20 = robot_state_publisher's publish_frequency; 0 = no /tf.",
  },
  {
    name: 'robot_description_file',
    type: 'string',
    default: '',
    readOnly: true,
    description:
      "URDF latched on /robot_description (as robot_state_publisher does), for RViz's RobotModel; '' = the robot folder's own (robot.yaml description:, written by robot import), none without one.",
  },
]);

export const TRAINER_NODE_NAME = 'torquepilot_trainer';

/** Topics of the trainer node (`torquepilot trainer-node`). */
export const TRAINER_TOPICS = Object.freeze({
  /** std_msgs/msg/String: one JSON object per training iteration (metrics.jsonl's line + run). */
  metrics: '/torquepilot/training/metrics',
  /** std_msgs/msg/String, latched: absolute path of each new checkpoint directory. */
  checkpoint: '/torquepilot/training/checkpoint',
});

/** Parameters of the trainer node (`torquepilot trainer-node`); training itself takes flags. */
export const TRAINER_NODE_PARAMETERS: readonly ParameterSpec[] = Object.freeze([
  {
    name: 'publish_joint_states',
    type: 'bool',
    default: true,
    readOnly: true,
    description:
      "Run the newest checkpoint's mean policy in one extra environment and publish its /joint_states.",
  },
  {
    name: 'seed',
    type: 'integer',
    default: 0,
    range: { from: 0, to: 2147483647 },
    readOnly: true,
    description: 'Seed of the episode resets of the /joint_states environment.',
  },
  {
    name: 'linger',
    type: 'double',
    default: 2,
    range: { from: 0, to: 60 },
    readOnly: true,
    description:
      'Seconds the node stays up after training ends, so that a subscriber that matched late (DDS discovery takes up to a second or two) still gets the latched last metrics and checkpoint path. Skipped after SIGINT/SIGTERM.',
  },
]);

/** Look up a spec by name (throws naming the table's parameters when absent). */
export function parameterSpec(table: readonly ParameterSpec[], name: string): ParameterSpec {
  const spec = table.find((p) => p.name === name);
  if (spec === undefined) {
    throw new Error(
      `unknown parameter '${name}' (declared: ${table.map((p) => p.name).join(', ')})`,
    );
  }
  return spec;
}

/** Defaults as a plain object (docs, launch files). */
export function parameterDefaults(
  table: readonly ParameterSpec[],
): Readonly<Record<string, ParameterValue>> {
  return Object.freeze(Object.fromEntries(table.map((p) => [p.name, p.default])));
}

/**
 * What `tick_source` means in `mode`: 'auto' ticks on joint states in real mode (the lowest
 * latency: a command answers the state that caused it) and on the timer in sim mode, where the sim
 * robot in lockstep steps on each command and its next state would otherwise come in the same
 * period, and where use_sim_time runs the timer on /clock for deterministic runs.
 */
export function resolveTickSource(tickSource: string, mode: string): 'timer' | 'joint_states' {
  if (tickSource === 'timer' || tickSource === 'joint_states') return tickSource;
  if (tickSource !== 'auto') {
    throw new Error(`tick_source '${tickSource}' is not one of timer, joint_states, auto`);
  }
  return mode === 'real' ? 'joint_states' : 'timer';
}

/**
 * The action shaping the node applies: each of `action_filter_hz` and `torque_rate_limit` is the
 * trained setting when negative (the default, -1), off when 0, and the given value when > 0.
 */
export function resolveShaping(
  actionFilterHz: number,
  torqueRateLimit: number,
  trained: ActionShapingSpec | undefined,
): ActionShapingSpec {
  const filter =
    actionFilterHz < 0 ? trained?.actionFilterHz : actionFilterHz > 0 ? actionFilterHz : undefined;
  const rate =
    torqueRateLimit < 0
      ? trained?.torqueRateLimit
      : torqueRateLimit > 0
        ? torqueRateLimit
        : undefined;
  return {
    ...(filter === undefined ? {} : { actionFilterHz: filter }),
    ...(rate === undefined ? {} : { torqueRateLimit: rate }),
  };
}

/** Seconds (a parameter) as nanoseconds. */
export function secondsToNs(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e9));
}

/**
 * Apply a policy node parameter that takes effect at once (the others apply at the next
 * configure or activate): arming (real mode, while active), torque_scale, watchdog_period,
 * explore, explore_scale and publish_policy_output.
 */
export function applyLiveParameter(
  name: string,
  value: ParameterValue,
  node: {
    readonly safety: SafetyLayer | null;
    readonly control: ControlStep | null;
    readonly active: boolean;
    readonly setPublishOutput: (on: boolean) => void;
    readonly logArmed: () => void;
  },
): void {
  const { safety, control } = node;
  switch (name) {
    case 'armed':
      if (safety !== null && node.active) safety.setArmed(value as boolean);
      if (value === true) node.logArmed();
      break;
    case 'torque_scale':
      safety?.setTorqueScale(value as number);
      break;
    case 'watchdog_period':
      safety?.setWatchdogPeriodNs(secondsToNs(value as number));
      break;
    case 'explore':
      if (control !== null) control.behaviour.explore = value as boolean;
      break;
    case 'explore_scale':
      if (control !== null) control.behaviour.scale = value as number;
      break;
    case 'publish_policy_output':
      node.setPublishOutput(value as boolean);
      break;
    default:
      break;
  }
}
