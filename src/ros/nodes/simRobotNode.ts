/**
 * The simulated robot node: the robot side of ros2_control, played by a simulation. It publishes
 * /joint_states (as joint_state_broadcaster does), the reach target (geometry_msgs/PointStamped,
 * latched), /tf for every link of the simulation (tfPublisher.ts), /robot_description (latched) when
 * given a URDF or when its robot came from one (robot.yaml `description:`) and, under use_sim_time, /clock; it subscribes to the effort controller's command topic
 * (std_msgs/Float64MultiArray, one entry per joint in description order, wrong sizes dropped as
 * ros2_control drops them). So the policy node cannot tell it from a real arm.
 *
 * Two pacings:
 * - realtime: one control period of simulation per period of wall time (drift-free timer), the
 *   latest command held (zero-order hold, as a real effort controller holds its last command);
 * - lockstep: one step per received command, as fast as the policy allows; while no command comes,
 *   a heartbeat once per control period of wall time republishes the state (so a policy node that
 *   is not active yet sees fresh states) or, when publishing /clock, steps with the held command (so
 *   sim time, and the timers of nodes that follow it, keep going).
 * It measures the round trip at the robot: joint state out → first command in.
 *
 * Episodes: each new one (the first, episode_steps reached, the task terminated, or a call of the
 * ~/reset service) is announced on /torquepilot/episode as a std_msgs/Header whose stamp is that of
 * the episode's first joint state, published right after it; the held command is zeroed.
 */
import { LatencyRing } from '../timing/index.js';
import type { JointStateMessage } from '../transport/index.js';
import { POLICY_TOPICS, SIM_ROBOT_PARAMETERS, SIM_ROBOT_RESET_SERVICE } from './parameters.js';
import type { EpisodeBoundary } from './parameters.js';
import { publishRobotDescription, robotDescriptionText } from './robotDescriptionTopic.js';
import { DEFAULT_TF_RATE_HZ, TfPublisher } from './tfPublisher.js';
import type { LinkPoseSource } from './tfPublisher.js';
import type { Publisher, Timer, TransportNode } from '../transport/index.js';

/** The simulation behind the node (sim/ MuJoCo in production, a toy model in tests). */
export interface SimulatedRobot {
  /** Task name. */
  readonly task: string;
  /** Commanded joints, in command order (the robot description's): the command's size. */
  readonly commandJointNames: readonly string[];
  /** Joints published on /joint_states, in the order `readJointState` fills. */
  readonly stateJointNames: readonly string[];
  /** Effort per unit of action (description's actuatorGear); effort = gear · action. */
  readonly gear: ArrayLike<number>;
  /** /joint_states topic of the robot description. */
  readonly jointStatesTopic: string;
  /** The effort controller's command topic of the robot description. */
  readonly commandTopic: string;
  /** Control period in seconds (the task's dt). */
  readonly dt: number;
  /** Steps per episode. */
  readonly horizon: number;
  /** Start an episode. */
  reset(seed: number): void;
  /**
   * One control period with this action (actuator units). Returns true when the task ended the
   * episode (terminated) and the robot started the next one itself.
   */
  step(action: Float64Array): boolean | void;
  /** Measured joints, `stateJointNames` order. Shapes: (stateJointNames.length). */
  readJointState(position: Float64Array, velocity: Float64Array, effort: Float64Array): void;
  /** Target position (world, m) when the task has one. Shape: (3). */
  readonly target: Float64Array | null;
  /** End-effector distance to the target (m), NaN without a target. */
  distance(): number;
  /** The links and their poses for /tf; absent = no /tf. */
  readonly links?: LinkPoseSource;
  /**
   * The URDF the robot came from (robot.yaml `description:`, absolute path), latched on
   * /robot_description unless the node is given a description; absent = none.
   */
  readonly descriptionFile?: string;
  close(): void;
}

