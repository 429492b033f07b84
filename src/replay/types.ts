/**
 * Shapes of what an episode bag holds, in camelCase with bigint nanosecond stamps. ROS field names
 * (snake_case) appear only in episodeMessages.ts, which converts at the boundary.
 */

/** Default topic names (ros2_control conventions; the command topic comes from the robot description). */
export const DEFAULT_TOPICS: Readonly<BagTopics> = Object.freeze({
  jointStates: '/joint_states',
  command: '/effort_controller/commands',
  transition: '/torquepilot/transition',
});

export interface BagTopics {
  /** sensor_msgs/msg/JointState. */
  readonly jointStates: string;
  /** std_msgs/msg/Float64MultiArray: the effort command actually sent. */
  readonly command: string;
  /** torquepilot_msgs/msg/Transition: one per control step. */
  readonly transition: string;
}

/**
 * The policy's side of one control step, with arrays of type `A`: one declaration for the bag's
 * Transition record, the recorder's input (RecordedStep) and the ROS node's recorded step
 * (src/ros/nodes/policyNodeTypes.ts).
 */
export interface StepSample<A> {
  /** Time of the step (sim time in simulation), nanoseconds. */
  readonly stampNs: bigint;
  /** Raw observation s_t. Shape: (obsSize). */
  readonly observation: A;
  /** Sampled action a_t. Shape: (actionSize). */
  readonly action: A;
  /** Behaviour mean μ(s_t). Shape: (actionSize). */
  readonly mean: A;
  /** Behaviour log σ(s_t). Shape: (actionSize). */
  readonly logStd: A;
  /** log μ(a_t|s_t). */
  readonly logProb: number;
  readonly reward: number;
}

/** One control step for off-policy learning (torquepilot_msgs/msg/Transition). */
export interface TransitionRecord extends StepSample<Float64Array> {
  /**
   * The action is the behaviour's mean (no density: log_prob is NaN). Read as action = mean from
   * bags recorded before the field existed.
   */
  readonly deterministic: boolean;
  readonly episodeIndex: number;
  readonly stepIndex: number;
  readonly checkpointId: string;
  readonly task: string;
  readonly jointNames: readonly string[];
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** Observation after the episode's last step; empty on other steps. Shape: (obsSize) or (0). */
  readonly finalObservation: Float64Array;
}

/** sensor_msgs/msg/JointState. */
export interface JointStateRecord {
  readonly stampNs: bigint;
  readonly name: readonly string[];
  readonly position: Float64Array;
  readonly velocity: Float64Array;
  readonly effort: Float64Array;
}

/** std_msgs/msg/Float64MultiArray with an empty layout. */
export interface CommandRecord {
  readonly stampNs: bigint;
  readonly data: Float64Array;
}

/** What the recorder takes per control step. */
export interface RecordedStep extends StepSample<ArrayLike<number>> {
  /** The action is the mean (default false); its log-prob is then written as NaN. */
  readonly deterministic?: boolean;
  readonly episodeIndex: number;
  readonly stepIndex: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** Required on the episode's last step (terminated or truncated); ignored otherwise. */
  readonly finalObservation?: ArrayLike<number>;
  /** Joint state read before acting (omitted: no /joint_states message this step). */
  readonly jointState?: {
    readonly position: ArrayLike<number>;
    readonly velocity: ArrayLike<number>;
    readonly effort?: ArrayLike<number>;
  };
  /** Effort command sent (after clipping/safety); omitted: no command message this step. */
  readonly command?: ArrayLike<number>;
}

/**
 * One complete episode, columnar. Row t of each (T, ·) array is step t.
 */
export interface Episode {
  /** Bag the episode came from (for messages). */
  readonly source: string;
  readonly episodeIndex: number;
  readonly checkpointId: string;
  readonly task: string;
  readonly jointNames: readonly string[];
  readonly length: number;
  readonly obsSize: number;
  readonly actionSize: number;
  /** Shape: (length, obsSize). */
  readonly observations: Float64Array;
  /** Shape: (length, actionSize). */
  readonly actions: Float64Array;
  /** Shape: (length, actionSize). */
  readonly means: Float64Array;
  /** Shape: (length, actionSize). */
  readonly logStds: Float64Array;
  /** log μ(a_t|s_t), NaN on deterministic steps. Shape: (length). */
  readonly behaviourLogProbs: Float64Array;
  /** 1 where the step's action was the behaviour's mean (no density). Shape: (length). */
  readonly deterministic: Uint8Array;
  /** Shape: (length). */
  readonly rewards: Float64Array;
  /** The last step reached a terminal state. */
  readonly terminated: boolean;
  /** The last step was cut by the time limit. */
  readonly truncated: boolean;
  /** Observation after the last step. Shape: (obsSize). */
  readonly finalObservation: Float64Array;
}
