/**
 * The contenders of the token-request benchmark: each sets itself up against the token server and then
 * performs one client_credentials request per `request()` call, returning the access token.
 *
 * Every contender authenticates with client_secret_basic and parses the JSON response, as a user of that
 * library would write it, with the library's defaults.
 */
import * as http from 'node:http';
import { OAuth2Client } from '@badgateway/oauth2-client';
import ky from 'ky';
import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import { ClientCredentials } from 'simple-oauth2';
import { loadClient } from './core.js';

/** Row names, shared with the report, which talks about some rows by name. */
export const NAMES = {
  rawFetch: 'raw fetch',
  rawKy: 'raw ky',
  nodeFetchAlone: 'createNodeFetch alone (diagnostic)',
  kyNodeFetch: 'raw ky + createNodeFetch (diagnostic)',
  rawNodeHttp: 'raw node:http keep-alive',
  us: 'us (default)',
  usNode: 'us + createNodeFetch',
  usNodeNoRetry: 'us + createNodeFetch, retry: false (diagnostic)',
  simpleOauth2: 'simple-oauth2',
  openidClient: 'openid-client',
  oauth4webapi: 'oauth4webapi',
  badgateway: '@badgateway/oauth2-client',
} as const;

export const CLIENT_ID = 'bench-client';
export const CLIENT_SECRET = 'bench-secret';
const BASIC = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;

export interface Requester {
  request(): Promise<string>;
  close(): void;
}

export interface TokenContender {
  readonly name: string;
  /** The package whose version the report lists (`node` for the built-ins). */
  readonly pkg: string;
  setup(origin: string): Promise<Requester>;
}

interface TokenJson {
  access_token: string;
}

const grantBody = (): URLSearchParams => new URLSearchParams({ grant_type: 'client_credentials' });

function parseToken(text: string): string {
  const { access_token: token } = JSON.parse(text) as TokenJson;
  if (typeof token !== 'string') throw new Error('token response without access_token');
  return token;
}

/** The hand-written request every fetch-based raw contender makes. */
function fetchRequester(origin: string, fetchImpl: typeof fetch, close: () => void): Requester {
  const url = `${origin}/token`;
  return {
    async request() {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { authorization: BASIC, accept: 'application/json' },
        body: grantBody(),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return parseToken(await response.text());
    },
    close,
  };
}

function kyRequester(origin: string, fetchImpl: typeof fetch | undefined, close: () => void): Requester {
  const url = `${origin}/token`;
  const options = fetchImpl ? { fetch: fetchImpl } : {};
  return {
    async request() {
      const json = await ky.post(url, { ...options, headers: { authorization: BASIC }, body: grantBody() }).json<TokenJson>();
      return json.access_token;
    },
    close,
  };
}

async function createNodeFetch(): Promise<typeof fetch & { close(): void }> {
  const loaded = await loadClient();
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.api.createNodeFetch();
}

const rawFetch: TokenContender = {
  name: NAMES.rawFetch,
  pkg: 'node',
  setup: async (origin) => fetchRequester(origin, fetch, () => {}),
};

const rawKy: TokenContender = {
  name: NAMES.rawKy,
  pkg: 'ky',
  setup: async (origin) => kyRequester(origin, undefined, () => {}),
};

/** Diagnostic: our transport without ky or the client, next to raw node:http. */
const nodeFetchAlone: TokenContender = {
  name: NAMES.nodeFetchAlone,
  pkg: '@x/oauth2-core',
  async setup(origin) {
    const transport = await createNodeFetch();
    return fetchRequester(origin, transport, () => transport.close());
  },
};

/** Diagnostic: ky on our transport, to split the client's cost from ky's. */
const kyNodeFetch: TokenContender = {
  name: NAMES.kyNodeFetch,
  pkg: 'ky',
  async setup(origin) {
    const transport = await createNodeFetch();
    return kyRequester(origin, transport, () => transport.close());
  },
};

const rawNodeHttp: TokenContender = {
  name: NAMES.rawNodeHttp,
  pkg: 'node',
  async setup(origin) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const url = new URL('/token', origin);
    const body = grantBody().toString();
    const headers = {
      authorization: BASIC,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
    };
    const request = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(parseToken(Buffer.concat(chunks).toString('utf8')));
            } catch (error) {
              reject(error);
            }
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    return { request, close: () => agent.destroy() };
  },
};

