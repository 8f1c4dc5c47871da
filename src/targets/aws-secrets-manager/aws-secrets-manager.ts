/**
 * `aws-secrets-manager` target: ONE secret (`name`) per target holding every name as a
 * JSON object of strings, through the official SDK v3 client (SigV4, the default
 * credential chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, web
 * identity, SSO, profiles, instance roles). The SDK is bundled apart (./vendor.ts) and
 * loaded only when this target talks to AWS, so the CLI's start does not pay for it.
 *
 * A whole-document target: when anything changed, `GetSecretValue`, merge (the desired
 * names over what the secret holds; names keyfold no longer wants stay unless pruned),
 * and `PutSecretValue` once — nothing when the merge changes nothing. The first sync
 * creates the secret (`CreateSecret`, tagged `managed-by: keyfold`). --prune removes
 * names only from a secret carrying that tag (the engine already limits them to names
 * the sync state manages).
 *
 * Signed requests go through keyfold's HTTP client (timeouts, backoff, KEYFOLD_HTTP_*
 * knobs, the run's request count), with AWS's throttling signal (HTTP 400
 * `ThrottlingException`, no Retry-After) added to its retry rule for these requests. The
 * SDK's own retries are off, so no signal is retried by two layers.
 */
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { isKeyfoldError, TargetError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import type { HttpClient } from '../../net/http.js';
import { apiUrlProblem } from '../common/provider-text.js';
import type { TargetContents, TargetType } from '../target.js';

type Sdk = typeof import('./vendor.js');

const TAG = { Key: 'managed-by', Value: 'keyfold' };
/** A secret value is at most 65,536 bytes. */
const MAX_VALUE = 65_536;
/** Error names the SDK (and AWS) treat as throttling. */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'PriorRequestNotComplete',
  'LimitExceededException',
]);
const REASONS: Record<string, string> = {
  ResourceNotFoundException: 'secret not found',
  ResourceExistsException: 'a secret with this name already exists',
  AccessDeniedException: 'access denied',
  UnrecognizedClientException: 'the credentials were refused',
  InvalidSignatureException: 'the request signature was refused',
  ExpiredTokenException: 'the session token has expired',
  InvalidRequestException: 'the secret cannot take this request in its state (scheduled for deletion?)',
  InvalidParameterException: 'a parameter was refused',
  LimitExceededException: 'a quota was exceeded',
  ThrottlingException: 'throttled',
  InternalServiceError: 'AWS internal error',
  DecryptionFailure: 'the KMS key cannot decrypt the secret',
  EncryptionFailure: 'the KMS key cannot encrypt the secret',
};


const Schema = z.strictObject({
  type: z.literal('aws-secrets-manager'),
  region: z.string().check(z.regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, 'an AWS region (us-east-1, eu-central-1, …)')),
  name: z.string().check(z.regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a secret name: letters, digits and /_+=.@- (at most 512)')),
  endpoint: z.optional(z.string().check(z.refine((u) => apiUrlProblem(u) === undefined, 'an https URL (plain http only to 127.0.0.1 or localhost), without credentials, query or fragment'))),
});

/** The error name an AWS JSON error body (or header) carries, as the SDK reads it. */
function errorName(body: unknown, header: string | null): string {
  const b = (body ?? {}) as { __type?: unknown; code?: unknown };
  const raw = typeof b.__type === 'string' ? b.__type : typeof b.code === 'string' ? b.code : (header ?? '');
  return raw.split('#').pop()!.split(':')[0]!;
}

