/**
 * The one module that starts git. Every git process keyfold runs comes from here, with
 * the same environment: `GIT_OPTIONAL_LOCKS=0` (a read never takes the index lock a
 * concurrent `git` in the user's shell wants) and `LC_ALL=C` (stable, English output).
 *
 * git's stderr is kept to its first line, for error messages that name what git
 * refused (a bad revision); it is never echoed further, and file contents only ever
 * travel on stdout.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { KeyfoldError } from '../../kernel/errors.js';

/** A full object id: SHA-1 (40 hex digits) or SHA-256 (64). */
export const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Longest stretch of stderr kept (its first line is all that is used). */
const STDERR_KEPT = 4096;
const NO_GIT_HINT = 'install git and make sure it is on PATH';
const HISTORY_HINT = 'is this a git repository with its history fetched?';

export interface GitRun {
  code: number;
  stdout: Buffer;
  /** The first line of git's stderr (at most 200 characters), '' when none. */
  message: string;
}

export interface GitRunOptions {
  /** Written to git's stdin, which is then closed. */
  input?: string | Buffer;
  /**
   * The exit codes that are answers; any other is a failure and throws. Without it,
   * every exit code is returned for the caller to read.
   */
  okCodes?: readonly number[];
  /**
   * Names the step for a failure: "git failed while <what>", without git's message.
   * Without it: "git <command> failed (<code>): <git's first line>".
   */
  what?: string;
  /** The hint of a failure (default: asks whether this is a repository with its history). */
  hint?: string;
}

/** A started git process: its stdin and stdout, and how it ended. */
export interface GitProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /**
   * The exit code once the process has ended and its output has been read; rejects
   * with "cannot run git" when it could not be started.
   */
  readonly ended: Promise<number>;
  /** The first line of what git wrote to stderr so far. */
  message(): string;
}

/**
 * Start `git <args>` in `root` for streaming: the caller writes requests to stdin and
 * reads stdout as it comes (`cat-file --batch`). Ending stdin lets git finish.
 */
export function startGit(root: string, args: readonly string[]): GitProcess {
  const child: ChildProcessWithoutNullStreams = spawn('git', args, {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < STDERR_KEPT) stderr += d.slice(0, STDERR_KEPT - stderr.length);
  });
  child.stdin.on('error', () => undefined);
  const ended = new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(new KeyfoldError('cannot run git', { hint: NO_GIT_HINT, cause: e })));
    child.on('close', (code) => resolve(code ?? 128));
  });
  // Whoever uses the process reads `ended`; a failure to start is not also unhandled.
  ended.catch(() => undefined);
  return { stdin: child.stdin, stdout: child.stdout, ended, message: () => firstLine(stderr) };
}

/**
 * Run `git <args>` in `root` to completion, its stdout buffered. Throws when git cannot
 * be started, and for an exit code outside `okCodes` when those are given.
 */
export async function runGit(root: string, args: readonly string[], options: GitRunOptions = {}): Promise<GitRun> {
  const proc = startGit(root, args);
  const chunks: Buffer[] = [];
  proc.stdout.on('data', (c: Buffer) => chunks.push(c));
  proc.stdin.end(options.input ?? '');
  const code = await proc.ended;
  const run: GitRun = { code, stdout: Buffer.concat(chunks), message: proc.message() };
  if (options.okCodes && !options.okCodes.includes(code)) {
    const message = options.what ? `git failed while ${options.what}` : `git ${args[0] ?? ''} failed (${code}): ${run.message}`;
    throw new KeyfoldError(message, { hint: options.hint ?? HISTORY_HINT });
  }
  return run;
}

/** Run git and return its stdout as text; any exit code but 0 throws (see `runGit`). */
export async function gitText(root: string, args: readonly string[], options: Omit<GitRunOptions, 'okCodes'> = {}): Promise<string> {
  return (await runGit(root, args, { ...options, okCodes: [0] })).stdout.toString('utf8');
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0]!.trim();
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}
