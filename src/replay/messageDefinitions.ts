/**
 * ROS 2 message definitions (.msg text) of every type an episode bag carries, and the rosbag2
 * `ros2msg` schema text built from them: the root definition followed by each dependency after a
 * line of 80 '=' and `MSG: pkg/Type`, as rosbag2's local message definition source concatenates
 * them. Embedding the full text makes a bag self-describing: Foxglove, `ros2 bag play` and any
 * rosbag2 reader decode it without our package installed.
 *
 * The standard texts are those of ros2/common_interfaces (std_msgs, sensor_msgs) and
 * ros2/rcl_interfaces (builtin_interfaces), comments shortened; the field lists are exact.
 * TRANSITION_MSG must equal ros2/torquepilot_msgs/msg/Transition.msg byte for byte
 * (test/replay/bagFormat.test.ts checks it).
 */

export const TIME_MSG = `# This message communicates ROS Time defined here:
# https://design.ros2.org/articles/clock_and_time.html

# The seconds component, valid over all int32 values.
int32 sec

# The nanoseconds component, valid in the range [0, 1e9), to be added to the seconds component.
uint32 nanosec
`;

export const HEADER_MSG = `# Standard metadata for higher-level stamped data types.
# This is generally used to communicate timestamped data
# in a particular coordinate frame.

# Two-integer timestamp that is expressed as seconds and nanoseconds.
builtin_interfaces/Time stamp

# Transform frame with which this data is associated.
string frame_id
`;

export const JOINT_STATE_MSG = `# This is a message that holds data to describe the state of a set of torque controlled joints.
#
# The state of each joint (revolute or prismatic) is defined by:
#  * the position of the joint (rad or m),
#  * the velocity of the joint (rad/s or m/s) and
#  * the effort that is applied in the joint (Nm or N).
#
# Each joint is uniquely identified by its name
# The header specifies the time at which the joint states were recorded. All the joint states
# in one message have to be recorded at the same time.
#
# All arrays in this message should have the same size, or be empty.

std_msgs/Header header

string[] name
float64[] position
float64[] velocity
float64[] effort
`;

export const FLOAT64_MULTI_ARRAY_MSG = `# Please look at the MultiArrayLayout message definition for
# documentation on all multiarrays.

MultiArrayLayout  layout        # specification of data layout
float64[]         data          # array of data
`;

export const MULTI_ARRAY_LAYOUT_MSG = `# The multiarray declares a generic multi-dimensional array of a
# particular data type.  Dimensions are ordered from outer most
# to inner most.
#
# multiarray(i,j,k) = data[data_offset + dim_stride[1]*i + dim_stride[2]*j + k]

MultiArrayDimension[] dim # Array of dimension properties
uint32 data_offset        # padding elements at front of data
`;

export const MULTI_ARRAY_DIMENSION_MSG = `string label   # label of given dimension
uint32 size    # size of given dimension (in type units)
uint32 stride  # stride of given dimension
`;

export const TRANSITION_MSG = `# One control step of a logged episode: everything off-policy learning (torquepilot replay) needs
# to re-weight the step for a new policy. Recorded on /torquepilot/transition at the control rate,
# one message per step, in step order.
#
# Arrays are float64 so that a round trip through a bag is bit-exact. Action-sized arrays have one
# entry per commanded joint, in the order of joint_names (the robot description's order).

# stamp: the time of the control step (sim time in simulation); frame_id unused.
std_msgs/Header header

# Index of the episode within the recording (0, 1, 2, ...).
uint32 episode_index
# Index of the step within its episode (0 .. length - 1).
uint32 step_index

# Id of the behaviour policy's checkpoint (its manifest checkpoint id).
string checkpoint_id
# Task name (models/<task>/), e.g. reacher-2dof.
string task
# Commanded joints in command order; a replay refuses a checkpoint whose joint names differ.
string[] joint_names

# Raw (unnormalised) observation s_t the policy saw.
float64[] observation
# Action a_t the behaviour policy sampled, before clipping and the safety layer (actuator units).
float64[] action
# Mean of the behaviour policy mu(s_t).
float64[] mean
# log sigma of the behaviour policy at s_t (clamped, as used for sampling; in explore mode the
# trained log sigma plus log explore_scale). On a deterministic step: the policy's log sigma.
float64[] log_std
# log mu(a_t | s_t) under the behaviour policy (nats): the denominator of importance weights.
# NaN on a deterministic step.
float64 log_prob
# True when the action is the mean (the node's explore = false): a deterministic behaviour has
# no density, so replay refuses to importance-weight the step. Bags without this field are read
# with it set where action equals mean on every joint (a Gaussian sample never does).
bool deterministic

# Reward r_t received for the step.
float64 reward
# The MDP reached a terminal state after this step (no bootstrap).
bool terminated
# The episode was cut by the time limit after this step (bootstrap from V(final_observation)).
bool truncated
# Observation after the last step of an episode (for bootstrapping); empty on every other step.
float64[] final_observation
`;

/** The separator rosbag2 writes between a root definition and each dependency. */
export const DEFINITION_SEPARATOR = '='.repeat(80);

/** ROS 2 type names as they appear in bags (`pkg/msg/Type`). */
export const JOINT_STATE_TYPE = 'sensor_msgs/msg/JointState';
export const FLOAT64_MULTI_ARRAY_TYPE = 'std_msgs/msg/Float64MultiArray';
export const TRANSITION_TYPE = 'torquepilot_msgs/msg/Transition';

/** Root text and its dependencies (in the order rosbag2 lists them), per message type. */
const DEFINITIONS: Readonly<
  Record<string, { readonly root: string; readonly deps: readonly (readonly [string, string])[] }>
> = Object.freeze({
  [JOINT_STATE_TYPE]: {
    root: JOINT_STATE_MSG,
    deps: [
      ['std_msgs/Header', HEADER_MSG],
      ['builtin_interfaces/Time', TIME_MSG],
    ],
  },
  [FLOAT64_MULTI_ARRAY_TYPE]: {
    root: FLOAT64_MULTI_ARRAY_MSG,
    deps: [
      ['std_msgs/MultiArrayLayout', MULTI_ARRAY_LAYOUT_MSG],
      ['std_msgs/MultiArrayDimension', MULTI_ARRAY_DIMENSION_MSG],
    ],
  },
  [TRANSITION_TYPE]: {
    root: TRANSITION_MSG,
    deps: [
      ['std_msgs/Header', HEADER_MSG],
      ['builtin_interfaces/Time', TIME_MSG],
    ],
  },
});

/** The types this module can embed. */
export const KNOWN_TYPES: readonly string[] = Object.freeze(Object.keys(DEFINITIONS));

/**
 * The full `ros2msg` schema text for `type`: root definition, then for each dependency
 * `\n` + 80 '=' + `\nMSG: pkg/Type\n` + its definition. Throws for an unknown type.
 */
export function schemaText(type: string): string {
  const def = DEFINITIONS[type];
  if (!def) {
    throw new Error(
      `schemaText: no embedded definition for message type '${type}' (known: ${KNOWN_TYPES.join(', ')})`,
    );
  }
  let text = def.root;
  for (const [name, body] of def.deps) text += `${DEFINITION_SEPARATOR}\nMSG: ${name}\n${body}`;
  return text;
}
