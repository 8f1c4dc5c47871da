/**
 * `k8s` target: a Kubernetes v1 Secret `namespace/name` holding the target's variables,
 * delivered one of two ways — `out:` writes its manifest to a file (./manifest.ts),
 * `api_url:` applies it to the API server (./api.ts). A whole-document target: one
 * write per sync when anything changed. Keys follow Kubernetes' rule (letters, digits,
 * `-`, `_`, `.`); the Secret stays within 1 MiB.
 */
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { apiUrlProblem } from '../common/provider-text.js';
import type { TargetType } from '../target.js';
import { apiDriver } from './api.js';
import { manifestDriver } from './manifest.js';
import { MANAGED_BY, keyProblem } from './secret-data.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A label key: `[prefix/]name`, the prefix a DNS subdomain, the name ≤ 63 characters. */
function labelKeyOk(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = key.slice(slash + 1);
  return name.length <= 63 && LABEL_PART.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
}

const labelValueOk = (value: string): boolean => value === '' || (value.length <= 63 && LABEL_PART.test(value));
const LABEL_KEY_HINT = 'a label key is [prefix/]name: the name ≤ 63 letters, digits, -, _ or ., the prefix a DNS subdomain';
const LABEL_VALUE_HINT = 'a label value is empty or ≤ 63 letters, digits, -, _ or ., starting and ending with a letter or digit';

/** Each label key and value by Kubernetes' rules; `managed-by` is keyfold's. Issues name the key. */
function checkLabels(labels: Record<string, string>, ctx: { addIssue(issue: { code: 'custom'; message: string; input: unknown; path: string[] }): void }): void {
  for (const [k, v] of Object.entries(labels)) {
    const message = k === MANAGED_BY ? `keyfold sets ${MANAGED_BY} itself` : !labelKeyOk(k) ? LABEL_KEY_HINT : !labelValueOk(v) ? LABEL_VALUE_HINT : undefined;
    if (message) ctx.addIssue({ code: 'custom', message, input: labels, path: [k] });
  }
}

const Schema = z
  .strictObject({
    type: z.literal('k8s'),
    namespace: z.string().check(z.maxLength(63), z.regex(DNS_LABEL, 'a namespace is a DNS label: lower-case letters, digits and -')),
    name: z.string().check(z.maxLength(253), z.regex(DNS_SUBDOMAIN, 'a Secret name is a DNS subdomain: lower-case letters, digits, - and .')),
    /** Write the manifest `<out>/<name>.yaml` (relative to the repository root). */
    out: z.optional(z.string().check(z.minLength(1))),
    /** Apply to this API server. */
    api_url: z.optional(z.string().check(z.refine((u) => apiUrlProblem(u) === undefined, 'an https:// URL without credentials (plain http only to 127.0.0.1 or localhost)'))),
    labels: z.optional(z.record(z.string(), z.string()).check(z.superRefine(checkLabels))),
  })
  .check(z.refine((c) => (c.out === undefined) !== (c.api_url === undefined), 'give exactly one of out (write a manifest file) or api_url (apply to the API server)'));

export const k8sTarget: TargetType<typeof Schema> = {
  type: 'k8s',
  schema: Schema,
  nameProblem: keyProblem,
  create(_name, config, ctx) {
    const { namespace, name, labels } = config;
    return config.out !== undefined ? manifestDriver({ namespace, name, labels, out: config.out }, ctx) : apiDriver({ namespace, name, labels, api_url: config.api_url! }, ctx);
  },
};
