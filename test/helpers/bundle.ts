import { readFileSync } from 'node:fs';

/**
 * The modules a bundle loads at run time: its `require("…")` and `import("…")` calls,
 * not a `[require("…")]` quoted in an error message's text (the AWS SDK's, about an
 * optional package).
 */
export function requiresOf(path: string): Set<string> {
  const text = readFileSync(path, 'utf8');
  return new Set([...text.matchAll(/(?<!\[)\b(?:require|import)\("([^"]+)"\)/g)].map((m) => m[1]!));
}
