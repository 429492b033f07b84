/**
 * Domain randomisation, as data: the `randomize:` section of train.yaml and the perturbation files
 * of `eval --perturb` (one shifted arm). Both resolve to one `RandomizeSpec`, which sim/ applies
 * (sim/randomization.ts); a perturbation is the same terms with every range collapsed (min = max).
 *
 * Shape after mjlab's event terms (Isaac Lab's manager API on MuJoCo): each model term names a
 * range and an operation (`scale` multiplies the model's nominal value, `add` adds to it, `abs`
 * replaces it); which MjModel fields it writes and what MuJoCo must recompute afterwards is fixed
 * per term in sim/randomization.ts. Model terms, the payload and the latency are drawn once per
 * episode (at reset); observation noise and the control-period jitter are drawn every step. All
 * draws come from the environment's own seeded stream, so a seed fixes them and resume is exact.
 */
import { z } from 'zod';
import { parseWith, readYamlFile } from './validate.js';

/** How a model term combines its draw x with the nominal value v. */
export type TermOperation = 'scale' | 'add' | 'abs';

/** A model term: a uniform draw in `range`, combined with the nominal value by `operation`. */
export interface ModelTerm {
  /** [min, max]; min = max fixes the value. Units: a factor (scale) or the field's units. */
  readonly range: readonly [number, number];
  /** Default 'scale'. */
  readonly operation: TermOperation;
}

/** The model fields and per-step effects of one randomised (or perturbed) arm. */
export interface RandomizeSpec {
  /** Every link's mass; its inertia follows by the same ratio (a uniformly denser link). */
  readonly mass?: ModelTerm;
  /** Joint damping (N·m·s/rad) of the actuated joints. */
  readonly damping?: ModelTerm;
  /** Joint dry friction, MuJoCo's dof_frictionloss (N·m), of the actuated joints. */
  readonly frictionloss?: ModelTerm;
  /** Joint armature, the reflected rotor inertia (kg·m²), of the actuated joints. */
  readonly armature?: ModelTerm;
  /** Actuator strength: each actuator's gear (torque per unit of command). */
  readonly strength?: ModelTerm;
  /**
   * Gravity-compensation error: body_gravcomp (the fraction of each body's weight the controller
   * cancels). Only bodies with gravcomp ≠ 0 change (robots with `gravity: robot`); a no-op on the
   * built-in arms, which compensate nothing.
   */
  readonly gravcomp?: ModelTerm;
  /** A solid sphere added at the end-effector site: mass in kg, radius in m. */
  readonly payload?: { readonly mass: readonly [number, number]; readonly radius: number };
  /** Gaussian noise on the observed joint positions (rad) and velocities (rad/s): the std. */
  readonly noise?: { readonly qpos: number; readonly qvel: number };
  /** Action latency: the action applied at step t is the one chosen at t − k, k ∈ [min, max] periods. */
  readonly latency?: { readonly periods: readonly [number, number] };
  /**
   * Control-period jitter: each control step holds its torque for frameSkip + j physics steps,
   * j uniform in {−substeps, …, +substeps} (a real loop's period varies by whole servo ticks).
   */
  readonly jitter?: { readonly substeps: number };
}

/** The model terms, in the order sim/ draws them. */
export const MODEL_TERM_KEYS = Object.freeze([
  'mass',
  'damping',
  'frictionloss',
  'armature',
  'strength',
  'gravcomp',
] as const);
export type ModelTermKey = (typeof MODEL_TERM_KEYS)[number];

/** Latency bound (periods): a delay line this long is already a different controller. */
export const MAX_LATENCY_PERIODS = 16;

/**
 * `randomize: arm`: ranges for a torque-controlled arm of the Panda's size, after the usual Isaac Lab
 * / rsl_rl reach-task events (link masses ±30 %, joint friction and damping, motor strength ±10 %),
 * plus encoder noise, 0–2 periods of latency and one servo tick of jitter. See docs/sim-to-real.md.
 */