const us: TokenContender = {
  name: NAMES.us,
  pkg: '@x/oauth2-core',
  setup: (origin) => setupUs(origin, { nodeTransport: false }),
};

const usNode: TokenContender = {
  name: NAMES.usNode,
  pkg: '@x/oauth2-core',
  setup: (origin) => setupUs(origin, { nodeTransport: true }),
};

/** Diagnostic: what the client's retry support costs per request (ky clones each retryable request). */
const usNodeNoRetry: TokenContender = {
  name: NAMES.usNodeNoRetry,
  pkg: '@x/oauth2-core',
  setup: (origin) => setupUs(origin, { nodeTransport: true, retry: false }),
};

async function setupUs(origin: string, variant: { nodeTransport: boolean; retry?: false }): Promise<Requester> {
  const loaded = await loadClient();
  if (!loaded.ok) throw new Error(loaded.reason);
  const { createClient, defineProvider, createNodeFetch } = loaded.api;
  const transport = variant.nodeTransport ? createNodeFetch() : undefined;
  const client = createClient(defineProvider({ name: 'bench', endpoints: { token: `${origin}/token` } }), {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    ...(transport ? { fetch: transport } : {}),
    ...(variant.retry === false ? { retry: false } : {}),
  });
  return {
    async request() {
      return (await client.clientCredentials.getToken()).accessToken;
    },
    close: () => transport?.close(),
  };
}

const simpleOauth2: TokenContender = {
  name: NAMES.simpleOauth2,
  pkg: 'simple-oauth2',
  async setup(origin) {
    const client = new ClientCredentials({
      client: { id: CLIENT_ID, secret: CLIENT_SECRET },
      auth: { tokenHost: origin, tokenPath: '/token' },
    });
    return {
      async request() {
        const { token } = await client.getToken({});
        return String(token['access_token']);
      },
      close() {},
    };
  },
};

const openidClient: TokenContender = {
  name: NAMES.openidClient,
  pkg: 'openid-client',
  async setup(origin) {
    const config = new openid.Configuration(
      { issuer: origin, token_endpoint: `${origin}/token` },
      CLIENT_ID,
      undefined,
      openid.ClientSecretBasic(CLIENT_SECRET),
    );
    // The token server is plain http on loopback.
    openid.allowInsecureRequests(config);
    return {
      async request() {
        return (await openid.clientCredentialsGrant(config)).access_token;
      },
      close() {},
    };
  },
};

const oauth4webapi: TokenContender = {
  name: NAMES.oauth4webapi,
  pkg: 'oauth4webapi',
  async setup(origin) {
    const as: oauth.AuthorizationServer = { issuer: origin, token_endpoint: `${origin}/token` };
    const client: oauth.Client = { client_id: CLIENT_ID };
    const auth = oauth.ClientSecretBasic(CLIENT_SECRET);
    return {
      async request() {
        const response = await oauth.clientCredentialsGrantRequest(as, client, auth, grantBody(), {
          [oauth.allowInsecureRequests]: true,
        });
        return (await oauth.processClientCredentialsResponse(as, client, response)).access_token;
      },
      close() {},
    };
  },
};

const badgateway: TokenContender = {
  name: NAMES.badgateway,
  pkg: '@badgateway/oauth2-client',
  async setup(origin) {
    const client = new OAuth2Client({
      server: origin,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      tokenEndpoint: '/token',
      authenticationMethod: 'client_secret_basic',
    });
    return {
      async request() {
        return (await client.clientCredentials()).accessToken;
      },
      close() {},
    };
  },
};

/** In report order; `raw fetch` is the baseline of the ratios. */
export const TOKEN_CONTENDERS: readonly TokenContender[] = [
  rawFetch,
  rawKy,
  rawNodeHttp,
  us,
  usNode,
  simpleOauth2,
  openidClient,
  oauth4webapi,
  badgateway,
  nodeFetchAlone,
  kyNodeFetch,
  usNodeNoRetry,
];