export interface SimRobotOptions {
  readonly robot: SimulatedRobot;
  /** /joint_states topic (the description's). */
  readonly jointStatesTopic: string;
  /** The effort controller's command topic (the description's). */
  readonly commandTopic: string;
  readonly realtime: boolean;
  /** Publish /clock (sim time = steps × dt) for nodes with use_sim_time. */
  readonly publishClock: boolean;
  /** Seed of the first episode; episode k uses seed + k. */
  readonly seed: number;
  /** Steps per episode; 0 = the task's horizon. */
  readonly episodeSteps?: number;
  /**
   * Realtime pacing: steps per wall-clock second (0 or absent = 1/dt, sim time = wall time). At
   * another rate the robot still publishes a state per step, as a hardware loop at that rate
   * would, and sim time runs updateRateHz·dt times wall time.
   */
  readonly updateRateHz?: number;
  /**
   * The stamp of the joint state the commanding node's last tick answered, when that node runs
   * in this process (deploy): the round trip is then timed from that state's publication. Without
   * it, from the newest state published before the command (which understates it when the robot
   * publishes faster than the commands come).
   */
  readonly answeredStateStamp?: () => bigint | null;
  /**
   * Most /tf messages per second of the stamps' clock, one per published state at most
   * (default DEFAULT_TF_RATE_HZ; 0 = no /tf).
   */
  readonly tfRateHz?: number;
  /**
   * URDF text to latch on /robot_description (the `robot_description_file` parameter); absent or
   * '' = the robot's own `descriptionFile`, if it has one.
   */
  readonly robotDescription?: string;
}

/** States whose publication times are kept for the round trip (a 10 kHz robot, 50 Hz policy). */
const SENT_STATES = 256;

export interface SimRobotStats {
  readonly steps: number;
  readonly episodes: number;
  /** Distance at the end of each completed episode (m). */
  readonly finalDistances: readonly number[];
  /** Current distance to target (m). */
  readonly distance: number;
  readonly wrongSizeCommands: number;
  readonly nonFiniteCommands: number;
  readonly commands: number;
  /** Realtime pacing: steps whose period passed before the pacing timer could run them. */
  readonly missedSteps: number;
  /** Episodes started by the ~/reset service. */
  readonly resets: number;
}

/**
 * Declare the sim robot's ROS parameters (so `--ros-args -p realtime:=true` and launch files set
 * them) and return their values.
 */
export function declareSimRobotParameters(node: TransportNode): {
  task: string;
  robot: string;
  realtime: boolean;
  updateRateHz: number;
  seed: number;
  episodeSteps: number;
  perturb: string;
  tfRateHz: number;
  robotDescriptionFile: string;
} {
  node.declareParameters(SIM_ROBOT_PARAMETERS);
  return {
    task: node.getParameter('task') as string,
    robot: node.getParameter('robot') as string,
    realtime: node.getParameter('realtime') as boolean,
    updateRateHz: node.getParameter('update_rate') as number,
    seed: node.getParameter('seed') as number,
    episodeSteps: node.getParameter('episode_steps') as number,
    perturb: node.getParameter('perturb') as string,
    tfRateHz: node.getParameter('tf_rate') as number,
    robotDescriptionFile: node.getParameter('robot_description_file') as string,
  };
}

export class SimRobotNode {
  readonly node: TransportNode;
  readonly roundTripNs = new LatencyRing();
  readonly #o: SimRobotOptions;
  readonly #robot: SimulatedRobot;
  readonly #statePub: Publisher<'sensor_msgs/msg/JointState'>;
  readonly #targetPub: Publisher<'geometry_msgs/msg/PointStamped'>;
  readonly #clockPub: Publisher<'rosgraph_msgs/msg/Clock'> | null;
  readonly #episodePub: Publisher<'std_msgs/msg/Header'>;
  readonly #tf: TfPublisher | null;
  readonly #position: Float64Array;
  readonly #velocity: Float64Array;
  readonly #effort: Float64Array;
  readonly #command: Float64Array;
  readonly #action: Float64Array;
  readonly #episodeSteps: number;
  readonly #periodNs: bigint;
  /** Sim time per step (the task's dt). */
  readonly #simPeriodNs: bigint;
  #stepInEpisode = 0;
  #steps = 0;
  #episodes = 0;
  /** The node's resets so far (horizon and ~/reset; 0 at start): this episode's seed is seed + it. */
  #episodeIndex = 0;
  #resets = 0;
  /** The boundary to announce with the next joint state (its stamp), if any. */
  #boundary: EpisodeBoundary | null = null;
  #finalDistances: number[] = [];
  #wrongSize = 0;
  #nonFinite = 0;
  #commands = 0;
  #lastStateOutNs: bigint | null = null;
  /** Stamp and publication time of the last SENT_STATES states (a ring). */
  readonly #sentStamps = new BigInt64Array(SENT_STATES);
  readonly #sentAtNs = new BigInt64Array(SENT_STATES);
  #sent = 0;
  #lastStepNs = 0n;
  #started = false;
  #timer: Timer | null = null;

