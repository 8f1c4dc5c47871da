/** The rule for API addresses keyfold sends credentials to: https, or http to this machine only (a token never crosses a network in clear). */

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Why `url` cannot be an API address, or undefined (https; http only to this machine; no credentials, query or fragment). */
export function apiUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'use an https:// URL';
  if (u.protocol === 'http:' && !LOOPBACK.has(u.hostname)) return 'use https:// (plain http only to 127.0.0.1 or localhost, e.g. kubectl proxy or a local dev server)';
  if (u.username || u.password) return 'no credentials in the URL (they come from the environment)';
  if (u.search || u.hash) return 'no query or fragment';
  return undefined;
}
