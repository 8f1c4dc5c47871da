/**
 * Google credentials from the environment: GOOGLE_OAUTH_ACCESS_TOKEN as is, or the
 * service-account key file GOOGLE_APPLICATION_CREDENTIALS names, exchanged for an access
 * token with the JWT bearer grant (RFC 7523: an RS256 assertion signed with node:crypto,
 * posted to the key file's `token_uri`). The key file must lie outside the repository.
 * A token is fetched once per key file and process.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { isKeyfoldError, TargetError } from '../../kernel/errors.js';
import { readUtf8File } from '../../repo/read-file.js';
import type { HttpClient } from '../../net/http.js';
import { apiUrlProblem } from '../common/provider-text.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const HINT = 'set GOOGLE_OAUTH_ACCESS_TOKEN (e.g. `gcloud auth print-access-token`, or google-github-actions/auth with token_format: access_token), or GOOGLE_APPLICATION_CREDENTIALS to a service-account key file';

const tokens = new Map<string, Promise<string>>();

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');


/** The path, refusing one inside the repository (credentials come from the environment, never the repository). */
function keyFilePath(path: string, root: string): string {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const file = real(resolve(path));
  const rel = relative(real(root), file);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new TargetError('GOOGLE_APPLICATION_CREDENTIALS points inside the repository', { hint: 'keep key files out of the secrets repository; ' + HINT });
  }
  return file;
}

async function exchange(file: string, http: HttpClient): Promise<string> {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(readUtf8File(file, 'GOOGLE_APPLICATION_CREDENTIALS', { maxBytes: 64 * 1024 })) as Record<string, unknown>;
  } catch (e) {
    if (isKeyfoldError(e)) throw new TargetError(e.message, { hint: HINT });
    throw new TargetError('GOOGLE_APPLICATION_CREDENTIALS is not a JSON key file', { hint: HINT });
  }
  if (key['type'] !== 'service_account') {
    throw new TargetError(`GOOGLE_APPLICATION_CREDENTIALS holds a ${typeof key['type'] === 'string' ? JSON.stringify(key['type'].slice(0, 40)) : 'key'} credential; keyfold exchanges service-account keys only`, { hint: HINT });
  }
  const email = key['client_email'];
  const pem = key['private_key'];
  const tokenUri = key['token_uri'] ?? DEFAULT_TOKEN_URI;
  if (typeof email !== 'string' || typeof pem !== 'string' || typeof tokenUri !== 'string') {
    throw new TargetError('GOOGLE_APPLICATION_CREDENTIALS: the key file lacks client_email, private_key or token_uri', { hint: HINT });
  }
  if (apiUrlProblem(tokenUri) !== undefined) throw new TargetError('GOOGLE_APPLICATION_CREDENTIALS: token_uri is not an https URL', { hint: HINT });
  let privateKey;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new TargetError('GOOGLE_APPLICATION_CREDENTIALS: private_key is not a PEM private key', { hint: HINT });
  }
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(typeof key['private_key_id'] === 'string' ? { kid: key['private_key_id'] } : {}) };
  const claims = { iss: email, scope: SCOPE, aud: tokenUri, iat: now, exp: now + 3600 };
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const assertion = `${unsigned}.${b64url(sign('sha256', Buffer.from(unsigned), privateKey))}`;
  const res = await http.request(tokenUri, {
    method: 'POST',
    what: 'google token exchange',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
  });
  let body: { access_token?: unknown; error?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // judged by the status
  }
  if (!res.ok || typeof body.access_token !== 'string') {
    const code = typeof body.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? ` (${body.error})` : '';
    throw new TargetError(`google token exchange for ${email}: HTTP ${res.status}${code}`, { hint: 'check the service-account key (it may be disabled or deleted) and the clock; ' + HINT });
  }
  return body.access_token;
}

/** An access token for the cloud-platform scope, from the environment. */
export function googleAccessToken(env: NodeJS.ProcessEnv, root: string, http: HttpClient): Promise<string> {
  const direct = env['GOOGLE_OAUTH_ACCESS_TOKEN'];
  if (direct) return Promise.resolve(direct);
  const path = env['GOOGLE_APPLICATION_CREDENTIALS'];
  if (!path) return Promise.reject(new TargetError('no Google credentials in the environment', { hint: HINT }));
  let file: string;
  try {
    file = keyFilePath(path, root);
  } catch (e) {
    return Promise.reject(e);
  }
  let token = tokens.get(file);
  if (!token) {
    token = exchange(file, http);
    tokens.set(file, token);
    token.catch(() => tokens.delete(file));
  }
  return token;
}
