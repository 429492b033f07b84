/**
 * The fleet's wire format (issue 17), embedded: the definitions of torquepilot_msgs/msg/TransitionChunk
 * and PolicyParameters, which the CDR codecs (fleetCodecs.ts) are built from. They must equal
 * ros2/torquepilot_msgs/msg/*.msg byte for byte (test/ros/transport/fleetCodecs.test.ts checks it), as
 * POLICY_OUTPUT_MSG does for PolicyOutput (cdrCodecs.ts).
 */

export const TRANSITION_CHUNK_TYPE = 'torquepilot_msgs/msg/TransitionChunk';
export const POLICY_PARAMETERS_TYPE = 'torquepilot_msgs/msg/PolicyParameters';

export const TRANSITION_CHUNK_MSG = `# A chunk of experience from one actor (\`torquepilot actor\`, or the policy node in explore mode):
# segments of consecutive steps, each of ONE env or episode, concatenated (src/learn's
# TrajectorySegments). Published on /torquepilot/transition_chunks with reliable QoS; the learner
# refuses a chunk whose robot or task differs from its own, and drops one whose policy_version is
# more than --max-lag versions behind.
#
# n = number of transitions, E = number of segments. Arrays are float64 so that a chunk carries
# exactly what the actor computed (and a bag of chunks round-trips bit-exactly).

# stamp: when the chunk was published (sim time in simulation); frame_id unused.
std_msgs/Header header

# Who sent it (unique per actor process, e.g. <host>-<pid>) and its per-actor sequence number, from
# 0: a gap means a lost or killed chunk.
string actor_id
uint64 sequence

# Identity: robot name and sha256 of its compiled model, task name and its kind + parameters as
# canonical JSON, commanded joints in command order, and the sizes.
string robot_name
string model_hash
string task
string task_params
string[] joint_names
uint32 obs_size
uint32 action_size

# Version of the policy parameters (PolicyParameters.version) that acted in each segment. Shape: (E).
uint32[] policy_versions

# Per transition. Raw (unnormalised) observations (n * obs_size); actions sampled by the behaviour
# before clipping (n * action_size); rewards (n); log mu(a_t|s_t) in nats (n); behaviour mean and
# log sigma (n * action_size).
float64[] observations
float64[] actions
float64[] rewards
float64[] behaviour_log_probs
float64[] behaviour_means
float64[] behaviour_log_stds

# Per segment: boundaries (E + 1, bounds[0] = 0, bounds[E] = n); how each segment ends
# (1 terminated: bootstrap 0; 2 truncated by the time limit; 3 cut by the end of the chunk: both
# bootstrap V(final observation)); the observation after each segment's last step (E * obs_size).
int32[] bounds
uint8[] segment_ends
float64[] final_observations
`;

export const POLICY_PARAMETERS_MSG = `# The learner's current policy, as actors need it to act: published on
# /torquepilot/policy_parameters every K updates with reliable, transient-local QoS (depth 1), so an
# actor that joins late receives the newest at once.

# stamp: when the parameters were published; frame_id unused.
std_msgs/Header header

# Number of learner updates behind these parameters (strictly increasing; a restarted learner goes
# on from its checkpoint's version).
uint32 version
# The learner's run id (its run directory name), so actors can tell two learners apart.
string learner_id

# Identity the parameters were trained for (as TransitionChunk): an actor refuses another robot/task.
string robot_name
string model_hash
string task
string task_params
string[] joint_names
uint32 obs_size
uint32 action_size

# The Gaussian policy's flat parameters (layer weights and biases, then log sigma) in the order of
# the checkpoint's manifest.
float32[] policy_params
# Observation normaliser statistics: per-dimension mean and variance (obs_size each) and the count.
float64[] normalizer_mean
float64[] normalizer_var
float64 normalizer_count
`;
