/**
 * History snapshots by blob id for `log`: each blob is read and parsed once, and dropped
 * after its last use (every use is counted first), so a long history holds only the
 * snapshots still to be compared, never the blob texts. A blob can be asked for early
 * (`prefetch`), while the history is still being read.
 */
import { snapshotOf, type FileSnapshot } from '../../core/file-diff.js';
import type { BlobReader } from '../../repo/git/blobs.js';

export class SnapshotCache {
  readonly #uses = new Map<string, number>();
  readonly #snapshots = new Map<string, Promise<FileSnapshot | undefined>>();

  constructor(readonly blobs: BlobReader) {}

  /** Count one future `get` of `oid` (call for every use before the first `get`). */
  use(oid: string | undefined): void {
    if (oid) this.#uses.set(oid, (this.#uses.get(oid) ?? 0) + 1);
  }

  /** Start reading and parsing `oid` now, for a `get` later (uses are counted by `use`). */
  prefetch(oid: string | undefined, path: string): void {
    if (oid) this.#load(oid, path);
  }

  get(oid: string | undefined, path: string): Promise<FileSnapshot | undefined> {
    if (!oid) return Promise.resolve(undefined);
    const p = this.#load(oid, path);
    const left = (this.#uses.get(oid) ?? 1) - 1;
    this.#uses.set(oid, left);
    if (left <= 0) this.#snapshots.delete(oid);
    return p;
  }

  #load(oid: string, path: string): Promise<FileSnapshot | undefined> {
    let p = this.#snapshots.get(oid);
    if (!p) {
      p = this.blobs.read(oid).then((text) => snapshotOf(text, path));
      // Awaited by `get`; a prefetched read that fails is not also unhandled.
      p.catch(() => undefined);
      this.#snapshots.set(oid, p);
    }
    return p;
  }
}
