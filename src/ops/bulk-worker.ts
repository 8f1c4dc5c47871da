/** Worker-thread entry for bulk decryption (bundled as dist/keyfold-worker.js). */
import { parentPort, workerData } from 'node:worker_threads';
import { KeyfoldError, serializeError } from '../core/errors.js';
import { loadIdentities } from '../config/identities.js';
import { decryptPartition, type PartitionResult } from './bulk-decrypt.js';
import type { DecryptEntry } from './file-crypt.js';

const data = workerData as { entries: DecryptEntry[]; identity: string[]; env: NodeJS.ProcessEnv };
let result: PartitionResult;
try {
  result = decryptPartition(data.entries, loadIdentities({ files: data.identity, env: data.env }));
} catch (e) {
  if (!(e instanceof KeyfoldError)) throw e;
  result = { results: [], error: { index: 0, error: serializeError(e) } };
}
parentPort!.postMessage(result);
