/**
 * Simulated rollouts of a checkpoint's STOCHASTIC policy, recorded as an episode bag
 * (`torquepilot record`). One MuJoCo environment, the plain-TS forward pass, and the
 * EpisodeRecorder the ROS node also uses: the bag looks the same as one from a real arm, with
 * /joint_states from the simulated joints and the clipped effort on the robot's command topic.
 *
 * Stamps: sim time, offset by `startTimeNs` (default: wall clock at start) and advancing by the
 * control period across episodes, so stamps increase through the whole bag.
 */
import { MujocoEnv, loadMujoco } from '../../sim/index.js';
import { TaskModel } from '../../sim/index.js';
import { loadCheckpoint, policyFromCheckpoint } from '../policy/index.js';
import { PolicyForward } from '../policy/index.js';
import { checkCheckpointRobot, checkpointTask } from '../train/index.js';
import { experienceIdentity } from '../learn/index.js';
import { Random } from '../util/index.js';
import { controlFromHyperparameters } from '../config/index.js';
import type { BagMetadataInput } from './bagMetadata.js';
import { bagIdentityCustomData } from './bagTransitionSource.js';
import { EpisodeRecorder } from './episodeRecorder.js';
import type { BagTopics } from './types.js';

export interface RecordOptions {
  /** Task; default: the checkpoint's task (a different one is refused). */
  readonly task?: string;
  /** Robot folder or built-in name; default: the checkpoint's robot (another robot is refused). */
  readonly robot?: string;
  /** Number of episodes. */
  readonly episodes: number;
  /** Seed of the resets and of the action noise. */
  readonly seed: number;
  /** Replace an existing bag directory. */
  readonly overwrite?: boolean;
  /** Stamp of the first step, ns (default: wall clock now). */
  readonly startTimeNs?: bigint;
  /** Topic overrides (default: /joint_states, the robot's command topic, /torquepilot/transition). */
  readonly topics?: Partial<BagTopics>;
  /** ROS distro name for metadata (default: $ROS_DISTRO or ''). */
  readonly rosDistro?: string;
}

export interface RecordResult {
  readonly bag: string;
  readonly episodes: number;
  readonly transitions: number;
  readonly meanReturn: number;
  readonly checkpointId: string;
  readonly metadata: BagMetadataInput;
}

/** Reset seed of recorded episode e (distinct streams per episode). */
export function recordEpisodeSeed(seed: number, episode: number): number {
  return (Math.imul(seed ^ 0x7265636f, 0x9e3779b1) + Math.imul(episode + 1, 0x85ebca6b)) >>> 0;
}

export async function recordSimulatedEpisodes(
  checkpointPath: string,
  bagDir: string,
  options: RecordOptions,
): Promise<RecordResult> {
  if (!Number.isInteger(options.episodes) || options.episodes < 1)
    throw new Error(
      `recordSimulatedEpisodes: episodes must be an integer >= 1, got ${options.episodes}`,
    );
  const ckpt = loadCheckpoint(
    checkpointPath,
    options.task !== undefined ? { task: options.task } : {},
  );
  const m = ckpt.manifest;
  const policy = policyFromCheckpoint(ckpt);
  const fwd = new PolicyForward(policy);
  const mj = await loadMujoco();
  // The control loop the policy trained in (rates, action shaping).
  const control = controlFromHyperparameters(m.hyperparameters, ckpt.dir);
  const { task, robot } = checkpointTask(m, options.robot);
  const taskModel = TaskModel.load(mj, task, {
    control,
    ...(robot !== undefined ? { robot } : {}),
  });
  const env = new MujocoEnv(taskModel, true);
  try {
    const spec = env.spec;
    checkCheckpointRobot(m, spec, `recordSimulatedEpisodes: checkpoint ${ckpt.dir}`);
    if (spec.jointNames.join('\u0000') !== m.jointNames.join('\u0000')) {
      throw new Error(
        `recordSimulatedEpisodes: checkpoint ${ckpt.dir} has joint names [${m.jointNames.join(', ')}], task '${m.task}' has [${spec.jointNames.join(', ')}]`,
      );
    }
    if (spec.obsSize !== m.obsSize || spec.actionSize !== m.actionSize) {
      throw new Error(
        `recordSimulatedEpisodes: checkpoint ${ckpt.dir} has obs ${m.obsSize}, actions ${m.actionSize}; task '${m.task}' has ${spec.obsSize}, ${spec.actionSize}`,
      );
    }
    // Where each commanded joint's position lives in qpos (when the task observes it).
    const observed = taskModel.task.observedJoints;
    const jointIdx = spec.jointNames.map((name) => observed.indexOf(name));
    const haveJointStates = jointIdx.every((i) => i >= 0);
    const qposAdr = jointIdx.map((i) => taskModel.observedQposAdr[i] ?? -1);
    const dofAdr = jointIdx.map((i) => taskModel.observedDofAdr[i] ?? -1);

    const recorder = await EpisodeRecorder.create(bagDir, {
      task: m.task,
      jointNames: spec.jointNames,
      checkpointId: m.id,
      obsSize: spec.obsSize,
      topics: { command: taskModel.description.topics.commands, ...options.topics },
      rosDistro: options.rosDistro ?? process.env['ROS_DISTRO'] ?? '',
      customData: {
        'torquepilot.record_seed': String(options.seed),
        ...bagIdentityCustomData(experienceIdentity(spec)),
      },
      ...(options.overwrite !== undefined ? { overwrite: options.overwrite } : {}),
    });
    const noise = new Random(options.seed);
    const a = spec.actionSize;
    const action = new Float64Array(a);
    const command = new Float64Array(a);
    const position = new Float64Array(a);
    const velocity = new Float64Array(a);
    const dtNs = BigInt(Math.round(spec.dt * 1e9));
    let stamp = options.startTimeNs ?? BigInt(Date.now()) * 1_000_000n;
    let transitions = 0;
    let totalReturn = 0;
    for (let e = 0; e < options.episodes; e++) {
      let obs = Float64Array.from(env.reset(recordEpisodeSeed(options.seed, e)));
      for (let t = 0; ; t++) {
        if (haveJointStates) {
          const st = env.getState();
          const qpos = st.physics['qpos'] ?? [];
          const qvel = st.physics['qvel'] ?? [];
          for (let j = 0; j < a; j++) {
            position[j] = qpos[qposAdr[j] as number] as number;
            velocity[j] = qvel[dofAdr[j] as number] as number;
          }
        }
        const logProb = fwd.sample(obs, noise, action);
        const r = env.step(action);
        // The torque held: the action clipped to ctrlrange (and shaped, under `control:`).
        command.set(env.lastApplied);
        const last = r.terminated || r.truncated;
        await recorder.writeStep({
          stampNs: stamp,
          episodeIndex: e,
          stepIndex: t,
          observation: obs,
          action,
          mean: fwd.mean,
          logStd: fwd.logStd,
          logProb,
          reward: r.reward,
          terminated: r.terminated,
          truncated: r.truncated && !r.terminated,
          ...(last ? { finalObservation: r.obs } : {}),
          ...(haveJointStates ? { jointState: { position, velocity } } : {}),
          command,
        });
        stamp += dtNs;
        transitions++;
        totalReturn += r.reward;
        obs = Float64Array.from(r.obs);
        if (last) break;
      }
    }
    const metadata = await recorder.close();
    return {
      bag: recorder.dir,
      episodes: options.episodes,
      transitions,
      meanReturn: totalReturn / options.episodes,
      checkpointId: m.id,
      metadata,
    };
  } finally {
    env.close();
  }
}
