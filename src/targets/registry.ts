/** Sync target types by `type:` in keyfold.yaml. A new target is one folder and one line here. */
import { awsSecretsManagerTarget } from './aws-secrets-manager/aws-secrets-manager.js';
import { cloudflareWorkersTarget } from './cloudflare-workers/cloudflare-workers.js';
import { dotenvTarget } from './dotenv/dotenv.js';
import { gcpSecretManagerTarget } from './gcp-secret-manager/gcp-secret-manager.js';
import { githubTarget } from './github/github.js';
import { k8sTarget } from './k8s/k8s.js';
import type { TargetType } from './target.js';
import { vaultKvTarget } from './vault-kv/vault-kv.js';
import { vercelTarget } from './vercel/vercel.js';

export const TARGET_TYPES: Readonly<Record<string, TargetType>> = {
  dotenv: dotenvTarget as TargetType,
  github: githubTarget as TargetType,
  k8s: k8sTarget as TargetType,
  'vault-kv': vaultKvTarget as TargetType,
  'cloudflare-workers': cloudflareWorkersTarget as TargetType,
  vercel: vercelTarget as TargetType,
  'gcp-secret-manager': gcpSecretManagerTarget as TargetType,
  'aws-secrets-manager': awsSecretsManagerTarget as TargetType,
};

export function targetType(type: string): TargetType | undefined {
  return Object.hasOwn(TARGET_TYPES, type) ? TARGET_TYPES[type] : undefined;
}
