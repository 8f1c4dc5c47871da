import { init, type InitResult } from '../../ops/init/init.js';
import type { CommandContext } from './context.js';

interface Options {
  admin?: string;
  recipient?: string;
  github?: string;
  actionRef?: string;
  install?: 'action' | 'npm';
}

/** What the repository needs next, above all what the CI workflows need to run. */
function nextSteps(r: InitResult): string[] {
  const run =
    r.ci.install === 'npm'
      ? [
          '  - the workflows install keyfold from package-lock.json (ci.install: npm): add your vendored',
          '    keyfold package to package.json (it is not on the npm registry) and commit the lockfile;',
        ]
      : r.ci.placeholder
        ? [
            `  - the workflows use the keyfold action ${r.ci.actionRef}, a PLACEHOLDER commit:`,
            '    set ci.action in keyfold.yaml to OWNER/REPO@<commit> of the release you trust, then',
            '    `keyfold recipients sync` regenerates the workflows;',
          ]
        : [`  - the workflows use the keyfold action ${r.ci.actionRef} (no package.json needed);`];
  return [
    'Next: keyfold set dev/<folder>/<name> KEY --stdin',
    'For CI (GitHub Actions, .github/workflows/keyfold-*.yml):',
    ...run,
    '  - per environment (Settings → Environments, one per environment in keyfold.yaml): the secret',
    '    KEYFOLD_AGE_KEY, the private key of that environment\'s CI identity — `keyfold keygen -o ci-prod.key`,',
    '    `keyfold member add ci-prod --kind machine --role ci-prod --recipient age1…` — and its targets\'',
    '    credentials (ci.sync_secrets in keyfold.yaml); deployment branches: main only;',
    '  - make "keyfold-validate / validate" a required status check, and let the sync jobs push to main.',
  ];
}

export default async function initCommand({ out, global }: CommandContext, [dir]: string[], opts: Options): Promise<void> {
  const r = await init(global, { dir, admin: opts.admin, recipient: opts.recipient, github: opts.github, actionRef: opts.actionRef, install: opts.install });
  out.result(r, () =>
    [
      `Initialised keyfold repository in ${r.root}${r.gitInitialised ? ' (git init)' : ''}`,
      `  admin: ${r.admin} (${r.recipient})`,
      ...r.files.map((f) => `  wrote ${f}`),
      ...r.kept.map((f) => `  kept existing ${f}`),
      ...nextSteps(r),
    ].join('\n'),
  );
}
