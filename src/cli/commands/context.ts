/** What a command handler gets besides its arguments and options. */
import type { GlobalOptions } from '../../ops/context/workspace.js';
import type { Io } from '../io/io.js';
import type { Output } from '../render/output.js';

export interface CommandContext {
  /** The only way a handler writes: data on stdout, notes on stderr. */
  out: Output;
  io: Io;
  global: GlobalOptions;
}
