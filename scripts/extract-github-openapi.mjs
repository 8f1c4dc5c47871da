#!/usr/bin/env node
/**
 * Extracts the GitHub REST routes keyfold uses from GitHub's OpenAPI description into a small,
 * self-contained fixture (test/fixtures/github-openapi/routes.json) that the GitHub imitation
 * server in the tests validates requests against and shapes its responses from.
 *
 *   node scripts/extract-github-openapi.mjs /path/to/api.github.com.json [--out FILE] [--source TEXT]
 *
 * Input: `generated/api.github.com.json` of the npm package @octokit/openapi, or
 * `descriptions/api.github.com/api.github.com.json` of github/rest-api-description (OpenAPI 3.0).
 * JSON only; convert a YAML description to JSON first.
 *
 * What the fixture holds, per route: method, path, operationId, summary, docs URL, the path/query
 * parameters with their schemas, the JSON request-body schema, and status -> JSON schema (null for
 * an empty body) for every documented response, plus the names of documented response headers.
 * Every `$ref` (components/schemas, parameters, responses, headers) is inlined. A `$ref` met again
 * while it is being inlined (a recursive schema) is cut to `{ "x-cycle-cut": "<ref>" }`, which
 * validates anything, as `{}` would, and is listed in `notes.cyclesCut`.
 *
 * The schemas are turned from OpenAPI 3.0 schema objects into plain JSON Schema (draft-07) that
 * ajv compiles: `nullable: true` becomes a `"null"` type (or an `anyOf` with `{ "type": "null" }`),
 * and `example`/`examples`, `externalDocs`, `xml`, `discriminator` and vendor `x-*` keys are
 * dropped, and so are `title`s. Descriptions are cut to their first sentence (at most DESC_MAX
 * characters) and dropped inside response schemas; `--no-descriptions` drops them all. Object keys
 * are sorted so the output is deterministic; array order is kept (except `required`, which is
 * sorted). Small values are written on one line to keep the file small but diffable.
 *
 * GitHub's description is the 2022-11-28 REST API version with `x-github-breaking-changes` patches
 * for later versions; the patches are not applied, but the changesets touching a route are listed
 * in its `breakingChanges`.
 *
 * No dependencies beyond node:*.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The routes keyfold uses (METHOD path). */
export const ROUTES = [
  // repository: default branch
  'GET /repos/{owner}/{repo}',
  // repository Actions secrets
  'GET /repos/{owner}/{repo}/actions/secrets/public-key',
  'GET /repos/{owner}/{repo}/actions/secrets',
  'GET /repos/{owner}/{repo}/actions/secrets/{secret_name}',
  'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}',
  'DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}',
  // environments and environment secrets
  'GET /repos/{owner}/{repo}/environments/{environment_name}',
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets',
  'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
  'PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
  'DELETE /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
  // organization Actions secrets
  'GET /orgs/{org}/actions/secrets/public-key',
  'GET /orgs/{org}/actions/secrets',
  'GET /orgs/{org}/actions/secrets/{secret_name}',
  'PUT /orgs/{org}/actions/secrets/{secret_name}',
  'DELETE /orgs/{org}/actions/secrets/{secret_name}',
  'GET /orgs/{org}/actions/secrets/{secret_name}/repositories',
  'PUT /orgs/{org}/actions/secrets/{secret_name}/repositories',
  // pull requests and PR comments
  'GET /repos/{owner}/{repo}/pulls',
  'POST /repos/{owner}/{repo}/pulls',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
];

/**
 * Older, repository-ID based forms of the environment-secret routes. They are taken into the
 * fixture only where the description still documents them; otherwise they are listed in
 * `absentRoutes`.
 */
export const LEGACY_ROUTES = [
  'GET /repositories/{repository_id}/environments/{environment_name}/secrets/public-key',
  'GET /repositories/{repository_id}/environments/{environment_name}/secrets',
  'GET /repositories/{repository_id}/environments/{environment_name}/secrets/{secret_name}',
  'PUT /repositories/{repository_id}/environments/{environment_name}/secrets/{secret_name}',
  'DELETE /repositories/{repository_id}/environments/{environment_name}/secrets/{secret_name}',
];

const DESC_MAX = 160;
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/* ------------------------------------------------------------------------------------------ */

function usage(message) {
  if (message) process.stderr.write(`extract-github-openapi: ${message}\n`);
  process.stderr.write(
    'usage: node scripts/extract-github-openapi.mjs /path/to/api.github.com.json [--out FILE] [--source TEXT] [--no-descriptions]\n',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const opts = {
    input: undefined,
    out: join(here, '..', 'test', 'fixtures', 'github-openapi', 'routes.json'),
    source: undefined,
    descriptions: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') opts.out = argv[++i] ?? usage('--out needs a value');
    else if (a === '--source') opts.source = argv[++i] ?? usage('--source needs a value');
    else if (a === '--no-descriptions') opts.descriptions = false;
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (opts.input === undefined) opts.input = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!opts.input) usage('the path of api.github.com.json is required');
  return opts;
}

/* ------------------------------------------------------------------------------------------ */

/** Resolves a local JSON pointer (`#/components/...`). */
function resolvePointer(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) throw new Error(`unresolvable $ref ${ref}`);
    node = node[key];
  }
  return node;
}

