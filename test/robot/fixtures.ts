/**
 * Robot descriptions written by the tests themselves (never real arms' files): URDFs of a UR-type
 * 6-joint arm and a Panda-type 7-joint arm from their published kinematics, limits and masses, with
 * binary STL collision boxes generated here and reached through package://.
 *
 * UR5e (Universal Robots, "DH parameters for calculations of kinematics and dynamics"), standard DH:
 *   d = [0.1625, 0, 0, 0.1333, 0.0997, 0.0996] m, a = [0, -0.425, -0.3922, 0, 0, 0] m,
 *   alpha = [pi/2, 0, 0, pi/2, -pi/2, 0]; masses [3.761, 8.058, 2.846, 1.37, 1.3, 0.365] kg;
 *   torque limits 150, 150, 150, 28, 28, 28 N·m.
 * Each URDF joint i sits at the fixed part of DH transform i-1, Tz(d) Tx(a) Rx(alpha) = origin
 * xyz (a, 0, d), rpy (alpha, 0, 0), and turns about z; tool0 sits at transform 6. So forward
 * kinematics equals the DH product prod_i Rz(q_i) Tz(d_i) Tx(a_i) Rx(alpha_i).
 *
 * Panda (Franka "Robot and interface specifications", franka_description joint origins): link
 * offsets 0.333, 0.316, 0.0825, 0.384, 0.088, flange 0.107 m; limits 87 N·m ×4, 12 N·m ×3;
 * masses from the published identification (Gaz et al., RA-L 2019).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const UR_DH = {
  d: [0.1625, 0, 0, 0.1333, 0.0997, 0.0996],
  a: [0, -0.425, -0.3922, 0, 0, 0],
  alpha: [Math.PI / 2, 0, 0, Math.PI / 2, -Math.PI / 2, 0],
} as const;
export const UR_EFFORT = [150, 150, 150, 28, 28, 28];
const UR_MASS = [3.761, 8.058, 2.846, 1.37, 1.3, 0.365];
export const UR_JOINTS = [
  'shoulder_pan_joint',
  'shoulder_lift_joint',
  'elbow_joint',
  'wrist_1_joint',
  'wrist_2_joint',
  'wrist_3_joint',
];
const UR_LINKS = [
  'shoulder_link',
  'upper_arm_link',
  'forearm_link',
  'wrist_1_link',
  'wrist_2_link',
  'wrist_3_link',
];

export const PANDA_EFFORT = [87, 87, 87, 87, 12, 12, 12];
export const PANDA_RANGES: readonly (readonly [number, number])[] = [
  [-2.8973, 2.8973],
  [-1.7628, 1.7628],
  [-2.8973, 2.8973],
  [-3.0718, -0.0698],
  [-2.8973, 2.8973],
  [-0.0175, 3.7525],
  [-2.8973, 2.8973],
];
const PANDA_ORIGINS: readonly { xyz: string; rpy: string }[] = [
  { xyz: '0 0 0.333', rpy: '0 0 0' },
  { xyz: '0 0 0', rpy: '-1.5707963267948966 0 0' },
  { xyz: '0 -0.316 0', rpy: '1.5707963267948966 0 0' },
  { xyz: '0.0825 0 0', rpy: '1.5707963267948966 0 0' },
  { xyz: '-0.0825 0.384 0', rpy: '-1.5707963267948966 0 0' },
  { xyz: '0 0 0', rpy: '1.5707963267948966 0 0' },
  { xyz: '0.088 0 0', rpy: '1.5707963267948966 0 0' },
];
const PANDA_MASS = [4.970684, 0.646926, 3.228604, 3.587895, 1.225946, 1.666555, 0.735522];
const PANDA_COM = [
  [0.003875, 0.002081, -0.04762],
  [-0.003141, -0.02872, 0.003495],
  [0.027518, 0.039252, -0.066502],
  [-0.05317, 0.104419, 0.027454],
  [-0.011953, 0.041065, -0.038437],
  [0.060149, -0.014117, -0.010517],
  [0.010517, -0.004252, 0.061597],
];

/** A binary STL of an axis-aligned box centred at `center` with half-sizes `half` (12 facets). */
export function boxStl(half: readonly number[], center: readonly number[] = [0, 0, 0]): Uint8Array {
  const [hx = 0, hy = 0, hz = 0] = half;
  const [cx = 0, cy = 0, cz = 0] = center;
  const v = (sx: number, sy: number, sz: number): number[] => [
    cx + sx * hx,
    cy + sy * hy,
    cz + sz * hz,
  ];
  const faces: number[][][] = [];
  // Each face of the cube as two counter-clockwise triangles seen from outside.
  const quads: [number, number, number][][] = [
    [
      [-1, -1, -1],
      [-1, 1, -1],
      [1, 1, -1],
      [1, -1, -1],
    ],
    [
      [-1, -1, 1],
      [1, -1, 1],
      [1, 1, 1],
      [-1, 1, 1],
    ],
    [
      [-1, -1, -1],
      [1, -1, -1],
      [1, -1, 1],
      [-1, -1, 1],
    ],
    [
      [-1, 1, -1],
      [-1, 1, 1],
      [1, 1, 1],
      [1, 1, -1],
    ],
    [
      [-1, -1, -1],
      [-1, -1, 1],
      [-1, 1, 1],
      [-1, 1, -1],
    ],
    [
      [1, -1, -1],
      [1, 1, -1],
      [1, 1, 1],
      [1, -1, 1],
    ],
  ];
  for (const q of quads) {
    const p = q.map(([x, y, z]) => v(x, y, z));
    faces.push([p[0] as number[], p[1] as number[], p[2] as number[]]);
    faces.push([p[0] as number[], p[2] as number[], p[3] as number[]]);
  }
  const buffer = new ArrayBuffer(84 + 50 * faces.length);
  const view = new DataView(buffer);
  view.setUint32(80, faces.length, true);
  faces.forEach((face, i) => {
    const base = 84 + 50 * i;
    face.flat().forEach((value, k) => view.setFloat32(base + 12 + 4 * k, value, true));
  });
  return new Uint8Array(buffer);
}

