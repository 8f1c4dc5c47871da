/**
 * `k8s` with `out:` — a v1 Secret manifest `<out>/<name>.yaml` (relative to the
 * repository root; mode 0600, written atomically, its folder created), for a GitOps
 * controller or `kubectl apply` to deliver. base64 `data`, sorted keys, the label
 * `app.kubernetes.io/managed-by: keyfold` and the target's labels. Values are read back
 * from the file, so a full compare rewrites nothing unchanged.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { encodeK8sSecret } from '../../formats/bundle.js';
import { parseYaml } from '../../formats/yaml.js';
import { TargetError } from '../../kernel/errors.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { readUtf8File } from '../../repo/read-file.js';
import type { TargetContext, TargetDriver } from '../target.js';
import { checkSize, contentsOf, documentData, labelsFor, labelsMatch, toBase64 } from './secret-data.js';

export interface ManifestConfig {
  namespace: string;
  name: string;
  out: string;
  labels?: Record<string, string>;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function manifestDriver(config: ManifestConfig, ctx: TargetContext): TargetDriver {
  const display = join(config.out, `${config.name}.yaml`);
  const path = resolve(ctx.root, display);
  const what = `k8s manifest ${display}`;

  /** The file's data (base64 by key; `stringData` counts too, as the API server merges it), and whether its metadata is as configured. */
  const current = (): { data: Map<string, string>; metadataChanged: boolean } => {
    if (!existsSync(path)) return { data: new Map(), metadataChanged: false };
    const doc = parseYaml(readUtf8File(path, display), display).toJS() as unknown;
    if (!isMap(doc) || doc['kind'] !== 'Secret' || doc['apiVersion'] !== 'v1') {
      throw new TargetError(`${what} exists and is not a v1 Secret manifest; keyfold does not overwrite it`, { hint: 'move the file away, or choose another out: folder or name' });
    }
    const data = new Map<string, string>();
    if (isMap(doc['data'])) for (const [k, v] of Object.entries(doc['data'])) if (typeof v === 'string') data.set(k, v);
    if (isMap(doc['stringData'])) for (const [k, v] of Object.entries(doc['stringData'])) if (typeof v === 'string') data.set(k, toBase64(v));
    const meta = isMap(doc['metadata']) ? doc['metadata'] : {};
    const metadataChanged = meta['name'] !== config.name || meta['namespace'] !== config.namespace || !labelsMatch(meta['labels'], labelsFor(config.labels), true) || doc['type'] !== 'Opaque';
    return { data, metadataChanged };
  };

  return {
    description: `k8s secret ${config.namespace}/${config.name} (manifest ${display})`,
    readsValues: true,
    read: async () => {
      const { data, metadataChanged } = current();
      return contentsOf(data, metadataChanged);
    },
    async apply(changes) {
      if (changes.upsert.length === 0 && changes.delete.length === 0) return { writes: 0 };
      // Names in the file keyfold is not asked about were written by hand or by an
      // earlier sync: kept unless pruned.
      const data = documentData(current().data, changes);
      checkSize(data, what);
      const entries: Array<[string, string]> = [];
      for (const [k, b64] of data) {
        const bytes = Buffer.from(b64, 'base64');
        const text = bytes.toString('utf8');
        if (!Buffer.from(text, 'utf8').equals(bytes)) {
          throw new TargetError(`${what}: ${k} holds bytes that are not UTF-8 text, which keyfold cannot keep`, { hint: `remove ${k} from the file, or sync with --prune if keyfold manages it` });
        }
        entries.push([k, text]);
      }
      const text = encodeK8sSecret(entries, { name: config.name, namespace: config.namespace, labels: config.labels });
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileAtomic(path, text, { mode: 0o600 });
      changes.done([...changes.desired.keys(), ...changes.delete]);
      return { writes: 1 };
    },
  };
}
