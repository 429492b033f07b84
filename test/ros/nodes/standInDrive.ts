/**
 * Drive the sim robot node on a (perturbed) MuJoCo arm in process, lockstep on the manual clock:
 * the reference that the stand-in tests, in process and over DDS, compare runs against.
 */
import type { RandomizeSpec } from '../../../src/config/index.js';
import { MujocoRobot } from '../../../src/ros/nodes/simDeployment.js';
import { SimRobotNode } from '../../../src/ros/nodes/simRobotNode.js';
import { InProcessTransport } from '../../../src/ros/transport/inProcessTransport.js';

export const TASK = 'arm7-reach';
export const SEED = 3;

/** Torques within the arm's limits that keep it moving: τ_tj = 5 sin(0.3 t + j). */
export function commands(n: number): number[][] {
  return Array.from({ length: n }, (_, t) =>
    Array.from({ length: 7 }, (_, j) => 5 * Math.sin(0.3 * t + j)),
  );
}

export interface Run {
  /** Published joint states in order: the episode's first, then one per command. */
  readonly position: number[][];
  readonly velocity: number[][];
}

/**
 * The sim robot node on the (perturbed) arm, lockstep on the manual clock: publish `sequence`,
 * then, when `thenReset` is given, call ~/reset and publish that sequence too.
 */
export async function drive(
  spec: RandomizeSpec | undefined,
  sequence: number[][],
  options: { seed?: number; thenReset?: number[][] } = {},
): Promise<Run & { reset: { success: boolean; message: string } | null }> {
  const transport = new InProcessTransport({ clock: 'manual' });
  const robot = await MujocoRobot.create(TASK, undefined, spec);
  const node = new SimRobotNode(transport.createNode('sim_robot'), {
    robot,
    jointStatesTopic: robot.jointStatesTopic,
    commandTopic: robot.commandTopic,
    realtime: false,
    publishClock: false,
    seed: options.seed ?? SEED,
  });
  const run = { position: [] as number[][], velocity: [] as number[][] };
  transport.subscribe('sensor_msgs/msg/JointState', robot.jointStatesTopic, 'reliable', (m) => {
    run.position.push(Array.from(m.position));
    run.velocity.push(Array.from(m.velocity));
  });
  const send = (data: number[]) =>
    transport.publish('std_msgs/msg/Float64MultiArray', robot.commandTopic, { data });
  node.start();
  for (const c of sequence) send(c);
  let reset = null;
  if (options.thenReset !== undefined) {
    reset = transport.callTrigger('/sim_robot/reset');
    for (const c of options.thenReset) send(c);
  }
  node.stop();
  robot.close();
  return { ...run, reset };
}

/** max over i, j of |a[i][j] − b[i][j]| (NaN where b is shorter). */
export const maxAbsDiff = (a: number[][], b: number[][]): number =>
  Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - (b[i]?.[j] ?? NaN)))));
