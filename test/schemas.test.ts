/**
 * The committed JSON Schemas (schemas/*.schema.json) equal what scripts/gen-schemas.ts
 * generates from the zod schemas, so they cannot drift; and they accept the example
 * tree's files and the files `keyfold init` writes, and reject what the zod schemas do.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCHEMAS_DIR, schemaFiles } from '../scripts/gen-schemas.js';
import { AccessPolicySchema } from '../src/config/access-policy.js';
import { KeyfoldConfigSchema } from '../src/config/keyfold-config.js';
import { RulesSchema } from '../src/config/rules.js';
import { accessYamlTemplate, keyfoldYamlTemplate, rulesYamlTemplate } from '../src/ops/init/templates.js';
import { ROOT } from './helpers/cli.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
const validators = Object.fromEntries(
  (['keyfold', 'access', 'rules'] as const).map((name) => [name, ajv.compile<unknown>(JSON.parse(readFileSync(join(SCHEMAS_DIR, `${name}.schema.json`), 'utf8')) as object)]),
) as Record<'keyfold' | 'access' | 'rules', ValidateFunction<unknown>>;
const zodOf = { keyfold: KeyfoldConfigSchema, access: AccessPolicySchema, rules: RulesSchema } as const;
const RECIPIENT = 'age1cexr40yn53x5anuyh9y7hdfx9ej4a4sw0lszxxdy8y99jx6sx9sslm9kv0';

function accepts(name: keyof typeof validators, value: unknown): boolean {
  const ok = validators[name](value);
  // The JSON Schema and the zod schema it came from agree.
  expect(zodOf[name].safeParse(value).success, `zod and JSON Schema disagree on ${JSON.stringify(value)}`).toBe(ok);
  return ok;
}

describe('JSON Schemas', () => {
  it('the committed files equal freshly generated output (run npx tsx scripts/gen-schemas.ts)', () => {
    const fresh = schemaFiles();
    expect(Object.keys(fresh).sort()).toEqual(['access.schema.json', 'keyfold.schema.json', 'rules.schema.json']);
    for (const [file, text] of Object.entries(fresh)) expect(readFileSync(join(SCHEMAS_DIR, file), 'utf8'), file).toBe(text);
  });

  it("accept the example tree's keyfold.yaml, policies/access.yaml and policies/rules.yaml", () => {
    for (const [name, file] of [['keyfold', 'keyfold.yaml'], ['access', 'policies/access.yaml'], ['rules', 'policies/rules.yaml']] as const) {
      const value = parse(readFileSync(join(ROOT, file), 'utf8')) as unknown;
      expect(validators[name](value), `${file}: ${ajv.errorsText(validators[name].errors)}`).toBe(true);
    }
  });

  it('accept the files keyfold init writes', () => {
    expect(accepts('keyfold', parse(keyfoldYamlTemplate()))).toBe(true);
    expect(accepts('access', parse(accessYamlTemplate({ admin: 'carol', recipient: RECIPIENT, github: 'carol' })))).toBe(true);
    expect(accepts('rules', parse(rulesYamlTemplate()))).toBe(true);
  });

  it('reject unknown fields, bad patterns and missing required fields, as the zod schemas do', () => {
    const policy = { members: { carol: { recipient: RECIPIENT } }, roles: { admin: ['carol'] }, grants: [{ role: 'admin', read: ['**'] }] };
    expect(accepts('access', policy)).toBe(true);
    expect(accepts('access', { ...policy, owners: [] })).toBe(false); // additionalProperties
    expect(accepts('access', { ...policy, members: { carol: { recipient: 'age1nope' } } })).toBe(false); // pattern
    expect(accepts('access', { ...policy, members: { carol: { recipient: RECIPIENT, kind: 'robot' } } })).toBe(false); // enum
    expect(accepts('access', { ...policy, members: { 'bad name': { recipient: RECIPIENT } } })).toBe(false); // propertyNames
    expect(accepts('access', { ...policy, grants: [{ read: ['**'] }] })).toBe(false); // required
    expect(accepts('access', { ...policy, breakglass: { custodians: ['a', 'b'], threshold: 1 } })).toBe(false); // minimum
    expect(accepts('keyfold', {})).toBe(false);
    expect(accepts('keyfold', { environments: [] })).toBe(false); // minItems
    expect(accepts('keyfold', { environments: ['dev'], services: { api: { imports: [], extra: 1 } } })).toBe(false);
    expect(accepts('keyfold', { environments: ['dev'], targets: { t: { type: 'github', repo: 'a/b' } } })).toBe(true); // targets are open
    expect(accepts('rules', { max_age: { 'prod/**': '90 days' } })).toBe(false);
    expect(accepts('rules', { allow: [{ path: 'x', reason: '' }] })).toBe(false);
    expect(accepts('rules', { key_patern: 'x' })).toBe(false);
  });
});
