/** The bundle output formats by name (no code: the command table lists them at start-up without loading the encoders). */
export const BUNDLE_FORMATS = ['dotenv', 'shell', 'json', 'yaml', 'k8s'] as const;
export type BundleFormatName = (typeof BUNDLE_FORMATS)[number];
