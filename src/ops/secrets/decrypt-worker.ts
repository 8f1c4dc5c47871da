/** Entry of the bulk-decrypt worker bundle (dist/keyfold-decrypt-worker.js): see decrypt-bulk.ts. */
import { serveWorkerTasks } from '../../kernel/worker-pool.js';
import { decryptWorkerHandler } from './decrypt-bulk.js';

serveWorkerTasks(decryptWorkerHandler());
