import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../crypto/age/index.js';
import { MAX_LOOKBEHIND, MAX_MATCH_LENGTH, SECRET_PATTERNS } from './secret-scan-rules.js';
import { scanText } from './secret-scan.js';

// Every token here is assembled at run time from a prefix and a generated body, so
// this file holds none (keyfold's own validate scans it, and so would a push protection).

/** A deterministic generator (mulberry32), so failures reproduce. */
let seed = 20240601;
function next(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const LETTERS = UPPER + LOWER;
const ALNUM = LETTERS + DIGITS;
const UPPER_ALNUM = UPPER + DIGITS;
const LOWER_ALNUM = LOWER + DIGITS;
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '-_';

/** `n` random characters of `alphabet`, mixing letters and digits when it has both. */
function rnd(alphabet: string, n: number): string {
  const wantsBoth = /[0-9]/.test(alphabet) && /[A-Za-z]/.test(alphabet) && n >= 8;
  for (;;) {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    if (!wantsBoth || (/[0-9]/.test(s) && /[A-Za-z]/.test(s))) return s;
  }
}

const cat = (...parts: string[]): string => parts.join('');
const pem = (type: string): string => cat('-----BEGIN ', type, 'PRIVATE KEY-----');

interface Case {
  /** Tokens the rule must report, alone, exactly once. */
  hits: string[];
  /** Near misses it must not report. */
  misses: string[];
}

const CASES: Record<string, Case> = {
  'age-secret-key': { hits: [generateIdentity()], misses: [generateIdentity().slice(0, -1), generateIdentity().toLowerCase()] },
  'gcp-service-account-key': {
    hits: [cat('{"type": "service_account", "private_key": "', pem(''), '\\nMIIE"}')],
    misses: [cat('{"public_key": "', pem(''), '"}')],
  },
  'private-key': {
    hits: [pem(''), pem('RSA '), pem('OPENSSH '), pem('ENCRYPTED '), cat('-----BEGIN PGP ', 'PRIVATE KEY BLOCK-----')],
    misses: [cat('-----BEGIN ', 'PUBLIC KEY-----'), cat('-----BEGIN ', 'private key-----')],
  },
  'openai-api-key': {
    hits: [
      cat('sk-', 'proj-', rnd(B64URL, 74), 'T3Blbk', 'FJ', rnd(B64URL, 74)),
      cat('sk-', 'svcacct-', rnd(ALNUM, 58), 'T3Blbk', 'FJ', rnd(ALNUM, 58)),
      cat('sk-', 'admin-', rnd(ALNUM, 58), 'T3Blbk', 'FJ', rnd(ALNUM, 58)),
      cat('sk-', rnd(ALNUM, 20), 'T3Blbk', 'FJ', rnd(ALNUM, 20)),
    ],
    misses: [cat('sk-', 'proj-', rnd(ALNUM, 156)), cat('sk-', rnd(ALNUM, 19), 'T3Blbk', 'FJ', rnd(ALNUM, 20))],
  },
  'anthropic-api-key': {
    hits: [cat('sk-', 'ant-api03-', rnd(B64URL, 93), 'AA')],
    misses: [cat('sk-', 'ant-api03-', rnd(B64URL, 93), 'AB'), cat('sk-', 'ant-api03-', rnd(B64URL, 92), 'AA')],
  },
  'anthropic-admin-key': {
    hits: [cat('sk-', 'ant-admin01-', rnd(B64URL, 93), 'AA')],
    misses: [cat('sk-', 'ant-admin01-', rnd(B64URL, 94), 'AA')],
  },
  'openrouter-api-key': {
    hits: [cat('sk-', 'or-v1-', rnd(HEX, 64))],
    misses: [cat('sk-', 'or-v1-', rnd(HEX, 63)), cat('sk-', 'or-v1-', rnd(ALNUM, 64))],
  },
  'sk-api-key': {
    hits: [cat('sk-', rnd(ALNUM, 48)), cat('sk-', rnd(HEX, 32)), cat('sk-', 'ant-', rnd(ALNUM, 40))],
    misses: [cat('sk-', rnd(ALNUM, 31)), 'sk-live-metadata-secret-value-with-more-words', cat('sk-', rnd(LETTERS, 48))],
  },
  'groq-api-key': {
    hits: [cat('gsk', '_', rnd(ALNUM, 52))],
    misses: [cat('gsk', '_', rnd(ALNUM, 51)), cat('gsk', '_', rnd(ALNUM, 53)), cat('gsk', '_', 'x'.repeat(52))],
  },
  'huggingface-token': {
    hits: [cat('hf', '_', rnd(LETTERS, 34))],
    misses: [cat('hf', '_', rnd(LETTERS, 33)), cat('hf', '_', 'X'.repeat(34)), cat('hf', '_', rnd(LETTERS, 34), '_suffix')],
  },
  'huggingface-org-token': {
    hits: [cat('api_org', '_', rnd(LETTERS, 34))],
    misses: [cat('api_org', '_', rnd(LETTERS, 35)), 'API_ORG_CREATE_DEPARTMENT_REQUEST_HANDLER_X'],
  },
  'replicate-api-token': { hits: [cat('r8', '_', rnd(ALNUM, 37))], misses: [cat('r8', '_', rnd(ALNUM, 36))] },
  'xai-api-key': { hits: [cat('xai', '-', rnd(ALNUM, 80))], misses: [cat('xai', '-', rnd(ALNUM, 60)), cat('xai', '-', rnd(LETTERS, 80))] },
  'perplexity-api-key': { hits: [cat('pplx', '-', rnd(ALNUM, 48))], misses: [cat('pplx', '-', rnd(ALNUM, 47))] },
  'nvidia-api-key': { hits: [cat('nvapi', '-', rnd(B64URL, 64))], misses: [cat('nvapi', '-', rnd(ALNUM, 63))] },
  'langsmith-api-key': {
    hits: [cat('lsv2', '_pt_', rnd(HEX, 32), '_', rnd(HEX, 10)), cat('lsv2', '_sk_', rnd(HEX, 32), '_', rnd(HEX, 10))],
    misses: [cat('lsv2', '_xx_', rnd(HEX, 32), '_', rnd(HEX, 10))],
  },
  'google-api-key': { hits: [cat('AI', 'za', rnd(B64URL, 35))], misses: [cat('AI', 'za', rnd(ALNUM, 34)), cat('AI', 'za', rnd(ALNUM, 36))] },
  'aws-access-key': {
    hits: ['AKIA', 'ASIA', 'ABIA', 'ACCA'].map((p) => cat(p, rnd(UPPER_ALNUM, 16))),
    misses: [cat('AKIA', rnd(UPPER_ALNUM, 15)), cat('AKIA', rnd(UPPER_ALNUM, 17)), cat('AXIA', rnd(UPPER_ALNUM, 16))],
  },
  'aws-bedrock-api-key': { hits: [cat('AB', 'SK', rnd(B64, 132))], misses: [cat('AB', 'SK', rnd(B64, 100))] },
  'azure-storage-key': {
    hits: [cat('DefaultEndpointsProtocol=https;AccountName=acme;', 'AccountKey=', rnd(B64, 86), '==;EndpointSuffix=core.windows.net')],
    misses: [cat('AccountKey=', rnd(B64, 86), '='), cat('AccountKey=', rnd(B64, 40), '==')],
  },
  'azure-ad-client-secret': {
    hits: [cat(rnd(ALNUM, 3), '8Q', '~', rnd(B64URL, 34))],
    misses: [cat(rnd(ALNUM, 3), '8Q', '~', rnd(ALNUM, 30)), cat(rnd(ALNUM, 3), '8Q', '-', rnd(ALNUM, 34))],
  },
  'digitalocean-token': {
    hits: ['dop', 'doo', 'dor'].map((p) => cat(p, '_v1_', rnd(HEX, 64))),
    misses: [cat('dox', '_v1_', rnd(HEX, 64)), cat('dop', '_v1_', rnd(HEX, 63))],
  },
  'cloudflare-origin-ca-key': {
    hits: [cat('v1', '.0-', rnd(HEX, 24), '-', rnd(HEX, 146))],
    misses: [cat('v1', '.0-', rnd(HEX, 24), '-', rnd(HEX, 145))],
  },
  'cloudflare-api-token': {
    hits: [cat('cfut', '_', rnd(ALNUM, 40), rnd(HEX, 8)), cat('cfat', '_', rnd(ALNUM, 40), rnd(HEX, 8))],
    misses: [cat('cfxt', '_', rnd(ALNUM, 40), rnd(HEX, 8)), cat('cfut', '_', rnd(ALNUM, 40))],
  },
  'heroku-api-key': { hits: [cat('HRKU', '-AA', rnd(B64URL, 58))], misses: [cat('HRKU', '-AA', rnd(ALNUM, 57))] },
  'alibaba-access-key': {
    hits: [cat('LT', 'AI', rnd(ALNUM, 20)), cat('LT', 'AI', rnd(ALNUM, 12))],
    misses: [cat('LT', 'AI', rnd(ALNUM, 10)), cat('LT', 'AI', rnd(LETTERS, 20))],
  },
  'vercel-token': {
    hits: ['vcp', 'vca', 'vcr'].map((p) => cat(p, '_', rnd(ALNUM, 24))),
    misses: [cat('vcp', '_', rnd(ALNUM, 20)), 'vcr_cassette_library_directory_for_tests'],
  },
  'flyio-token': {
    hits: [cat('fo1', '_', rnd(B64URL, 43)), cat('fm2', '_', rnd(B64, 300)), cat('fm1a', '_', rnd(B64, 120), '==')],
    misses: [cat('fo1', '_', rnd(ALNUM, 42)), cat('fm2', '_', rnd(B64, 99))],
  },
  'doppler-token': {
    hits: [cat('dp', '.pt.', rnd(ALNUM, 43)), cat('dp', '.st.dev.', rnd(ALNUM, 40)), cat('dp', '.sa.', rnd(ALNUM, 44))],
    misses: [cat('dp', '.xx.', rnd(ALNUM, 43)), cat('dp', '.pt.', rnd(ALNUM, 39))],
  },
  'pulumi-access-token': { hits: [cat('pul', '-', rnd(HEX, 40))], misses: [cat('pul', '-', rnd(HEX, 39))] },
  'vault-token': {
    hits: [cat('hvs', '.', rnd(B64URL, 100)), cat('hvb', '.', rnd(B64URL, 150))],
    misses: [cat('hvs', '.', rnd(ALNUM, 80)), cat('hvb', '.', rnd(ALNUM, 130))],
  },
  'terraform-cloud-token': {
    hits: [cat(rnd(ALNUM, 14), '.atlas', 'v1.', rnd(B64URL, 65))],
    misses: [cat(rnd(ALNUM, 14), '.atlas', 'v2.', rnd(B64URL, 65)), cat(rnd(ALNUM, 14), '.atlas', 'v1.', rnd(ALNUM, 50))],
  },
  'databricks-token': {
    hits: [cat('da', 'pi', rnd(HEX, 32)), cat('da', 'pi', rnd(HEX, 32), '-2')],
    misses: [cat('da', 'pi', rnd(HEX, 31)), cat('da', 'pi', rnd(ALNUM, 32))],
  },
  'planetscale-token': {
    hits: ['tkn', 'pw', 'oauth'].map((k) => cat('pscale', '_', k, '_', rnd(ALNUM, 43))),
    misses: [cat('pscale', '_tkn_', rnd(ALNUM, 20))],
  },
  'supabase-token': {
    hits: [cat('sbp', '_', rnd(HEX, 40)), cat('sb', '_secret_', rnd(B64URL, 31))],
    misses: [cat('sbp', '_', rnd(HEX, 39)), cat('sb', '_publishable_', rnd(ALNUM, 31))],
  },
  '1password-service-account-token': {
    hits: [cat('ops', '_eyJ', rnd(B64, 300), '=')],
    misses: [cat('ops', '_eyJ', rnd(B64, 200))],
  },
  'npm-token': {
    hits: [cat('npm', '_', rnd(ALNUM, 36))],
    misses: [cat('npm', '_', rnd(ALNUM, 35)), 'npm_config_registry_for_the_private_scope', cat('npm', '_', rnd(LETTERS, 36))],
  },
  'pypi-token': {
    hits: [cat('pypi', '-AgEIcHlwaS5vcmc', rnd(B64URL, 150))],
    misses: [cat('pypi', '-AgEIcHlwaS5vcmc', rnd(ALNUM, 40)), cat('pypi', '-', rnd(ALNUM, 150))],
  },
  'rubygems-token': { hits: [cat('rubygems', '_', rnd(HEX, 48))], misses: [cat('rubygems', '_', rnd(HEX, 47))] },
  'docker-token': {
    hits: [cat('dckr', '_pat_', rnd(B64URL, 27)), cat('dckr', '_oat_', rnd(B64URL, 32))],
    misses: [cat('dckr', '_pat_', rnd(ALNUM, 26)), cat('dckr', '_xyz_', rnd(ALNUM, 27))],
  },
  'grafana-token': {
    hits: [cat('glc', '_', rnd(B64, 100), '='), cat('glsa', '_', rnd(ALNUM, 32), '_', rnd(HEX, 8))],
    misses: [cat('glc', '_', rnd(B64, 20)), cat('glsa', '_', rnd(ALNUM, 32), '_', rnd(HEX, 7))],
  },
  'new-relic-key': {
    hits: [cat('NR', 'AK-', rnd(UPPER_ALNUM, 27)), cat('NR', 'II-', rnd(B64URL, 32))],
    misses: [cat('NR', 'AK-', rnd(UPPER_ALNUM, 26)), cat('NR', 'JS-', rnd(HEX, 19))],
  },
  'sentry-token': {
    hits: [cat('sntryu', '_', rnd(HEX, 64)), cat('sntrys', '_eyJ', rnd(B64, 150), '_', rnd(B64, 43))],
    misses: [cat('sntryu', '_', rnd(HEX, 63)), cat('sntrys', '_eyJ', rnd(B64, 150))],
  },
  'linear-api-key': { hits: [cat('lin', '_api_', rnd(ALNUM, 40))], misses: [cat('lin', '_api_', rnd(ALNUM, 39))] },
  'notion-token': {
    hits: [cat('ntn', '_', rnd(DIGITS, 11), rnd(ALNUM, 35)), cat('secret', '_', rnd(ALNUM, 43))],
    misses: [cat('secret', '_', rnd(LETTERS, 43)), cat('secret', '_', rnd(ALNUM, 42)), cat('ntn', '_', rnd(ALNUM, 46))],
  },
  'postman-api-key': {
    hits: [cat('PM', 'AK-', rnd(HEX, 24), '-', rnd(HEX, 34))],
    misses: [cat('PM', 'AK-', rnd(HEX, 24), '-', rnd(HEX, 33))],
  },
  'atlassian-api-token': {
    hits: [cat('AT', 'ATT3', rnd(B64URL, 177), '=', rnd(HEX, 8)), cat('AT', 'CTT3', rnd(ALNUM, 186))],
    misses: [cat('AT', 'ATT3', rnd(ALNUM, 100))],
  },
  'asana-token': {
    hits: [cat('1/', rnd(DIGITS, 16), ':', rnd(HEX, 32)), cat('2/', rnd(DIGITS, 16), '/', rnd(DIGITS, 16), ':', rnd(HEX, 32))],
    misses: [cat('1/', rnd(DIGITS, 16), ':', rnd(HEX, 31)), cat('1/', rnd(DIGITS, 10), ':', rnd(HEX, 32))],
  },
  'dropbox-token': {
    hits: [cat('sl', '.', rnd(B64URL, 136)), cat('sl', '.u.', rnd(B64URL, 900))],
    misses: [cat('sl', '.', rnd(ALNUM, 100)), cat('sl', '.', rnd(LETTERS, 136))],
  },
  'github-token': {
    hits: ['ghp', 'gho', 'ghu', 'ghs', 'ghr'].map((p) => cat(p, '_', rnd(ALNUM, 36))),
    misses: [cat('ghp', '_', rnd(ALNUM, 35)), cat('ghx', '_', rnd(ALNUM, 36)), 'ghp_short'],
  },
  'github-pat': {
    hits: [cat('github', '_pat_', rnd(ALNUM, 22), '_', rnd(ALNUM, 59))],
    misses: [cat('github', '_pat_', rnd(ALNUM, 50))],
  },
  'gitlab-token': {
    hits: [
      ...['glpat', 'gldt', 'glrt', 'glft', 'glimt', 'glagent', 'gloas', 'glsoat', 'glffct'].map((p) => cat(p, '-', rnd(ALNUM, 20))),
      cat('glcbt', '-', '1_', rnd(ALNUM, 20)),
      cat('glrt', '-', 't1_', rnd(ALNUM, 27)),
      cat('glpat', '-', rnd(B64URL, 40), '.01', rnd(LOWER_ALNUM, 7)),
    ],
    misses: [cat('glpat', '-', rnd(ALNUM, 19)), cat('glxyz', '-', rnd(ALNUM, 20)), cat('glpat', '-', 'x'.repeat(20))],
  },
  'gitlab-trigger-token': { hits: [cat('glptt', '-', rnd(HEX, 40))], misses: [cat('glptt', '-', rnd(HEX, 39))] },
  'gitlab-runner-registration-token': {
    hits: [cat('GR13', '48941', rnd(B64URL, 20))],
    misses: [cat('GR13', '48941', rnd(ALNUM, 19)), cat('GR13', '48942', rnd(ALNUM, 20))],
  },
  'bitbucket-app-password': { hits: [cat('AT', 'BB', rnd(ALNUM, 32))], misses: [cat('AT', 'BB', rnd(ALNUM, 20)), cat('AT', 'BB', rnd(LETTERS, 32))] },
  'circleci-token': {
    hits: [cat('CCIP', 'AT_', rnd(ALNUM, 22), '_', rnd(HEX, 40)), cat('CCIP', 'RJ_', rnd(ALNUM, 22), '_', rnd(HEX, 40))],
    misses: [cat('CCIP', 'AT_', rnd(ALNUM, 22), '_', rnd(HEX, 39))],
  },
  'stripe-key': {
    hits: [cat('sk', '_live_', rnd(ALNUM, 24)), cat('rk', '_live_', rnd(ALNUM, 99))],
    misses: [cat('sk', '_test_', rnd(ALNUM, 24)), cat('sk', '_live_', rnd(ALNUM, 19)), cat('pk', '_live_', rnd(ALNUM, 24))],
  },
  'webhook-signing-secret': {
    hits: [cat('whsec', '_', rnd(ALNUM, 32)), cat('whsec', '_', rnd(B64, 43), '=')],
    misses: [cat('whsec', '_', rnd(ALNUM, 31)), cat('whsec', '_', rnd(LETTERS, 32))],
  },
  'square-token': {
    hits: [cat('EA', 'AA', rnd(B64URL, 60)), cat('sq0', 'atp-', rnd(B64URL, 22)), cat('sq0', 'csp-', rnd(B64URL, 43))],
    misses: [cat('EA', 'AA', rnd(ALNUM, 59)), cat('EA', 'AB', rnd(ALNUM, 60)), cat('sq0', 'atp-', rnd(ALNUM, 21))],
  },
  'braintree-access-token': {
    hits: [cat('access_token', '$production$', rnd(LOWER_ALNUM, 16), '$', rnd(HEX, 32))],
    misses: [cat('access_token', '$sandbox$', rnd(LOWER_ALNUM, 16), '$', rnd(HEX, 32))],
  },
  'flutterwave-secret-key': {
    hits: [cat('FLW', 'SECK-', rnd(HEX, 32), '-X'), cat('FLW', 'SECK_TEST-', rnd(HEX, 32), '-X')],
    misses: [cat('FLW', 'SECK-', rnd(HEX, 32)), cat('FLW', 'PUBK-', rnd(HEX, 32), '-X')],
  },
  'razorpay-key': {
    hits: [cat('rzp', '_live_', rnd(ALNUM, 14))],
    misses: [cat('rzp', '_test_', rnd(ALNUM, 14)), cat('rzp', '_live_', rnd(ALNUM, 13))],
  },
  'slack-token': {
    hits: [
      cat('xo', 'xb-', rnd(DIGITS, 12), '-', rnd(DIGITS, 13), '-', rnd(ALNUM, 24)),
      cat('xo', 'xp-', rnd(DIGITS, 12), '-', rnd(DIGITS, 12), '-', rnd(DIGITS, 13), '-', rnd(HEX, 32)),
      cat('xo', 'xe-1-', rnd(UPPER_ALNUM, 146)),
    ],
    misses: ['xoxb-abc', cat('xo', 'xb-', rnd(LETTERS, 30))],
  },
  'slack-app-token': {
    hits: [cat('xa', 'pp-1-', rnd(UPPER_ALNUM, 11), '-', rnd(DIGITS, 13), '-', rnd(HEX, 64))],
    misses: [cat('xa', 'pp-1-', rnd(UPPER_ALNUM, 11), '-', rnd(DIGITS, 13), '-', rnd(HEX, 20))],
  },
  'slack-webhook-url': {
    hits: [cat('https://hooks', '.slack.com/services/T', rnd(UPPER_ALNUM, 10), '/B', rnd(UPPER_ALNUM, 10), '/', rnd(ALNUM, 24))],
    misses: [
      cat('https://hooks', '.slack.com/services/T00000000/B00000000/', 'X'.repeat(24)),
      cat('https://hooks', '.slack.com/services/T', rnd(UPPER_ALNUM, 10), '/B', rnd(UPPER_ALNUM, 10)),
    ],
  },
  'discord-webhook-url': {
    hits: [cat('https://discord', '.com/api/webhooks/', rnd(DIGITS, 18), '/', rnd(B64URL, 68))],
    misses: [cat('https://discord', '.com/api/webhooks/', rnd(DIGITS, 10), '/', rnd(B64URL, 68))],
  },
  'discord-bot-token': {
    hits: ['M', 'N', 'O'].map((p) => cat(p, rnd(ALNUM, 23), '.', rnd(B64URL, 6), '.', rnd(B64URL, 27))),
    misses: [cat('X', rnd(ALNUM, 23), '.', rnd(ALNUM, 6), '.', rnd(ALNUM, 27)), cat('M', rnd(ALNUM, 23), '.', rnd(ALNUM, 5), '.', rnd(ALNUM, 27))],
  },
  'telegram-bot-token': {
    hits: [cat(rnd(DIGITS, 10), ':', 'AA', rnd(B64URL, 33)), cat(rnd(DIGITS, 8), ':', 'AA', rnd(ALNUM, 33))],
    misses: [cat(rnd(DIGITS, 10), ':', 'AB', rnd(ALNUM, 33)), cat(rnd(DIGITS, 4), ':', 'AA', rnd(ALNUM, 33))],
  },
  'sendgrid-api-key': {
    hits: [cat('S', 'G.', rnd(B64URL, 22), '.', rnd(B64URL, 43))],
    misses: [cat('S', 'G.', rnd(ALNUM, 21), '.', rnd(ALNUM, 43))],
  },
  'mailgun-api-key': {
    hits: [cat('key', '-', rnd(HEX, 32)), cat(rnd(HEX, 32), '-', rnd(HEX, 8), '-', rnd(HEX, 8))],
    misses: [cat('key', '-', rnd(HEX, 31)), cat('key', '-', '0'.repeat(32)), cat(rnd(HEX, 32), '-', rnd(HEX, 8))],
  },
  'mailchimp-api-key': {
    hits: [cat(rnd(HEX, 32), '-', 'us', '12'), cat(rnd(HEX, 32), '-', 'us', '6')],
    misses: [cat(rnd(HEX, 31), '-', 'us', '12'), cat(rnd(HEX, 32), '-', 'eu', '12')],
  },
  'twilio-api-key': { hits: [cat('S', 'K', rnd(HEX, 32))], misses: [cat('S', 'K', rnd(HEX, 31)), cat('S', 'K', rnd(HEX, 33))] },
  'shopify-token': {
    hits: ['shpat', 'shpca', 'shppa', 'shpss'].map((p) => cat(p, '_', rnd(HEX, 32))),
    misses: [cat('shpxx', '_', rnd(HEX, 32)), cat('shpat', '_', rnd(HEX, 31))],
  },
};

const kinds = (text: string): string[] => scanText(text).map((f) => f.kind);

/** Rules whose text cannot continue an identifier, so they need no fence before them. */
const UNFENCED = new Set(['age-secret-key', 'gcp-service-account-key', 'private-key']);

describe('SECRET_PATTERNS', () => {
  it('has unique kebab-case kinds, global flags only, and labels holding no token', () => {
    const ids = SECRET_PATTERNS.map((p) => p.kind);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of SECRET_PATTERNS) {
      expect(p.kind).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(p.re.flags).toBe('g');
      expect(scanText(p.label)).toEqual([]);
    }
  });

  it('has a case (hits and near misses) for every rule, and none for a rule that does not exist', () => {
    expect(Object.keys(CASES).sort()).toEqual(SECRET_PATTERNS.map((p) => p.kind).sort());
  });

  describe.each(SECRET_PATTERNS.map((p) => p.kind))('%s', (kind) => {
    const { hits, misses } = CASES[kind]!;

    it('finds each synthetic token, once, as this kind, alone and inside a line', () => {
      for (const token of hits) {
        expect(kinds(token), token).toEqual([kind]);
        const found = scanText(`line one\nconst value = "${token}"; // trailing\n`);
        expect(found.map((f) => [f.kind, f.line])).toEqual([[kind, 2]]);
        expect(token).toContain(found[0]!.match.reveal());
      }
    });

    it('does not fire on near misses', () => {
      for (const miss of misses) expect(kinds(miss), miss).not.toContain(kind);
    });

    it.skipIf(UNFENCED.has(kind))('does not fire inside a longer identifier', () => {
      for (const token of hits) {
        const at = token.indexOf(scanText(token)[0]!.match.reveal());
        expect(kinds(`${token.slice(0, at)}x${token.slice(at)}`), token).not.toContain(kind);
      }
    });
  });

  it('reports a token matched by a specific and a generic rule once, as the specific one', () => {
    const anthropic = cat('sk-', 'ant-api03-', rnd(B64URL, 93), 'AA');
    const gcp = cat('{"private_key": "', pem(''), '\\n"}');
    expect(scanText(`${anthropic}\n${gcp}`).map((f) => [f.kind, f.line])).toEqual([
      ['anthropic-api-key', 1],
      ['gcp-service-account-key', 2],
    ]);
  });
});

