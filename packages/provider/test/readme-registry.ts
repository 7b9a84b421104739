/**
 * Who runs each command a README shows. Every shell command of every
 * tracked README (fenced `sh`, `bash`, `shell` or `console` blocks; the
 * guard refuses commands in any other block) must be claimed here; `e2e/readme-coverage.test.ts` fails, naming the README and
 * the command, for one that is not. A test claim names a README section
 * (its `## ` heading, or `null` for the text before the first one) and the
 * test file that reads that section through `readme-commands.ts` and runs
 * its commands as written; the guard checks that the file really does.
 */

/** A README section whose commands a test reads and runs exactly as written. */
export interface TestClaim {
  /** Repository-relative README path. */
  readonly readme: string;
  /** The `## ` heading of the section, or `null` for the text before the first heading. */
  readonly heading: string | null;
  /** Repository-relative path of the test file that runs the section's commands. */
  readonly test: string;
  /** The commands of the section it runs, when not all of them (comments left out). */
  readonly commands?: readonly string[];
}

/** Whether a test claim covers a command shown in a README section. */
export function claims(claim: TestClaim, shown: { readme: string; heading: string | null; command: string }): boolean {
  return claim.readme === shown.readme && claim.heading === shown.heading && (claim.commands === undefined || claim.commands.includes(shown.command));
}

/** A command run by the CI script itself rather than by a test. */
export interface CiClaim {
  readonly readme: string;
  readonly command: string;
  /** Repository-relative path of the script, and the lines of it that make up the command, in order. */
  readonly script: string;
  readonly lines: readonly string[];
}

/** A command no test runs, and why. */
export interface Exception {
  readonly readme: string;
  readonly command: string;
  readonly reason: string;
}

export const TEST_CLAIMS: readonly TestClaim[] = [
  { readme: 'README.md', heading: 'Use it in your own repository', test: 'packages/provider/test/install/install.test.ts' },
  { readme: 'README.md', heading: 'Several nodes on one PostgreSQL', test: 'packages/runtime/test/serve/postgres-quickstart.test.ts' },
  { readme: 'examples/quickstart/README.md', heading: 'Run it', test: 'packages/provider/test/e2e/readmes.test.ts' },
  { readme: 'examples/gitops/README.md', heading: 'Run it locally', test: 'packages/provider/test/e2e/gitops.test.ts' },
  { readme: 'bench/reconcile/README.md', heading: null, test: 'packages/provider/test/e2e/bench-readmes.test.ts' },
  { readme: 'README.md', heading: 'Benchmarks', test: 'packages/provider/test/e2e/bench-readmes.test.ts' },
  { readme: 'bench/dataplane/README.md', heading: null, test: 'packages/provider/test/e2e/bench-readmes.test.ts' },
  { readme: 'bench/backends/README.md', heading: null, test: 'packages/provider/test/e2e/bench-readmes.test.ts' },
  { readme: 'bench/store/README.md', heading: null, test: 'packages/provider/test/e2e/bench-readmes.test.ts' },
  { readme: 'examples/function/README.md', heading: 'Run it', test: 'packages/provider/test/e2e/backend-examples.test.ts' },
  { readme: 'examples/upload/README.md', heading: 'Run it', test: 'packages/provider/test/e2e/backend-examples.test.ts' },
  { readme: 'bench/console/README.md', heading: null, test: 'packages/provider/test/e2e/bench-readmes.test.ts' },
  ...['1. Start a gateway and a backend', '2. Install the provider into a filesystem mirror', '3. Deploy', '4. Destroy', 'Without Terraform'].map((heading) => ({
    readme: 'examples/cdktf/README.md',
    heading,
    test: 'packages/provider/test/terraform/terraform-e2e.test.ts',
  })),
];

export const CI_CLAIMS: readonly CiClaim[] = [
  // `.ci/run` installs with `npm ci` (quietened: --no-audit --no-fund), runs the demo, then the tests.
  { readme: 'README.md', command: 'npm ci && npm run demo', script: '.ci/run', lines: ['npm ci --no-audit --no-fund', 'npm run demo'] },
  { readme: 'README.md', command: 'npm ci && npm test', script: '.ci/run', lines: ['npm ci --no-audit --no-fund', 'npm test'] },
];

const PULUMI = 'The Pulumi CLI is not installed where the tests run (its npm package downloads the binary when it runs); the walkthrough needs it from its first pulumi command, and the program itself is checked by packages/provider/test/pulumi (type-check and the resource graph under Pulumi mocks).';

/** Commands that cannot run where the tests run; each README says so in prose. */
export const CANNOT_RUN: readonly Exception[] = [
  'npm ci && npm run build',
  'npx apigw serve --data-dir .apigw',
  'cd examples/pulumi',
  'pulumi login --local',
  'pulumi stack init dev',
  'pulumi config set --secret apigw:token "$(cat ../../.apigw/admin.token)"',
  'pulumi up',
  'pulumi stack output --show-secrets',
  "curl -H 'Host: api.shop.localhost' http://127.0.0.1:8080/health",
  'EXAMPLE_USERS_RELEASE_URL=http://127.0.0.1:9012 pulumi up',
  'pulumi refresh',
  'pulumi destroy',
].map((command) => ({ readme: 'examples/pulumi/README.md', command, reason: PULUMI }));
