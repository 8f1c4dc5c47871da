/**
 * The github target's third-party code (octokit, libsodium: about 0.5 MB minified), in
 * one module that the build bundles on its own (`dist/keyfold-github.js`, see
 * scripts/build.mjs): the CLI bundle stays small, and only a sync to GitHub loads it.
 * Nothing of keyfold's own goes here (its error classes must stay one copy).
 */
export { Octokit } from '@octokit/rest';
export { default as sodium } from 'libsodium-wrappers';
