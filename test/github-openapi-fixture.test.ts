/**
 * The GitHub REST fixture (test/fixtures/github-openapi/routes.json, extracted from GitHub's
 * OpenAPI description by scripts/extract-github-openapi.mjs) holds every route keyfold uses, with
 * request schemas where GitHub takes a body, and every schema in it compiles with ajv; the
 * extractor itself inlines $refs, cuts cycles and turns `nullable` into JSON Schema.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

type Schema = Record<string, unknown> | boolean;
interface Parameter {
  in: string;
  name: string;
  required: boolean;
  schema?: Schema;
}
interface Route {
  method: string;
  path: string;
  operationId: string;
  parameters: Parameter[];
  requestBody: { contentType: string; required: boolean; schema: Schema } | null;
  responses: Record<string, Schema | null>;
  responseHeaders: Record<string, Record<string, Schema>>;
  breakingChanges: { changeset: string; version: string; where: string[] }[];
}
interface Fixture {
  info: { version: string; title: string };
  source: { file: string; sha256: string; package?: string };
  breakingChangeVersions: string[];
  routes: Record<string, Route>;
  absentRoutes: string[];
  notes: { cyclesCut: { route: string; at: string; ref: string }[] };
}

const FIXTURE = join(ROOT, 'test', 'fixtures', 'github-openapi', 'routes.json');
const SCRIPT = join(ROOT, 'scripts', 'extract-github-openapi.mjs');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;

/** Route -> the body properties GitHub requires (undefined: the route takes no body). */
const EXPECTED: Record<string, string[] | undefined> = {
  'GET /repos/{owner}/{repo}': undefined,
  'GET /repos/{owner}/{repo}/actions/secrets/public-key': undefined,
  'GET /repos/{owner}/{repo}/actions/secrets': undefined,
  'GET /repos/{owner}/{repo}/actions/secrets/{secret_name}': undefined,
  'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}': ['encrypted_value', 'key_id'],
  'DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}': undefined,
  'GET /repos/{owner}/{repo}/environments/{environment_name}': undefined,
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key': undefined,
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets': undefined,
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}': undefined,
  'PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}': ['encrypted_value', 'key_id'],
  'DELETE /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}': undefined,
  'GET /orgs/{org}/actions/secrets/public-key': undefined,
  'GET /orgs/{org}/actions/secrets': undefined,
  'GET /orgs/{org}/actions/secrets/{secret_name}': undefined,
  'PUT /orgs/{org}/actions/secrets/{secret_name}': ['visibility'],
  'DELETE /orgs/{org}/actions/secrets/{secret_name}': undefined,
  'GET /orgs/{org}/actions/secrets/{secret_name}/repositories': undefined,
  'PUT /orgs/{org}/actions/secrets/{secret_name}/repositories': ['selected_repository_ids'],
  'GET /repos/{owner}/{repo}/pulls': undefined,
  'POST /repos/{owner}/{repo}/pulls': ['base', 'head'],
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': ['body'],
};
const LEGACY_ENVIRONMENT_ROUTES = [
  'GET /repositories/{repository_id}/environments/{environment_name}/secrets/public-key',
  'GET /repositories/{repository_id}/environments/{environment_name}/secrets',
  'GET /repositories/{repository_id}/environments/{environment_name}/secrets/{secret_name}',
  'PUT /repositories/{repository_id}/environments/{environment_name}/secrets/{secret_name}',
  'DELETE /repositories/{repository_id}/environments/{environment_name}/secrets/{secret_name}',
];
const PAGINATED = [
  'GET /repos/{owner}/{repo}/actions/secrets',
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
  'GET /orgs/{org}/actions/secrets',
  'GET /orgs/{org}/actions/secrets/{secret_name}/repositories',
  'GET /repos/{owner}/{repo}/pulls',
];

const newAjv = () => new Ajv({ strict: false, validateFormats: false, allErrors: true });

function route(key: string): Route {
  const r = fixture.routes[key];
  if (!r) throw new Error(`${key} is not in routes.json`);
  return r;
}

/** Every schema of a route, labelled. */
function schemasOf(key: string, r: Route): [string, Schema][] {
  const out: [string, Schema][] = [];
  for (const p of r.parameters) if (p.schema !== undefined) out.push([`${key} parameter ${p.in}:${p.name}`, p.schema]);
  if (r.requestBody) out.push([`${key} requestBody`, r.requestBody.schema]);
  for (const [status, s] of Object.entries(r.responses)) if (s !== null) out.push([`${key} response ${status}`, s]);
  for (const [status, hs] of Object.entries(r.responseHeaders)) {
    for (const [name, s] of Object.entries(hs)) out.push([`${key} response ${status} header ${name}`, s]);
  }
  return out;
}

