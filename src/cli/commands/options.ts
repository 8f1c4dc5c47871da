/**
 * Typed command-line options. Each helper makes a commander option and records the type of
 * its value; the key it has in a handler's options object comes from its flags, as
 * commander derives it (`-i, --in-place` → `inPlace`). Shared groups are declared here once.
 */
import { Option, type Command } from 'commander';

/** An option with flags F whose parsed value has type T. */
export interface Opt<F extends string = string, T = unknown> {
  readonly flags: F;
  /** Adds the option to a command (a fresh commander Option each time, so groups can be shared). */
  readonly addTo: (cmd: Command) => void;
  /** Type only: the parsed value. */
  readonly valueType?: T;
}

export type Opts = readonly Opt[];

/** The long name of flags: `-o, --output <file>` → `output`. */
type LongName<F extends string> = F extends `${string}--${infer Rest}` ? (Rest extends `${infer N} ${string}` ? N : Rest) : never;
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
/** The key commander stores an option's value under: `--dry-run` → `dryRun`, `--no-redact` → `redact`. */
export type Key<F extends string> = LongName<F> extends `no-${infer R}` ? Camel<R> : Camel<LongName<F>>;

type Flatten<T> = { [K in keyof T]: T[K] };
type ValuesOf<O> = O extends readonly [Opt<infer F, infer T>, ...infer R] ? { [K in Key<F>]: T } & ValuesOf<R> : unknown;
/** The options object for a list of options: `[flag('--check', …)]` → `{ check: true | undefined }`. */
export type Values<O extends Opts> = Flatten<ValuesOf<O>>;

function opt<F extends string, T>(flags: F, make: () => Option): Opt<F, T> {
  return { flags, addTo: (cmd) => void cmd.addOption(make()) };
}

/** `--check`: true when given. */
export const flag = <F extends string>(flags: F, description: string) => opt<F, true | undefined>(flags, () => new Option(flags, description));

/** `--no-redact`: false when given, else true. */
export const negatable = <F extends `--no-${string}`>(flags: F, description: string) => opt<F, boolean>(flags, () => new Option(flags, description));

/** `--env <env>`: the value when given. */
export const value = <F extends string>(flags: F, description: string) => opt<F, string | undefined>(flags, () => new Option(flags, description));

/** `--generate [length]`: the value, or true when given without one. */
export const optionalValue = <F extends string>(flags: F, description: string) =>
  opt<F, string | true | undefined>(flags, () => new Option(flags, description));

/** `--html <file>`: must be given. */
export const required = <F extends string>(flags: F, description: string) =>
  opt<F, string>(flags, () => new Option(flags, description).makeOptionMandatory());

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `-r, --recipient <age1…>`, repeatable: every value given, in order. */
export const repeatable = <F extends string>(flags: F, description: string) =>
  opt<F, string[] | undefined>(flags, () => new Option(flags, description).argParser(collect));

/** `--format <format>` with a fixed set of values and a default. */
export const choice = <F extends string, const C extends readonly [string, ...string[]]>(flags: F, description: string, choices: C, fallback: C[number]) =>
  opt<F, C[number]>(flags, () => new Option(flags, description).choices(choices).default(fallback));

/** `--input-type <format>` with a fixed set of values and no default. */
export const oneOf = <F extends string, const C extends readonly [string, ...string[]]>(flags: F, description: string, choices: C) =>
  opt<F, C[number] | undefined>(flags, () => new Option(flags, description).choices(choices));

/** A single-value `option`, also accepted under the old `aliasFlags`, which help no longer shows. */
export function withHiddenAlias<F extends string>(option: Opt<F, string | undefined>, aliasFlags: string): Opt<F, string | undefined> {
  return {
    flags: option.flags,
    addTo: (cmd) => {
      option.addTo(cmd);
      const alias = new Option(aliasFlags, `alias of ${option.flags}`).hideHelp();
      const target = new Option(option.flags).attributeName();
      cmd.addOption(alias).on(`option:${alias.name()}`, (v: unknown) => cmd.setOptionValueWithSource(target, v, 'cli'));
    },
  };
}

/** Every command takes these. */
export const GLOBAL_OPTIONS = [
  value('--repo <dir>', 'the secrets repository (default: nearest parent with keyfold.yaml)'),
  repeatable('--identity <file>', 'age identity file (repeatable; replaces every other identity source)'),
] as const;

/** Commands that write secrets take this: recipients and write access follow the default branch's policy otherwise. */
export const WRITE_OPTIONS = [
  flag('--worktree-policy', "use the working tree's policies/access.yaml even when it differs from the default branch's (an unmerged policy)"),
] as const;

/** Commands that print data take --json. */
export const JSON_OPTIONS = [flag('--json', 'machine-readable output')] as const;