/** A Wavefront OBJ box (8 vertices, 12 triangles). */
export function boxObj(half: readonly number[]): string {
  const [hx = 0, hy = 0, hz = 0] = half;
  const vertices: string[] = [];
  for (const sx of [-1, 1])
    for (const sy of [-1, 1])
      for (const sz of [-1, 1]) vertices.push(`v ${sx * hx} ${sy * hy} ${sz * hz}`);
  const faces = ['1 3 4 2', '5 6 8 7', '1 2 6 5', '3 7 8 4', '1 5 7 3', '2 4 8 6']
    .map((f) => f.split(' '))
    .flatMap(([a, b, c, d]) => [`f ${a} ${b} ${c}`, `f ${a} ${c} ${d}`]);
  return `${vertices.join('\n')}\n${faces.join('\n')}\n`;
}

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `torquepilot-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Make a ROS package directory `<root>/<pkg>` with a package.xml; returns its path. */
export function makePackage(root: string, pkg: string): string {
  const dir = join(root, pkg);
  mkdirSync(join(dir, 'meshes'), { recursive: true });
  writeFileSync(
    join(dir, 'package.xml'),
    `<?xml version="1.0"?>\n<package format="3"><name>${pkg}</name><version>0.0.0</version></package>\n`,
  );
  return dir;
}

function inertialXml(mass: number, com: readonly number[], length: number): string {
  // A uniform rod of radius 0.06 m along its longest extent: I = m(3r² + L²)/12 across, m r²/2 along.
  const r = 0.06;
  const across = (mass * (3 * r * r + length * length)) / 12;
  const along = (mass * r * r) / 2;
  return `<inertial><origin xyz="${com.join(' ')}"/><mass value="${mass}"/><inertia ixx="${across}" iyy="${across}" izz="${along}" ixy="0" ixz="0" iyz="0"/></inertial>`;
}

export interface UrOptions {
  /** Mesh URI prefix for collision STL files (e.g. `package://ur_test/meshes/`). */
  readonly meshPrefix?: string;
  /** Add .dae visual meshes (as the official description has). */
  readonly daeVisuals?: boolean;
  /** Make wrist_3_joint continuous. */
  readonly continuousWrist?: boolean;
}

