/**
 * JSON Schemas of keyfold.yaml, policies/access.yaml and policies/rules.yaml, generated
 * from the zod schemas (which are the types) so that editors validate and complete the
 * files (`# yaml-language-server: $schema=…`, written by `keyfold init`).
 *
 *   npx tsx scripts/gen-schemas.ts          writes schemas/*.schema.json
 *   npx tsx scripts/gen-schemas.ts --check  exits 1 when a committed file is stale
 *
 * test/schemas.test.ts fails when the committed files differ from this output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod/mini';
import { AccessPolicySchema } from '../src/config/access-policy.js';
import { KeyfoldConfigSchema } from '../src/config/keyfold-config.js';
import { RulesSchema } from '../src/config/rules.js';
import { SCHEMA_BASE_URL } from '../src/ops/init/templates.js';

export const SCHEMAS_DIR = resolve(import.meta.dirname, '..', 'schemas');

const SOURCES = [
  { name: 'keyfold', title: 'keyfold.yaml', description: 'keyfold configuration: environments, sync targets, services, agent settings.', schema: KeyfoldConfigSchema },
  { name: 'access', title: 'policies/access.yaml', description: 'keyfold access policy: members, roles, grants, break-glass.', schema: AccessPolicySchema },
  { name: 'rules', title: 'policies/rules.yaml', description: 'keyfold validation rules: key naming, required keys, parity, maximum age, scan allow-list.', schema: RulesSchema },
] as const;

/** File name → JSON text of every schema. */
export function schemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of SOURCES) {
    // io: 'input' — the files as people write them: fields with defaults are optional.
    const { $schema, ...rest } = z.toJSONSchema(s.schema, { io: 'input' }) as Record<string, unknown>;
    const doc = { $schema, $id: `${SCHEMA_BASE_URL}/${s.name}.schema.json`, title: s.title, description: s.description, ...rest };
    out[`${s.name}.schema.json`] = JSON.stringify(doc, null, 2) + '\n';
  }
  return out;
}

function main(check: boolean): number {
  let stale = 0;
  for (const [file, text] of Object.entries(schemaFiles())) {
    const path = join(SCHEMAS_DIR, file);
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    if (check) {
      console.error(`schemas/${file} is stale; run npx tsx scripts/gen-schemas.ts`);
      stale++;
    } else {
      writeFileSync(path, text);
      console.log(`wrote schemas/${file}`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.includes('--check'));
}
