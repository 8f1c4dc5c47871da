/**
 * `postgres`: the two-role scheme. Two login roles (`roles: [api_a, api_b]`) own the same
 * privileges; the secret holds a URL for one of them (`postgres://ROLE:PASSWORD@host:port/db`).
 * A rotation sets a new random password on the role NOT in use (the one in the URL
 * keeps working meanwhile), builds the new URL (same host, port, database, options)
 * and verifies it by logging in with it. Revoking a role sets its password to a random
 * value nobody knows and ends its open sessions, so the old URL stops working. Ids are
 * role names. The admin connection comes from the environment (`admin_url_env`), never
 * from the repository; `pg` (./vendor.ts, a bundle of its own) is loaded only when a
 * postgres rotation runs.
 *
 * Passwords never travel to the server in clear: keyfold sends a SCRAM-SHA-256 verifier
 * it computed itself (as `psql`'s \password does), so no statement log can hold one.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { ConfigError, TargetError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import type { RotatorContext, RotatorDriver, RotatorType } from '../rotator.js';
import { fieldOf } from '../../config/parse-yaml-config.js';

const ROLE_RE = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;

const Schema = z.strictObject({
  /** The environment variable holding the admin connection URL (a role with CREATEROLE, or a superuser). */
  admin_url_env: z._default(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name')), 'PG_ADMIN_URL'),
  /** The two login roles taking turns. */
  roles: z
    .tuple([z.string().check(z.regex(ROLE_RE, 'a role name')), z.string().check(z.regex(ROLE_RE, 'a role name'))])
    .check(z.refine(([a, b]) => a !== b, 'two different roles')),
  /** End the revoked role's open sessions too (needs pg_signal_backend or superuser; skipped without it). */
  terminate_sessions: z._default(z.boolean(), true),
  /** Seconds to wait for a connection. */
  connect_timeout: z._default(z.number().check(z.int(), z.gte(1), z.lte(300)), 15),
});
type Settings = z.infer<typeof Schema>;

type Pg = Pick<typeof import('pg'), 'Client' | 'escapeIdentifier' | 'escapeLiteral'>;
/** `pg`, loaded on first use from its own bundle (a CLI that runs no postgres rotation never reads it). */
const loadPg = async (): Promise<Pg> => (await import('./vendor.js')).pg;

/** A SCRAM-SHA-256 verifier for a password (RFC 5802/7677, PostgreSQL's stored form). */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** A new password: 32 random bytes, URL-safe (no escaping in the URL). */
const newPassword = () => randomBytes(32).toString('base64url');

/** The parts of a postgres URL keyfold reads; undefined when it is not one. */
function parseUrl(value: string): URL | undefined {
  try {
    const u = new URL(value.trim());
    return u.protocol === 'postgres:' || u.protocol === 'postgresql:' ? u : undefined;
  } catch {
    return undefined;
  }
}

const roleOf = (u: URL) => decodeURIComponent(u.username);

/** Only the SQLSTATE and our words: a server message may quote a statement. */
function pgError(what: string, step: string, e: unknown): TargetError {
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : undefined;
  const known: Record<string, string> = {
    '28P01': 'password authentication failed',
    '28000': 'login refused (pg_hba.conf, or the role cannot log in)',
    '42704': 'the role does not exist',
    '42501': 'insufficient privilege (the admin role needs CREATEROLE)',
    '3D000': 'the database does not exist',
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    ETIMEDOUT: 'timed out',
  };
  const why = code ? (known[code] ?? `error ${code}`) : /timeout/i.test((e as Error)?.message ?? '') ? 'timed out' : 'failed';
  return new TargetError(`${what}: ${step}: ${why}`, { hint: 'check the server is reachable and the roles exist with LOGIN' });
}

