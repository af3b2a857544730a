import { defineConfig } from 'vitest/config';

// Workspace packages export a "source" condition that points at their TypeScript sources, so tests run
// against the code as written (no stale dist/) and stack traces point at .ts lines. It is added to the
// resolver's usual conditions only: passing "import"/"module" on to Node for external dependencies
// would make CommonJS packages (Express's router, say) require ESM builds of their dependencies.
export default defineConfig({
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
