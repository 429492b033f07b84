/**
 * Rigid-body inertia arithmetic for the payload term: a solid sphere fixed to a body, combined into
 * the body's mass, centre of mass and principal inertia, as MuJoCo stores them (body_mass,
 * body_ipos, body_iquat, body_inertia: diagonal inertia about the COM in the frame body_iquat).
 *
 * Combined tensor about the new COM c' (parallel-axis theorem, Steiner):
 *   I' = R diag(I) Rᵀ + M (‖d₁‖² E − d₁d₁ᵀ) + (2/5) m r² E + m (‖d₂‖² E − d₂d₂ᵀ),
 *   c' = (M c + m p) / (M + m),  d₁ = c − c',  d₂ = p − c',
 * then diagonalised again (Jacobi rotations) for the new principal frame.
 */

/** A body's inertial facts in its own frame (MuJoCo's layout). */
export interface BodyInertia {
  /** kg. */
  readonly mass: number;
  /** Centre of mass in the body frame, m. Shape: (3). */
  readonly ipos: readonly number[];
  /** Orientation of the principal frame in the body frame, (w, x, y, z). Shape: (4). */
  readonly iquat: readonly number[];
  /** Principal moments about the COM, kg·m². Shape: (3). */
  readonly inertia: readonly number[];
}

/** Rotation matrix of a unit quaternion (w, x, y, z), row-major (MuJoCo's mju_quat2Mat). */
export function quatToMat(q: readonly number[]): number[] {
  const [w = 1, x = 0, y = 0, z = 0] = q;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/** Unit quaternion (w ≥ 0) of a proper rotation matrix, row-major (Shepperd's method). */
export function matToQuat(r: readonly number[]): number[] {
  const m = (i: number, j: number): number => r[3 * i + j] as number;
  const trace = m(0, 0) + m(1, 1) + m(2, 2);
  let q: number[];
  if (trace > 0) {
    const s = 2 * Math.sqrt(1 + trace);
    q = [s / 4, (m(2, 1) - m(1, 2)) / s, (m(0, 2) - m(2, 0)) / s, (m(1, 0) - m(0, 1)) / s];
  } else if (m(0, 0) > m(1, 1) && m(0, 0) > m(2, 2)) {
    const s = 2 * Math.sqrt(1 + m(0, 0) - m(1, 1) - m(2, 2));
    q = [(m(2, 1) - m(1, 2)) / s, s / 4, (m(0, 1) + m(1, 0)) / s, (m(0, 2) + m(2, 0)) / s];
  } else if (m(1, 1) > m(2, 2)) {
    const s = 2 * Math.sqrt(1 + m(1, 1) - m(0, 0) - m(2, 2));
    q = [(m(0, 2) - m(2, 0)) / s, (m(0, 1) + m(1, 0)) / s, s / 4, (m(1, 2) + m(2, 1)) / s];
  } else {
    const s = 2 * Math.sqrt(1 + m(2, 2) - m(0, 0) - m(1, 1));
    q = [(m(1, 0) - m(0, 1)) / s, (m(0, 2) + m(2, 0)) / s, (m(1, 2) + m(2, 1)) / s, s / 4];
  }
  const sign = (q[0] as number) < 0 ? -1 : 1;
  const norm = Math.hypot(...q);
  return q.map((v) => (sign * v) / norm);
}

/**
 * Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations (Golub & Van Loan
 * §8.5). Returns the eigenvalues and the eigenvectors as the columns of a proper rotation
 * (row-major, det = +1), so that A = V diag(values) Vᵀ.
 */
export function symmetricEigen3(a: readonly number[]): { values: number[]; vectors: number[] } {
  const A = [...a];
  const V = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const at = (i: number, j: number): number => A[3 * i + j] as number;
  const scale = Math.abs(at(0, 0)) + Math.abs(at(1, 1)) + Math.abs(at(2, 2)) || 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = Math.abs(at(0, 1)) + Math.abs(at(0, 2)) + Math.abs(at(1, 2));
    if (off <= 1e-15 * scale) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const apq = at(p, q);
      if (apq === 0) continue;
      // The rotation angle that zeroes A[p][q]: tan 2θ = 2 A_pq / (A_qq − A_pp).
      const theta = (at(q, q) - at(p, p)) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        // A ← Jᵀ A J, columns then rows; V ← V J.
        const akp = A[3 * k + p] as number;
        const akq = A[3 * k + q] as number;
        A[3 * k + p] = c * akp - s * akq;
        A[3 * k + q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = A[3 * p + k] as number;
        const aqk = A[3 * q + k] as number;
        A[3 * p + k] = c * apk - s * aqk;
        A[3 * q + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = V[3 * k + p] as number;
        const vkq = V[3 * k + q] as number;
        V[3 * k + p] = c * vkp - s * vkq;
        V[3 * k + q] = s * vkp + c * vkq;
      }
    }
  }
  // Jacobi rotations keep det V = +1; guard against round-off anyway.
  const det =
    V[0]! * (V[4]! * V[8]! - V[5]! * V[7]!) -
    V[1]! * (V[3]! * V[8]! - V[5]! * V[6]!) +
    V[2]! * (V[3]! * V[7]! - V[4]! * V[6]!);
  if (det < 0) for (let k = 0; k < 3; k++) V[3 * k + 2] = -V[3 * k + 2]!;
  return { values: [at(0, 0), at(1, 1), at(2, 2)], vectors: V };
}

/** The full inertia tensor about the COM in the body frame: R diag(I) Rᵀ. Row-major (3×3). */
export function inertiaTensor(body: BodyInertia): number[] {
  const R = quatToMat(body.iquat);
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 3; k++)
        out[3 * i + j]! += R[3 * i + k]! * (body.inertia[k] ?? 0) * R[3 * j + k]!;
  return out;
}

/** Add the point-mass term m (‖d‖² E − d dᵀ) to a tensor. */
function addSteiner(tensor: number[], mass: number, d: readonly number[]): void {
  const d2 = d[0]! * d[0]! + d[1]! * d[1]! + d[2]! * d[2]!;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) tensor[3 * i + j]! += mass * ((i === j ? d2 : 0) - d[i]! * d[j]!);
}

/**
 * The body after fixing a solid sphere of `mass` (kg) and `radius` (m) with its centre at `pos`
 * (body frame, m). A zero mass returns the body unchanged.
 */
export function addSphere(
  body: BodyInertia,
  mass: number,
  radius: number,
  pos: readonly number[],
): BodyInertia {
  if (mass === 0) return body;
  const total = body.mass + mass;
  const com = [0, 1, 2].map((k) => (body.mass * body.ipos[k]! + mass * pos[k]!) / total);
  const tensor = inertiaTensor(body);
  addSteiner(
    tensor,
    body.mass,
    [0, 1, 2].map((k) => body.ipos[k]! - com[k]!),
  );
  const sphere = 0.4 * mass * radius * radius;
  for (let k = 0; k < 3; k++) tensor[4 * k]! += sphere;
  addSteiner(
    tensor,
    mass,
    [0, 1, 2].map((k) => pos[k]! - com[k]!),
  );
  const { values, vectors } = symmetricEigen3(tensor);
  return { mass: total, ipos: com, iquat: matToQuat(vectors), inertia: values };
}
