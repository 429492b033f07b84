/**
 * Which link is the end effector. A serial arm's moving joints lie on one path from the root; its
 * end effector is the tip of that path: the deepest link below the last moving joint, following
 * fixed joints (UR's wrist_3_link → flange → tool0, Franka's link7 → link8). Side branches made of
 * fixed links only (UR's `base` frame, sensor frames) do not make a tree branching. A tree whose
 * moving joints branch (two arms, a gripper's fingers) needs `--ee-link`.
 */

export interface TreeNode {
  readonly name: string;
  /** Index of the parent node, -1 for the root. Parents come before children. */
  readonly parent: number;
  /** Whether a moving joint connects this node to its parent. */
  readonly moving: boolean;
}

export interface EndEffectorChoice {
  /** The end-effector link (body) name. */
  readonly name: string;
  /** How it was chosen, for the report. */
  readonly how: 'given' | 'chain tip';
}

/**
 * Choose the end-effector link of `nodes` (in parent-before-child order).
 * @param eeLink `--ee-link`, when given.
 * @param what What a node is called in messages (`link` for URDF, `body` for MJCF).
 * @throws Error listing every link for an unknown `--ee-link`, and every tip for a branching tree.
 */
export function chooseEndEffector(
  nodes: readonly TreeNode[],
  eeLink: string | undefined,
  what: string,
): EndEffectorChoice {
  if (eeLink !== undefined) {
    if (!nodes.some((node) => node.name === eeLink)) {
      throw new Error(
        `robot import: --ee-link '${eeLink}' is not a ${what} of this robot; its ${what}s are: ${nodes.map((n) => n.name).join(', ')}`,
      );
    }
    return { name: eeLink, how: 'given' };
  }
  const childCount = nodes.map(() => 0);
  const depth = nodes.map(() => 0);
  const movingOnPath = nodes.map(() => 0);
  nodes.forEach((node, i) => {
    if (node.parent < 0) return;
    childCount[node.parent] = (childCount[node.parent] ?? 0) + 1;
    depth[i] = (depth[node.parent] ?? 0) + 1;
    movingOnPath[i] = (movingOnPath[node.parent] ?? 0) + (node.moving ? 1 : 0);
  });
  const totalMoving = nodes.filter((node) => node.moving).length;
  if (totalMoving === 0) {
    throw new Error(`robot import: the robot has no moving joints, so there is nothing to control`);
  }
  const leaves = nodes.map((_, i) => i).filter((i) => childCount[i] === 0);
  // The last moving joint's link: every moving joint lies on its root path when the arm is serial.
  const last = nodes.findIndex((node, i) => node.moving && movingOnPath[i] === totalMoving);
  const movingTips = leaves.filter((i) => (movingOnPath[i] ?? 0) > 0);
  if (last < 0) {
    throw new Error(
      `robot import: the kinematic tree branches (its moving joints are not one chain), so the end effector is ambiguous; ` +
        `choose it with --ee-link, one of the tips: ${movingTips.map((i) => nodes[i]?.name).join(', ')}`,
    );
  }
  const below = leaves.filter((i) => isAncestorOrSelf(nodes, last, i));
  const deepest = Math.max(...below.map((i) => depth[i] ?? 0));
  const tips = below.filter((i) => depth[i] === deepest);
  if (tips.length !== 1) {
    throw new Error(
      `robot import: the tree branches after the last moving joint ('${nodes[last]?.name}'), so the end effector is ambiguous; ` +
        `choose it with --ee-link, one of the tips: ${below.map((i) => nodes[i]?.name).join(', ')}`,
    );
  }
  return { name: nodes[tips[0] as number]?.name ?? '', how: 'chain tip' };
}

function isAncestorOrSelf(nodes: readonly TreeNode[], ancestor: number, node: number): boolean {
  for (let i = node; i >= 0; i = nodes[i]?.parent ?? -1) if (i === ancestor) return true;
  return false;
}
