/** The identity sources, in precedence order. A new source is one module and one line here. */
import { defaultFile } from './sources/default-file.js';
import { envFile, envText } from './sources/env.js';
import { flagFiles } from './sources/flag-files.js';
import { sessionGuard } from './sources/session-guard.js';
import type { SourceProvider } from './sources/source.js';

export const IDENTITY_PROVIDERS: readonly SourceProvider[] = [flagFiles, sessionGuard, envText, envFile, defaultFile];