/** A UR-type 6-joint URDF from the UR5e DH table. */
export function urUrdf(options: UrOptions = {}): string {
  const { meshPrefix, daeVisuals = false, continuousWrist = false } = options;
  const links: string[] = [];
  const joints: string[] = [];
  const geometry = (name: string): string => {
    const collision =
      meshPrefix === undefined
        ? ''
        : `<collision><geometry><mesh filename="${meshPrefix}${name}.stl"/></geometry></collision>`;
    const visual = daeVisuals
      ? `<visual><geometry><mesh filename="package://ur_test/meshes/visual/${name}.dae"/></geometry></visual>`
      : '';
    return visual + collision;
  };
  links.push(
    `<link name="base_link">${inertialXml(4.0, [0, 0, 0.05], 0.1)}${geometry('base')}</link>`,
  );
  links.push(`<link name="base"/>`);
  joints.push(
    `<joint name="base_link-base_fixed_joint" type="fixed"><origin xyz="0 0 0" rpy="0 0 3.141592653589793"/><parent link="base_link"/><child link="base"/></joint>`,
  );
  for (let i = 0; i < 6; i++) {
    const a = UR_DH.a[i] ?? 0;
    const d = UR_DH.d[i] ?? 0;
    const link = UR_LINKS[i] as string;
    links.push(
      `<link name="${link}">${inertialXml(UR_MASS[i] ?? 1, [a / 2, 0, d / 2], Math.max(Math.abs(a), Math.abs(d), 0.1))}${geometry(link)}</link>`,
    );
    const prev = i === 0 ? undefined : i - 1;
    const xyz = prev === undefined ? '0 0 0' : `${UR_DH.a[prev]} 0 ${UR_DH.d[prev]}`;
    const rpy = prev === undefined ? '0 0 0' : `${UR_DH.alpha[prev]} 0 0`;
    const range = i === 2 ? Math.PI : 2 * Math.PI;
    const continuous = continuousWrist && i === 5;
    joints.push(
      `<joint name="${UR_JOINTS[i]}" type="${continuous ? 'continuous' : 'revolute'}"><parent link="${i === 0 ? 'base_link' : UR_LINKS[i - 1]}"/><child link="${link}"/>` +
        `<origin xyz="${xyz}" rpy="${rpy}"/><axis xyz="0 0 1"/>` +
        `<limit lower="${-range}" upper="${range}" effort="${UR_EFFORT[i]}" velocity="3.14159"/><dynamics damping="0.1" friction="0.2"/></joint>`,
    );
  }
  links.push(`<link name="flange"/>`, `<link name="tool0"/>`);
  joints.push(
    `<joint name="wrist_3-flange" type="fixed"><parent link="wrist_3_link"/><child link="flange"/><origin xyz="0 0 ${UR_DH.d[5]}" rpy="0 0 0"/></joint>`,
  );
  joints.push(
    `<joint name="flange-tool0" type="fixed"><parent link="flange"/><child link="tool0"/><origin xyz="0 0 0" rpy="0 0 0"/></joint>`,
  );
  return `<?xml version="1.0"?>\n<robot name="ur_test">\n${[...links, ...joints].join('\n')}\n</robot>\n`;
}

export interface PandaOptions {
  readonly meshPrefix?: string;
  /** Add a hand with two prismatic fingers; the second mimics the first unless `branching`. */
  readonly hand?: 'mimic' | 'branching';
}

