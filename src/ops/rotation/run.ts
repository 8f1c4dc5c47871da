/**
 * `rotation run`: for each rotation that is due (or named), create a new credential,
 * verify it with a request made with it, write it into the secret (stable ciphertext;
 * written as the environment's CI identity), record the old credential as pending
 * revoke in rotation/state.yaml, and commit — a message naming the rotation, ref and key,
 * never a value. Then, in every run, revoke old credentials whose replacement the sync
 * state shows at every target that uses it once the grace has passed since a run first
 * saw that. Crash-safe: credentials a killed run created (found by name) are revoked.
 */
import { count } from '../../kernel/names.js';
import { encodeRotationState, ROTATION_STATE_FILE, type RotationEntry, type RotationState } from '../../config/rotation-state.js';
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { parseDuration } from '../../kernel/duration.js';
import { ConfigError, isKeyfoldError, NotFoundError, UsageError } from '../../kernel/errors.js';
import { refToRepoPath } from '../../kernel/ref.js';
import { createHttp, httpOptionsFromEnv } from '../../net/http.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { loadRotationState } from '../../repo/control-files.js';
import { commitPaths } from '../../repo/git/commit.js';
import { rotatorType } from '../../rotators/registry.js';
import type { RotatorDriver } from '../../rotators/rotator.js';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lastChanged } from '../audit/exposure.js';
import { Workspace } from '../context/workspace.js';
import { getValue } from '../secrets/read-values.js';
import { setValue } from '../secrets/set-value.js';
import { Secret } from '../../kernel/secret.js';
import { deliveryOf } from './delivery.js';

export interface RotationRunOptions {
  names?: readonly string[];
  /** Only the rotations of this environment's refs. */
  env?: string;
  /** Only rotations that are due. */
  due?: boolean;
  /** Print what would happen; change nothing. */
  plan?: boolean;
  /** Do not commit (leave the changes in the work tree). */
  noCommit?: boolean;
}

export interface RotationOutcome {
  rotation: string;
  ref: string;
  key: string;
  /** What happened: rotated, not due, planned, due but waiting for the previous rotation's revoke, failed. */
  action: 'rotated' | 'not-due' | 'would-rotate' | 'waiting' | 'failed';
  /** Old credentials revoked in this run, and orphans from killed runs. */
  revoked: string[];
  /** Old credentials still waiting (for sync everywhere, then the grace). */
  waiting: number;
  lastRotated?: string;
  nextDue?: string;
  error?: string;
}

type Rotation = KeyfoldConfig['rotation'][string];

const namePrefix = (rotation: string) => `keyfold ${rotation} `;

function driverFor(ws: Workspace, name: string, r: Rotation): RotatorDriver {
  const type = rotatorType(r.rotator);
  if (!type) throw new ConfigError(`keyfold.yaml: rotation.${name}: unknown rotator ${r.rotator}`, { hint: 'rotators: generated, openrouter, postgres' });
  const settings = type.schema.safeParse(r.with);
  if (!settings.success) {
    const issue = settings.error.issues[0]!;
    throw new ConfigError(`keyfold.yaml: rotation.${name}.with.${issue.path.join('.') || '(settings)'}: ${issue.message}`);
  }
  return type.create(settings.data, { env: ws.options.env, http: createHttp(httpOptionsFromEnv(ws.options.env)), rotation: { name, ref: r.ref, key: r.key } });
}

