import { describe, expect, it } from 'vitest';
import type { KeyfoldConfig } from '../config/keyfold-config.js';
import { importedRefs, serviceProblems, type RefNames } from './service-imports.js';

const refs = (entries: Record<string, string[]>): RefNames =>
  new Map(Object.entries(entries).map(([ref, paths]) => [ref, { paths, names: paths.map((p) => p.replace(/\./g, '_')) }]));

const config = (services: KeyfoldConfig['services']): KeyfoldConfig => ({ environments: ['dev', 'prod'], targets: {}, services, agents: { allowed_envs: [] }, rotation: {}, rotation_mode: 'commit' });

const svc = (s: Partial<KeyfoldConfig['services'][string]>): KeyfoldConfig['services'][string] => ({ imports: [], env: {}, targets: {}, overrides: [], allow_env: [], ...s });

describe('service imports', () => {
  const tree = refs({
    'dev/providers/openrouter': ['OPENROUTER_API_KEY'],
    'dev/providers/anthropic': ['ANTHROPIC_API_KEY'],
    'dev/api/db': ['URL', 'db.password'],
    'prod/providers/openrouter': ['OPENROUTER_API_KEY'],
    'prod/legacy/openrouter': ['OPENROUTER_API_KEY'],
  });

  it('imports refs per environment, in import order, relative to the environment', () => {
    expect(importedRefs(['providers/**', 'api/**'], 'dev', tree.keys())).toEqual(['dev/providers/anthropic', 'dev/providers/openrouter', 'dev/api/db']);
    expect(importedRefs(['api/**'], 'prod', tree.keys())).toEqual([]);
  });

  it('a clean service has no problems', () => {
    const c = config({ api: svc({ imports: ['providers/**', 'api/**'], env: { DATABASE_URL: '${api/db.URL}', PW: '${api/db.db.password}' }, targets: { dev: [] } }) });
    expect(serviceProblems(c, tree)).toEqual([]);
  });

  it('two imported files defining one name is a problem unless overridden', () => {
    const c = config({ api: svc({ imports: ['providers/**', 'legacy/**'], targets: { prod: [] } }) });
    expect(serviceProblems(c, tree)).toEqual([
      expect.objectContaining({ rule: 'service-shadowing', message: expect.stringContaining('OPENROUTER_API_KEY is defined by both prod/providers/openrouter and prod/legacy/openrouter') }),
    ]);
    const allowed = config({ api: svc({ imports: ['providers/**', 'legacy/**'], targets: { prod: [] }, overrides: ['OPENROUTER_API_KEY'] }) });
    expect(serviceProblems(allowed, tree)).toEqual([]);
  });

  it('references must name an imported ref and an existing key, in the same environment', () => {
    const c = config({
      api: svc({
        imports: ['providers/**'],
        env: { A: '${api/db.URL}', B: '${providers/openrouter.NOPE}', C: '${nofolder}', D: 'x-${providers/openrouter.OPENROUTER_API_KEY}' },
        targets: { dev: [] },
      }),
    });
    const messages = serviceProblems(c, tree).map((p) => `${p.rule}: ${p.path.join('.')}: ${p.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^service-reference: services\.api\.env\.A: .*dev\/api\/db, which the service does not import$/),
      expect.stringMatching(/^service-reference: services\.api\.env\.B: .*dangling: dev\/providers\/openrouter has no key NOPE$/),
      expect.stringMatching(/^service-reference: services\.api\.env\.C: .*not a reference of the form/),
    ]);
  });

  it('a service without targets is checked in every environment', () => {
    const c = config({ api: svc({ imports: ['providers/**', 'legacy/**'] }) });
    expect(serviceProblems(c, tree).map((p) => p.message)).toEqual([expect.stringContaining('in prod:')]);
  });
});

describe('service env names', () => {
  const tree = refs({ 'dev/net/proxy': ['URL'] });
  it('refuses names that change how programs start, unless allowed, and invalid names', () => {
    const env = { HTTPS_PROXY: '${net/proxy.URL}', NODE_OPTIONS: '--require x', 'BAD-NAME': 'x', GIT_CONFIG_KEY_0: 'core.sshCommand' };
    const problems = serviceProblems(config({ api: svc({ imports: ['net/**'], env, targets: { dev: [] } }) }), tree);
    expect(problems.filter((p) => p.rule === 'service-env').map((p) => p.path[3])).toEqual(['HTTPS_PROXY', 'NODE_OPTIONS', 'BAD-NAME', 'GIT_CONFIG_KEY_0']);
    const allowed = serviceProblems(config({ api: svc({ imports: ['net/**'], env: { HTTPS_PROXY: '${net/proxy.URL}' }, allow_env: ['HTTPS_PROXY'], targets: { dev: [] } }) }), tree);
    expect(allowed).toEqual([]);
  });
});
