/** Sync target types by `type:` in keyfold.yaml. A new target is one folder and one line here. */
import { dotenvTarget } from './dotenv/dotenv.js';
import { githubTarget } from './github/github.js';
import type { TargetType } from './target.js';

export const TARGET_TYPES: Readonly<Record<string, TargetType>> = {
  dotenv: dotenvTarget as TargetType,
  github: githubTarget as TargetType,
};

export function targetType(type: string): TargetType | undefined {
  return Object.hasOwn(TARGET_TYPES, type) ? TARGET_TYPES[type] : undefined;
}
