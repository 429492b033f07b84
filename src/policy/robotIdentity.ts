/**
 * Whether a checkpoint's robot is the robot it is about to run on: the same joints in the same
 * command order, the same torque limits, the same gravity handling, and the same compiled model
 * (its hash, sim/modelHash.ts). Pure, so the policy node, eval and replay refuse alike.
 */

/** A robot as a checkpoint manifest records it (and as sim's TaskSpec.robot describes it). */
export interface RobotIdentityFields {
  readonly name: string;
  readonly modelHash: string;
  readonly jointNames: readonly string[];
  readonly torqueLimits: readonly number[];
  readonly gravity: 'policy' | 'robot';
}

/**
 * Every difference between the checkpoint's robot and the given one, as sentences naming the
 * joint, both values and where the second one comes from (e.g. "joint 3 name 'elbow' in the
 * checkpoint, 'joint3' in robot.yaml"). Empty when they match.
 * @param where the given robot's source, e.g. "robot.yaml" or a path.
 */
export function robotDifferences(
  checkpoint: RobotIdentityFields,
  robot: RobotIdentityFields,
  where: string,
): string[] {
  const out: string[] = [];
  const a = checkpoint.jointNames;
  const b = robot.jointNames;
  if (a.length !== b.length) {
    out.push(
      `${a.length} joints [${a.join(', ')}] in the checkpoint, ${b.length} [${b.join(', ')}] in ${where}`,
    );
  } else {
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        out.push(`joint ${i + 1} name '${a[i]}' in the checkpoint, '${b[i]}' in ${where}`);
      }
    }
    for (let i = 0; i < a.length; i++) {
      const x = checkpoint.torqueLimits[i];
      const y = robot.torqueLimits[i];
      if (x !== y) {
        out.push(`joint ${i + 1} (${b[i]}) torque limit ${x} in the checkpoint, ${y} in ${where}`);
      }
    }
  }
  if (checkpoint.gravity !== robot.gravity) {
    out.push(`gravity '${checkpoint.gravity}' in the checkpoint, '${robot.gravity}' in ${where}`);
  }
  if (checkpoint.modelHash !== robot.modelHash) {
    out.push(
      `compiled model hash ${checkpoint.modelHash.slice(0, 12)}… in the checkpoint, ${robot.modelHash.slice(0, 12)}… for ${where} (the MJCF differs: links, masses, joints, actuators or timestep)`,
    );
  }
  return out;
}

/**
 * Throw when the robots differ, naming both robots and every difference.
 * @param context the caller (e.g. "policy node: checkpoint arm7-reach-it20-…").
 */
export function assertSameRobot(
  checkpoint: RobotIdentityFields,
  robot: RobotIdentityFields,
  where: string,
  context: string,
): void {
  const diff = robotDifferences(checkpoint, robot, where);
  if (diff.length > 0) {
    throw new Error(
      `${context}: trained on robot '${checkpoint.name}', refusing robot '${robot.name}' (${where}): ${diff.join('; ')}`,
    );
  }
}