function driver(settings: Settings, ctx: RotatorContext): RotatorDriver {
  const what = `postgres (rotation ${ctx.rotation.name})`;
  const roles = settings.roles;

  const adminUrl = (): string => {
    const url = ctx.env[settings.admin_url_env]?.trim();
    if (!url) throw new ConfigError(`${what}: ${settings.admin_url_env} is not set`, { hint: 'set it to a connection URL of a role that may ALTER ROLE the two roles (in CI: a secret of the GitHub environment)' });
    return url;
  };

  const currentRole = (current: Secret<string> | undefined): { url: URL; role: string } | undefined => {
    const url = current && parseUrl(current.reveal());
    return url && roles.includes(roleOf(url)) ? { url, role: roleOf(url) } : undefined;
  };

  /** Run `fn` with a connected client; always closed. */
  const withClient = async <T>(connectionString: string, step: string, fn: (c: import('pg').Client) => Promise<T>): Promise<T> => {
    const pg = await loadPg();
    let client: import('pg').Client;
    try {
      // Inside the try: a URL pg cannot parse throws an error that may quote it (and its password).
      client = new pg.Client({ connectionString, connectionTimeoutMillis: settings.connect_timeout * 1000, application_name: 'keyfold rotation' });
      client.on('error', () => undefined);
      await client.connect();
    } catch (e) {
      throw pgError(what, `${step}: connecting`, e);
    }
    try {
      return await fn(client);
    } catch (e) {
      throw e instanceof TargetError ? e : pgError(what, step, e);
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  /** Give `role` the password whose verifier this is. */
  const setVerifier = async (role: string, verifier: string, terminate: boolean) => {
    const pg = await loadPg();
    await withClient(adminUrl(), `setting the password of ${role}`, async (c) => {
      await c.query(`ALTER ROLE ${pg.escapeIdentifier(role)} WITH PASSWORD ${pg.escapeLiteral(verifier)}`);
      if (terminate) {
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()', [role]).catch((e: unknown) => {
          if ((e as { code?: string }).code !== '42501') throw e;
        });
      }
    });
  };

  return {
    async identify(value) {
      return currentRole(value)?.role;
    },

    async create(_name, current) {
      const inUse = currentRole(current);
      if (!inUse) {
        throw new ConfigError(`${what}: ${ctx.rotation.ref} ${ctx.rotation.key} must hold a postgres:// URL of role ${roles[0]} or ${roles[1]} first`, {
          hint: `set it once by hand (keyfold set ${ctx.rotation.ref} ${ctx.rotation.key} --stdin); rotations keep its host, port, database and options`,
        });
      }
      const spare = inUse.role === roles[0] ? roles[1] : roles[0];
      const password = newPassword();
      await setVerifier(spare, scramVerifier(password), false);
      const next = new URL(inUse.url.href);
      next.username = encodeURIComponent(spare);
      next.password = password;
      return { value: new Secret(next.href), id: spare };
    },

    async verify(credential) {
      const role = currentRole(credential.value)?.role;
      const user = await withClient(credential.value.reveal(), `logging in as ${role ?? '(unknown role)'} with the new password`, async (c) => {
        const r = await c.query<{ u: string }>('SELECT current_user AS u');
        return r.rows[0]?.u;
      });
      if (user !== role) throw new TargetError(`${what}: the new URL logged in as another role`, { hint: 'check the URL in the secret' });
    },

    async revoke(id, current) {
      if (!roles.includes(id)) throw new ConfigError(`${what}: "${id.slice(0, 63)}" is not one of the rotation's roles`, { hint: 'check rotation/state.yaml and with.roles' });
      // Never the role the secret uses now: that would break every consumer.
      if (currentRole(current)?.role === id) throw new ConfigError(`${what}: refusing to revoke ${id}: the secret uses it now`, { hint: 'check rotation/state.yaml' });
      await setVerifier(id, scramVerifier(newPassword()), settings.terminate_sessions);
    },

    async orphans() {
      return []; // the roles are fixed: nothing is created that could be left behind
    },
  };
}

export const postgresRotator: RotatorType<typeof Schema> = {
  type: 'postgres',
  schema: Schema,
  create: driver,
  credentialEnv: (raw) => [fieldOf(Schema, 'admin_url_env', raw)].filter((v): v is string => typeof v === 'string'),
};
