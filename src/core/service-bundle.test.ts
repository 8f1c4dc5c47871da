import { describe, expect, it } from 'vitest';
import type { KeyfoldConfig } from '../config/keyfold-config.js';
import { ViolationsError } from '../kernel/errors.js';
import { Secret } from '../kernel/secret.js';
import { bundleRefs, resolveBundle, type RefVariable } from './service-bundle.js';

type Service = KeyfoldConfig['services'][string];
const svc = (s: Partial<Service>): Service => ({ imports: [], env: {}, targets: {}, overrides: [], allow_env: [], ...s });
const vars = (o: Record<string, Record<string, string>>) =>
  new Map(Object.entries(o).map(([ref, kv]) => [ref, Object.entries(kv).map(([key, v]): RefVariable => ({ key, name: key.replace(/\./g, '_'), value: new Secret(v) }))]));
const plain = (b: ReturnType<typeof resolveBundle>) => Object.fromEntries([...b.values].map(([k, v]) => [k, v.reveal()]));

describe('service bundles', () => {
  const all = ['dev/providers/openrouter', 'dev/providers/anthropic', 'dev/api/db', 'dev/legacy/openrouter', 'prod/providers/openrouter'];
  const data = vars({
    'dev/providers/openrouter': { OPENROUTER_API_KEY: 'or-dev' },
    'dev/providers/anthropic': { ANTHROPIC_API_KEY: 'an-dev ${not a ref}' },
    'dev/api/db': { URL: 'postgres://db', 'pool.size': '5' },
    'dev/legacy/openrouter': { OPENROUTER_API_KEY: 'or-legacy' },
  });

  it('imports in order, then the env block with references resolved', () => {
    const s = svc({ imports: ['providers/**', 'api/**'], env: { DATABASE_URL: '${api/db.URL}?pool=${api/db.pool.size}', MODE: 'dev' } });
    const refs = bundleRefs(s, 'dev', all);
    expect(refs).toEqual(['dev/providers/anthropic', 'dev/providers/openrouter', 'dev/api/db']);
    const b = resolveBundle('api', s, 'dev', refs, data);
    expect(plain(b)).toEqual({
      ANTHROPIC_API_KEY: 'an-dev ${not a ref}',
      OPENROUTER_API_KEY: 'or-dev',
      URL: 'postgres://db',
      pool_size: '5',
      DATABASE_URL: 'postgres://db?pool=5',
      MODE: 'dev',
    });
    expect(b.sources.find((x) => x.name === 'DATABASE_URL')?.from).toEqual({ kind: 'env', refs: [{ ref: 'dev/api/db', key: 'URL' }, { ref: 'dev/api/db', key: 'pool.size' }] });
    expect(JSON.stringify(b)).not.toContain('or-dev');
  });

  it('a later import wins only for names listed under overrides', () => {
    const s = svc({ imports: ['providers/**', 'legacy/**'] });
    const refs = bundleRefs(s, 'dev', all);
    expect(() => resolveBundle('api', s, 'dev', refs, data)).toThrow(ViolationsError);
    const o = svc({ imports: ['providers/**', 'legacy/**'], overrides: ['OPENROUTER_API_KEY'] });
    expect(plain(resolveBundle('api', o, 'dev', refs, data))['OPENROUTER_API_KEY']).toBe('or-legacy');
  });

  it('dangling references and references to refs not imported fail naming them', () => {
    for (const t of ['${api/db.NOPE}', '${api/nothing.URL}', '${providers/openrouter.OPENROUTER_API_KEY}', '${nodot}']) {
      const s = svc({ imports: ['api/**'], env: { X: t } });
      expect(() => resolveBundle('api', s, 'dev', bundleRefs(s, 'dev', all), data)).toThrow(/dangling/);
    }
  });

  it('refuses names that change how programs start unless allowed', () => {
    const s = svc({ imports: ['api/**'], env: { HTTPS_PROXY: '${api/db.URL}' } });
    expect(() => resolveBundle('api', s, 'dev', bundleRefs(s, 'dev', all), data)).toThrow(/HTTPS_PROXY/);
    const a = svc({ imports: ['api/**'], env: { HTTPS_PROXY: '${api/db.URL}' }, allow_env: ['HTTPS_PROXY'] });
    expect(plain(resolveBundle('api', a, 'dev', bundleRefs(a, 'dev', all), data))['HTTPS_PROXY']).toBe('postgres://db');
  });

  it('refuses two keys of one ref that flatten to the same name', () => {
    const v = vars({ 'dev/api/db': { 'a.b': '1', a_b: '2' } });
    const s = svc({ imports: ['api/**'] });
    expect(() => resolveBundle('api', s, 'dev', ['dev/api/db'], v)).toThrow(/both become a_b/);
  });
});