/** First sentence (or line) of a description, at most DESC_MAX characters. */
function shorten(text) {
  if (typeof text !== 'string') return undefined;
  let t = text.replace(/\r/g, '').split(/\n\s*\n/)[0].replace(/\s*\n\s*/g, ' ').trim();
  // Markdown links -> their text.
  t = t.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
  const m = /^(.+?[.!?])(\s|$)/.exec(t);
  if (m) t = m[1];
  if (t.length > DESC_MAX) t = `${t.slice(0, DESC_MAX - 1).trimEnd()}…`;
  return t || undefined;
}

/**
 * JSON text that stays diffable but small: a value whose one-line form fits in LINE_MAX
 * characters (after its indentation) is written on one line, larger ones are expanded.
 */
const LINE_MAX = 100;
function formatJson(value, indent = '') {
  const flat = JSON.stringify(value);
  if (value === null || typeof value !== 'object' || indent.length + flat.length <= LINE_MAX) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${formatJson(value[k], inner)}`).join(',\n')}\n${indent}}`;
}

/** Sorts object keys recursively and drops undefined members (arrays keep their order). */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const k of Object.keys(value).sort()) if (value[k] !== undefined) out[k] = sortKeys(value[k]);
  return out;
}

const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
const SCHEMA_ARRAY_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf']);
const SCHEMA_KEYWORDS = new Set(['items', 'additionalProperties', 'not', 'additionalItems', 'contains', 'propertyNames']);
const DROPPED_KEYWORDS = new Set(['example', 'examples', 'externalDocs', 'xml', 'discriminator', 'nullable']);

class Extractor {
  constructor(doc, { descriptions }) {
    this.doc = doc;
    this.descriptions = descriptions;
    /** Per-route state, reset by beginRoute(). */
    this.route = '';
    this.cycles = [];
    this.breaking = new Map();
  }

  beginRoute(key) {
    this.route = key;
    this.breaking = new Map();
  }

  noteBreaking(list, where) {
    if (!Array.isArray(list)) return;
    for (const c of list) {
      if (!c || typeof c !== 'object') continue;
      const id = `${c.version} ${c.changeset}`;
      const entry = this.breaking.get(id) ?? { changeset: String(c.changeset), version: String(c.version), where: [] };
      if (!entry.where.includes(where)) entry.where.push(where);
      this.breaking.set(id, entry);
    }
  }

  description(text) {
    return this.descriptions ? shorten(text) : undefined;
  }