/**
 * The most characters a regex (the subset the rules use: no anchors, word boundaries or
 * back-references) can consume, and the longest lookahead and lookbehind in it.
 */
function reach(re: RegExp): { consume: number; ahead: number; behind: number } {
  const src = re.source;
  let i = 0;
  let ahead = 0;
  let behind = 0;
  const alternatives = (): number => {
    let best = 0;
    let cur = 0;
    while (i < src.length && src[i] !== ')') {
      if (src[i] === '|') {
        best = Math.max(best, cur);
        cur = 0;
        i++;
      } else cur += quantified();
    }
    return Math.max(best, cur);
  };
  const atom = (): number => {
    const c = src[i]!;
    if (c === '(') {
      const open = /^\((?:\?<[=!]|\?[=!:])?/.exec(src.slice(i))![0];
      i += open.length;
      const n = alternatives();
      if (src[i] !== ')') throw new Error(`unbalanced group in ${src}`);
      i++;
      if (open === '(?=' || open === '(?!') return (ahead = Math.max(ahead, n)), 0;
      if (open === '(?<=' || open === '(?<!') return (behind = Math.max(behind, n)), 0;
      return n;
    }
    if (c === '[') {
      for (i++; src[i] !== ']'; i++) if (src[i] === '\\') i++;
      i++;
      return 1;
    }
    if (c === '\\') {
      if (!/[dwsDWS.\\/$+*?()[\]{}|^~-]/.test(src[i + 1]!)) throw new Error(`unsupported escape \\${src[i + 1]} in ${src}`);
      i += 2;
      return 1;
    }
    if (c === '^' || c === '$') throw new Error(`anchor in ${src}`);
    i++;
    return 1;
  };
  const quantified = (): number => {
    const n = atom();
    const q = /^(?:\{(\d+)(?:(,)(\d*))?\}|[?*+])\??/.exec(src.slice(i));
    if (!q) return n;
    i += q[0].length;
    if (q[0][0] === '?') return n;
    if (q[0][0] === '*' || q[0][0] === '+' || q[3] === '') return Infinity;
    return n * Number(q[3] ?? q[1]);
  };
  const consume = alternatives();
  if (i !== src.length) throw new Error(`unparsed rest of ${src}`);
  return { consume, ahead, behind };
}

describe('rule bounds (what lets a text be scanned in pieces)', () => {
  it('reach() measures what it should', () => {
    expect(reach(/(?<![\w-])ab[0-9]{3,5}(?:x|yz){2}(?![\w-])/g)).toEqual({ consume: 11, ahead: 1, behind: 1 });
    expect(reach(/a[b]+/g).consume).toBe(Infinity);
    expect(() => reach(/^a/g)).toThrow(/anchor/);
    expect(() => reach(/\ba/g)).toThrow(/escape/);
  });

  it.each(SECRET_PATTERNS.map((p) => [p.kind, p.re] as const))('%s is bounded', (_kind, re) => {
    const r = reach(re);
    expect(r.consume + r.ahead).toBeLessThanOrEqual(MAX_MATCH_LENGTH);
    expect(r.behind).toBeLessThanOrEqual(MAX_LOOKBEHIND);
  });
});
