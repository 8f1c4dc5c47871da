/**
 * The postgres rotator's third-party code (`pg`, about 100 KB minified), in one module
 * that the build bundles on its own (`dist/keyfold-pg.js`, see scripts/build.mjs): the
 * CLI bundle stays small, and only a postgres rotation loads it. Nothing of keyfold's
 * own goes here (its error classes must stay one copy).
 */
export { default as pg } from 'pg';