  /**
   * OpenAPI 3.0 schema object -> JSON Schema, `$ref`s inlined.
   * @param {unknown} node
   * @param {string[]} stack refs being inlined (cycle detection)
   * @param {string} at where in the route (for notes)
   */
  schema(node, stack, at) {
    if (typeof node === 'boolean') return node;
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      throw new Error(`${this.route}: not a schema at ${at}`);
    }
    if (typeof node.$ref === 'string') {
      const ref = node.$ref;
      if (stack.includes(ref)) {
        this.cycles.push({ route: this.route, at, ref });
        return { 'x-cycle-cut': ref };
      }
      return this.schema(resolvePointer(this.doc, ref), [...stack, ref], at);
    }
    const where = stack.length ? stack[stack.length - 1] : at;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'x-github-breaking-changes') {
        this.noteBreaking(v, where);
        continue;
      }
      if (DROPPED_KEYWORDS.has(k) || k.startsWith('x-')) continue;
      if (k === 'description') {
        const d = this.description(v);
        if (d) out.description = d;
      } else if (k === 'title') {
        // Titles only repeat the component name; drop them.
      } else if (SCHEMA_MAP_KEYWORDS.has(k)) {
        out[k] = {};
        for (const [name, sub] of Object.entries(v)) out[k][name] = this.schema(sub, stack, `${at}/${k}/${name}`);
      } else if (SCHEMA_ARRAY_KEYWORDS.has(k)) {
        out[k] = v.map((sub, i) => this.schema(sub, stack, `${at}/${k}/${i}`));
      } else if (SCHEMA_KEYWORDS.has(k)) {
        out[k] = Array.isArray(v)
          ? v.map((sub, i) => this.schema(sub, stack, `${at}/${k}/${i}`))
          : this.schema(v, stack, `${at}/${k}`);
      } else if (k === 'required' && Array.isArray(v)) {
        out.required = [...new Set(v)].sort();
      } else {
        out[k] = structuredClone(v);
      }
    }
    if (node.nullable === true) return makeNullable(out);
    return out;
  }

  parameter(node, at) {
    let p = node;
    const seen = [];
    while (p && typeof p.$ref === 'string') {
      if (seen.includes(p.$ref)) throw new Error(`${this.route}: parameter $ref cycle ${p.$ref}`);
      seen.push(p.$ref);
      p = resolvePointer(this.doc, p.$ref);
    }
    const out = { in: p.in, name: p.name, required: p.required === true };
    const d = this.description(p.description);
    if (d) out.description = d;
    if (p.deprecated === true) out.deprecated = true;
    if (p.schema) out.schema = this.schema(p.schema, seen, `${at}/${p.name}`);
    else if (p.content) {
      const [type, media] = Object.entries(p.content)[0];
      out.contentType = type;
      out.schema = this.schema(media.schema ?? {}, seen, `${at}/${p.name}`);
    }
    if (p.style) out.style = p.style;
    if (p.explode !== undefined) out.explode = p.explode;
    return out;
  }

  /** Picks the JSON media type of a `content` map. */
  jsonMedia(content, at) {
    const types = Object.keys(content ?? {});
    if (types.length === 0) return undefined;
    const json = types.find((t) => t === 'application/json') ?? types.find((t) => /[/+]json(;|$)/.test(t));
    if (!json) throw new Error(`${this.route}: no JSON media type at ${at} (${types.join(', ')})`);
    return { type: json, media: content[json], others: types.filter((t) => t !== json) };
  }

  requestBody(node) {
    if (!node) return null;
    let b = node;
    const stack = [];
    while (typeof b.$ref === 'string') {
      stack.push(b.$ref);
      b = resolvePointer(this.doc, b.$ref);
    }
    const picked = this.jsonMedia(b.content, 'requestBody');
    if (!picked) return null;
    const out = {
      contentType: picked.type,
      required: b.required === true,
      schema: this.schema(picked.media.schema ?? {}, stack, 'requestBody'),
    };
    if (picked.others.length) out.otherContentTypes = picked.others.sort();
    return out;
  }

  response(node, status) {
    let r = node;
    const stack = [];
    while (r && typeof r.$ref === 'string') {
      stack.push(r.$ref);
      r = resolvePointer(this.doc, r.$ref);
    }
    const at = `responses/${status}`;
    const headers = {};
    for (const [name, h] of Object.entries(r.headers ?? {})) {
      let hh = h;
      const hs = [...stack];
      while (hh && typeof hh.$ref === 'string') {
        hs.push(hh.$ref);
        hh = resolvePointer(this.doc, hh.$ref);
      }
      headers[name] = hh.schema ? this.schema(hh.schema, hs, `${at}/headers/${name}`) : {};
    }
    const picked = this.jsonMedia(r.content, at);
    // Response schemas are big (repository, pull request); their property descriptions are dropped.
    const saved = this.descriptions;
    this.descriptions = false;
    const schema = picked ? this.schema(picked.media.schema ?? {}, stack, at) : null;
    this.descriptions = saved;
    return {
      description: this.description(r.description),
      schema,
      contentType: picked?.type,
      headers,
    };
  }

  operation(method, path) {
    const key = `${method.toUpperCase()} ${path}`;
    const item = this.doc.paths?.[path];
    const op = item?.[method];
    if (!op) return undefined;
    this.beginRoute(key);
    this.noteBreaking(op['x-github-breaking-changes'], 'operation');

    // Path-item parameters first, overridden by operation parameters of the same name+in.
    const params = new Map();
    for (const [i, p] of [...(item.parameters ?? []), ...(op.parameters ?? [])].entries()) {
      const q = this.parameter(p, `parameters/${i}`);
      params.set(`${q.in} ${q.name}`, q);
    }

    const responses = {};
    const responseHeaders = {};
    const responseDescriptions = {};
    for (const status of Object.keys(op.responses ?? {})) {
      const r = this.response(op.responses[status], status);
      responses[status] = r.schema;
      if (Object.keys(r.headers).length) responseHeaders[status] = r.headers;
      if (r.description) responseDescriptions[status] = r.description;
    }

    const out = {
      method: method.toUpperCase(),
      path,
      operationId: op.operationId,
      summary: op.summary,
      docsUrl: op.externalDocs?.url,
      parameters: [...params.values()],
      requestBody: this.requestBody(op.requestBody),
      responses,
      responseHeaders,
      breakingChanges: [...this.breaking.values()]
        .map((b) => ({ ...b, where: b.where.sort() }))
        .sort((a, b) => `${a.version} ${a.changeset}`.localeCompare(`${b.version} ${b.changeset}`)),
    };
    if (this.descriptions) out.responseDescriptions = responseDescriptions;
    if (op.deprecated === true) out.deprecated = true;
    if (op['x-github']?.githubCloudOnly !== undefined) out.githubCloudOnly = op['x-github'].githubCloudOnly;
    if (op['x-github']?.enabledForGitHubApps !== undefined) out.enabledForGitHubApps = op['x-github'].enabledForGitHubApps;
    return out;
  }
}

