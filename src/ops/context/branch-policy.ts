/** The access policy committed on the default branch, compared with the working tree's. */
import { ACCESS_FILE, type AccessPolicy } from '../../config/access-policy.js';
import { checkAccessPolicy } from '../../core/policy-check.js';
import { isKeyfoldError } from '../../kernel/errors.js';
import { showFile } from '../../repo/git/blobs.js';
import { defaultBranch, resolveCommit } from '../../repo/git/refs.js';
import { readControlFile } from '../../repo/control-files.js';
import { POLICY_HINT } from '../../config/access-policy.js';

export interface BranchPolicy {
  name: string;
  /** The working tree's policy file equals the branch's. */
  same: boolean;
  /** The branch's policy (when it differs and is valid). */
  policy?: AccessPolicy;
  problem?: string;
}

/** undefined when there is no default branch, or it has no policy file. */
export async function branchPolicy(root: string): Promise<BranchPolicy | undefined> {
  let branch;
  try {
    branch = await defaultBranch(root);
  } catch (e) {
    if (isKeyfoldError(e)) return undefined; // not a git repository: nothing to compare with
    throw e;
  }
  if (!branch) return undefined;
  const commit = await resolveCommit(root, branch.ref);
  const text = commit && (await showFile(root, commit, ACCESS_FILE));
  if (text === undefined || text === '') return undefined;
  if (text === readControlFile(root, ACCESS_FILE, POLICY_HINT)) return { name: branch.name, same: true };
  try {
    const { policy, problems } = checkAccessPolicy(text);
    if (problems.length > 0) return { name: branch.name, same: false, problem: problems[0]!.message };
    return { name: branch.name, same: false, policy };
  } catch (e) {
    if (!isKeyfoldError(e)) throw e;
    return { name: branch.name, same: false, problem: e.message };
  }
}
