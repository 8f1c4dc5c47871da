/**
 * The sops stores, keyed by format name, and sops' rule for a file's format: by its
 * extension (`.yaml`/`.yml`, `.json`, `.env`, `.ini`), anything else binary. A new
 * format is one store file plus one entry here.
 */
import { UsageError } from '../../kernel/errors.js';
import { binaryStore } from './binary.js';
import { dotenvStore } from './dotenv.js';
import { iniStore } from './ini.js';
import { jsonStore } from './json.js';
import { SOPS_FORMATS, type SopsFormat, type SopsStore } from './store.js';
import { yamlStore } from './yaml.js';

export { NotSopsError } from './nested-metadata.js';
export { SOPS_FORMATS, type Indent, type SopsFormat, type SopsStore } from './store.js';

const STORES: Record<SopsFormat, SopsStore> = {
  yaml: yamlStore,
  json: jsonStore,
  dotenv: dotenvStore,
  ini: iniStore,
  binary: binaryStore,
};

export const sopsStore = (format: SopsFormat): SopsStore => STORES[format];

/** The format sops gives a path (cmd/sops/formats FormatForPath). */
export function formatForPath(path: string): SopsFormat {
  if (path.endsWith('.yaml') || path.endsWith('.yml')) return 'yaml';
  if (path.endsWith('.json')) return 'json';
  if (path.endsWith('.env')) return 'dotenv';
  if (path.endsWith('.ini')) return 'ini';
  return 'binary';
}

/** A format name from an option (`--input-type`, `--output-type`). */
export function parseSopsFormat(name: string, option: string): SopsFormat {
  if ((SOPS_FORMATS as readonly string[]).includes(name)) return name as SopsFormat;
  throw new UsageError(`${option}: unknown format "${name.replace(/[^\w.-]/g, '?').slice(0, 40)}"`, { hint: `formats: ${SOPS_FORMATS.join(', ')}` });
}
