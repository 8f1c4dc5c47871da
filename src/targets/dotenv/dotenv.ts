/**
 * `dotenv` target: a .env file (mode 0600, written atomically) with the target's
 * variables, for local programs. The path is relative to the repository root; `validate`
 * flags such files inside the repository unless git-ignored. Values read back from the
 * file, so a full compare rewrites nothing unchanged.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { encodeDotenv } from '../../formats/dotenv.js';
import { parseImport } from '../../formats/plain-import.js';
import { Secret } from '../../kernel/secret.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { readUtf8File } from '../../repo/read-file.js';
import type { TargetContents, TargetType } from '../target.js';

const Schema = z.strictObject({
  type: z.literal('dotenv'),
  path: z.string().check(z.minLength(1)),
});

export const dotenvTarget: TargetType<typeof Schema> = {
  type: 'dotenv',
  schema: Schema,
  create(_name, config, ctx) {
    const path = resolve(ctx.root, config.path);
    const read = (): TargetContents => {
      if (!existsSync(path)) return new Map();
      const values = (parseImport(readUtf8File(path, config.path), 'dotenv', config.path).toJS() ?? {}) as Record<string, unknown>;
      return new Map(Object.entries(values).map(([k, v]) => [k, new Secret(String(v))]));
    };
    return {
      description: `dotenv file ${config.path}`,
      readsValues: true,
      read: async () => read(),
      async apply(changes) {
        if (changes.upsert.length === 0 && changes.delete.length === 0) return { writes: 0 };
        // The file holds exactly the desired state, in its order; other names in it were
        // written by keyfold too (the file is keyfold's output), kept unless pruned.
        const current = read();
        const out = new Map<string, string>();
        for (const [k, v] of current) if (v && !changes.delete.includes(k) && !changes.desired.has(k)) out.set(k, v.reveal());
        for (const [k, v] of changes.desired) out.set(k, v.reveal());
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        writeFileAtomic(path, encodeDotenv([...out]), { mode: 0o600 });
        changes.done([...changes.upsert, ...changes.delete]);
        return { writes: 1 };
      },
    };
  },
};