/** A Panda-type 7-joint URDF (franka_description joint origins). */
export function pandaUrdf(options: PandaOptions = {}): string {
  const { meshPrefix, hand } = options;
  const collision = (name: string): string =>
    meshPrefix === undefined
      ? ''
      : `<collision><geometry><mesh filename="${meshPrefix}${name}.stl"/></geometry></collision>`;
  const parts: string[] = [
    `<link name="panda_link0">${inertialXml(2.9, [-0.025, 0, 0.03], 0.15)}${collision('link0')}</link>`,
  ];
  for (let i = 0; i < 7; i++) {
    const link = `panda_link${i + 1}`;
    const [lower, upper] = PANDA_RANGES[i] as [number, number];
    parts.push(
      `<link name="${link}">${inertialXml(PANDA_MASS[i] ?? 1, PANDA_COM[i] ?? [0, 0, 0], 0.2)}${collision(`link${i + 1}`)}</link>`,
    );
    const origin = PANDA_ORIGINS[i] as { xyz: string; rpy: string };
    parts.push(
      `<joint name="panda_joint${i + 1}" type="revolute"><origin xyz="${origin.xyz}" rpy="${origin.rpy}"/><parent link="panda_link${i}"/><child link="${link}"/>` +
        `<axis xyz="0 0 1"/><limit lower="${lower}" upper="${upper}" effort="${PANDA_EFFORT[i]}" velocity="2.5"/><dynamics damping="0.5"/></joint>`,
    );
  }
  parts.push(`<link name="panda_link8"/>`);
  parts.push(
    `<joint name="panda_joint8" type="fixed"><origin xyz="0 0 0.107"/><parent link="panda_link7"/><child link="panda_link8"/></joint>`,
  );
  if (hand !== undefined) {
    parts.push(`<link name="panda_hand">${inertialXml(0.73, [0, 0, 0.03], 0.1)}</link>`);
    parts.push(
      `<joint name="panda_hand_joint" type="fixed"><parent link="panda_link8"/><child link="panda_hand"/><origin xyz="0 0 0" rpy="0 0 -0.785398"/></joint>`,
    );
    for (const side of ['left', 'right']) {
      const mimic =
        hand === 'mimic' && side === 'right' ? '<mimic joint="panda_finger_joint1"/>' : '';
      parts.push(
        `<link name="panda_${side}finger">${inertialXml(0.015, [0, 0, 0.02], 0.05)}</link>`,
      );
      parts.push(
        `<joint name="panda_finger_joint${side === 'left' ? 1 : 2}" type="prismatic"><parent link="panda_hand"/><child link="panda_${side}finger"/><origin xyz="0 0 0.0584"/>` +
          `<axis xyz="0 ${side === 'left' ? 1 : -1} 0"/><limit lower="0" upper="0.04" effort="100" velocity="0.2"/>${mimic}</joint>`,
      );
    }
  }
  return `<?xml version="1.0"?>\n<robot name="panda_test">\n${parts.join('\n')}\n</robot>\n`;
}

/** Write an STL collision box for each of `names` into `<pkgDir>/meshes/`. */
export function writeBoxMeshes(pkgDir: string, names: readonly string[]): void {
  mkdirSync(join(pkgDir, 'meshes'), { recursive: true });
  for (const name of names)
    writeFileSync(join(pkgDir, 'meshes', `${name}.stl`), boxStl([0.04, 0.04, 0.04]));
}

export const UR_MESH_NAMES = ['base', ...UR_LINKS];
export const PANDA_MESH_NAMES = [
  'link0',
  'link1',
  'link2',
  'link3',
  'link4',
  'link5',
  'link6',
  'link7',
];

/** 4×4 row-major homogeneous transforms for the DH check. */
export type Mat4 = number[];

function mul(a: Mat4, b: Mat4): Mat4 {
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++)
      for (let k = 0; k < 4; k++)
        out[4 * r + c] = (out[4 * r + c] ?? 0) + (a[4 * r + k] ?? 0) * (b[4 * k + c] ?? 0);
  return out;
}

/** The standard-DH transform Rz(theta) Tz(d) Tx(a) Rx(alpha) (Spong, Robot Modeling and Control, eq. 3.10). */
function dh(theta: number, d: number, a: number, alpha: number): Mat4 {
  const ct = Math.cos(theta);
  const st = Math.sin(theta);
  const ca = Math.cos(alpha);
  const sa = Math.sin(alpha);
  return [ct, -st * ca, st * sa, a * ct, st, ct * ca, -ct * sa, a * st, 0, sa, ca, d, 0, 0, 0, 1];
}

