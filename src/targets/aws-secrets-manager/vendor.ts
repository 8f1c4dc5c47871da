/**
 * The aws-secrets-manager target's third-party code (the AWS SDK client: about 0.45 MB
 * minified), in one module that the build bundles on its own (`dist/keyfold-aws.js`, see
 * scripts/build.mjs): the CLI bundle stays small, and only a sync to AWS loads it.
 * Nothing of keyfold's own goes here.
 */
export { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
