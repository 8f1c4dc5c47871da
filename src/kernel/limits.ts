/**
 * Size and depth bounds for everything keyfold reads, in one place: a file larger or
 * deeper than these is refused with a clear error instead of exhausting memory.
 */

/** Secret files, control files (keyfold.yaml, policies) and identity files. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Nesting depth of YAML/JSON documents. */
export const MAX_DEPTH = 64;

/** YAML aliases expanded when a control file is converted to plain data. */
export const MAX_ALIASES = 50;
