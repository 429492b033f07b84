/**
 * Reusable per-network scratch workspaces for the update rules. A 4096-sample update of a 64-64
 * network needs ~13 MB of activations; allocating them per update costs time and GC churn, so each
 * network keeps one workspace per named slot (they grow on demand and are never shared between
 * concurrent uses within an update: e.g. 'batch' for the line search, 'fisher' for the CG products).
 */
import type { MlpWorkspace } from '../nn/index.js';
import type { GaussianPolicy, PolicyWorkspace } from '../policy/index.js';
import type { ValueNetwork } from '../policy/index.js';

const policySlots = new WeakMap<GaussianPolicy, Map<string, PolicyWorkspace>>();
const valueSlots = new WeakMap<ValueNetwork, Map<string, MlpWorkspace>>();

/** The policy's workspace for `slot`, created on first use. */
export function policyScratch(policy: GaussianPolicy, slot: string): PolicyWorkspace {
  let slots = policySlots.get(policy);
  if (!slots) policySlots.set(policy, (slots = new Map()));
  let ws = slots.get(slot);
  if (!ws) slots.set(slot, (ws = policy.createWorkspace(1)));
  return ws;
}

/** The value network's workspace for `slot`, created on first use. */
export function valueScratch(value: ValueNetwork, slot: string): MlpWorkspace {
  let slots = valueSlots.get(value);
  if (!slots) valueSlots.set(value, (slots = new Map()));
  let ws = slots.get(slot);
  if (!ws) slots.set(slot, (ws = value.createWorkspace(1)));
  return ws;
}
