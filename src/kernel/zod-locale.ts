/**
 * keyfold uses `zod/mini` (tree-shakable: ~25 KB in the bundle instead of ~400 KB, which
 * keeps CLI start fast). It ships no messages by default; this loads the English ones.
 * Import it for its side effect from every module that declares schemas.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
