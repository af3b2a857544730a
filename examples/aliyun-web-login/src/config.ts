import { randomBytes } from 'node:crypto';
import type { AliyunRegion } from '@x/provider-aliyun';

/** What the demo needs to start, read from the environment by {@link loadConfig}. */
export interface DemoConfig {
  /** Port to listen on (on 127.0.0.1). `0` picks a free one. */
  port: number;
  /**
   * The address users reach the app at, when not `http://127.0.0.1:<port>` (a reverse proxy, a tunnel).
   * The redirect URI is `<publicUrl>/callback`: register exactly that with Alibaba Cloud.
   */
  publicUrl?: string;
  /** A real Alibaba Cloud web app; absent: the embedded mock server stands in. */
  aliyun?: { clientId: string; clientSecret: string; region: AliyunRegion };
  /** Signs the session cookie. */
  sessionSecret: string;
}

/**
 * Reads the configuration. With no `ALIYUN_*` variables the demo runs against the embedded mock server.
 *
 * | Variable | Meaning |
 * |---|---|
 * | `ALIYUN_CLIENT_ID`, `ALIYUN_CLIENT_SECRET` | A web app from the RAM console (OAuth applications). |
 * | `ALIYUN_REGION` | `cn` (aliyun.com, default) or `intl` (alibabacloud.com). |
 * | `PORT` | Default 3000. |
 * | `PUBLIC_URL` | Default `http://127.0.0.1:<PORT>`. |
 * | `SESSION_SECRET` | Default: random at each start (sessions end when the process does anyway). |
 */
export function loadConfig(env: NodeJS.ProcessEnv): DemoConfig {
  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);

  let publicUrl: string | undefined;
  if (env.PUBLIC_URL) {
    if (!URL.canParse(env.PUBLIC_URL)) throw new Error(`PUBLIC_URL must be an absolute URL such as https://app.example.com, got "${env.PUBLIC_URL}"`);
    publicUrl = new URL(env.PUBLIC_URL).origin;
  }

  const { ALIYUN_CLIENT_ID: clientId, ALIYUN_CLIENT_SECRET: clientSecret, ALIYUN_REGION: region = 'cn' } = env;
  let aliyun: DemoConfig['aliyun'];
  if (clientId || clientSecret) {
    if (!clientId || !clientSecret) throw new Error('set both ALIYUN_CLIENT_ID and ALIYUN_CLIENT_SECRET (a web app), or neither to use the mock server');
    if (region !== 'cn' && region !== 'intl') throw new Error(`ALIYUN_REGION must be "cn" or "intl", got "${region}"`);
    aliyun = { clientId, clientSecret, region };
  }

  return {
    port,
    ...(publicUrl === undefined ? {} : { publicUrl }),
    ...(aliyun === undefined ? {} : { aliyun }),
    sessionSecret: env.SESSION_SECRET || randomBytes(32).toString('base64url'),
  };
}
