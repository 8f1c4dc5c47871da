/**
 * A row of the command table. The row declares the command's options; its handler declares
 * the options object it reads, and defineCommand has the compiler check that the two agree
 * (same keys, compatible types). The handler module is loaded only when its command runs.
 */
import type { CommandContext } from './context.js';
import type { GLOBAL_OPTIONS, JSON_OPTIONS, Opts, Values } from './options.js';

/** A handler; a number it returns is keyfold's exit status (`run` passes its child's through). */
export type Handler<O> = (ctx: CommandContext, args: string[], opts: O) => Promise<void | number>;

export interface CommandSpec {
  /** `get`, or `member add`: a sub-command under its group. */
  readonly name: string;
  /** Commander's argument syntax: `<ref> <key>`, `[prefix]`, `<paths...>`. */
  readonly args: string;
  readonly summary: string;
  /** Shown under Examples: in the command's help; each one starts with or contains `keyfold <name>`. */
  readonly examples: readonly [string, ...string[]];
  /** The command's own options, in help order; GLOBAL_OPTIONS (and JSON_OPTIONS) follow. */
  readonly options: Opts;
  /** Prints data, so takes --json. */
  readonly json: boolean;
  /** The handler module; `never`: only its row knows its options' type. */
  readonly load: () => Promise<{ default: Handler<never> }>;
}

/** The options object a command's handler receives. */
export type Received<O extends Opts, J extends boolean> = Values<[...O, ...typeof GLOBAL_OPTIONS, ...(J extends true ? typeof JSON_OPTIONS : [])]>;

type Extra<H, V> = Exclude<keyof H, keyof V>;
/** Compile errors on `load` when the handler reads options the row does not declare, or with other types. */
type Agrees<V, H> = [Extra<H, V>] extends [never]
  ? [V] extends [H]
    ? unknown
    : { load: 'the handler expects options of other types than the row declares' }
  : { load: `the handler reads an option the row does not declare: ${Extra<H, V> & string}` };

export function defineCommand<const O extends Opts = readonly [], J extends boolean = false, H = unknown>(
  spec: Omit<CommandSpec, 'options' | 'json' | 'load'> & {
    options?: O;
    json: J;
    load: () => Promise<{ default: Handler<H> }>;
  } & Agrees<Received<O, J>, H>,
): CommandSpec {
  return { ...spec, options: spec.options ?? [] } as CommandSpec;
}
