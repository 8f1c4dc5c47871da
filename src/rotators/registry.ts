/** Credential rotators by `rotator:` in keyfold.yaml. A new rotator is one folder and one line here. */
import { generatedRotator } from './generated/generated.js';
import { openrouterRotator } from './openrouter/openrouter.js';
import { postgresRotator } from './postgres/postgres.js';
import type { RotatorType } from './rotator.js';

export const ROTATOR_TYPES: Readonly<Record<string, RotatorType>> = {
  generated: generatedRotator as RotatorType,
  openrouter: openrouterRotator as RotatorType,
  postgres: postgresRotator as RotatorType,
};

export function rotatorType(type: string): RotatorType | undefined {
  return Object.hasOwn(ROTATOR_TYPES, type) ? ROTATOR_TYPES[type] : undefined;
}