/** tool0 position of the UR5e DH model at joint angles q. */
export function urDhPosition(q: readonly number[]): [number, number, number] {
  let t: Mat4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  for (let i = 0; i < 6; i++)
    t = mul(t, dh(q[i] ?? 0, UR_DH.d[i] ?? 0, UR_DH.a[i] ?? 0, UR_DH.alpha[i] ?? 0));
  return [t[3] ?? 0, t[7] ?? 0, t[11] ?? 0];
}

/**
 * A Menagerie-style MJCF (as MuJoCo Menagerie writes its arms: default classes, OBJ meshes under
 * `assets/`, position servos with kp and forcerange, a `home` keyframe) of a small 3-joint arm.
 * Writes `<dir>/arm.xml` and `<dir>/assets/*.obj`; returns the MJCF path.
 */
export function writeMenagerieArm(
  dir: string,
  extra: { freejoint?: boolean; badAttribute?: boolean } = {},
): string {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  for (const name of ['base', 'link1', 'link2', 'link3'])
    writeFileSync(join(dir, 'assets', `${name}.obj`), boxObj([0.03, 0.03, 0.05]));
  const free = extra.freejoint === true ? '<freejoint name="root"/>' : '';
  const range1 = extra.badAttribute === true ? '1' : '-3.14 3.14';
  const xml = `<mujoco model="menagerie_arm">
  <compiler angle="radian" meshdir="assets" autolimits="true"/>
  <option integrator="implicitfast"/>
  <default>
    <default class="arm">
      <joint axis="0 1 0" damping="200" armature="0.1"/>
      <position kp="2000" kv="200" forcerange="-150 150"/>
      <default class="visual"><geom type="mesh" contype="0" conaffinity="0" group="2"/></default>
      <default class="collision"><geom type="mesh" group="3"/></default>
      <default class="wrist"><joint damping="20"/><general gaintype="fixed" biastype="affine" gainprm="500" biasprm="0 -500 -50" forcerange="-28 28"/></default>
    </default>
  </default>
  <asset>
    <mesh name="base" file="base.obj"/>
    <mesh name="link1" file="link1.obj"/>
    <mesh name="link2" file="link2.obj"/>
    <mesh name="link3" file="link3.obj"/>
  </asset>
  <worldbody>
    <body name="base" childclass="arm">${free}
      <inertial pos="0 0 0.05" mass="4" diaginertia="0.01 0.01 0.01"/>
      <geom class="visual" mesh="base"/>
      <body name="link1" pos="0 0 0.1">
        <inertial pos="0 0 0.1" mass="3" diaginertia="0.02 0.02 0.01"/>
        <joint name="joint1" axis="0 0 1" range="${range1}"/>
        <geom class="collision" mesh="link1"/>
        <body name="link2" pos="0 0 0.2">
          <inertial pos="0.15 0 0" mass="2" diaginertia="0.01 0.02 0.02"/>
          <joint name="joint2" range="-1.5 1.5"/>
          <geom class="collision" mesh="link2"/>
          <body name="link3" pos="0.3 0 0">
            <inertial pos="0.1 0 0" mass="1" diaginertia="0.005 0.01 0.01"/>
            <joint name="joint3" class="wrist" range="-2 2"/>
            <geom class="visual" mesh="link3"/>
            <body name="attachment" pos="0.2 0 0"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <position class="arm" name="joint1" joint="joint1"/>
    <position class="arm" name="joint2" joint="joint2" forcerange="-100 100"/>
    <general class="wrist" name="joint3" joint="joint3"/>
  </actuator>
  <keyframe>
    <key name="home" qpos="0.1 0.5 -0.5" ctrl="0.1 0.5 -0.5"/>
  </keyframe>
</mujoco>
`;
  const path = join(dir, 'arm.xml');
  writeFileSync(path, xml);
  return path;
}
