/**
 * Trusting a cluster's own CA (`KUBE_CA_FILE`) with Node's `fetch`: it takes no CA
 * option but honours an undici `dispatcher` in the request; Node does not export
 * undici, so its `Agent` class is taken from the global dispatcher that Node's fetch
 * installs on first use, and given the CA for its TLS connections. Undefined when this
 * Node does not expose it (the caller then points at NODE_EXTRA_CA_CERTS).
 */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/** What `fetch`'s `dispatcher` option takes. */
export type Dispatcher = NonNullable<RequestInit['dispatcher']>;
type AgentClass = new (options: { connect: { ca: Buffer } }) => Dispatcher;

export async function caDispatcher(ca: Buffer): Promise<Dispatcher | undefined> {
  const global = globalThis as unknown as Record<symbol, unknown>;
  // A data: URL loads Node's fetch (and its global dispatcher) without any network.
  if (!global[GLOBAL_DISPATCHER]) await fetch('data:,').then((r) => r.arrayBuffer()).catch(() => undefined);
  const Agent = (global[GLOBAL_DISPATCHER] as { constructor?: unknown } | undefined)?.constructor;
  if (typeof Agent !== 'function' || Agent.name !== 'Agent') return undefined;
  return new (Agent as AgentClass)({ connect: { ca } });
}