export const ARM_PRESET: Readonly<RandomizeSpec> = Object.freeze({
  mass: { range: [0.7, 1.3], operation: 'scale' },
  damping: { range: [0.7, 1.3], operation: 'scale' },
  frictionloss: { range: [0, 0.3], operation: 'add' },
  armature: { range: [0.8, 1.2], operation: 'scale' },
  strength: { range: [0.9, 1.1], operation: 'scale' },
  gravcomp: { range: [0.9, 1.1], operation: 'scale' },
  payload: { mass: [0, 0.5], radius: 0.03 },
  noise: { qpos: 0.002, qvel: 0.02 },
  latency: { periods: [0, 2] },
  jitter: { substeps: 1 },
} satisfies RandomizeSpec);

export const RANDOMIZE_PRESETS = Object.freeze({ off: undefined, arm: ARM_PRESET });
export type RandomizePreset = keyof typeof RANDOMIZE_PRESETS;

/** What train.yaml's `randomize:` holds: a preset name or the terms themselves. */
export type RandomizeSetting = RandomizePreset | RandomizeSpec;

const finite = z.number().finite();
const nonNeg = z.number().nonnegative().finite();
const ordered = (lo: z.ZodNumber) =>
  z.tuple([lo, lo]).refine(([a, b]) => a <= b, { message: 'expected [min, max] with min ≤ max' });

const modelTerm = z
  .strictObject({
    range: ordered(finite),
    operation: z.enum(['scale', 'add', 'abs']).default('scale'),
  })
  .refine((t) => t.operation === 'add' || t.range[0] >= 0, {
    message: 'a scale or an absolute value must be ≥ 0',
    path: ['range'],
  });

const integerPeriods = z.number().int().min(0).max(MAX_LATENCY_PERIODS);

const specShape = {
  mass: modelTerm
    .refine((t) => t.operation === 'add' || t.range[0] > 0, {
      message: 'a mass (or its scale) must be > 0',
      path: ['range'],
    })
    .optional(),
  damping: modelTerm.optional(),
  frictionloss: modelTerm.optional(),
  armature: modelTerm.optional(),
  strength: modelTerm.optional(),
  gravcomp: modelTerm.optional(),
  payload: z
    .strictObject({ mass: ordered(nonNeg), radius: z.number().positive().finite().default(0.03) })
    .optional(),
  noise: z.strictObject({ qpos: nonNeg.default(0), qvel: nonNeg.default(0) }).optional(),
  latency: z.strictObject({ periods: ordered(integerPeriods) }).optional(),
  jitter: z.strictObject({ substeps: z.number().int().min(0).max(8) }).optional(),
};

export const RandomizeSpecSchema = z.strictObject(specShape);

/**
 * train.yaml's `randomize:`: 'off' (the default), 'arm', or an object of terms. Dispatched by type
 * rather than a zod union, so that an error inside the terms names the term's key, not "Invalid
 * input" for the whole section.
 */
export const RandomizeSettingSchema = z.unknown().transform((value, ctx): RandomizeSetting => {
  if (typeof value === 'string') {
    if (value === 'off' || value === 'arm') return value;
    ctx.addIssue({
      code: 'custom',
      message: "expected a preset ('off' | 'arm') or an object of terms",
    });
    return z.NEVER;
  }
  const r = RandomizeSpecSchema.safeParse(value);
  if (r.success) return r.data as RandomizeSpec;
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        ctx.addIssue({
          code: 'custom',
          path: [...issue.path, key],
          message:
            issue.path.length === 0
              ? `unknown term; expected one of: ${Object.keys(specShape).join(', ')}`
              : 'unknown key',
        });
      }
    } else ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
  }
  return z.NEVER;
});

/** The spec a setting stands for; undefined when nothing is randomised. */
export function resolveRandomize(setting: RandomizeSetting | undefined): RandomizeSpec | undefined {
  if (setting === undefined || setting === 'off') return undefined;
  if (setting === 'arm') return ARM_PRESET;
  const spec = parseWith(RandomizeSpecSchema, setting, 'randomize') as RandomizeSpec;
  return Object.keys(spec).length === 0 ? undefined : spec;
}

// --- Perturbation files: one shifted arm, every term a fixed value -------------------------------

const fixedOperation = z.enum(['scale', 'add', 'abs']).default('scale');

