/**
 * Typed errors with stable codes and exit codes (the README's exit-code table).
 *
 * Messages name files, key paths and recipients — never values, never any part of a
 * private key, never file content. The `hint` tells the user what to do next.
 */

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  violations: 3,
  noIdentity: 4,
  integrity: 5,
  notFound: 6,
  syncPartial: 7,
  internal: 70,
  /** `run`: the command exists but cannot be executed (as shells report it). */
  commandNotExecutable: 126,
  /** `run`: the command was not found (as shells report it). */
  commandNotFound: 127,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  /** What the user should do next. */
  hint?: string;
  /** The file the error is about (repository-relative or as given by the user). */
  file?: string;
  cause?: unknown;
}

export class KeyfoldError extends Error {
  readonly code: string = 'failure';
  readonly exitCode: ExitCode = ExitCode.failure;
  readonly hint: string | undefined;
  readonly file: string | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
    this.file = details.file;
  }
}

/** Bad command-line usage: unknown flag, missing argument, conflicting options. */
export class UsageError extends KeyfoldError {
  override readonly code = 'usage';
  override readonly exitCode = ExitCode.usage;
}

/** A configuration or policy file is invalid. */
export class ConfigError extends KeyfoldError {
  override readonly code = 'config';
}

/** Input that is not what it claims to be: malformed YAML, not a SOPS file, too big. */
export class FormatError extends KeyfoldError {
  override readonly code = 'format';
}

/** None of the available identities can decrypt. */
export class AccessError extends KeyfoldError {
  override readonly code = 'no-identity';
  override readonly exitCode = ExitCode.noIdentity;
}

/**
 * A bulk rewrite (`recipients sync`, `rotate`) did every file it could, but some it could
 * not open: not readable with your identities, or damaged (each is named). Exit 4, the
 * documented code for files you cannot open.
 */
export class NotOpenedError extends KeyfoldError {
  override readonly code = 'not-opened';
  override readonly exitCode = ExitCode.noIdentity;
}

/** MAC mismatch, tampered or malformed ciphertext, metadata outside the allowlist. */
export class IntegrityError extends KeyfoldError {
  override readonly code = 'integrity';
  override readonly exitCode = ExitCode.integrity;
}

/** A ref, key or file does not exist. */
export class NotFoundError extends KeyfoldError {
  override readonly code = 'not-found';
  override readonly exitCode = ExitCode.notFound;
}

/** Another keyfold process holds the repository lock, or a write failed. */
/** A sync target failed (its provider answered with an error, or could not be reached); sync exits 7. */
export class TargetError extends KeyfoldError {
  override readonly code = 'target';
  override readonly exitCode = ExitCode.syncPartial;
}

/** `run` could not start its command (exit 126 or 127, as shells report it). */
export class CommandStartError extends KeyfoldError {
  override readonly code = 'command';
  override readonly exitCode: ExitCode;
  constructor(message: string, notFound: boolean) {
    super(message, { hint: 'check the command after --' });
    this.exitCode = notFound ? ExitCode.commandNotFound : ExitCode.commandNotExecutable;
  }
}

export class ConflictError extends KeyfoldError {
  override readonly code = 'conflict';
}

/** `validate` found violations. */
export class ViolationsError extends KeyfoldError {
  override readonly code = 'violations';
  override readonly exitCode = ExitCode.violations;
}

/** A bug in keyfold: an invariant did not hold. */
export class InternalError extends KeyfoldError {
  override readonly code = 'internal';
  override readonly exitCode = ExitCode.internal;
}

export function isKeyfoldError(e: unknown): e is KeyfoldError {
  return e instanceof KeyfoldError;
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'is not inside a directory (a path component is a file)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ELOOP: 'has too many levels of symbolic links',
  ENAMETOOLONG: 'has a name that is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EBUSY: 'is busy',
};

/**
 * A Node.js file-system error (errno `code`, `path`) as a KeyfoldError with a clear
 * message, or undefined for anything else. Paths are the user's, never file content.
 */
export function fromSystemError(e: unknown): KeyfoldError | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  const code = err && typeof err === 'object' ? err.code : undefined;
  if (!code || !(code in SYSTEM_ERRORS)) return undefined;
  const path = typeof err!.path === 'string' ? err!.path : undefined;
  const message = `${path ?? 'a file'} ${SYSTEM_ERRORS[code]}`;
  if (code === 'ENOENT') return new NotFoundError(message, { hint: 'check the path', cause: e });
  if (code === 'EEXIST') return new ConflictError(message, { cause: e });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new KeyfoldError(message, { hint: 'choose a location you can write, or fix its owner and mode', cause: e });
  }
  return new KeyfoldError(message, { cause: e });
}
