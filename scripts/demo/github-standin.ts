/**
 * The demo's GitHub: the tests' local imitation of GitHub's REST API
 * (test/helpers/github-server.ts — every request checked against GitHub's OpenAPI
 * schemas, sealed boxes opened), on 127.0.0.1, run through tsx:
 *
 *   node --import tsx scripts/demo/github-standin.ts INFO_FILE BARE_REMOTE
 *
 * It holds the secrets repository (pull requests; a head branch must exist in the bare
 * git remote, as on GitHub) and acme/api with its production environment (Actions
 * secrets for the github target). It writes `{ url, token }` to INFO_FILE once it
 * listens, and on SIGTERM adds `{ requests, violations, pulls }` and exits.
 */
import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { startGitHubServer } from '../../test/helpers/github-server.js';

const [info, remote] = process.argv.slice(2);
if (!info || !remote) {
  console.error('usage: github-standin.ts INFO_FILE BARE_REMOTE');
  process.exit(2);
}

const branchExists = (_repo: string, branch: string): boolean => {
  try {
    execFileSync('git', ['--git-dir', remote, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const gh = await startGitHubServer({ token: 'ghp_demo_standin_token_0123456789', branchExists });
gh.addRepo('acme/secrets');
gh.addRepo('acme/api', { environments: ['production'] });
const base = { url: gh.url, token: gh.token };
writeFileSync(`${info}.tmp`, JSON.stringify(base));
renameSync(`${info}.tmp`, info);
// Compile the schemas while the demo sets the scene, not on its first requests.
setImmediate(() => gh.warmUp());

process.on('SIGTERM', () => {
  writeFileSync(info, JSON.stringify({ ...base, requests: gh.requests, violations: gh.violations, pulls: gh.pulls('acme/secrets').length }));
  void gh.close().then(() => process.exit(0));
});