/** A fixed model term: a bare number (a scale) or { value, operation }; `positive` for masses. */
const fixedModelTerm = (positive: boolean) => {
  const bound = positive
    ? 'a mass (or its scale) must be > 0'
    : 'a scale or an absolute value must be ≥ 0';
  const ok = (v: number): boolean => (positive ? v > 0 : v >= 0);
  return z.union([
    finite.refine(ok, { message: bound }),
    z
      .strictObject({ value: finite, operation: fixedOperation })
      .refine((t) => t.operation === 'add' || ok(t.value), { message: bound, path: ['value'] }),
  ]);
};

/**
 * A perturbation file: fixed values of the same terms. A bare number is a scale (`mass: 1.25` =
 * every link 25 % heavier); `{ value, operation }` adds or sets instead. `payload` in kg,
 * `latency` in control periods, `noise` as stds, `jitter` in physics substeps.
 */
export const PerturbationSchema = z.strictObject({
  description: z.string().optional(),
  mass: fixedModelTerm(true).optional(),
  damping: fixedModelTerm(false).optional(),
  frictionloss: fixedModelTerm(false).optional(),
  armature: fixedModelTerm(false).optional(),
  strength: fixedModelTerm(false).optional(),
  gravcomp: fixedModelTerm(false).optional(),
  payload: z
    .strictObject({ mass: nonNeg, radius: z.number().positive().finite().default(0.03) })
    .optional(),
  noise: z.strictObject({ qpos: nonNeg.default(0), qvel: nonNeg.default(0) }).optional(),
  latency: integerPeriods.optional(),
  jitter: z.number().int().min(0).max(8).optional(),
});
export type Perturbation = z.infer<typeof PerturbationSchema>;

/** The RandomizeSpec of a perturbation: each fixed value as a range with min = max. */
export function perturbationToSpec(p: Perturbation, source: string): RandomizeSpec {
  const spec: Record<string, unknown> = {};
  for (const key of MODEL_TERM_KEYS) {
    const term = p[key];
    if (term === undefined) continue;
    const { value, operation } =
      typeof term === 'number' ? { value: term, operation: 'scale' } : term;
    spec[key] = { range: [value, value], operation };
  }
  if (p.payload !== undefined)
    spec['payload'] = { mass: [p.payload.mass, p.payload.mass], radius: p.payload.radius };
  if (p.noise !== undefined) spec['noise'] = p.noise;
  if (p.latency !== undefined) spec['latency'] = { periods: [p.latency, p.latency] };
  if (p.jitter !== undefined) spec['jitter'] = { substeps: p.jitter };
  // Validate through the randomize schema too (e.g. a negative mass scale), naming the file.
  return parseWith(RandomizeSpecSchema, spec, source) as RandomizeSpec;
}

/** Read and validate a perturbation file (YAML or JSON); errors name the file, key and value. */
export function readPerturbationFile(path: string): RandomizeSpec {
  const parsed = parseWith(PerturbationSchema, readYamlFile(path) ?? {}, path);
  return perturbationToSpec(parsed, path);
}

/**
 * One line naming each term of a spec, for logs (the sim robot's "which arm am I"): e.g.
 * 'mass ×1.3, latency 2 periods, noise σq 0.002 rad σq̇ 0.02 rad/s'; 'nominal' when it has none.
 */
export function describeRandomize(spec: RandomizeSpec | undefined): string {
  const value = (r: readonly [number, number]): string =>
    r[0] === r[1] ? `${r[0]}` : `[${r[0]}, ${r[1]}]`;
  const sign: Record<TermOperation, string> = { scale: '×', add: '+', abs: '= ' };
  const parts: string[] = [];
  for (const key of MODEL_TERM_KEYS) {
    const term = spec?.[key];
    if (term !== undefined) parts.push(`${key} ${sign[term.operation]}${value(term.range)}`);
  }
  if (spec?.payload !== undefined) {
    parts.push(`payload ${value(spec.payload.mass)} kg (sphere r ${spec.payload.radius} m)`);
  }
  if (spec?.latency !== undefined) parts.push(`latency ${value(spec.latency.periods)} periods`);
  if (spec?.noise !== undefined) {
    parts.push(`noise σq ${spec.noise.qpos} rad σq̇ ${spec.noise.qvel} rad/s`);
  }
  if (spec?.jitter !== undefined) parts.push(`jitter ±${spec.jitter.substeps} substeps`);
  return parts.length === 0 ? 'nominal' : parts.join(', ');
}
