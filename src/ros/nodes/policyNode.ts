/**
 * The policy node: a managed (lifecycle) node that turns /joint_states into effort commands.
 *
 *   configure  load + validate checkpoint and robot description; create subscriptions/publishers;
 *              start /diagnostics (~1 Hz, also while inactive)
 *   activate   start the drift-free control timer at the description's (or control_rate) rate;
 *              tick on it, or on the first joint state of each period (tick_source)
 *   deactivate publish zero torque, stop the timer
 *   cleanup    release everything configure made
 *
 * Each tick (`tick()`) is one ControlStep (control/controlStep.ts: newest joint state, matched by
 * name → observation as in simulation → policy (mean or sample) → gear → safety layer), then
 * exactly one torque per commanded joint on the effort controller's command topic, PolicyOutput
 * every tick and /diagnostics at ~1 Hz, whose state comes from policyNodeStatus.ts. This node
 * keeps lifecycle, parameters and I/O; peers with an incompatible QoS are warned about once each
 * (qosWarnings.ts).
 * It runs unchanged on the in-process transport and on rclnodejs.
 */
import { Random } from '../../util/index.js';
import { ControlStep, SafetyLayer, validateDeployment } from '../control/index.js';
import type { CommandOutput, LoadedDeployment, SafetyState } from '../control/index.js';
import { JointStateTickPacing, LatencyRing } from '../timing/index.js';
import { CALLBACK_FAILURE, CALLBACK_SUCCESS } from '../transport/index.js';
import type {
  CallbackCode,
  Disposable,
  HeaderMessage,
  JointStateMessage,
  LifecycleCallbacks,
  ParameterValue,
  PointStampedMessage,
  Timer,
  TransportNode,
} from '../transport/index.js';
import type { DiagnosticsPublisher } from './diagnostics.js';
import { openPolicyNodeIo } from './policyNodeIo.js';
import { PolicyNodeRecording } from './policyNodeRecording.js';
import type { PolicyNodeRecordingStats } from './policyNodeRecording.js';
import { PolicyOutputRing } from './policyOutputRing.js';
import type { PolicyNodeOptions, PolicyNodeStats } from './policyNodeTypes.js';
import {
  applyLiveParameter,
  POLICY_NODE_PARAMETERS,
  resolveShaping,
  resolveTickSource,
  secondsToNs,
} from './parameters.js';
import { statusInputOf } from './policyNodeStatus.js';
import { QosWarnings } from './qosWarnings.js';

const DIAGNOSTICS_PERIOD_NS = 1_000_000_000n;
const WARM_UP_TICKS = 300;
/**
 * How long deactivate waits for the zero command to be acknowledged. A process that exits right
 * after (Ctrl-C, ros2 launch) would otherwise destroy the DDS writer with the zero unsent, and an
 * effort controller keeps applying the last torque it received.
 */
export const ZERO_DELIVERY_TIMEOUT_MS = 200;

export type {
  PolicyNodeOptions,
  PolicyNodeStats,
  RecordedStep,
  RecorderFactory,
  RecordingInfo,
  StepRecorder,
} from './policyNodeTypes.js';

export class PolicyNode {
  readonly node: TransportNode;
  readonly #options: PolicyNodeOptions;
  #deployment: LoadedDeployment | null = null;
  /** The control path of the configured deployment (null when unconfigured). */
  #control: ControlStep | null = null;
  #safety: SafetyLayer | null = null;
  #commandOut: CommandOutput | null = null;
  #outputs: PolicyOutputRing | null = null;
  #diagnostics: DiagnosticsPublisher | null = null;
  #configured: Disposable[] = [];
  #controlTimer: Timer | null = null;
  #diagTimer: Timer | null = null;
  readonly #recorder: PolicyNodeRecording;
  #active = false;
  /** The newest joint state that matched (recorded with the step). */
  #lastState: JointStateMessage | null = null;
  #answeredStampNs: bigint | null = null;
  /** Set when tick_source is 'joint_states'. */
  #pacing: JointStateTickPacing | null = null;
  #publishOutput = true;
  #lastMatchError = '';
  /** The target topic of this configuration (parameter target_topic). */
  #targetTopic = '';
  readonly #qosWarnings: QosWarnings;
  // Statistics.
  readonly latencyNs = new LatencyRing();
  #ticks = 0;
  // Totals of command outputs of earlier configurations (the current one counts itself).
  #published = 0;
  #maxAbsTorque = 0;
  #violations = 0;
  #nonFinite = 0;
  #missedBefore = 0;
  #lastSafetyState: SafetyState | 'idle' = 'idle';

