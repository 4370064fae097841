/**
 * The organisation's policy as the background reads it: `storage.managed`,
 * read when a decision needs it (nothing kept in memory: the worker stops
 * after 30 s idle, and the service centre may change the policy meanwhile).
 */
import type { PolicyView } from '../core/messages.ts';
import { autoLockChoices, NO_POLICY, parsePolicy, type Policy } from '../core/policy.ts';

/** The part of the browser's managed storage area Jeton uses. */
export interface ManagedArea {
  get(): Promise<Record<string, unknown>>;
  /** True while a read waits for the browser's answer with no kept copy to stand in (the popup says why it waits). */
  waiting?(): boolean;
}

/** The policy in force. No area, an error (Firefox throws when no policy names Jeton) or garbage all mean "no policy". */
export async function readPolicy(area: ManagedArea | undefined): Promise<Policy> {
  if (!area) return NO_POLICY;
  try {
    return parsePolicy(await area.get());
  } catch {
    return NO_POLICY;
  }
}

/** What the popup needs of the policy. */
export function policyView(policy: Policy): PolicyView {
  const view: PolicyView = {
    managed: policy.managed,
    demoAllowed: policy.demoAllowed,
    autoLockChoices: autoLockChoices(policy),
    fillEnabled: policy.fillEnabled,
    autoFillManaged: policy.fillEnabled && policy.autoFill !== undefined,
  };
  if (policy.defaultServerUrl !== undefined) view.defaultServerUrl = policy.defaultServerUrl;
  return view;
}
