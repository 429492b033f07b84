/**
 * Mesh and package lookup as ROS 2 does it: `package://<pkg>/<path>` resolves to
 * `<prefix>/share/<pkg>/<path>` for each prefix of AMENT_PREFIX_PATH (ament_index), and here also
 * through `--package-path DIR`, where DIR is a package directory itself or a directory holding
 * packages (a colcon `src/` tree). `file://` URIs and plain paths (relative to the description)
 * resolve on disk. Binary STL parsing is left to MuJoCo; this file only finds files.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageSearch {
  /** `--package-path` directories, searched first, in order. */
  readonly packagePaths: readonly string[];
  /** AMENT_PREFIX_PATH (colon-separated prefixes); default: process.env. */
  readonly amentPrefixPath?: string;
  /** Directory of the description file, for relative paths; undefined for a topic. */
  readonly baseDir?: string;
}

/** Mesh formats MuJoCo loads (and so the robot folder may hold). */
export const MESH_FORMATS = ['.stl', '.obj'] as const;

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** The `<name>` of a ROS package.xml, or undefined. */
function packageXmlName(dir: string): string | undefined {
  const file = join(dir, 'package.xml');
  if (!existsSync(file)) return undefined;
  // A package.xml's <name> is a single text element; read it without a full XML parse.
  const match = /<name>\s*([^<\s]+)\s*<\/name>/.exec(readFileSync(file, 'utf8'));
  return match?.[1];
}

/**
 * Candidate directories for package `pkg`, in search order: each `--package-path` DIR (DIR itself
 * when it is that package, DIR/<pkg>, DIR/share/<pkg>), then `<prefix>/share/<pkg>` for each prefix
 * of AMENT_PREFIX_PATH. Existing or not: errors list them all.
 */
export function packageCandidates(pkg: string, search: PackageSearch): string[] {
  const out: string[] = [];
  for (const dir of search.packagePaths) {
    const abs = resolve(dir);
    if (basename(abs) === pkg || packageXmlName(abs) === pkg) out.push(abs);
    out.push(join(abs, pkg), join(abs, 'share', pkg));
  }
  const prefixes = (search.amentPrefixPath ?? process.env['AMENT_PREFIX_PATH'] ?? '')
    .split(':')
    .filter((p) => p !== '');
  for (const prefix of prefixes) out.push(join(resolve(prefix), 'share', pkg));
  return [...new Set(out)];
}

/**
 * The directory of ROS package `pkg` (xacro's `$(find pkg)`).
 * @throws Error naming the package and every directory searched.
 */
export function findPackage(pkg: string, search: PackageSearch): string {
  const candidates = packageCandidates(pkg, search);
  const found = candidates.find(isDir);
  if (found !== undefined) return found;
  throw new Error(
    `robot import: package '${pkg}' not found; searched:\n  ${candidates.join('\n  ') || '(nothing: no --package-path given and AMENT_PREFIX_PATH is empty)'}\n` +
      '  Add --package-path <dir> (the package or a directory holding it), or source its workspace.',
  );
}

/**
 * The file a mesh URI names.
 * @param where Where the URI was found (e.g. `link 'wrist_1_link' <collision>`), for errors.
 * @throws Error naming the URI, where it was used, and every path searched.
 */
export function resolveMeshUri(uri: string, search: PackageSearch, where: string): string {
  const searched: string[] = [];
  const packageMatch = /^package:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (packageMatch !== null) {
    const [, pkg = '', rest = ''] = packageMatch;
    for (const dir of packageCandidates(pkg, search)) searched.push(join(dir, rest));
  } else if (uri.startsWith('file://')) {
    searched.push(fileURLToPath(uri));
  } else if (/^[a-z]+:\/\//i.test(uri)) {
    throw new Error(
      `robot import: mesh '${uri}' (${where}): unsupported URI scheme; use package://, file:// or a path`,
    );
  } else if (isAbsolute(uri)) {
    searched.push(uri);
  } else {
    searched.push(resolve(search.baseDir ?? process.cwd(), uri));
  }
  const found = searched.find((path) => existsSync(path) && statSync(path).isFile());
  if (found !== undefined) return found;
  const hint =
    packageMatch !== null
      ? '\n  Add --package-path <dir> (the package or a directory holding it), or source the workspace that installs it (AMENT_PREFIX_PATH).'
      : '';
  throw new Error(
    `robot import: mesh '${uri}' (${where}) not found; searched:\n  ${searched.join('\n  ') || '(nothing: no --package-path given and AMENT_PREFIX_PATH is empty)'}${hint}`,
  );
}

/** The lower-case extension of a mesh file name or URI (`.stl`, `.dae`, ...). */
export function meshFormat(uriOrPath: string): string {
  return extname(uriOrPath).toLowerCase();
}

/** Whether MuJoCo can load this mesh format. */
export function isSupportedMesh(uriOrPath: string): boolean {
  return (MESH_FORMATS as readonly string[]).includes(meshFormat(uriOrPath));
}

/**
 * The mesh files of a robot folder: each source file copied once into `meshes/` under its own
 * file name, or `<stem>_<n>` when two packages ship meshes of the same name.
 */
export class MeshFiles {
  /** `meshes/<name>` → bytes. */
  readonly files = new Map<string, Uint8Array>();
  readonly #names = new Map<string, string>();

  /** The name inside `meshes/` of the file at `path` (read on first use). */
  add(path: string): string {
    let name = this.#names.get(path);
    if (name !== undefined) return name;
    const ext = meshFormat(path);
    const stem = basename(path).slice(0, basename(path).length - ext.length);
    name = `${stem}${ext}`;
    for (let i = 1; this.files.has(`meshes/${name}`); i++) name = `${stem}_${i}${ext}`;
    this.files.set(`meshes/${name}`, readFileSync(path));
    this.#names.set(path, name);
    return name;
  }
}
