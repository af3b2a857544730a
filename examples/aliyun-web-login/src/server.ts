import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from 'express-session';
import { createClient } from '@x/oauth2-core';
import { aliyunProvider } from '@x/provider-aliyun';
import { seededApps, startAliyunMockServer } from '@x/provider-aliyun/testing';
import type { AliyunMockServer, AliyunMockServerOptions } from '@x/provider-aliyun/testing';
import { createApp } from './app.js';
import type { DemoConfig } from './config.js';

/** A running demo: the web app and, without Alibaba Cloud configuration, the mock server behind it. */
export interface Demo {
  /** Where to open the app. */
  readonly url: string;
  /** The embedded mock Aliyun server, when no real app is configured. */
  readonly mock: AliyunMockServer | undefined;
  close(): Promise<void>;
}

/** Test hooks: where sessions live, and settings of the embedded mock server (its accounts...). */
export interface DemoOptions {
  sessionStore?: Store;
  mock?: Omit<AliyunMockServerOptions, 'apps'>;
}

/**
 * Listens on 127.0.0.1, then wires the app to Alibaba Cloud or, with no configuration, to an embedded
 * mock server whose web app has this app's redirect URI registered.
 */
export async function startDemo(config: DemoConfig, options: DemoOptions = {}): Promise<Demo> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', resolve);
  });
  const url = config.publicUrl ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${url}/callback`;

  let mock: AliyunMockServer | undefined;
  try {
    if (!config.aliyun) {
      // The seeded web app, registered with this app's redirect URI (whatever port it got).
      mock = await startAliyunMockServer({ ...options.mock, apps: [{ ...seededApps.web, redirectUris: [redirectUri] }] });
    }
    const provider = mock
      ? aliyunProvider('cn', { signinOrigin: mock.origin, oauthOrigin: mock.origin })
      : aliyunProvider(config.aliyun!.region);
    const credentials = config.aliyun ?? { clientId: seededApps.web.clientId, clientSecret: seededApps.web.clientSecret };
    const client = createClient(provider, { clientId: credentials.clientId, clientSecret: credentials.clientSecret, redirectUri });
    const site = mock
      ? { label: `the local Aliyun mock server at ${mock.origin}`, mock: true }
      : { label: `Alibaba Cloud (${config.aliyun!.region === 'cn' ? 'aliyun.com' : 'alibabacloud.com'})`, mock: false };
    const sessionStore = options.sessionStore ? { sessionStore: options.sessionStore } : {};
    server.on('request', createApp({ client, publicUrl: url, sessionSecret: config.sessionSecret, site, ...sessionStore }));
  } catch (error) {
    server.close();
    await mock?.close();
    throw error;
  }

  return {
    url,
    mock,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await mock?.close();
    },
  };
}
