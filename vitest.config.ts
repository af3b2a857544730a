import { defineConfig } from 'vitest/config';

// Workspace packages export a "source" condition that points at their TypeScript sources, so tests run
// against the code as written (no stale dist/) and stack traces point at .ts lines.
const conditions = ['source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Every test must clean up its servers and timers; a dangling rejection is a bug, not noise.
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
