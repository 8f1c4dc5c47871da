/**
 * One JSON request to a provider API with a bearer token, through keyfold's HttpClient
 * (its retries and timeouts): the status and the parsed body (undefined when the body
 * is not JSON). What the answer means is the target's business.
 */
import type { HttpClient } from '../../net/http.js';

export interface JsonAnswer {
  status: number;
  ok: boolean;
  json: unknown;
}

export async function bearerJsonCall(http: HttpClient, url: string, o: { method: string; what: string; token: string; body?: unknown }): Promise<JsonAnswer> {
  const res = await http.request(url, {
    method: o.method,
    what: o.what,
    headers: { authorization: `Bearer ${o.token}`, accept: 'application/json', ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  return { status: res.status, ok: res.ok, json };
}
