import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sharedTestOptions } from '../../vitest.shared.js';

// The AWS SDK reads ~/.aws/config and ~/.aws/credentials, and asks the instance metadata service, for
// whatever a client is not given: the tests point both files into this package (they do not exist)
// and turn metadata off, so nothing outside the repository is read.
const absentAwsFile = fileURLToPath(new URL('./test/no-aws-files/absent', import.meta.url));

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { AWS_CONFIG_FILE: absentAwsFile, AWS_SHARED_CREDENTIALS_FILE: absentAwsFile, AWS_EC2_METADATA_DISABLED: 'true' },
    ...sharedTestOptions,
  },
});
