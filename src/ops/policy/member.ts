/**
 * `member add` / `member remove`: edit policies/access.yaml in place (comments and
 * layout kept), refusing an edit that would leave the policy inconsistent.
 * Re-encryption is a separate step: `recipients sync`.
 */
import { assertName } from '../../kernel/names.js';
import { join } from 'node:path';
import { isMap, isSeq, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { editYamlText } from '../../formats/yaml-edit.js';
import { ConfigError, NotFoundError, UsageError } from '../../kernel/errors.js';
import { ACCESS_FILE, type AccessPolicy } from '../../config/access-policy.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { withRepoLock } from '../../repo/lock.js';
import { resolveCommit } from '../../repo/git/refs.js';
import { readTextFile, type SkippedFile } from '../../repo/secrets-tree.js';
import { exposureOf, type ExposedRef } from '../audit/exposure.js';
import { recordRemoval } from '../audit/removals.js';
import { writeGeneratedFiles } from './generated-files.js';
import { recipientArg } from '../../keys/recipient-arg.js';
import type { Workspace } from '../context/workspace.js';
import { checkAccessPolicy } from '../../core/policy-check.js';


export interface MemberAddOptions {
  recipient: string;
  role?: string;
  github?: string;
  kind?: 'human' | 'machine' | 'agent';
}

async function editPolicy(ws: Workspace, edit: (doc: Document, policy: AccessPolicy) => void, after?: () => void): Promise<AccessPolicy> {
  const config = await ws.config();
  return withRepoLock(ws.root, () => {
    const path = join(ws.root, ACCESS_FILE);
    const text = readTextFile(path, ACCESS_FILE);
    const before = checkAccessPolicy(text).policy;
    const out = editYamlText(text, (doc) => edit(doc, before));
    const { policy, problems } = checkAccessPolicy(out);
    const first = problems[0];
    if (first) throw new ConfigError(`refused: the edit would leave ${ACCESS_FILE} inconsistent: ${first.path.join('.')}: ${first.message}`, { file: ACCESS_FILE });
    writeFileAtomic(path, out);
    writeGeneratedFiles(ws.root, policy, config);
    after?.();
    return policy;
  });
}

function mapAt(doc: Document, key: string): YAMLMap {
  let node = doc.get(key, true);
  if (!isMap(node)) {
    doc.set(key, doc.createNode({}));
    node = doc.get(key, true);
  }
  return node as YAMLMap;
}

export async function addMember(ws: Workspace, name: string, options: MemberAddOptions): Promise<{ name: string; recipient: string; role?: string }> {
  assertName(name, 'member name');
  const recipient = recipientArg(options.recipient, '--recipient');
  await editPolicy(ws, (doc, policy) => {
    if (Object.hasOwn(policy.members, name)) throw new UsageError(`member ${name} already exists`, { hint: 'remove it first, or edit policies/access.yaml' });
    const entry: Record<string, unknown> = { recipient };
    if (options.github) entry['github'] = options.github;
    if (options.kind && options.kind !== 'human') entry['kind'] = options.kind;
    const node = doc.createNode(entry);
    node.flow = true;
    mapAt(doc, 'members').set(name, node);
    if (options.role) {
      if (!Object.hasOwn(policy.roles, options.role)) {
        throw new UsageError(`role ${options.role} is not defined`, { hint: `roles: ${Object.keys(policy.roles).join(', ') || '(none)'}` });
      }
      const seq = mapAt(doc, 'roles').get(options.role, true) as YAMLSeq | undefined;
      if (isSeq(seq)) seq.add(doc.createNode(name));
      else mapAt(doc, 'roles').set(options.role, doc.createNode([name]));
    }
  });
  return { name, recipient, role: options.role };
}

export interface MemberRemoveResult {
  name: string;
  /** Every ref and key the member could read at any point in history: rotate them. */
  exposure: ExposedRef[];
  /** Working-tree files that could not be read (their committed versions are counted). */
  skipped: SkippedFile[];
}

export async function removeMember(ws: Workspace, name: string): Promise<MemberRemoveResult> {
  const policy = await ws.policy();
  const member = policy.members[name];
  if (!member) throw new NotFoundError(`member ${name} not found in ${ACCESS_FILE}`, { hint: 'list members with `keyfold access`' });
  const { exposure, skipped } = await exposureOf(ws, member.recipient);
  const head = await resolveCommit(ws.root, 'HEAD');
  const removal = {
    member: name,
    recipient: member.recipient,
    removed: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(head ? { commit: head } : {}),
    exposed: Object.fromEntries(exposure.map((e) => [e.ref, e.keys])),
  };
  await editPolicy(ws, (doc) => {
    (doc.get('members', true) as YAMLMap).delete(name);
    const roles = doc.get('roles', true);
    if (isMap(roles)) {
      for (const pair of roles.items) {
        if (!isSeq(pair.value)) continue;
        const seq = pair.value as YAMLSeq;
        seq.items = seq.items.filter((item) => String((item as { value?: unknown }).value ?? item) !== name);
      }
    }
    const custodians = doc.getIn(['breakglass', 'custodians'], true);
    if (isSeq(custodians) && custodians.items.some((i) => String((i as { value?: unknown }).value ?? i) === name)) {
      throw new UsageError(`${name} is a break-glass custodian`, { hint: 'replace them in breakglass.custodians first (edit policies/access.yaml), then remove the member' });
    }
  }, () => recordRemoval(ws, removal));
  return { name, exposure, skipped };
}