  constructor(node: TransportNode, options: SimRobotOptions) {
    this.node = node;
    this.#o = options;
    this.#robot = options.robot;
    const n = this.#robot.commandJointNames.length;
    const m = this.#robot.stateJointNames.length;
    this.#position = new Float64Array(m);
    this.#velocity = new Float64Array(m);
    this.#effort = new Float64Array(m);
    this.#command = new Float64Array(n);
    this.#action = new Float64Array(n);
    this.#episodeSteps =
      options.episodeSteps !== undefined && options.episodeSteps > 0
        ? options.episodeSteps
        : this.#robot.horizon;
    const rate = options.updateRateHz ?? 0;
    // The pacing period: one step per period (realtime), or the lockstep heartbeat.
    this.#periodNs = BigInt(
      Math.round((rate > 0 && options.realtime ? 1 / rate : this.#robot.dt) * 1e9),
    );
    this.#simPeriodNs = BigInt(Math.round(this.#robot.dt * 1e9));
    // joint_state_broadcaster publishes RELIABLE; subscribers may be best effort or reliable.
    this.#statePub = node.createPublisher(
      'sensor_msgs/msg/JointState',
      options.jointStatesTopic,
      'reliable',
    );
    this.#targetPub = node.createPublisher(
      'geometry_msgs/msg/PointStamped',
      POLICY_TOPICS.target,
      'latched',
    );
    this.#clockPub = options.publishClock
      ? node.createPublisher('rosgraph_msgs/msg/Clock', POLICY_TOPICS.clock, 'reliable')
      : null;
    // RELIABLE, VOLATILE, depth 10: a boundary is an event, not a state to latch.
    this.#episodePub = node.createPublisher(
      'std_msgs/msg/Header',
      POLICY_TOPICS.episode,
      'reliable',
    );
    node.createTriggerService(SIM_ROBOT_RESET_SERVICE, () => this.#onResetService());
    const tfRate = options.tfRateHz ?? DEFAULT_TF_RATE_HZ;
    const links = this.#robot.links;
    this.#tf = links !== undefined && tfRate > 0 ? new TfPublisher(node, links, tfRate) : null;
    const description = robotDescriptionText(options.robotDescription, this.#robot.descriptionFile);
    if (description !== undefined) publishRobotDescription(node, description);
    node.createSubscription(
      'std_msgs/msg/Float64MultiArray',
      options.commandTopic,
      'system_default',
      (m) => this.#onCommand(m.data),
    );
  }

  /** Reset the first episode, publish the first state and start the pacing timer. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#resetEpisode('start');
    this.#publishState();
    this.#lastStepNs = this.node.steadyNs();
    // Steady clock: this node is the /clock source. On the node's clock under use_sim_time (the
    // standard parameter a launch file sets for every node), its pacing timer would wait for sim
    // time that only this timer advances: a deadlock (no /clock, no commands).
    this.#timer = this.node.createTimer(this.#periodNs, () => this.#onTimer(), 'steady');
  }

  /** Stop stepping (the pacing timer); commands that still arrive are counted, not stepped. */
  stop(): void {
    this.#timer?.dispose();
    this.#timer = null;
    this.#started = false;
  }

  get robot(): SimulatedRobot {
    return this.#robot;
  }

  stats(): SimRobotStats {
    return {
      steps: this.#steps,
      episodes: this.#episodes,
      finalDistances: this.#finalDistances,
      distance: this.#robot.distance(),
      wrongSizeCommands: this.#wrongSize,
      nonFiniteCommands: this.#nonFinite,
      commands: this.#commands,
      missedSteps: this.#o.realtime ? (this.#timer?.missedTicks ?? 0) : 0,
      resets: this.#resets,
    };
  }

  #onCommand(data: ArrayLike<number>): void {
    const now = this.node.steadyNs();
    const answered = this.#o.answeredStateStamp;
    if (answered !== undefined) {
      const sentAt = this.#sentAt(answered());
      if (sentAt !== null) this.roundTripNs.push(Number(now - sentAt));
    } else if (this.#lastStateOutNs !== null) {
      this.roundTripNs.push(Number(now - this.#lastStateOutNs));
      this.#lastStateOutNs = null;
    }
    const n = this.#command.length;
    if (data.length !== n) {
      // ros2_control's JointGroupEffortController drops it (with an error log): so do we.
      if (this.#wrongSize++ === 0) {
        this.node.logger.error(
          `${this.node.name}: dropped a command of size ${data.length} on ${this.#o.commandTopic}, expected ${n}`,
        );
      }
      return;
    }
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(data[j])) {
        this.#nonFinite++;
        return;
      }
    }
    this.#commands++;
    for (let j = 0; j < n; j++) this.#command[j] = data[j] as number;
    if (!this.#o.realtime && this.#started) this.#step();
  }

  #onTimer(): void {
    if (this.#o.realtime) {
      this.#step();
    } else if (this.node.steadyNs() - this.#lastStepNs >= this.#periodNs) {
      // Lockstep heartbeat, no command for a period. Publishing /clock: step with the held
      // command, so that sim time advances and timers on it (the policy's) can fire at all.
      // Otherwise republish the unchanged state, so a policy that is not active yet sees it fresh.
      if (this.#clockPub !== null) this.#step();
      else this.#publishState();
    }
  }

  #step(): void {
    const n = this.#command.length;
    const gear = this.#robot.gear;
    for (let j = 0; j < n; j++)
      this.#action[j] = (this.#command[j] as number) / ((gear[j] as number) || 1);
    const terminated = this.#robot.step(this.#action) === true;
    this.#steps++;
    this.#stepInEpisode++;
    this.#lastStepNs = this.node.steadyNs();
    if (terminated) {
      this.#beginEpisode('terminated'); // the robot reset itself (its own stream)
    } else if (this.#stepInEpisode >= this.#episodeSteps) {
      this.#finalDistances.push(this.#robot.distance());
      this.#episodes++;
      this.#episodeIndex++;
      this.#resetEpisode('horizon');
    }
    this.#publishState();
  }

  /**
   * ~/reset: a fresh episode at once (the task's start pose and reset noise, seed + episode
   * index; an empty delay line), announced and published like any other.
   */
  #onResetService(): { success: boolean; message: string } {
    if (!this.#started) return { success: false, message: 'the sim robot is not running' };
    this.#episodeIndex++;
    this.#resets++;
    this.#resetEpisode('reset');
    this.#publishState();
    return { success: true, message: `episode ${this.#episodeIndex} started` };
  }

  #resetEpisode(cause: EpisodeBoundary): void {
    this.#robot.reset(this.#o.seed + this.#episodeIndex);
    this.#beginEpisode(cause);
  }

  /** A new episode in the robot: zero the held command, publish its target, announce it. */
  #beginEpisode(cause: EpisodeBoundary): void {
    this.#stepInEpisode = 0;
    this.#command.fill(0);
    this.#boundary = cause;
    const t = this.#robot.target;
    if (t !== null) {
      this.#targetPub.publish({
        stampNs: this.#stampNs(),
        frameId: 'world',
        x: t[0] as number,
        y: t[1] as number,
        z: t[2] as number,
      });
    }
  }

  #stampNs(): bigint {
    // Sim time when publishing /clock, else the node clock.
    return this.#clockPub !== null ? BigInt(this.#steps) * this.#simPeriodNs : this.node.now();
  }

  #publishState(): void {
    this.#robot.readJointState(this.#position, this.#velocity, this.#effort);
    const stampNs = this.#stampNs();
    if (this.#clockPub !== null) this.#clockPub.publish({ stampNs });
    if (this.#boundary !== null) {
      this.#episodePub.publish({ stampNs, frameId: this.#boundary });
      this.#boundary = null;
    }
    const message: JointStateMessage = {
      stampNs,
      name: this.#robot.stateJointNames,
      // Copies: a subscriber may keep the message; the node's arrays are reused.
      position: Float64Array.from(this.#position),
      velocity: Float64Array.from(this.#velocity),
      effort: Float64Array.from(this.#effort),
    };
    this.#statePub.publish(message);
    this.#lastStateOutNs = this.node.steadyNs();
    const slot = this.#sent++ % SENT_STATES;
    this.#sentStamps[slot] = stampNs;
    this.#sentAtNs[slot] = this.#lastStateOutNs;
    // After the state, so that the state's latency does not include it.
    this.#tf?.publish(stampNs);
  }

  /** When the state stamped `stampNs` was published (null: unknown, or too long ago). */
  #sentAt(stampNs: bigint | null): bigint | null {
    if (stampNs === null) return null;
    const n = Math.min(this.#sent, SENT_STATES);
    for (let k = 1; k <= n; k++) {
      const slot = (this.#sent - k) % SENT_STATES;
      if (this.#sentStamps[slot] === stampNs) return this.#sentAtNs[slot] as bigint;
    }
    return null;
  }
}
