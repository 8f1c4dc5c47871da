/**
 * Entry of the worker bundle (dist/keyfold-worker.js): the per-file work that bulk
 * commands share between threads (kernel/worker-pool.ts) — bulk decrypt
 * (ops/secrets/decrypt-bulk.ts) and validate's per-file checks (ops/validate/secrets.ts).
 */
import { serveWorkerTasks } from '../../kernel/worker-pool.js';
import { decryptWorkerHandler } from '../secrets/decrypt-bulk.js';
import { validateWorkerHandler } from '../validate/secrets.js';

serveWorkerTasks({ decrypt: decryptWorkerHandler(), validate: validateWorkerHandler() });
