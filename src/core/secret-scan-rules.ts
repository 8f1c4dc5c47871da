/**
 * The secret scan's rules: private keys and provider credentials that have a format of
 * their own (a distinctive prefix, length and alphabet), so a match needs no keyword
 * around it. Credentials without one (Mistral, Cohere, most "client secrets") are out
 * of scope: matching them would need the context heuristics that make generic scanners
 * noisy. Formats were checked against gitleaks' and trufflehog's published rules;
 * the regexes are our own.
 *
 * Every regex is global, uses no anchors, and is bounded: a match is at most
 * MAX_MATCH_LENGTH characters (lookahead included) and looks back at most MAX_LOOKBEHIND
 * characters, so a text can be scanned in pieces (see secret-scan.ts). Most rules are
 * fenced by lookarounds so they never fire inside a longer identifier. Labels name the
 * provider and the prefix, never a token.
 *
 * When two rules match at the same position only the first in this table is reported,
 * so the specific rules come before the generic ones they refine (`sk-api-key`,
 * `private-key`).
 */

export interface SecretPattern {
  /** Stable id, e.g. `age-secret-key`. */
  kind: string;
  /** What it is, for messages (`an age secret key (AGE-SECRET-KEY-1…)`). */
  label: string;
  re: RegExp;
  /** Extra test on the match (e.g. enough entropy to be a real key). */
  accept?: (match: string) => boolean;
}

/** No match, lookahead included, is longer than this. */
export const MAX_MATCH_LENGTH = 2048;

/** No lookbehind reaches further back than this. */
export const MAX_LOOKBEHIND = 32;

/** A token mixing letters and digits: real keys do, words joined by dashes rarely do. */
const mixed = (s: string): boolean => /[0-9]/.test(s) && /[A-Za-z]/.test(s);

/**
 * Not a placeholder (`xxxx…`, `0000…`, `abab…`): the longest alphanumeric run of the
 * match has at least four distinct characters.
 */
const varied = (s: string): boolean => {
  let longest = '';
  for (const run of s.match(/[A-Za-z0-9]+/g) ?? []) if (run.length > longest.length) longest = run;
  return new Set(longest).size >= 4;
};

