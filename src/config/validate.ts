/**
 * Config plumbing shared by every zod-validated file: reading YAML/JSON with errors that name the
 * file and line, turning zod issues into messages that name the file, the dotted key, the value and
 * what was expected, layering partial configs over defaults, and deriving a strict zod schema from a
 * frozen defaults object (so algorithm hyperparameters are never duplicated here).
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';

/** A plain JSON-like object. */
export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Dotted key of a zod path: `trpo.targetKl`, `policy.hiddenSizes[1]`. */
export function dottedPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * One line per zod issue: `<source>: key 'a.b' = <value>: expected ...`. Unknown keys are named
 * individually with the keys that are allowed at that level.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  source: string,
  input: unknown,
  allowedKeys?: (path: readonly PropertyKey[]) => readonly string[] | undefined,
): string {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const allowed = allowedKeys?.(issue.path);
        lines.push(
          `${source}: unknown key '${dottedPath(path)}' = ${show(valueAt(input, path))}` +
            (allowed ? `; expected one of: ${allowed.join(', ')}` : ''),
        );
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    lines.push(
      `${source}: key '${dottedPath(issue.path)}' = ${show(value)}: ${issue.message.replace(/^Invalid input: /, '')}`,
    );
  }
  return lines.join('\n');
}

/** The keys a strict object schema allows at `path` (for "expected one of" in unknown-key errors). */
export function keysAt(
  schema: z.ZodType,
  path: readonly PropertyKey[],
): readonly string[] | undefined {
  let s: z.ZodType = schema;
  for (const p of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) {
      const next = (s.shape as Record<string, z.ZodType>)[String(p)];
      if (!next) return undefined;
      s = next;
    } else return undefined;
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape as object) : undefined;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s;
  while (
    cur instanceof z.ZodOptional ||
    cur instanceof z.ZodDefault ||
    cur instanceof z.ZodNullable
  )
    cur = cur.unwrap() as z.ZodType;
  return cur;
}

/** Parse `input` with `schema`; throws one Error listing every issue with file, key, value. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, source: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new Error(formatIssues(r.error.issues, source, input, (p) => keysAt(schema, p)));
}

/** Read a YAML (or JSON, a subset of YAML) file; errors name the file and the line. */
export function readYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read config file: ${(err as Error).message}`);
  }
  return parseYamlText(text, path);
}

/** Parse YAML text; `source` names it in errors (file path or description). */
export function parseYamlText(text: string, source: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e?.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new Error(
      `${source}: invalid YAML${where ? ` at ${where}` : ''}: ${e?.message.split('\n')[0] ?? 'parse error'}`,
    );
  }
  const value: unknown = doc.toJS();
  return value ?? {};
}

/**
 * Deep merge of plain objects, later layers winning; arrays and scalars are replaced, not merged.
 * Never mutates its inputs.
 */
export function mergeLayers(...layers: readonly unknown[]): PlainObject {
  const out: PlainObject = {};
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const prev = out[k];
      out[k] = isPlainObject(v) ? mergeLayers(isPlainObject(prev) ? prev : {}, v) : v;
    }
  }
  return out;
}

/** Per-key refinements for `schemaFromDefaults`: a zod schema replacing the inferred one. */
export type KeySchemas = Readonly<Record<string, z.ZodType>>;

/**
 * A strict zod object whose keys are exactly the keys of `defaults`, each optional, with a type
 * inferred from the default value (finite number, boolean, string, array of numbers) unless
 * `overrides` gives one (ranges, enums, integers). Unknown keys are errors.
 */
export function schemaFromDefaults(
  defaults: Readonly<PlainObject>,
  overrides: KeySchemas = {},
): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, value] of Object.entries(defaults)) {
    const given = overrides[key];
    let s: z.ZodType;
    if (given) s = value === null ? given.nullable() : given;
    else if (typeof value === 'number')
      s = z.number().refine(Number.isFinite, 'expected a finite number');
    else if (typeof value === 'boolean') s = z.boolean();
    else if (typeof value === 'string') s = z.string();
    else if (Array.isArray(value)) s = z.array(z.number());
    else if (value === null) s = z.number().nullable();
    else continue; // functions or nested objects are not user-configurable
    shape[key] = s.optional();
  }
  return z.strictObject(shape);
}
