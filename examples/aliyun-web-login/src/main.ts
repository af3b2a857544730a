/**
 * "Sign in with Alibaba Cloud" in an Express app.
 *
 *   pnpm demo            (from the repository root: builds the packages, then starts this)
 *
 * With no configuration it runs against an embedded mock Aliyun server, login page included. To use a
 * real Alibaba Cloud web app, set ALIYUN_CLIENT_ID, ALIYUN_CLIENT_SECRET and ALIYUN_REGION (cn or intl),
 * and register <PUBLIC_URL>/callback as its redirect URI (default http://127.0.0.1:3000/callback).
 */
import { loadConfig } from './config.js';
import { startDemo } from './server.js';

const demo = await startDemo(loadConfig(process.env));
console.log(`Demo running at ${demo.url}`);
if (demo.mock) console.log(`(no ALIYUN_* configuration: signing in against the mock Aliyun server at ${demo.mock.origin})`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
