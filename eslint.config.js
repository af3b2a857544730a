import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Code that runs in browsers, Deno, Bun and edge runtimes must not import Node built-ins. Node-only code
// (mock server, Node transport) lives behind its own subpath export and is listed in `nodeOnly`.
const nodeOnly = [
  'packages/*/test/**',
  'packages/bench/**',
  'packages/oauth2-core/src/node/**',
  'packages/provider-aliyun/src/testing/**',
  'examples/**',
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs-site/**', 'coverage/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: nodeOnly,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Library entry points must run on any fetch/WebCrypto runtime.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'Buffer', 'process', '__dirname', 'require'],
    },
  },
  {
    files: ['examples/**', 'packages/bench/**', 'packages/*/test/**'],
    rules: { 'no-console': 'off' },
  },
);
