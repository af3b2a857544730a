/**
 * Node.js-only helpers for `@x/oauth2-core`. Importing this subpath loads `node:http`/`node:https`; the
 * main entry stays free of Node APIs.
 * @module
 */
export { createNodeFetch } from './fetch.js';
export type { NodeFetch, NodeFetchOptions } from './fetch.js';
