/**
 * A fake AWS Secrets Manager speaking the awsJson1_1 protocol the SDK uses: `POST /` with
 * `X-Amz-Target: secretsmanager.<Operation>` and `Content-Type: application/x-amz-json-1.1`,
 * signed with SigV4 — the Authorization header's shape is checked (`AWS4-HMAC-SHA256
 * Credential=<key>/<date>/<region>/secretsmanager/aws4_request, SignedHeaders=…,
 * Signature=<64 hex>`) and the signature verified with the test credentials. Operations:
 * CreateSecret (tags, ResourceExistsException), GetSecretValue, PutSecretValue
 * (ClientRequestToken idempotency, AWSCURRENT/AWSPREVIOUS), DescribeSecret. Errors are
 * HTTP 400 `{__type, message}` (500 for InternalServiceError); throttling is HTTP 400
 * `ThrottlingException` without Retry-After, as AWS sends it.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { FakeCloudServer, jsonBody, type FakeRequest, type FakeResponse } from './fake-cloud-server.js';

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/(\d{8})\/([a-z0-9-]+)\/secretsmanager\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
const JSON_TYPE = 'application/x-amz-json-1.1';

const awsError = (type: string, message: string, status = 400): FakeResponse => ({ status, headers: { 'content-type': JSON_TYPE, 'x-amzn-requestid': randomUUID() }, body: { __type: type, message } });
const answer = (body: unknown): FakeResponse => ({ status: 200, headers: { 'content-type': JSON_TYPE, 'x-amzn-requestid': randomUUID() }, body });

interface FakeVersion {
  id: string;
  value: string;
  stages: string[];
}

export interface FakeAwsSecret {
  name: string;
  arn: string;
  tags: Array<{ Key: string; Value: string }>;
  versions: FakeVersion[];
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

export class FakeAws extends FakeCloudServer {
  readonly region = 'eu-west-1';
  readonly accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  readonly secretAccessKey = randomBytes(20).toString('base64');
  readonly sessionToken = `IQoJb3JpZ2luX2Vj${randomBytes(12).toString('hex')}`;
  readonly account = '123456789012';
  readonly secrets = new Map<string, FakeAwsSecret>();
  readonly writes: Array<{ op: 'CreateSecret' | 'PutSecretValue'; name: string }> = [];
  /** Operations served, in order. */
  readonly ops: string[] = [];
  /** Signature problems seen, an unknown access key aside (a test asserts none). */
  readonly rejected: string[] = [];

  /** The current value of a secret as a JSON object, or undefined. */
  json(name: string): Record<string, unknown> | undefined {
    const v = this.secrets.get(name)?.versions.find((x) => x.stages.includes('AWSCURRENT'));
    return v ? (JSON.parse(v.value) as Record<string, unknown>) : undefined;
  }

  /** A secret someone else made (a test's precondition). */
  seed(name: string, value: string, tags: Array<{ Key: string; Value: string }> = []): FakeAwsSecret {
    const s: FakeAwsSecret = { name, arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${randomBytes(3).toString('hex')}`, tags, versions: [{ id: randomUUID(), value, stages: ['AWSCURRENT'] }] };
    this.secrets.set(name, s);
    return s;
  }

  protected rateLimited(): FakeResponse {
    return awsError('ThrottlingException', 'Rate exceeded');
  }

  protected serverError(): FakeResponse {
    return awsError('InternalServiceError', 'An error occurred on the server side.', 500);
  }

  /** Why the request's signature does not hold, or undefined. */
  #signatureProblem(req: FakeRequest): string | undefined {
    const auth = String(req.headers.authorization ?? '');
    const m = AUTH_RE.exec(auth);
    if (!m) return 'Authorization header shape';
    const [, key, date, region, signedList, signature] = m as unknown as [string, string, string, string, string, string];
    if (key !== this.accessKeyId) return 'UnrecognizedClientException';
    if (region !== this.region) return 'region';
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    if (!/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(date)) return 'x-amz-date';
    if (req.headers['x-amz-security-token'] !== this.sessionToken) return 'x-amz-security-token';
    const signed = signedList.split(';');
    for (const h of ['host', 'x-amz-date', 'x-amz-target', 'content-type']) if (!signed.includes(h)) return `SignedHeaders lacks ${h}`;
    if ([...signed].sort().join(';') !== signedList) return 'SignedHeaders order';
    const payloadHash = sha256(req.body);
    if (req.headers['x-amz-content-sha256'] !== undefined && req.headers['x-amz-content-sha256'] !== payloadHash) return 'x-amz-content-sha256';
    const canonicalHeaders = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
    const canonical = [req.method, req.url.pathname, req.url.searchParams.toString(), canonicalHeaders, signedList, payloadHash].join('\n');
    const scope = `${date}/${region}/secretsmanager/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    const kSigning = hmac(hmac(hmac(hmac(`AWS4${this.secretAccessKey}`, date), region), 'secretsmanager'), 'aws4_request');
    if (createHmac('sha256', kSigning).update(toSign).digest('hex') !== signature) return 'SignatureDoesNotMatch';
    return undefined;
  }

  protected route(req: FakeRequest): FakeResponse {
    if (req.method !== 'POST' || req.url.pathname !== '/') return awsError('UnknownOperationException', 'Unknown operation');
    if (req.headers['content-type'] !== JSON_TYPE) return awsError('SerializationException', 'Content-Type must be application/x-amz-json-1.1');
    const target = String(req.headers['x-amz-target'] ?? '');
    if (!target.startsWith('secretsmanager.')) return awsError('UnknownOperationException', 'Missing or bad X-Amz-Target');
    const problem = this.#signatureProblem(req);
    if (problem) {
      if (problem !== 'UnrecognizedClientException') this.rejected.push(problem);
      return problem === 'UnrecognizedClientException'
        ? awsError('UnrecognizedClientException', 'The security token included in the request is invalid.')
        : awsError('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
    }
    const op = target.slice('secretsmanager.'.length);
    this.ops.push(op);
    const b = (jsonBody(req) ?? {}) as Record<string, unknown>;
    const find = () => {
      const id = b['SecretId'];
      return typeof id === 'string' ? [...this.secrets.values()].find((s) => s.name === id || s.arn === id) : undefined;
    };
    const notFound = awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    switch (op) {
      case 'CreateSecret': {
        const name = b['Name'];
        if (typeof name !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) return awsError('InvalidParameterException', 'Invalid name.');
        if (typeof b['ClientRequestToken'] !== 'string') return awsError('InvalidParameterException', 'ClientRequestToken is required.');
        if (this.secrets.has(name)) return awsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
        const tags = Array.isArray(b['Tags']) ? (b['Tags'] as Array<{ Key: string; Value: string }>) : [];
        const s: FakeAwsSecret = { name, arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${randomBytes(3).toString('hex')}`, tags, versions: [] };
        if (typeof b['SecretString'] === 'string') s.versions.push({ id: b['ClientRequestToken'], value: b['SecretString'], stages: ['AWSCURRENT'] });
        this.secrets.set(name, s);
        this.noteWrite();
        this.writes.push({ op: 'CreateSecret', name });
        return answer({ ARN: s.arn, Name: name, ...(s.versions[0] ? { VersionId: s.versions[0].id } : {}) });
      }
      case 'GetSecretValue': {
        const s = find();
        const v = s?.versions.find((x) => x.stages.includes('AWSCURRENT'));
        if (!s || !v) return notFound;
        return answer({ ARN: s.arn, Name: s.name, VersionId: v.id, SecretString: v.value, VersionStages: v.stages, CreatedDate: 1.523477145713e9 });
      }
      case 'PutSecretValue': {
        const s = find();
        if (!s) return notFound;
        const token = b['ClientRequestToken'];
        if (typeof token !== 'string' || typeof b['SecretString'] !== 'string') return awsError('InvalidParameterException', 'ClientRequestToken and SecretString are required.');
        const same = s.versions.find((x) => x.id === token);
        if (same) {
          if (same.value !== b['SecretString']) return awsError('ResourceExistsException', 'You can\'t modify an existing version, you can only create a new version.');
          return answer({ ARN: s.arn, Name: s.name, VersionId: same.id, VersionStages: same.stages });
        }
        for (const v of s.versions) v.stages = v.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : v.stages.filter((x) => x !== 'AWSPREVIOUS');
        const v = { id: token, value: b['SecretString'], stages: ['AWSCURRENT'] };
        s.versions.push(v);
        this.noteWrite();
        this.writes.push({ op: 'PutSecretValue', name: s.name });
        return answer({ ARN: s.arn, Name: s.name, VersionId: v.id, VersionStages: v.stages });
      }
      case 'DescribeSecret': {
        const s = find();
        if (!s) return notFound;
        return answer({ ARN: s.arn, Name: s.name, Tags: s.tags, VersionIdsToStages: Object.fromEntries(s.versions.filter((v) => v.stages.length > 0).map((v) => [v.id, v.stages])), CreatedDate: 1.523477145713e9 });
      }
      default:
        return awsError('UnknownOperationException', `Unknown operation ${op}`);
    }
  }
}
