import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A plaintext value in transit. Printing, JSON-serialising or inspecting it yields
 * `[REDACTED]`; only `reveal()` gives the value, so a stray log line cannot leak it.
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
