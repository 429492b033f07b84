/**
 * xacro expansion through a maintained implementation: the user's `xacro` executable when it is on
 * PATH (the ROS reference implementation, exactly what robot_state_publisher is fed), else the
 * `xacro-parser` npm package (in-order processing, `xacro:` prefix required, as ROS 2's xacro does).
 * `$(find pkg)` resolves like `package://` (meshes.ts), `$(env VAR)` / `$(optenv VAR default)` from
 * the environment, and `name:=value` arguments become `$(arg name)`.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { XacroParser } from 'xacro-parser';
import { findPackage } from './meshes.js';
import type { PackageSearch } from './meshes.js';
import { serializeXml } from './xml.js';
import type { Document } from './xml.js';

export type XacroEngine = 'auto' | 'executable' | 'xacro-parser';

export interface XacroResult {
  /** The expanded URDF text. */
  readonly urdf: string;
  /** Which implementation expanded it. */
  readonly engine: 'xacro' | 'xacro-parser';
}

/** The `xacro` executable on PATH, or undefined. */
export function xacroOnPath(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'xacro');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether a file name is a xacro file (`.xacro`, `.urdf.xacro`). */
export function isXacroPath(path: string): boolean {
  return /\.xacro$/i.test(path);
}

/**
 * Expand the xacro file at `path` with `args` (`name:=value`).
 * @throws Error naming the file and the implementation's own message.
 */
export async function expandXacro(
  path: string,
  args: Readonly<Record<string, string>>,
  search: PackageSearch,
  engine: XacroEngine = 'auto',
): Promise<XacroResult> {
  const file = resolve(path);
  const executable = engine === 'xacro-parser' ? undefined : xacroOnPath();
  if (engine === 'executable' && executable === undefined) {
    throw new Error(`robot import: ${file}: no 'xacro' executable on PATH`);
  }
  if (executable !== undefined) {
    const argv = [file, ...Object.entries(args).map(([k, v]) => `${k}:=${v}`)];
    try {
      const urdf = execFileSync(executable, argv, { encoding: 'utf8', maxBuffer: 64 << 20 });
      return { urdf, engine: 'xacro' };
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? (err as Error).message;
      throw new Error(`robot import: xacro ${argv.join(' ')} failed: ${stderr.trim()}`);
    }
  }
  return { urdf: await expandWithParser(file, args, search), engine: 'xacro-parser' };
}

async function expandWithParser(
  file: string,
  args: Readonly<Record<string, string>>,
  search: PackageSearch,
): Promise<string> {
  // xacro-parser builds documents with the global DOMParser (a browser API); Node has none, so
  // lend it xmldom's W3C implementation.
  const g = globalThis as { DOMParser?: unknown };
  g.DOMParser ??= DOMParser;
  const parser = new XacroParser();
  parser.inOrder = true;
  parser.requirePrefix = true;
  parser.localProperties = true;
  parser.workingPath = `${dirname(file)}/`;
  parser.arguments = { ...args };
  parser.rospackCommands = (command: string, ...rest: string[]): string => {
    switch (command) {
      case 'find':
        return findPackage(rest[0] ?? '', search);
      case 'env': {
        const value = process.env[rest[0] ?? ''];
        if (value === undefined) throw new Error(`$(env ${rest[0]}): variable not set`);
        return value;
      }
      case 'optenv':
        return process.env[rest[0] ?? ''] ?? rest.slice(1).join(' ');
      case 'arg':
        // Left to xacro-parser: it knows the <xacro:arg> defaults.
        return undefined as unknown as string;
      default:
        throw new Error(`$(${command} ...) is not supported by xacro-parser here`);
    }
  };
  parser.getFileContents = async (path: string): Promise<string> => readFileSync(path, 'utf8');
  let doc: Document;
  try {
    const text = readFileSync(file, 'utf8');
    doc = (await parser.parse(text)) as unknown as Document;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`robot import: xacro ${file}: ${message}`);
  }
  return `<?xml version="1.0"?>\n${serializeXml(doc)}\n`;
}