describe('GitHub OpenAPI fixture', () => {
  it('is small and records where it came from', () => {
    expect(statSync(FIXTURE).size).toBeLessThan(300 * 1024);
    expect(fixture.info.version).toMatch(/\S/);
    expect(fixture.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(FIXTURE, 'utf8')).not.toContain('"$ref"');
  });

  it('holds every route keyfold uses, with a request schema exactly where GitHub takes a body', () => {
    for (const [key, required] of Object.entries(EXPECTED)) {
      const r = route(key);
      const [method, path] = key.split(' ');
      expect(r.method, key).toBe(method);
      expect(r.path, key).toBe(path);
      expect(r.operationId, key).toMatch(/^[a-z-]+\/[a-z-]+$/);
      expect(Object.keys(r.responses).length, key).toBeGreaterThan(0);
      // Every {placeholder} of the path is a required path parameter.
      for (const name of [...(path ?? '').matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(r.parameters.find((p) => p.in === 'path' && p.name === name)?.required, `${key} ${name}`).toBe(true);
      }
      if (required === undefined) {
        expect(r.requestBody, key).toBeNull();
      } else {
        expect(r.requestBody, key).not.toBeNull();
        expect(r.requestBody?.contentType, key).toBe('application/json');
        expect(r.requestBody?.required, key).toBe(true);
        const schema = r.requestBody?.schema as { type?: string; required?: string[]; properties?: object };
        expect(schema.type, key).toBe('object');
        expect(schema.required, key).toEqual(required);
        for (const name of required) expect(Object.keys(schema.properties ?? {}), key).toContain(name);
      }
    }
  });

  it('accounts for the repository-ID environment routes (kept if documented, else listed as absent)', () => {
    for (const key of LEGACY_ENVIRONMENT_ROUTES) {
      expect([key in fixture.routes, fixture.absentRoutes.includes(key)].filter(Boolean), key).toHaveLength(1);
    }
  });

  it('documents pagination on the list routes (per_page, page, Link header)', () => {
    for (const key of PAGINATED) {
      const r = route(key);
      const names = r.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      expect(names, key).toEqual(expect.arrayContaining(['per_page', 'page']));
      // The description documents a Link header on these lists; the selected-repositories list of
      // an org secret takes per_page/page too but documents no Link header (only total_count).
      const documentsLink = key !== 'GET /orgs/{org}/actions/secrets/{secret_name}/repositories';
      expect(Object.keys(r.responseHeaders['200'] ?? {}).includes('Link'), key).toBe(documentsLink);
    }
  });

  it('has empty bodies as null (DELETE 204, secret update 204)', () => {
    expect(route('DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}').responses).toEqual({ '204': null });
    const put = route('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}').responses;
    expect(Object.keys(put).sort()).toEqual(['201', '204']);
    expect(put['204']).toBeNull();
  });

  it('every schema compiles with ajv (strict: false, formats ignored)', () => {
    const ajv = newAjv();
    let count = 0;
    for (const [key, r] of Object.entries(fixture.routes)) {
      for (const [label, schema] of schemasOf(key, r)) {
        expect(() => ajv.compile(schema), label).not.toThrow();
        count++;
      }
    }
    expect(count).toBeGreaterThan(50);
  });

  it('validates secret, pull-request and comment bodies as GitHub documents them', () => {
    const ajv = newAjv();
    const body = (key: string): ValidateFunction => ajv.compile(route(key).requestBody?.schema ?? false);
    const repoSecret = body('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}');
    expect(repoSecret({ encrypted_value: 'c2VjcmV0', key_id: '012345678912345678' })).toBe(true);
    expect(repoSecret({ encrypted_value: 'c2VjcmV0' })).toBe(false);
    expect(repoSecret({ encrypted_value: 'not base64!', key_id: '1' })).toBe(false);
    const orgSecret = body('PUT /orgs/{org}/actions/secrets/{secret_name}');
    expect(orgSecret({ encrypted_value: 'c2VjcmV0', key_id: '1', visibility: 'selected', selected_repository_ids: [1296269] })).toBe(true);
    expect(orgSecret({ encrypted_value: 'c2VjcmV0', key_id: '1', visibility: 'everyone' })).toBe(false);
    const pulls = body('POST /repos/{owner}/{repo}/pulls');
    expect(pulls({ title: 'keyfold: sync', head: 'keyfold/sync', base: 'main', body: 'x' })).toBe(true);
    expect(pulls({ title: 'keyfold: sync', head: 'keyfold/sync' })).toBe(false);
    const comment = body('POST /repos/{owner}/{repo}/issues/{issue_number}/comments');
    expect(comment({ body: 'synced' })).toBe(true);
    expect(comment({})).toBe(false);

    const publicKey = ajv.compile(route('GET /repos/{owner}/{repo}/actions/secrets/public-key').responses['200'] ?? false);
    expect(publicKey({ key_id: '012345678912345678', key: '2Sg8iYjAxxmI2LvUXpJjkYrMxURPc8r+dB7TJyvv1234' })).toBe(true);
    expect(publicKey({ key: 'abc' })).toBe(false);
  });
});

describe('extract-github-openapi.mjs', () => {
  it('inlines $refs, cuts cycles, converts nullable and drops examples', () => {
    const tmp = tempDir('keyfold-openapi-');
    onTestFinished(tmp.cleanup);
    const dir = tmp.path;
    const op = (extra: object = {}) => ({
      operationId: 'x/y',
      responses: { '204': { description: 'Response' } },
      ...extra,
    });
    // Every route the script looks for, as a bare operation; one with the interesting schemas.
    const paths: Record<string, Record<string, unknown>> = {};
    for (const key of Object.keys(EXPECTED)) {
      const [method, path] = key.split(' ') as [string, string];
      (paths[path] ??= {})[method.toLowerCase()] = op();
    }
    paths['/repos/{owner}/{repo}/pulls']!.post = op({
      operationId: 'pulls/create',
      parameters: [{ $ref: '#/components/parameters/owner' }],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/node' }, examples: { a: { value: 1 } } } },
      },
      responses: { '201': { $ref: '#/components/responses/created' }, '404': { description: 'Not found' } },
    });
    const doc = {
      openapi: '3.0.3',
      info: { version: '9.9.9', title: 'synthetic' },
      paths,
      components: {
        parameters: { owner: { name: 'owner', in: 'path', required: true, schema: { type: 'string' } } },
        schemas: {
          node: {
            type: 'object',
            properties: {
              name: { type: 'string', nullable: true, example: 'n' },
              kind: { type: 'string', enum: ['a', 'b'], nullable: true },
              child: { allOf: [{ $ref: '#/components/schemas/node' }], nullable: true },
              description: { type: 'string' },
            },
            required: ['name'],
            'x-github-breaking-changes': [{ changeset: 'drop_kind', version: '2030-01-01', patch: {} }],
          },
        },
        responses: {
          created: {
            description: 'Created',
            headers: { Location: { schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/node' } } },
          },
        },
      },
    };
    const input = join(dir, 'api.github.com.json');
    const out = join(dir, 'routes.json');
    writeFileSync(input, JSON.stringify(doc));
    execFileSync(process.execPath, [SCRIPT, input, '--out', out], { stdio: 'pipe' });
    const text = readFileSync(out, 'utf8');
    const result = JSON.parse(text) as Fixture;
    expect(text).not.toContain('$ref');
    expect(text).not.toMatch(/"examples?":/);
    expect(result.info.version).toBe('9.9.9');
    expect(result.breakingChangeVersions).toEqual(['2030-01-01']);
    expect(Object.keys(result.routes).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(result.absentRoutes).toEqual(LEGACY_ENVIRONMENT_ROUTES);

    const create = result.routes['POST /repos/{owner}/{repo}/pulls']!;
    expect(create.parameters).toEqual([{ in: 'path', name: 'owner', required: true, schema: { type: 'string' } }]);
    const node = create.requestBody?.schema as { properties: Record<string, Record<string, unknown>> };
    expect(node.properties.name).toEqual({ type: ['string', 'null'] });
    expect(node.properties.kind).toEqual({ type: ['string', 'null'], enum: ['a', 'b', null] });
    expect(node.properties.description).toEqual({ type: 'string' }); // a property named "description" is kept
    expect(node.properties.child).toEqual({ anyOf: [{ type: 'null' }, { allOf: [{ 'x-cycle-cut': '#/components/schemas/node' }] }] });
    expect(result.notes.cyclesCut).toEqual([
      { route: 'POST /repos/{owner}/{repo}/pulls', at: 'requestBody/properties/child/allOf/0', ref: '#/components/schemas/node' },
      { route: 'POST /repos/{owner}/{repo}/pulls', at: 'responses/201/properties/child/allOf/0', ref: '#/components/schemas/node' },
    ]);
    expect(create.responses['404']).toBeNull();
    expect(create.responseHeaders).toEqual({ '201': { Location: { type: 'string' } } });
    expect(create.breakingChanges).toEqual([{ changeset: 'drop_kind', version: '2030-01-01', where: ['#/components/schemas/node'] }]);

    const ajv = newAjv();
    const validate = ajv.compile(create.requestBody?.schema ?? false);
    expect(validate({ name: null, kind: null, child: { name: 'x', child: null } })).toBe(true);
    expect(validate({ kind: 'c' })).toBe(false);

    // Deterministic: a second run writes the same bytes.
    execFileSync(process.execPath, [SCRIPT, input, '--out', out], { stdio: 'pipe' });
    expect(readFileSync(out, 'utf8')).toBe(text);
  });
});