  constructor(node: TransportNode, options: PolicyNodeOptions) {
    this.node = node;
    this.#options = options;
    this.#qosWarnings = new QosWarnings(node.logger, node.name);
    this.#recorder = new PolicyNodeRecording(node, options.recorderFactory, options.rawTopics);
    node.declareParameters(POLICY_NODE_PARAMETERS);
    node.onSetParameters((changes) => this.#onSetParameters(changes));
  }

  /** The callbacks to register with the transport's lifecycle node (synchronous, never throw). */
  callbacks(): LifecycleCallbacks {
    return {
      onConfigure: () => this.#guard('configure', () => this.#configure()),
      onActivate: () => this.#guard('activate', () => this.#activate()),
      onDeactivate: () => this.#guard('deactivate', () => this.#deactivate()),
      onCleanup: () => this.#guard('cleanup', () => this.#cleanup()),
      onShutdown: () =>
        this.#guard('shutdown', () => {
          if (this.#active) this.#deactivate();
          this.#cleanup();
        }),
      onError: () =>
        this.#guard('error', () => {
          this.#stopTimers();
          this.#cleanup();
        }),
    };
  }

  /** Resolves when every recording closed so far is on disk. */
  async recordingsClosed(): Promise<void> {
    await this.#recorder.closed();
  }

  get deployment(): LoadedDeployment | null {
    return this.#deployment;
  }
  /** Chunks published and the learner's parameters followed (chunk_topic, follow_parameters). */
  get fleet(): PolicyNodeRecordingStats {
    return this.#recorder.stats();
  }
  get safety(): SafetyLayer | null {
    return this.#safety;
  }
  get active(): boolean {
    return this.#active;
  }

  stats(): PolicyNodeStats {
    return {
      ticks: this.#ticks,
      published: this.#published + (this.#commandOut?.published ?? 0),
      maxAbsTorque: Math.max(this.#maxAbsTorque, this.#commandOut?.maxAbsTorque ?? 0),
      torqueLimitViolations: this.#violations + (this.#commandOut?.torqueLimitViolations ?? 0),
      watchdogTrips: this.#safety?.watchdogTrips ?? 0,
      missedTicks:
        this.#missedBefore + (this.#pacing?.missedTicks ?? this.#controlTimer?.missedTicks ?? 0),
      nonFiniteEvents: this.#nonFinite,
      safetyState: this.#lastSafetyState,
    };
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  #guard(what: string, body: () => void): CallbackCode {
    try {
      body();
      return CALLBACK_SUCCESS;
    } catch (err) {
      this.node.logger.error(
        `${this.node.name}: ${what} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      return CALLBACK_FAILURE;
    }
  }

  #configure(): void {
    const checkpoint = this.#param('checkpoint') as string;
    if (checkpoint === '')
      throw new Error("parameter 'checkpoint' is empty; set it to a checkpoint");
    const deployment = this.#options.loader({
      checkpoint,
      robotDescription: this.#param('robot_description') as string,
    });
    try {
      validateDeployment(deployment);
      // Following a learner's parameters (follow_parameters): subscribed from configure on.
      this.#recorder.configure(deployment, (name) => this.#param(name));
    } catch (err) {
      this.#recorder.cleanup();
      deployment.close();
      throw err;
    }
    const { description, policy, observation } = deployment;
    const n = description.jointNames.length;
    this.#deployment = deployment;
    this.#lastState = null;
    // The safety layer exists from configure on, so that an e-stop latches even while inactive.
    const rateHz = this.#rateHz();
    this.#safety = new SafetyLayer({
      torqueLimits: description.torqueLimits,
      watchdogPeriodNs: secondsToNs(this.#param('watchdog_period') as number),
      mode: this.#param('mode') as 'sim' | 'real',
      maxTorqueStepFraction: this.#param('max_torque_step') as number,
      torqueScale: this.#param('torque_scale') as number,
      armRampTicks: Math.round((this.#param('arm_ramp_time') as number) * rateHz),
    });
    // Before the subscriptions: a latched target is delivered as soon as they exist.
    this.#control = new ControlStep(deployment, this.#safety, new Random(0));
    this.#targetTopic = this.#param('target_topic') as string;
    const target = { needed: observation.needsTarget, topic: this.#targetTopic };
    const io = openPolicyNodeIo(
      this.node,
      description,
      target,
      this.#param('episode_topic') as string,
      this.#qosWarnings.onIncompatibleQos,
      {
        onJointState: (m) => this.#onJointState(m),
        onTarget: (m) => this.#onTarget(m),
        onEpisode: (m) => this.#onEpisode(m),
        onEstop: () => this.#estop(),
        onEstopReset: () => this.#resetEstop(),
      },
    );
    this.#commandOut = io.commandOut;
    this.#outputs = new PolicyOutputRing(io.policyOutput, policy, description.jointNames);
    this.#diagnostics = io.diagnostics;
    this.#configured.push(...io.inputs);
    this.#lastMatchError = '';
    this.#diagTimer = this.node.createTimer(DIAGNOSTICS_PERIOD_NS, () =>
      this.#publishDiagnostics(),
    );
    this.node.logger.info(
      `${this.node.name}: configured checkpoint ${policy.checkpointId} (task ${description.task}, ${n} joints) from ${checkpoint}; description ${description.source}`,
    );
  }

  #activate(): void {
    const deployment = this.#requireDeployment('activate');
    const safety = this.#safety as SafetyLayer;
    const rateHz = this.#rateHz();
    safety.setArmRampTicks(Math.round((this.#param('arm_ramp_time') as number) * rateHz));
    safety.resetHistory();
    safety.setArmed(this.#param('armed') as boolean);
    const control = this.#control as ControlStep;
    control.rng = new Random(this.#param('seed') as number);
    control.behaviour.explore = this.#param('explore') as boolean;
    control.behaviour.scale = this.#param('explore_scale') as number;
    // The shaping training used (or the parameters' override), per tick of this rate, from zero.
    const shaping = resolveShaping(
      this.#param('action_filter_hz') as number,
      this.#param('torque_rate_limit') as number,
      deployment.shaping,
    );
    control.setShaping(shaping, rateHz, this.node.name);
    this.#publishOutput = this.#param('publish_policy_output') as boolean;
    // Episodes to the bag (record_path) and to the learner (chunk_topic), if set.
    this.#recorder.open(control, (name) => this.#param(name));
    const periodNs = BigInt(Math.round(1e9 / rateHz));
    // Run the forward pass a few hundred times, so the first ticks run JIT-compiled.
    control.warmUp(WARM_UP_TICKS, new Random(0));
    this.#options.beforeControlLoop?.();
    const tickSource = resolveTickSource(
      this.#param('tick_source') as string,
      this.#param('mode') as string,
    );
    this.#pacing = tickSource === 'joint_states' ? new JointStateTickPacing(periodNs) : null;
    this.#controlTimer = this.node.createTimer(periodNs, () => this.#onTimer());
    this.#diagnostics?.restart(this.node.steadyNs());
    this.#active = true;
    this.node.logger.info(
      `${this.node.name}: active at ${rateHz} Hz (${this.#param('mode')} mode, ${control.behaviour.explore ? `exploring, std × ${control.behaviour.scale}` : 'deterministic'}, tick on ${tickSource}${control.shaper === null ? '' : `, action shaping ${JSON.stringify(shaping)}`})`,
    );
  }

  #deactivate(): void {
    this.#stopTimers();
    this.#active = false;
    const safety = this.#safety;
    // Zero torque on the way out, if we were allowed to publish at all, and delivered before
    // anything else happens (see ZERO_DELIVERY_TIMEOUT_MS).
    const out = this.#commandOut;
    if (safety !== null && safety.armed && out !== null) {
      out.publishZero();
      if (!out.waitForDelivery(ZERO_DELIVERY_TIMEOUT_MS))
        this.node.logger.warn(
          `${this.node.name}: the zero command was not acknowledged within ${ZERO_DELIVERY_TIMEOUT_MS} ms (a reliable reader that did not acknowledge it: slow or gone); the controller may keep the last torque`,
        );
    }
    safety?.resetHistory();
    if (this.#param('mode') === 'real' && this.#param('armed') === true) {
      // Re-arming is required after every deactivate.
      this.node.setParameters([{ name: 'armed', value: false }]);
    }
    safety?.setArmed(false);
    this.#recorder.close();
  }

  #cleanup(): void {
    this.#diagTimer?.dispose();
    this.#diagTimer = null;
    this.#recorder.cleanup();
    for (const d of this.#configured) d.dispose();
    this.#configured = [];
    this.#deployment?.close();
    this.#deployment = null;
    this.#control = null;
    this.#safety = null;
    const out = this.#commandOut;
    if (out !== null) {
      this.#published += out.published;
      this.#maxAbsTorque = Math.max(this.#maxAbsTorque, out.maxAbsTorque);
      this.#violations += out.torqueLimitViolations;
    }
    this.#commandOut = null;
    this.#outputs = null;
    this.#diagnostics = null;
  }

  #stopTimers(): void {
    if (this.#controlTimer !== null) {
      this.#missedBefore += this.#pacing?.missedTicks ?? this.#controlTimer.missedTicks;
      this.#controlTimer.dispose();
    }
    this.#pacing = null;
    this.#controlTimer = null;
  }

  // ---- inputs ---------------------------------------------------------------------------------

  #onJointState(message: JointStateMessage): void {
    const control = this.#control;
    if (control === null) return;
    const now = this.node.steadyNs();
    const result = control.receive(message, now);
    if (!result.ok) {
      if (result.reason !== this.#lastMatchError) {
        this.node.logger.error(`${this.node.name}: ${result.reason}`);
        this.#lastMatchError = result.reason;
      }
      return;
    }
    this.#lastMatchError = '';
    this.#lastState = message;
    if (this.#active && this.#pacing?.onJointState(now) === true) this.tick();
  }

  #onTarget(message: PointStampedMessage): void {
    const control = this.#control;
    if (control === null) return;
    const t = control.target;
    // A new target is a new task instance: the recorded episode ends (at the target's stamp).
    if (t !== null && (t[0] !== message.x || t[1] !== message.y || t[2] !== message.z)) {
      this.#recorder.boundary(message.stampNs, 'target');
    }
    control.setTarget(message.x, message.y, message.z);
  }

  #onEpisode(message: HeaderMessage): void {
    this.#recorder.boundary(message.stampNs, message.frameId !== '' ? message.frameId : 'signal');
  }

  #estop(): void {
    if (this.#safety === null) return;
    if (!this.#safety.estopLatched) this.node.logger.warn(`${this.node.name}: e-stop latched`);
    this.#safety.triggerEstop();
    // Zero torque at once, not at the next tick.
    if (this.#active && this.#safety.armed) this.#commandOut?.publishZero();
  }

  #resetEstop(): boolean {
    const was = this.#safety?.resetEstop() ?? false;
    if (was) this.node.logger.warn(`${this.node.name}: e-stop cleared`);
    return was;
  }

  #onTimer(): void {
    const pacing = this.#pacing;
    if (pacing === null) return this.tick();
    const now = this.node.steadyNs();
    if (pacing.onTimer(now, this.#control?.fresh(now) ?? false)) this.tick();
  }

  // ---- the tick -------------------------------------------------------------------------------

  /** One control step (called by the timer, or by a joint state in 'joint_states' mode). */
  tick(): void {
    const control = this.#control;
    const output = this.#commandOut;
    if (control === null || output === null || !this.#active) return;
    // The state this tick acts on: in process, publishing the command can deliver the robot's next
    // state (and replace #lastState) before the step is recorded.
    const actedOn = this.#lastState;
    const t0 = this.node.steadyNs();
    const command = output.next();
    const { ready, acted, logProb, verdict } = control.step(t0, command);
    if (verdict.error !== undefined) {
      this.#nonFinite++;
      this.node.logger.error(`${this.node.name}: ${verdict.error}`);
    }
    // One entry per commanded joint, asserted (ros2_control drops a wrong size silently).
    if (verdict.publish) output.publish(command);
    const latencyNs = Number(this.node.steadyNs() - t0);
    this.latencyNs.push(latencyNs);
    this.#ticks++;
    this.#diagnostics?.countTick();
    this.#lastSafetyState = verdict.state;
    if (this.#publishOutput) {
      this.#outputs?.publish(this.node.now(), control, logProb, command, verdict, latencyNs);
    }
    const state = ready ? actedOn : null;
    this.#answeredStampNs = state?.stampNs ?? null;
    // Every step the policy acted on: sampled ones with their log-prob, the mean flagged.
    if (this.#recorder.recording && state !== null && acted) {
      this.#recorder.recordTick(this.node.now(), state, control, logProb, command);
    }
  }

  /**
   * The header stamp of the joint state the last tick acted on (null: it acted on none). With the
   * robot in the same process, deploy measures the round trip of that state by it.
   */
  get answeredStateStampNs(): bigint | null {
    return this.#answeredStampNs;
  }

  #publishDiagnostics(): void {
    const deployment = this.#deployment;
    const safety = this.#safety;
    const control = this.#control;
    const diagnostics = this.#diagnostics;
    if (deployment === null || safety === null || control === null || diagnostics === null) return;
    const recent = Math.max(1, diagnostics.windowTicks);
    const nowNs = this.node.steadyNs();
    diagnostics.publish(nowNs, {
      stampNs: this.node.now(),
      nodeName: this.node.name,
      hardwareId: deployment.description.source,
      targetRateHz: this.#rateHz(),
      p50LatencyMs: this.latencyNs.percentile(50, recent) / 1e6,
      p99LatencyMs: this.latencyNs.percentile(99, recent) / 1e6,
      stats: this.stats(),
      armed: safety.armed,
      mode: this.#param('mode') as string,
      checkpointId: deployment.policy.checkpointId,
      state: statusInputOf(control, {
        active: this.#active,
        jointStateError: this.#lastMatchError,
        nonFinite: this.#lastSafetyState === 'non_finite',
        targetTopic: this.#targetTopic,
        nowNs,
      }),
    });
  }

  // ---- parameters -----------------------------------------------------------------------------

  #onSetParameters(changes: readonly { name: string; value: ParameterValue }[]): {
    successful: boolean;
    reason: string;
  } {
    for (const { name, value } of changes) {
      applyLiveParameter(name, value, {
        safety: this.#safety,
        control: this.#control,
        active: this.#active,
        setPublishOutput: (on) => (this.#publishOutput = on),
        logArmed: () => this.node.logger.warn(`${this.node.name}: armed`),
      });
    }
    return { successful: true, reason: '' };
  }

  #param(name: string): ParameterValue {
    return this.node.getParameter(name);
  }

  #rateHz(): number {
    const override = this.#param('control_rate') as number;
    if (override > 0) return override;
    return this.#requireDeployment('rate').description.controlRateHz;
  }

  #requireDeployment(what: string): LoadedDeployment {
    if (this.#deployment === null) throw new Error(`${what}: node is not configured`);
    return this.#deployment;
  }
}