/** `nullable: true` of OpenAPI 3.0 as JSON Schema. */
function makeNullable(schema) {
  if (typeof schema.type === 'string') {
    const out = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  if (Array.isArray(schema.type)) {
    return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  }
  // allOf/anyOf/oneOf (or no constraint at all): allow null beside it.
  const { description, ...rest } = schema;
  if (Object.keys(rest).length === 0) return schema; // `{}` already accepts null
  const out = { anyOf: [{ type: 'null' }, rest] };
  if (description) out.description = description;
  return out;
}

/** Where the description came from: the @octokit/openapi package around it, if any. */
function detectSource(inputPath, bytes, override) {
  const source = {
    file: basename(inputPath),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  for (const candidate of [join(dirname(inputPath), '..', 'package.json'), join(dirname(inputPath), 'package.json')]) {
    if (!existsSync(candidate)) continue;
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8'));
      if (pkg.name === '@octokit/openapi') {
        source.package = `${pkg.name}@${pkg.version}`;
        source.upstream = 'github/rest-api-description (with the x-octokit extension added)';
        break;
      }
    } catch {
      /* not a package.json we understand */
    }
  }
  if (override) source.description = override;
  return source;
}

/* ------------------------------------------------------------------------------------------ */

export function extract(doc, { descriptions = true } = {}) {
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    throw new Error(`expected an OpenAPI 3 description, got openapi=${doc.openapi}`);
  }
  const ex = new Extractor(doc, { descriptions });
  const routes = {};
  const absentRoutes = [];
  for (const key of [...ROUTES, ...LEGACY_ROUTES]) {
    const [method, path] = key.split(' ');
    const lower = method.toLowerCase();
    if (!HTTP_METHODS.has(lower)) throw new Error(`bad method in ${key}`);
    const op = ex.operation(lower, path);
    if (op) routes[key] = op;
    else absentRoutes.push(key);
  }
  const missingRequired = ROUTES.filter((k) => !(k in routes));

  // Every API version that the description's breaking-change patches name.
  const versions = new Set();
  (function walk(n) {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        if (k === 'x-github-breaking-changes' && Array.isArray(v)) v.forEach((c) => c?.version && versions.add(String(c.version)));
        else walk(v);
      }
    }
  })(doc);

  // Any other path that puts environments under a repository ID (checked, recorded).
  const repositoryIdEnvironmentPaths = Object.keys(doc.paths ?? {})
    .filter((p) => p.startsWith('/repositories/{repository_id}/environments'))
    .sort();

  return {
    missingRequired,
    fixture: {
      generatedBy: 'scripts/extract-github-openapi.mjs',
      openapi: doc.openapi,
      info: {
        title: doc.info?.title,
        version: doc.info?.version,
        'x-github-plan': doc.info?.['x-github-plan'],
      },
      servers: (doc.servers ?? []).map((s) => s.url),
      schemaDialect:
        'JSON Schema draft-07 converted from OpenAPI 3.0 (nullable -> "null" type; examples, x-* and titles dropped; descriptions shortened)',
      breakingChangeVersions: [...versions].sort(),
      routes,
      absentRoutes,
      repositoryIdEnvironmentPaths,
      notes: {
        cyclesCut: ex.cycles.sort((a, b) => `${a.route} ${a.at}`.localeCompare(`${b.route} ${b.at}`)),
      },
    },
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const input = resolve(opts.input);
  if (/\.ya?ml$/i.test(input)) usage('YAML input is not supported (no dependencies); use the .json description');
  const bytes = readFileSync(input);
  const doc = JSON.parse(bytes.toString('utf8'));
  const { fixture, missingRequired } = extract(doc, { descriptions: opts.descriptions });
  if (missingRequired.length) {
    process.stderr.write(`extract-github-openapi: routes not in the description:\n  ${missingRequired.join('\n  ')}\n`);
    process.exitCode = 1;
  }
  fixture.source = detectSource(input, bytes, opts.source);
  const text = `${formatJson(sortKeys(fixture))}\n`;
  mkdirSync(dirname(resolve(opts.out)), { recursive: true });
  writeFileSync(opts.out, text);
  process.stdout.write(
    `wrote ${opts.out}: ${Object.keys(fixture.routes).length} routes, ${text.length} bytes` +
      `, ${fixture.notes.cyclesCut.length} cycle cut(s), info.version ${fixture.info.version}` +
      (fixture.absentRoutes.length ? `, absent: ${fixture.absentRoutes.length}` : '') +
      '\n',
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
