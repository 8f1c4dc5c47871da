/**
 * `validate`: `max_age` of policies/rules.yaml — a value whose ciphertext has not
 * changed for longer than its ref's maximum is a violation. Stable ciphertext makes
 * the age of a value's line (git blame) the age of the value; a data-key rotation
 * re-encrypts every value and so resets it (rotate the real credential, not only the
 * data key, when this fires).
 */
import { durationMs, type Rules } from '../../config/rules.js';
import { matchesAny } from '../../core/policy.js';
import type { Violation } from '../../core/violation.js';
import { scalarLines } from '../../formats/yaml-lines.js';
import { lineTimes } from '../../repo/git/tree.js';
import type { SecretFile } from './secrets.js';

export async function checkMaxAge(root: string, files: readonly SecretFile[], rules: Rules, now: Date): Promise<Violation[]> {
  const limits = Object.entries(rules.max_age);
  if (limits.length === 0) return [];
  const out: Violation[] = [];
  for (const f of files) {
    if (!f.parsed || f.text === undefined) continue;
    const limit = limits.find(([glob]) => matchesAny([glob], f.ref));
    if (!limit) continue;
    let times: number[];
    try {
      times = await lineTimes(root, f.file);
    } catch {
      continue; // not committed yet: every value is new
    }
    const maxMs = durationMs(limit[1]);
    for (const s of scalarLines(f.text)) {
      if (s.name === 'sops' || s.name.startsWith('sops.') || typeof s.value !== 'string' || !s.value.startsWith('ENC[')) continue;
      const t = times[s.line];
      if (t === undefined || t === 0) continue;
      const ageMs = now.getTime() - t * 1000;
      if (ageMs > maxMs) {
        out.push({
          file: f.file,
          line: s.line,
          rule: 'max-age',
          message: `${s.name} has not changed for ${formatAge(ageMs)} (max_age ${limit[1]} for ${limit[0]}); rotate it`,
        });
      }
    }
  }
  return out;
}

function formatAge(ms: number): string {
  for (const [unit, size] of [['days', 86_400_000], ['hours', 3_600_000], ['minutes', 60_000]] as const) {
    if (ms >= size) return `${Math.floor(ms / size)} ${unit}`;
  }
  return `${Math.floor(ms / 1000)} seconds`;
}
