/**
 * The identity sources, in precedence order. A new source is one module and one line here.
 * An agent session (KEYFOLD_SESSION) comes first and is exclusive: nothing else is consulted.
 */
import { defaultFile } from './sources/default-file.js';
import { envFile, envText } from './sources/env.js';
import { flagFiles } from './sources/flag-files.js';
import { sessionSource } from './sources/session.js';
import type { SourceProvider } from './sources/source.js';

export const IDENTITY_PROVIDERS: readonly SourceProvider[] = [sessionSource, flagFiles, envText, envFile, defaultFile];
