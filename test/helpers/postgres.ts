/**
 * A throw-away PostgreSQL server from Debian's `postgresql` package: initdb and pg_ctl
 * in a temp dir, run as an unprivileged user when the test runs as root (postgres
 * refuses root), on a free port. Unix socket: trust (the admin); TCP on 127.0.0.1:
 * scram-sha-256 only, so a login must present the right password. Every statement is
 * logged (`log_statement=all`) so a test can check what reached the server's log.
 * `startPostgres()` returns undefined when the binaries are not installed.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { hiddenTools } from './tools.js';
import { tempDir } from './cli.js';

export interface TestPostgres {
  port: number;
  /** The socket directory (admin logins through it need no password). */
  socketDir: string;
  /** The superuser's URL, through the socket. */
  adminUrl: string;
  /** A TCP URL for `role` with `password`. */
  url(role: string, password: string, database?: string): string;
  /** Run SQL as the superuser (psql through the socket). */
  sql(statement: string): string;
  /** The server's log so far. */
  log(): string;
  stop(): void;
}

/** The newest installed PostgreSQL's bin directory, or undefined. */
export function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (hiddenTools.has('postgres') || !existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')) && existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(base, versions.at(-1)!, 'bin') : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres | undefined> {
  const bin = postgresBin();
  if (!bin) return undefined;
  const tmp = tempDir('keyfold-pg-');
  chmodSync(tmp.path, 0o755);
  const data = join(tmp.path, 'data');
  const socketDir = join(tmp.path, 'sock');
  mkdirSync(data);
  mkdirSync(socketDir);
  const root = process.getuid?.() === 0;
  if (root) execFileSync('chown', ['-R', 'nobody:nogroup', tmp.path]);
  const as = (cmd: string, args: string[]) => (root ? execFileSync('runuser', ['-u', 'nobody', '--', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) : execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale']);
  const logFile = join(tmp.path, 'server.log');
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      as(join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', `-k ${socketDir} -p ${port} -c listen_addresses=127.0.0.1 -c password_encryption=scram-sha-256 -c log_statement=all`, 'start']);
      break;
    } catch (e) {
      if (attempt >= 2) throw e;
    }
  }
  const psql = join(bin, 'psql');
  return {
    port,
    socketDir,
    adminUrl: `postgres://postgres@localhost:${port}/postgres?host=${encodeURIComponent(socketDir)}`,
    url: (role, password, database = 'postgres') => `postgres://${encodeURIComponent(role)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    sql: (statement) => as(existsSync(psql) ? psql : 'psql', ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', statement]),
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop: () => {
      try {
        as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        tmp.cleanup();
      }
    },
  };
}