/** The SDK's request handler over keyfold's HTTP client: signed requests are sent as built. */
function handlerOver(http: HttpClient, what: string) {
  return {
    async handle(request: { method: string; protocol: string; hostname: string; port?: number; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(request.query ?? {})) for (const x of Array.isArray(v) ? v : [v ?? '']) q.append(k, x);
      const url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}${q.size > 0 ? `?${q}` : ''}`;
      // fetch sets Host and Content-Length itself, to the values that were signed.
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([k]) => !['host', 'content-length'].includes(k.toLowerCase())));
      const op = (request.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
      const res = await http.request(url, {
        method: request.method,
        what: `${what}: ${op || request.method}`,
        headers,
        retryable,
        ...(request.body !== undefined && request.body !== null ? { body: request.body as string | Uint8Array } : {}),
      });
      const body = new Uint8Array(await res.arrayBuffer());
      const out: Record<string, string> = {};
      res.headers.forEach((v, k) => (out[k] = v));
      return { response: { statusCode: res.status, reason: res.statusText, headers: out, body } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
}

/** Retry 429 and 5xx, and AWS's throttling signal: HTTP 400 with a throttling error name (no Retry-After). */
async function retryable(res: Response): Promise<boolean> {
  if (res.status === 429 || res.status >= 500) return true;
  if (res.status !== 400) return false;
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  return THROTTLING.has(errorName(body, res.headers.get('x-amzn-errortype')));
}

export const awsSecretsManagerTarget: TargetType<typeof Schema> = {
  type: 'aws-secrets-manager',
  schema: Schema,
  create(_name, config, ctx) {
    const label = `aws-secrets-manager ${config.name}`;
    let client: Promise<{ sm: InstanceType<Sdk['SecretsManagerClient']>; sdk: Sdk }> | undefined;
    const sdk = () =>
      (client ??= (async () => {
        // The SDK warns on stderr about Node versions it will stop supporting; keyfold states its own.
        process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
        const mod: Sdk = await import('./vendor.js');
        const sm = new mod.SecretsManagerClient({
          region: config.region,
          ...(config.endpoint ? { endpoint: config.endpoint } : {}),
          maxAttempts: 1,
          requestHandler: handlerOver(ctx.http, label),
        });
        return { sm, sdk: mod };
      })());

    /** A provider error as status and AWS's error name; never the provider's message. */
    const fail = (what: string, e: unknown): Error => {
      if (isKeyfoldError(e)) return e;
      const err = e as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
      const name = typeof err?.name === 'string' ? err.name : 'Error';
      if (name === 'CredentialsProviderError') {
        return new TargetError(`${label}: no AWS credentials`, { hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), a web identity role, or a profile' });
      }
      const status = typeof err?.$metadata?.httpStatusCode === 'number' ? `HTTP ${err.$metadata.httpStatusCode} ` : '';
      const safe = /^[A-Za-z0-9]{1,64}$/.test(name) ? name : 'Error';
      const reason = REASONS[safe];
      const hint =
        safe === 'AccessDeniedException'
          ? `the identity needs secretsmanager:GetSecretValue, PutSecretValue, CreateSecret, DescribeSecret and TagResource on ${config.name}`
          : ['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException'].includes(safe)
            ? 'check the AWS credentials in the environment'
            : THROTTLING.has(safe) || safe === 'InternalServiceError'
              ? 'AWS kept failing after retries; rerun sync later (it repeats nothing already done)'
              : undefined;
      return new TargetError(`${label}: ${what}: ${status}${safe}${reason ? ` (${reason})` : ''}`, hint ? { hint } : {});
    };

    /** The secret's JSON object, or undefined when the secret does not exist. */
    async function current(): Promise<Record<string, unknown> | undefined> {
      const { sm, sdk: mod } = await sdk();
      let out;
      try {
        out = await sm.send(new mod.GetSecretValueCommand({ SecretId: config.name }));
      } catch (e) {
        if ((e as { name?: unknown }).name === 'ResourceNotFoundException') return undefined;
        throw fail('GetSecretValue', e);
      }
      if (typeof out.SecretString !== 'string') {
        throw new TargetError(`${label}: the secret holds binary data, not a JSON object of names`, { hint: 'keyfold writes a JSON object; point the target at another secret name' });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(out.SecretString);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new TargetError(`${label}: the secret does not hold a JSON object of names; keyfold will not overwrite it`, { hint: 'point the target at another secret name, or make the secret a JSON object' });
      }
      return parsed as Record<string, unknown>;
    }

    async function tagged(): Promise<boolean> {
      const { sm, sdk: mod } = await sdk();
      try {
        const d = await sm.send(new mod.DescribeSecretCommand({ SecretId: config.name }));
        return (d.Tags ?? []).some((t) => t.Key === TAG.Key && t.Value === TAG.Value);
      } catch (e) {
        throw fail('DescribeSecret', e);
      }
    }

    return {
      description: `AWS Secrets Manager secret ${config.name} (${config.region})`,
      readsValues: true,
      async read() {
        const obj = await current();
        const out: TargetContents = new Map();
        // A name whose value is not a string is absent: the desired string is written.
        for (const [k, v] of Object.entries(obj ?? {})) if (typeof v === 'string') out.set(k, new Secret(v));
        return out;
      },
      async apply(changes) {
        if (changes.upsert.length === 0 && changes.delete.length === 0) return { writes: 0 };
        const { sm, sdk: mod } = await sdk();
        const before = await current();
        const next: Record<string, unknown> = { ...(before ?? {}) };
        // Names are removed only from a secret keyfold created (tagged); another's keeps them.
        if (before && changes.delete.length > 0 && (await tagged())) for (const n of changes.delete) delete next[n];
        for (const [k, v] of changes.desired) next[k] = v.reveal();
        const text = JSON.stringify(next);
        if (Buffer.byteLength(text, 'utf8') > MAX_VALUE) {
          throw new TargetError(`${label}: the JSON of ${Object.keys(next).length} names would be ${Buffer.byteLength(text, 'utf8')} bytes; a secret holds at most ${MAX_VALUE}`, {
            hint: 'split the service across several targets (secrets)',
          });
        }
        const same = before !== undefined && Object.keys(before).length === Object.keys(next).length && Object.entries(next).every(([k, v]) => Object.hasOwn(before, k) && before[k] === v);
        let writes = 0;
        if (!before) {
          writes++;
          try {
            await sm.send(new mod.CreateSecretCommand({ Name: config.name, SecretString: text, Tags: [TAG], Description: 'managed by keyfold' }));
          } catch (e) {
            throw fail('CreateSecret', e);
          }
        } else if (!same) {
          writes++;
          try {
            await sm.send(new mod.PutSecretValueCommand({ SecretId: config.name, SecretString: text }));
          } catch (e) {
            throw fail('PutSecretValue', e);
          }
        }
        changes.done([...changes.upsert, ...changes.delete]);
        return { writes };
      },
    };
  },
};
