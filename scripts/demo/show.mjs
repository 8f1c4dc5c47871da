// Small printers for scripts/demo.sh (plain Node, no dependencies). Names only: none
// of them prints a value.
//
//   node show.mjs pr INFO_FILE NUMBER        the pull request as GitHub holds it (excerpt)
//   node show.mjs sync SYNC_JSON [--brief]   writes per target type, from `sync --json`
//   node show.mjs manifest FILE              a k8s Secret manifest: its name and data keys
//   node show.mjs standin INFO_FILE          the GitHub stand-in's request count and schema violations
import { readFileSync } from 'node:fs';

const [what, ...args] = process.argv.slice(2);
const json = (file) => JSON.parse(readFileSync(file, 'utf8'));

async function pr(infoFile, number) {
  const { url, token } = json(infoFile);
  const res = await fetch(`${url}/repos/acme/secrets/pulls?state=all&per_page=100`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'keyfold-demo' },
  });
  if (!res.ok) throw new Error(`GET pulls: ${res.status}`);
  const p = (await res.json()).find((x) => x.number === Number(number));
  if (!p) throw new Error(`no pull request #${number}`);
  const body = p.body.split('\n');
  const pick = (re, n = 1) => body.filter((l) => re.test(l)).slice(0, n);
  const services = body.filter((l) => /^\| `[^`]+` \| `prod` \|/.test(l)).length;
  console.log(`  #${p.number} ${p.title}   (${p.head.ref} → ${p.base.ref})`);
  for (const l of [
    ...pick(/^\| `(?:dev|staging|prod)\//, 3),
    `  … ${services} services import it (table in the body)`,
    ...pick(/^A merge makes/).map((l) => l.replace(/:$/, '')),
    ...pick(/^### Required reviewers/),
    ...pick(/^- @/, 3),
  ]) {
    console.log(`  ${l}`);
  }
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function sync(file, brief) {
  const out = json(file);
  const type = new Map(out.targets.map((t) => [t.target, t.type]));
  const names = new Set(out.targets.flatMap((t) => t.upsert.map((u) => u.name)));
  const by = new Map();
  for (const t of out.outcome.targets) {
    const k = type.get(t.target) ?? '?';
    const e = by.get(k) ?? { targets: 0, writes: 0, failed: 0 };
    e.targets++;
    e.writes += t.writes;
    if (!t.ok) e.failed++;
    by.set(k, e);
  }
  const total = out.outcome.targets.reduce((n, t) => n + t.writes, 0);
  const sorted = [...by].sort((a, b) => b[1].targets - a[1].targets);
  if (brief) {
    console.log(`The fleet is in sync: ${plural(out.outcome.targets.length, 'target')} (${sorted.map(([k, e]) => `${e.targets} ${k}`).join(', ')}), as the last merge's CI job left them.`);
    return;
  }
  console.log(`  synced ${out.outcome.targets.length - out.outcome.failed} of ${plural(out.outcome.targets.length, 'target')}: ${plural(total, 'write')}, ${plural(out.outcome.requests, 'API request')}; changed: ${[...names].join(', ') || '(nothing)'}`);
  for (const [k, e] of sorted) {
    console.log(`    ${k.padEnd(7)} ${plural(e.targets, 'target').padStart(10)}  ${plural(e.writes, 'write').padStart(9)}${e.failed ? `  ${e.failed} FAILED` : ''}`);
  }
}

function manifest(file) {
  const text = readFileSync(file, 'utf8');
  const name = /^\s+name: (\S+)/m.exec(text)?.[1];
  const data = text.slice(text.indexOf('\ndata:'));
  const keys = [...data.matchAll(/^ {2}([A-Za-z0-9_.-]+):/gm)].map((m) => m[1]);
  console.log(`  Secret ${name}: data keys ${keys.join(', ')}`);
}

function standin(infoFile) {
  const s = json(infoFile);
  console.log(`  GitHub stand-in: ${s.requests} requests, ${s.pulls} pull request${s.pulls === 1 ? '' : 's'}, ${s.violations.length} outside GitHub's OpenAPI schemas`);
  for (const v of s.violations) console.log(`    ${v}`);
  if (s.violations.length > 0) process.exitCode = 1;
}

switch (what) {
  case 'pr':
    await pr(args[0], args[1]);
    break;
  case 'sync':
    sync(args[0], args[1] === '--brief');
    break;
  case 'manifest':
    manifest(args[0]);
    break;
  case 'standin':
    standin(args[0]);
    break;
  default:
    console.error('usage: show.mjs pr|sync|manifest|standin …');
    process.exit(2);
}
