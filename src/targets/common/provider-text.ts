/**
 * Helpers the HTTP targets share: a provider's error text made fit to print (one line,
 * bounded, control characters out, and any value keyfold holds for the target masked —
 * defence in depth: providers do not echo values, but a message is never trusted to),
 * and the rule for API addresses (https, or http to this machine only: a token never
 * crosses a network in clear).
 */
import type { Secret } from '../../kernel/secret.js';

export { apiUrlProblem } from '../../net/api-url.js';

const MAX_MESSAGE = 300;
/** Values shorter than this are not masked (they would mask ordinary words). */
const MIN_MASKED = 4;

/** A provider message fit for an error line. `values` (and their base64, as Kubernetes stores them) are masked. */
export function providerText(text: unknown, values: Iterable<Secret<string>> = []): string {
  let s = typeof text === 'string' ? text : '';
  s = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  for (const v of values) {
    const plain = v.reveal();
    if (plain.length < MIN_MASKED) continue;
    for (const form of [plain, Buffer.from(plain, 'utf8').toString('base64')]) s = s.split(form).join('[REDACTED]');
  }
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

/** The URL without a trailing slash (paths are appended to it). */
export const baseUrl = (url: string): string => url.replace(/\/+$/, '');

/** Each segment of a path, percent-encoded. */
export const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');
