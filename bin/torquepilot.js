#!/usr/bin/env node
// The `torquepilot` command: runs the compiled CLI (npm ci builds it through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
if (!existsSync(compiled)) {
  console.error(`torquepilot: ${compiled} is missing; run \`npm run build\` (npm ci runs it too).`);
  process.exit(1);
}
await import(compiled);