/** Both, for short or word-like prefixes. */
const random = (s: string): boolean => mixed(s) && varied(s);

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  // Keys of any provider.
  { kind: 'age-secret-key', label: 'an age secret key (AGE-SECRET-KEY-1…)', re: /AGE-SECRET-KEY-1[0-9A-Z]{58}/g },
  {
    kind: 'gcp-service-account-key',
    label: 'a Google Cloud service-account key (the "private_key" of its JSON)',
    re: /(?<="private_key"[ \t]{0,4}:[ \t]{0,4}")-----BEGIN (?:RSA )?PRIVATE KEY-----/g,
  },
  {
    kind: 'private-key',
    label: 'a PEM private key (-----BEGIN … PRIVATE KEY-----)',
    re: /-----BEGIN (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?-----/g,
  },

  // AI providers.
  {
    kind: 'openai-api-key',
    label: 'an OpenAI API key (sk-proj-…, sk-svcacct-…, sk-admin-…, sk-…)',
    re: /(?<![\w-])sk-(?:(?:proj|svcacct|admin)-[\w-]{58,74}T3BlbkFJ[\w-]{58,74}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![\w-])/g,
  },
  { kind: 'anthropic-api-key', label: 'an Anthropic API key (sk-ant-api03-…)', re: /(?<![\w-])sk-ant-api03-[\w-]{93}AA(?![\w-])/g, accept: varied },
  { kind: 'anthropic-admin-key', label: 'an Anthropic admin key (sk-ant-admin01-…)', re: /(?<![\w-])sk-ant-admin01-[\w-]{93}AA(?![\w-])/g, accept: varied },
  { kind: 'openrouter-api-key', label: 'an OpenRouter API key (sk-or-v1-…)', re: /(?<![\w-])sk-or-v1-[0-9a-f]{64}(?![\w-])/g, accept: varied },
  {
    kind: 'sk-api-key',
    label: 'an API key (sk-…, OpenAI/Anthropic/OpenRouter/DeepSeek style)',
    re: /(?<![\w-])sk-(?:proj-|ant-(?:api\d\d-)?|or-v1-|svcacct-|admin-)?[\w-]{32,250}(?![\w-])/g,
    accept: mixed,
  },
  { kind: 'groq-api-key', label: 'a Groq API key (gsk_…)', re: /(?<![\w-])gsk_[A-Za-z0-9]{52}(?![\w-])/g, accept: varied },
  { kind: 'huggingface-token', label: 'a Hugging Face token (hf_…)', re: /(?<![\w-])hf_[A-Za-z0-9]{34}(?![\w-])/g, accept: varied },
  {
    kind: 'huggingface-org-token',
    label: 'a Hugging Face organization token (api_org_…)',
    re: /(?<![\w-])api_org_[A-Za-z0-9]{34}(?![\w-])/g,
    accept: varied,
  },
  { kind: 'replicate-api-token', label: 'a Replicate API token (r8_…)', re: /(?<![\w-])r8_[\w-]{37}(?![\w-])/g, accept: varied },
  { kind: 'xai-api-key', label: 'an xAI API key (xai-…)', re: /(?<![\w-])xai-\w{70,90}(?![\w-])/g, accept: random },
  { kind: 'perplexity-api-key', label: 'a Perplexity API key (pplx-…)', re: /(?<![\w-])pplx-[A-Za-z0-9]{48}(?![\w-])/g, accept: varied },
  { kind: 'nvidia-api-key', label: 'an NVIDIA API key (nvapi-…)', re: /(?<![\w-])nvapi-[\w-]{64}(?![\w-])/g, accept: varied },
  {
    kind: 'langsmith-api-key',
    label: 'a LangSmith API key (lsv2_pt_…, lsv2_sk_…)',
    re: /(?<![\w-])lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}(?![\w-])/g,
    accept: varied,
  },
  { kind: 'google-api-key', label: 'a Google API key (AIza…)', re: /(?<![A-Za-z0-9])AIza[\w-]{35}(?![\w-])/g },

  // Cloud and infrastructure.
  {
    kind: 'aws-access-key',
    label: 'an AWS access key id (AKIA…, ASIA…, ABIA…, ACCA…)',
    re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])/g,
  },
  {
    kind: 'aws-bedrock-api-key',
    label: 'an Amazon Bedrock API key (ABSK…)',
    re: /(?<![\w+/=-])ABSK[A-Za-z0-9+/]{109,269}={0,2}(?![\w+/=-])/g,
    accept: varied,
  },
  {
    kind: 'azure-storage-key',
    label: 'an Azure storage account key (AccountKey=…)',
    re: /(?<![\w-])AccountKey=[A-Za-z0-9+/]{86}==(?![\w+/=-])/g,
    accept: random,
  },
  {
    kind: 'azure-ad-client-secret',
    label: 'an Azure AD (Entra ID) client secret (…Q~…)',
    re: /(?<![\w~.-])[\w~.]{3}\dQ~[\w~.-]{31,34}(?![\w~.-])/g,
    accept: random,
  },
  {
    kind: 'digitalocean-token',
    label: 'a DigitalOcean token (dop_v1_…, doo_v1_…, dor_v1_…)',
    re: /(?<![\w-])do[opr]_v1_[0-9a-f]{64}(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'cloudflare-origin-ca-key',
    label: 'a Cloudflare Origin CA key (v1.0-…)',
    re: /(?<![\w.-])v1\.0-[0-9a-f]{24}-[0-9a-f]{146}(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'cloudflare-api-token',
    label: 'a Cloudflare API token (cfut_…, cfat_…)',
    re: /(?<![\w-])cf[au]t_[A-Za-z0-9]{40}[0-9a-f]{8}(?![\w-])/g,
    accept: varied,
  },
  { kind: 'heroku-api-key', label: 'a Heroku API key (HRKU-AA…)', re: /(?<![\w-])HRKU-AA[\w-]{58}(?![\w-])/g, accept: varied },
  {
    kind: 'alibaba-access-key',
    label: 'an Alibaba Cloud AccessKey id (LTAI…)',
    re: /(?<![\w-])LTAI[A-Za-z0-9]{12,20}(?![\w-])/g,
    accept: random,
  },
  { kind: 'vercel-token', label: 'a Vercel token (vcp_…, vca_…, vcr_…)', re: /(?<![\w-])vc[apr]_[A-Za-z0-9]{24,64}(?![\w-])/g, accept: random },
  {
    kind: 'flyio-token',
    label: 'a Fly.io token (fo1_…, fm1a_…, fm1r_…, fm2_…)',
    re: /(?<![\w-])(?:fo1_[\w-]{43}|(?:fm1[ar]|fm2)_[A-Za-z0-9+/]{100,1000}={0,3})(?![\w+/=-])/g,
    accept: varied,
  },
  {
    kind: 'doppler-token',
    label: 'a Doppler token (dp.pt., dp.st., dp.sa., dp.ct., dp.scim., dp.audit.)',
    re: /(?<![\w.-])dp\.(?:pt|ct|sa|scim|audit|st(?:\.[a-z0-9_-]{2,35})?)\.[A-Za-z0-9]{40,44}(?![\w-])/g,
    accept: varied,
  },
  { kind: 'pulumi-access-token', label: 'a Pulumi access token (pul-…)', re: /(?<![\w-])pul-[0-9a-f]{40}(?![\w-])/g, accept: random },
  {
    kind: 'vault-token',
    label: 'a HashiCorp Vault token (hvs.…, hvb.…)',
    re: /(?<![\w.-])(?:hvs\.[\w-]{90,120}|hvb\.[\w-]{138,300})(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'terraform-cloud-token',
    label: 'a Terraform Cloud/Enterprise token (….atlasv1.…)',
    re: /(?<![\w.-])[A-Za-z0-9]{14}\.atlasv1\.[\w=-]{60,70}(?![\w=-])/g,
    accept: varied,
  },
  { kind: 'databricks-token', label: 'a Databricks token (dapi…)', re: /(?<![\w-])dapi[0-9a-f]{32}(?:-\d)?(?![\w-])/g, accept: random },
  {
    kind: 'planetscale-token',
    label: 'a PlanetScale token or password (pscale_tkn_…, pscale_pw_…, pscale_oauth_…)',
    re: /(?<![\w-])pscale_(?:tkn|pw|oauth)_[\w=.-]{32,64}(?![\w=.-])/g,
    accept: varied,
  },
  {
    kind: 'supabase-token',
    label: 'a Supabase access token or secret key (sbp_…, sb_secret_…)',
    re: /(?<![\w-])(?:sbp_[0-9a-f]{40}|sb_secret_[\w-]{20,64})(?![\w-])/g,
    accept: varied,
  },
  {
    kind: '1password-service-account-token',
    label: 'a 1Password service account token (ops_eyJ…)',
    re: /(?<![\w-])ops_eyJ[A-Za-z0-9+/]{250,1500}={0,3}(?![\w+/=-])/g,
    accept: varied,
  },

  // Package registries.
  { kind: 'npm-token', label: 'an npm access token (npm_…)', re: /(?<![\w-])npm_[A-Za-z0-9]{36}(?![\w-])/g, accept: random },
  {
    kind: 'pypi-token',
    label: 'a PyPI API token (pypi-AgEIcHlwaS5vcmc…)',
    re: /(?<![\w-])pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}(?![\w-])/g,
    accept: varied,
  },
  { kind: 'rubygems-token', label: 'a RubyGems API key (rubygems_…)', re: /(?<![\w-])rubygems_[0-9a-f]{48}(?![\w-])/g, accept: varied },
  {
    kind: 'docker-token',
    label: 'a Docker Hub access token (dckr_pat_…, dckr_oat_…)',
    re: /(?<![\w-])(?:dckr_pat_[\w-]{27}|dckr_oat_[\w-]{32})(?![\w-])/g,
    accept: varied,
  },

  // Observability and productivity services.
  {
    kind: 'grafana-token',
    label: 'a Grafana Cloud or service-account token (glc_…, glsa_…)',
    re: /(?<![\w-])(?:glc_[A-Za-z0-9+/]{32,400}={0,3}|glsa_[A-Za-z0-9]{32}_[0-9a-fA-F]{8})(?![\w+/=-])/g,
    accept: varied,
  },
  {
    kind: 'new-relic-key',
    label: 'a New Relic user or insert key (NRAK-…, NRII-…)',
    re: /(?<![\w-])(?:NRAK-[A-Za-z0-9]{27}|NRII-[\w-]{32})(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'sentry-token',
    label: 'a Sentry auth token (sntryu_…, sntrys_…)',
    re: /(?<![\w-])(?:sntryu_[0-9a-f]{64}|sntrys_eyJ[A-Za-z0-9+/=]{60,400}_[A-Za-z0-9+/]{43})(?![\w+/=-])/g,
    accept: varied,
  },
  { kind: 'linear-api-key', label: 'a Linear API key (lin_api_…)', re: /(?<![\w-])lin_api_[A-Za-z0-9]{40}(?![\w-])/g, accept: varied },
  {
    kind: 'notion-token',
    label: 'a Notion integration token (ntn_…, secret_…)',
    re: /(?<![\w-])(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})(?![\w-])/g,
    accept: random,
  },
  { kind: 'postman-api-key', label: 'a Postman API key (PMAK-…)', re: /(?<![\w-])PMAK-[0-9a-f]{24}-[0-9a-f]{34}(?![\w-])/g, accept: varied },
  {
    kind: 'atlassian-api-token',
    label: 'an Atlassian API token (ATATT3…, ATCTT3…)',
    re: /(?<![\w-])AT[AC]TT3[\w=-]{180,200}(?![\w=-])/g,
    accept: varied,
  },
  {
    kind: 'asana-token',
    label: 'an Asana personal access token (1/…:…, 2/…/…:…)',
    re: /(?<![\w/])[0-9]\/[0-9]{15,19}(?:\/[0-9]{15,19})?:[0-9a-f]{32}(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'dropbox-token',
    label: 'a Dropbox short-lived access token (sl.…)',
    re: /(?<![\w.-])sl\.(?:u\.)?[\w-]{130,1500}(?![\w-])/g,
    accept: random,
  },

  // Code hosts and CI.
  {
    kind: 'github-token',
    label: 'a GitHub token (ghp_…, gho_…, ghu_…, ghs_…, ghr_…)',
    re: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])/g,
  },
  {
    kind: 'github-pat',
    label: 'a GitHub fine-grained token (github_pat_…)',
    re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{60,244}(?![A-Za-z0-9_])/g,
  },
  {
    kind: 'gitlab-token',
    label: 'a GitLab token (glpat-…, gldt-…, glrt-…, glcbt-…, glft-…, glimt-…, glagent-…, gloas-…, glsoat-…, glffct-…)',
    re: /(?<![\w-])gl(?:pat|dt|rt|cbt|ft|imt|agent|oas|soat|ffct)-[\w-]{20,300}(?:\.[0-9a-z]{2}(?:\.[0-9a-z]{9}|[0-9a-z]{7}))?(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'gitlab-trigger-token',
    label: 'a GitLab pipeline trigger token (glptt-…)',
    re: /(?<![\w-])glptt-[0-9a-f]{40}(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'gitlab-runner-registration-token',
    label: 'a GitLab runner registration token (GR1348941…)',
    re: /(?<![\w-])GR1348941[\w-]{20}(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'bitbucket-app-password',
    label: 'a Bitbucket app password (ATBB…)',
    re: /(?<![\w-])ATBB[\w=-]{24,64}(?![\w=-])/g,
    accept: random,
  },
  {
    kind: 'circleci-token',
    label: 'a CircleCI personal or project token (CCIPAT_…, CCIPRJ_…)',
    re: /(?<![\w-])CCIP(?:AT|RJ)_[A-Za-z0-9]{22}_[0-9a-fA-F]{40}(?![\w-])/g,
    accept: varied,
  },

  // Payments.
  {
    kind: 'stripe-key',
    label: 'a Stripe live key (sk_live_…, rk_live_…)',
    re: /(?<![A-Za-z0-9])[rs]k_live_[0-9A-Za-z]{20,247}(?![A-Za-z0-9])/g,
  },
  {
    kind: 'webhook-signing-secret',
    label: 'a webhook signing secret (whsec_…, Stripe/Svix)',
    re: /(?<![\w-])whsec_[A-Za-z0-9+/=]{32,88}(?![\w+/=-])/g,
    accept: random,
  },
  {
    kind: 'square-token',
    label: 'a Square access token or OAuth secret (EAAA…, sq0atp-…, sq0csp-…)',
    re: /(?<![\w-])(?:EAAA[\w-]{60}|sq0atp-[\w-]{22}|sq0csp-[\w-]{43})(?![\w-])/g,
    accept: random,
  },
  {
    kind: 'braintree-access-token',
    label: 'a PayPal/Braintree access token (access_token$production$…)',
    re: /(?<![\w$])access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}(?![\w$])/g,
    accept: varied,
  },
  {
    kind: 'flutterwave-secret-key',
    label: 'a Flutterwave secret key (FLWSECK-…, FLWSECK_TEST-…)',
    re: /(?<![\w-])FLWSECK(?:_TEST)?-[0-9A-Za-z]{32}-X(?![\w-])/g,
    accept: varied,
  },
  { kind: 'razorpay-key', label: 'a Razorpay live key id (rzp_live_…)', re: /(?<![\w-])rzp_live_[A-Za-z0-9]{14}(?![\w-])/g, accept: varied },

  // Messaging and email.
  {
    kind: 'slack-token',
    label: 'a Slack token (xoxb-…, xoxp-…, xoxa-…, xoxr-…, xoxs-…, xoxe-…)',
    re: /(?<![A-Za-z0-9])xox[abeprs]-[0-9A-Za-z-]{10,250}(?![0-9A-Za-z-])/g,
    accept: mixed,
  },
  {
    kind: 'slack-app-token',
    label: 'a Slack app-level token (xapp-…)',
    re: /(?<![\w-])xapp-\d-[A-Z0-9]{6,20}-\d{6,20}-[A-Za-z0-9]{32,80}(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'slack-webhook-url',
    label: 'a Slack webhook URL (hooks.slack.com/services/…)',
    re: /(?<![\w.-])hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56}(?![\w+/-])/g,
    accept: varied,
  },
  {
    kind: 'discord-webhook-url',
    label: 'a Discord webhook URL (discord.com/api/webhooks/…)',
    re: /(?<![\w.-])discord(?:app)?\.com\/api\/webhooks\/[0-9]{17,20}\/[\w-]{60,68}(?![\w-])/g,
    accept: varied,
  },
  {
    kind: 'discord-bot-token',
    label: 'a Discord bot token (three dot-separated parts, the first M…, N… or O…)',
    re: /(?<![\w.-])[MNO][\w-]{23,27}\.[\w-]{6}\.[\w-]{27,38}(?![\w.-])/g,
    accept: random,
  },
  {
    kind: 'telegram-bot-token',
    label: 'a Telegram bot token (<bot id>:AA…)',
    re: /(?<![\w:-])[0-9]{8,10}:AA[\w-]{33}(?![\w-])/g,
    accept: varied,
  },
  { kind: 'sendgrid-api-key', label: 'a SendGrid API key (SG.…)', re: /(?<![\w.-])SG\.[\w-]{22}\.[\w-]{43}(?![\w-])/g, accept: varied },
  {
    kind: 'mailgun-api-key',
    label: 'a Mailgun API key (key-…, or three dash-separated hex groups)',
    re: /(?<![\w-])(?:key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})(?![\w-])/g,
    accept: random,
  },
  {
    kind: 'mailchimp-api-key',
    label: 'a Mailchimp API key (…-us<n>)',
    re: /(?<![\w-])[0-9a-f]{32}-us[0-9]{1,2}(?![\w-])/g,
    accept: random,
  },
  { kind: 'twilio-api-key', label: 'a Twilio API key (SK…)', re: /(?<![\w-])SK[0-9a-f]{32}(?![\w-])/g, accept: random },

  // Commerce.
  {
    kind: 'shopify-token',
    label: 'a Shopify access token or shared secret (shpat_…, shpca_…, shppa_…, shpss_…)',
    re: /(?<![\w-])shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}(?![\w-])/g,
    accept: varied,
  },
];
