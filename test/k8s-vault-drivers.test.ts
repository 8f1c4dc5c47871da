/**
 * The `k8s` and `vault-kv` drivers below the CLI: Kubernetes' key rule and 1 MiB bound,
 * what server-side apply sends (never another manager's keys), a manifest path holding
 * something else, a KV version 1 mount, masking of provider messages, and trusting a
 * cluster's own CA (KUBE_CA_FILE) over https.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetError } from '../src/kernel/errors.js';
import { Secret } from '../src/kernel/secret.js';
import { createHttp } from '../src/net/http.js';
import { k8sTarget } from '../src/targets/k8s/k8s.js';
import { keyProblem } from '../src/targets/k8s/secret-data.js';
import { providerText } from '../src/targets/common/provider-text.js';
import type { TargetChanges, TargetContext } from '../src/targets/target.js';
import { vaultKvTarget } from '../src/targets/vault-kv/vault-kv.js';
import { tempDir } from './helpers/cli.js';
import { startFakeServer } from './helpers/fake-server.js';
import { startK8sFake, type K8sFake } from './helpers/k8s-fake.js';
import { findOnPath } from './helpers/tools.js';

const tmp = tempDir('keyfold-drivers-');
afterAll(() => tmp.cleanup());

const ctxWith = (env: Record<string, string>): TargetContext => ({ root: tmp.path, env, http: createHttp({ attempts: 2, baseDelayMs: 1, timeoutMs: 2000 }) });

function changes(desired: Record<string, string>, upsert: string[] = Object.keys(desired), del: string[] = []): TargetChanges & { reported: string[] } {
  const reported: string[] = [];
  return { desired: new Map(Object.entries(desired).map(([k, v]) => [k, new Secret(v)])), upsert, delete: del, done: (n) => reported.push(...n), reported };
}

describe('k8s names and sizes', () => {
  it('data keys: letters, digits, - _ . only; not . or .. or ..x; at most 253', () => {
    for (const ok of ['API_TOKEN', 'a.b', 'x-y', '_', '.env', 'a'.repeat(253)]) expect(keyProblem(ok), ok).toBeUndefined();
    for (const bad of ['A B', 'a/b', 'é', '', '.', '..', '..x', 'a'.repeat(254)]) expect(keyProblem(bad), bad).toBeTruthy();
    expect(k8sTarget.nameProblem!('API_TOKEN', {} as never)).toBeUndefined();
  });

  let fake: K8sFake;
  beforeAll(async () => {
    fake = await startK8sFake({ namespaces: ['dev'], token: 't' });
  });
  afterAll(() => fake.close());

  it('a Secret over 1 MiB is refused before anything is sent or written', async () => {
    const big = { A: 'x'.repeat(600 * 1024), B: 'y'.repeat(600 * 1024) };
    const api = k8sTarget.create('t', { type: 'k8s', namespace: 'dev', name: 'big', api_url: fake.url }, ctxWith({ KUBE_TOKEN: 't' }));
    await expect(api.apply(changes(big))).rejects.toThrow(/would hold 1228802 bytes, over Kubernetes' limit of 1048576 \(1 MiB\)/);
    expect(fake.log.filter((r) => r.method === 'PATCH')).toEqual([]);
    const file = k8sTarget.create('t', { type: 'k8s', namespace: 'dev', name: 'big', out: 'manifests' }, ctxWith({}));
    await expect(file.apply(changes(big))).rejects.toBeInstanceOf(TargetError);
    expect(existsSync(join(tmp.path, 'manifests', 'big.yaml'))).toBe(false);
    // Just under the bound is fine.
    await expect(api.apply(changes({ A: 'x'.repeat(1024 * 1024 - 1) }))).resolves.toEqual({ writes: 1 });
  });

  it("server-side apply sends keyfold's keys only: another manager's key is left out (and stays); a key keyfold applied before stays unless pruned", async () => {
    const api = k8sTarget.create('t', { type: 'k8s', namespace: 'dev', name: 'own', api_url: fake.url }, ctxWith({ KUBE_TOKEN: 't' }));
    const c1 = changes({ A: 'a', B: 'b' });
    expect(await api.apply(c1)).toEqual({ writes: 1 });
    expect(c1.reported.sort()).toEqual(['A', 'B']);
    fake.setByHand('dev', 'own', 'HAND', 'h');
    // B is no longer desired, not pruned: it is applied again as it is; HAND is not sent.
    await api.apply(changes({ A: 'a2' }, ['A']));
    const sent = JSON.parse(fake.log.filter((r) => r.method === 'PATCH').at(-1)!.body) as { data: Record<string, string> };
    expect(Object.keys(sent.data)).toEqual(['A', 'B']);
    expect(fake.values('dev', 'own')).toEqual({ A: 'a2', B: 'b', HAND: 'h' });
    // Pruned: B leaves the apply, so the server drops it.
    await api.apply(changes({ A: 'a2' }, [], ['B']));
    expect(fake.values('dev', 'own')).toEqual({ A: 'a2', HAND: 'h' });
    expect((await api.read()).get('A')!.reveal()).toBe('a2');
    // Nothing to do: no request at all.
    const before = fake.log.length;
    expect(await api.apply(changes({ A: 'a2' }, []))).toEqual({ writes: 0 });
    expect(fake.log.length).toBe(before);
  });

  it("a namespace or labels changed in keyfold.yaml read back as changed values, so the full compare rewrites the Secret", async () => {
    const base = { type: 'k8s' as const, namespace: 'dev', name: 'meta' };
    await k8sTarget.create('t', { ...base, out: 'm' }, ctxWith({})).apply(changes({ A: 'a' }));
    expect((await k8sTarget.create('t', { ...base, out: 'm' }, ctxWith({})).read()).get('A')!.reveal()).toBe('a');
    for (const moved of [{ ...base, namespace: 'prod' }, { ...base, labels: { team: 'x' } }]) {
      const d = k8sTarget.create('t', { ...moved, out: 'm' }, ctxWith({}));
      expect((await d.read()).get('A')!.reveal()).not.toBe('a');
    }
    const prod = k8sTarget.create('t', { ...base, namespace: 'prod', out: 'm' }, ctxWith({}));
    await prod.apply(changes({ A: 'a' }));
    expect(readFileSync(join(tmp.path, 'm', 'meta.yaml'), 'utf8')).toContain('namespace: prod');
    expect((await prod.read()).get('A')!.reveal()).toBe('a');

    const api = (labels?: Record<string, string>) => k8sTarget.create('t', { ...base, api_url: fake.url, ...(labels ? { labels } : {}) }, ctxWith({ KUBE_TOKEN: 't' }));
    await api().apply(changes({ A: 'a' }));
    expect((await api().read()).get('A')!.reveal()).toBe('a');
    expect((await api({ team: 'x' }).read()).get('A')!.reveal()).not.toBe('a');
    await api({ team: 'x' }).apply(changes({ A: 'a' }));
    expect(fake.secrets.get('dev/meta')!.labels).toEqual({ 'app.kubernetes.io/managed-by': 'keyfold', team: 'x' });
    expect((await api({ team: 'x' }).read()).get('A')!.reveal()).toBe('a');
  });

  it('a manifest path that holds something else is not overwritten', async () => {
    mkdirSync(join(tmp.path, 'other'), { recursive: true });
    writeFileSync(join(tmp.path, 'other', 'cfg.yaml'), 'apiVersion: v1\nkind: ConfigMap\ndata: {}\n');
    const file = k8sTarget.create('t', { type: 'k8s', namespace: 'dev', name: 'cfg', out: 'other' }, ctxWith({}));
    await expect(file.apply(changes({ A: 'a' }))).rejects.toThrow(/is not a v1 Secret manifest; keyfold does not overwrite it/);
    expect(readFileSync(join(tmp.path, 'other', 'cfg.yaml'), 'utf8')).toContain('ConfigMap');
  });
});

describe('vault-kv', () => {
  it('a KV version 1 mount (the write answered 204) is a clear error', async () => {
    const v1 = await startFakeServer((req) => (req.method === 'GET' ? { status: 404, body: { errors: [] } } : { status: 204 }));
    try {
      const d = vaultKvTarget.create('t', { type: 'vault-kv', address: v1.url, mount: 'secret', path: 'app' }, ctxWith({ VAULT_TOKEN: 'x' }));
      await expect(d.apply(changes({ A: 'a' }))).rejects.toThrow(/the write was not answered as KV version 2 writes are/);
    } finally {
      await v1.close();
    }
  });

  it("an error's text never carries a value (masked, also base64), is one line and bounded", () => {
    const v = new Secret('s3cr3t-value');
    const text = providerText(`bad value s3cr3t-value and ${Buffer.from('s3cr3t-value').toString('base64')}\nnext line ${'z'.repeat(400)}`, [v, new Secret('ab')]);
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('\n');
    expect(text.startsWith('bad value [REDACTED] and [REDACTED] next line')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(301);
  });
});

const openssl = findOnPath('openssl');

describe('k8s over https with the cluster CA (KUBE_CA_FILE)', () => {
  it.skipIf(!openssl)('trusts the CA given, and refuses the server without it', async () => {
    const dir = join(tmp.path, 'tls');
    mkdirSync(dir, { recursive: true });
    execFileSync(openssl!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.pem')) }, (req, res) => {
      const ok = req.headers['authorization'] === 'Bearer tok';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'app', labels: { 'app.kubernetes.io/managed-by': 'keyfold' } }, data: { A: Buffer.from('a').toString('base64') } } : { kind: 'Status', code: 401, reason: 'Unauthorized' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const config = { type: 'k8s' as const, namespace: 'dev', name: 'app', api_url: url };
      const trusted = k8sTarget.create('t', config, ctxWith({ KUBE_TOKEN: 'tok', KUBE_CA_FILE: join(dir, 'ca.pem') }));
      expect((await trusted.read()).get('A')!.reveal()).toBe('a');
      const untrusted = k8sTarget.create('t', config, ctxWith({ KUBE_TOKEN: 'tok' }));
      await expect(untrusted.read()).rejects.toThrow(/could not connect/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