export async function runRotations(base: Workspace, options: RotationRunOptions = {}, now = new Date()): Promise<RotationOutcome[]> {
  const ws = new Workspace({ ...base.options, rotationWriter: true });
  const config = await ws.config();
  for (const n of options.names ?? []) {
    if (!Object.hasOwn(config.rotation, n)) throw new UsageError(`unknown rotation "${n.slice(0, 60)}"`, { hint: `rotations in keyfold.yaml: ${Object.keys(config.rotation).join(', ') || '(none)'}` });
  }
  const state: RotationState = loadRotationState(ws.root);
  const outcomes: RotationOutcome[] = [];
  const saveState = () => {
    mkdirSync(join(ws.root, dirname(ROTATION_STATE_FILE)), { recursive: true });
    writeFileAtomic(join(ws.root, ROTATION_STATE_FILE), encodeRotationState(state), { mode: 0o644 });
  };
  if (options.env !== undefined && !config.environments.includes(options.env)) {
    throw new UsageError(`unknown environment "${options.env.slice(0, 60)}"`, { hint: `environments in keyfold.yaml: ${config.environments.join(', ')}` });
  }
  const names = Object.keys(config.rotation).filter(
    (n) => (!options.names?.length || options.names.includes(n)) && (options.env === undefined || config.rotation[n]!.ref.split('/')[0] === options.env),
  );
  for (const name of names) {
    const r = config.rotation[name]!;
    const every = parseDuration(r.every)!;
    const grace = parseDuration(r.grace)!;
    const entry: RotationEntry = (state.rotations[name] ??= { pending: [] });
    const last = await lastChanged(ws, r.ref, r.key);
    const due = !last || now.getTime() - last.getTime() >= every;
    const outcome: RotationOutcome = { rotation: name, ref: r.ref, key: r.key, action: 'not-due', revoked: [], waiting: 0, lastRotated: last?.toISOString() };
    outcomes.push(outcome);
    if (options.plan) {
      outcome.action = !(due || !options.due) ? 'not-due' : entry.pending.length > 0 ? 'waiting' : 'would-rotate';
      outcome.waiting = entry.pending.length;
      continue;
    }
    try {
      const driver = driverFor(ws, name, r);
      // Read before anything is created: a run that cannot read the secret stops here.
      const current = await getValue(ws, r.ref, r.key).catch((e: unknown) => {
        if (e instanceof NotFoundError) return undefined;
        throw e;
      });
      const currentText = current === undefined ? undefined : new Secret(String(current.reveal()));
      // The credential in the secret: adopted when a run wrote it but was killed before
      // recording it, or when it was made by hand (the one it replaced then waits for
      // revoke like any other).
      const inSecret = currentText && (await driver.identify(currentText));
      let dirty = false;
      let adopted = false;
      if (inSecret && inSecret !== entry.current) {
        dirty = adopted = true;
        if (entry.current) entry.pending.push({ id: entry.current, replaced: iso(now) });
        entry.pending = entry.pending.filter((p) => p.id !== inSecret);
        entry.current = inSecret;
      }
      // Credentials a killed run created but never committed: nobody knows them; revoke.
      const known = new Set([entry.current, ...entry.pending.map((p) => p.id)].filter((x): x is string => x !== undefined));
      for (const id of await driver.orphans(namePrefix(name), known)) {
        await driver.revoke(id, currentText);
        outcome.revoked.push(id);
      }
      // Revoke old credentials once the value now in the secret is at every target and
      // the grace has passed — before creating anything, so a revoke never races a new
      // value, and ids a rotator hands out again (roles) are never revoked once reused.
      let revokedNow = 0;
      if (entry.pending.length > 0) {
        const delivered = (await deliveryOf(ws, r.ref, r.key)).everywhere;
        const keep: RotationEntry['pending'] = [];
        for (const p of entry.pending) {
          if (p.id === entry.current) {
            // The credential in the secret is never revoked (it was handed out again).
            dirty = true;
            continue;
          }
          if (delivered && !p.synced) {
            p.synced = iso(now);
            dirty = true;
          }
          if (p.synced && now.getTime() - Date.parse(p.synced) >= grace) {
            await driver.revoke(p.id, currentText);
            outcome.revoked.push(p.id);
            revokedNow++;
            dirty = true;
          } else keep.push(p);
        }
        entry.pending = keep;
      }
      if (dirty) {
        saveState();
        const what = revokedNow > 0 ? `revoked ${count(revokedNow, 'old credential')}` : adopted ? `recorded the credential in ${r.ref} ${r.key}` : 'old credentials synced everywhere, revoke after the grace';
        if (!options.noCommit) await commitPaths(ws.root, [ROTATION_STATE_FILE], `keyfold rotation: ${name} ${what}`);
      }
      if (due || !options.due) {
        if (entry.pending.length > 0) {
          // A second rotation before the first reached every target would stack old
          // credentials (and, for rotators that reuse ids such as the two-role scheme,
          // change the one consumers still use).
          outcome.action = options.due ? 'waiting' : 'failed';
          if (!options.due) outcome.error = `${name}: the previous rotation's old credential still waits for revoke (sync to every target, then the grace of ${r.grace})`;
        } else {
          const created = await driver.create(`${namePrefix(name)}${iso(now)}`, currentText);
          try {
            await driver.verify(created);
            await setValue(ws, r.ref, r.key, created.value);
          } catch (e) {
            // Nobody has it yet: revoke it now rather than as an orphan next run.
            if (created.id) await driver.revoke(created.id, currentText).catch(() => undefined);
            throw e;
          }
          entry.pending = entry.pending.filter((p) => p.id !== created.id);
          if (entry.current && entry.current !== created.id) entry.pending.push({ id: entry.current, replaced: iso(now) });
          if (created.id) entry.current = created.id;
          else delete entry.current;
          entry.rotated = iso(now);
          saveState();
          if (!options.noCommit) await commitPaths(ws.root, [refToRepoPath(r.ref), ROTATION_STATE_FILE], `keyfold rotation: ${name} rotated ${r.ref} ${r.key}`);
          outcome.action = 'rotated';
          outcome.lastRotated = iso(now);
        }
      }
      outcome.waiting = entry.pending.length;
    } catch (e) {
      if (!isKeyfoldError(e) && !(e instanceof Error)) throw e;
      outcome.action = 'failed';
      outcome.waiting = entry.pending.length;
      outcome.error = isKeyfoldError(e) ? `${e.message}${e.hint ? ` — ${e.hint}` : ''}` : `${e.name}: rotator error`;
    }
    if (outcome.lastRotated) outcome.nextDue = new Date(Date.parse(outcome.lastRotated) + every).toISOString();
  }
  return outcomes;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
