import { generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, defineProvider, InvalidArgumentError } from '../src/index.js';
import type { ClientOptions, ProviderDefinition, ProviderPreset } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer } from './helpers/edge-server.js';

const provider = defineProvider({
  name: 'example',
  endpoints: { authorization: 'https://as.example/authorize', token: 'https://as.example/token' },
});

/** Runs `action` and returns the InvalidArgumentError it throws, failing the test if it throws anything else. */
function invalidArgument(action: () => unknown): InvalidArgumentError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const invalid = error as InvalidArgumentError;
    expect(invalid.code).toBe('ERR_INVALID_ARGUMENT');
    return invalid;
  }
  throw new Error('expected an InvalidArgumentError, nothing was thrown');
}

describe('createClient validation', () => {
  const cases: { name: string; options: ClientOptions; argument: string; message: RegExp }[] = [
    { name: 'a missing clientId', options: {} as ClientOptions, argument: 'clientId', message: /required/ },
    { name: 'an empty clientId', options: { clientId: '' }, argument: 'clientId', message: /required/ },
    { name: 'a relative redirect URI', options: { clientId: 'app', redirectUri: '/callback' }, argument: 'redirectUri', message: /not an absolute URL/ },
    { name: 'a redirect URI with a fragment', options: { clientId: 'app', redirectUri: 'https://app.example/cb#done' }, argument: 'redirectUri', message: /fragment/ },
    { name: 'private_key_jwt without a key', options: { clientId: 'app', tokenEndpointAuthMethod: 'private_key_jwt' }, argument: 'privateKey', message: /private key/ },
    { name: 'client_secret_basic without a secret', options: { clientId: 'app', tokenEndpointAuthMethod: 'client_secret_basic' }, argument: 'clientSecret', message: /client_secret_basic/ },
    { name: 'client_secret_post without a secret', options: { clientId: 'app', tokenEndpointAuthMethod: 'client_secret_post' }, argument: 'clientSecret', message: /client_secret_post/ },
    { name: 'client_secret_jwt without a secret', options: { clientId: 'app', tokenEndpointAuthMethod: 'client_secret_jwt' }, argument: 'clientSecret', message: /client_secret_jwt/ },
    { name: 'an empty client secret', options: { clientId: 'app', clientSecret: '' }, argument: 'clientSecret', message: /non-empty/ },
    { name: 'a zero timeout', options: { clientId: 'app', timeout: 0 }, argument: 'timeout', message: /positive/ },
    { name: 'a negative timeout', options: { clientId: 'app', timeout: -5 }, argument: 'timeout', message: /positive/ },
    { name: 'a NaN timeout', options: { clientId: 'app', timeout: Number.NaN }, argument: 'timeout', message: /positive/ },
    { name: 'a timeout beyond what timers allow', options: { clientId: 'app', timeout: 2 ** 31 }, argument: 'timeout', message: /positive/ },
    {
      name: 'an unknown auth method',
      options: { clientId: 'app', clientSecret: 's', tokenEndpointAuthMethod: 'client_secret_magic' as ClientOptions['tokenEndpointAuthMethod'] },
      argument: 'tokenEndpointAuthMethod',
      message: /"client_secret_magic" is not one of client_secret_basic/,
    },
  ];

  for (const { name, options, argument, message } of cases) {
    it(`refuses ${name}`, () => {
      const error = invalidArgument(() => createClient(provider, options));
      expect(error.argument).toBe(argument);
      expect(error.message).toMatch(message);
      expect(error.message.startsWith(`${argument}: `)).toBe(true);
      expect(error.toJSON()).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', argument });
    });
  }

  it('refuses options that are not an object', () => {
    expect(invalidArgument(() => createClient(provider, undefined as unknown as ClientOptions)).argument).toBe('options');
  });

  const notPresets: { name: string; value: unknown }[] = [
    { name: 'undefined', value: undefined },
    { name: 'null', value: null },
    { name: 'a URL string', value: 'https://as.example' },
    { name: 'a plain definition that did not go through defineProvider', value: { name: 'raw', endpoints: { token: 'https://as.example/token' } } },
    { name: 'an object without a token endpoint', value: { name: 'raw', endpoints: {}, quirks: {} } },
  ];
  for (const { name, value } of notPresets) {
    it(`refuses a provider that is ${name}`, () => {
      const error = invalidArgument(() => createClient(value as ProviderPreset, { clientId: 'app' }));
      expect(error.argument).toBe('provider');
      expect(error.message).toMatch(/defineProvider/);
    });
  }

  it('accepts an http(s) absolute redirect URI, including a loopback one for native apps', () => {
    expect(() => createClient(provider, { clientId: 'app', redirectUri: 'http://127.0.0.1:8080/callback' })).not.toThrow();
    expect(() => createClient(provider, { clientId: 'app', redirectUri: 'https://app.example/cb?from=login' })).not.toThrow();
  });
});

describe('defineProvider validation', () => {
  const base: ProviderDefinition = { name: 'example', endpoints: { token: 'https://as.example/token' } };
  const cases: { name: string; definition: ProviderDefinition; argument: string; message: RegExp }[] = [
    { name: 'a relative token endpoint', definition: { ...base, endpoints: { token: '/token' } }, argument: 'endpoints.token', message: /not an absolute URL/ },
    { name: 'an ftp token endpoint', definition: { ...base, endpoints: { token: 'ftp://as.example/token' } }, argument: 'endpoints.token', message: /https/ },
    {
      name: 'a relative authorization endpoint',
      definition: { ...base, endpoints: { token: 'https://as.example/token', authorization: 'authorize' } },
      argument: 'endpoints.authorization',
      message: /not an absolute URL/,
    },
    {
      name: 'an ftp revocation endpoint',
      definition: { ...base, endpoints: { token: 'https://as.example/token', revocation: 'ftp://as.example/revoke' } },
      argument: 'endpoints.revocation',
      message: /https/,
    },
    { name: 'a missing token endpoint', definition: { ...base, endpoints: {} as ProviderDefinition['endpoints'] }, argument: 'endpoints.token', message: /absolute http\(s\) URL/ },
    { name: 'missing endpoints', definition: { name: 'example' } as ProviderDefinition, argument: 'endpoints', message: /token/ },
    { name: 'a missing name', definition: { ...base, name: '' }, argument: 'name', message: /name/ },
    { name: 'a relative issuer', definition: { ...base, issuer: 'as.example' }, argument: 'issuer', message: /not an absolute URL/ },
  ];
  for (const { name, definition, argument, message } of cases) {
    it(`refuses ${name}`, () => {
      const error = invalidArgument(() => defineProvider(definition));
      expect(error.argument).toBe(argument);
      expect(error.message).toMatch(message);
    });
  }

  it('fills in the documented defaults and freezes the preset', () => {
    const preset = defineProvider(base);
    expect(preset.tokenEndpointAuthMethod).toBe('client_secret_basic');
    expect(preset.quirks).toEqual({ scopeSeparator: ' ', basicAuthEncoding: 'form-urlencoded', supportsNonce: true, requireIssParameter: false, authorizationParams: {} });
    expect(Object.isFrozen(preset)).toBe(true);
    expect(Object.isFrozen(preset.endpoints)).toBe(true);
  });
});

describe('default client authentication method', () => {
  let server: EdgeServer;

  afterEach(async () => {
    await server?.close();
  });

  async function tokenServer(): Promise<EdgeServer> {
    server = await startEdgeServer((_request, response) => sendJson(response, 200, { access_token: 'at', token_type: 'Bearer' }));
    return server;
  }

  it('is none for a public client: client_id in the body, no Authorization header', async () => {
    const edge = await tokenServer();
    const client = createClient(defineProvider({ name: 'p', endpoints: { token: edge.url('/token') } }), { clientId: 'public-app' });
    await client.clientCredentials.getToken();
    const [request] = edge.requests;
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.form.get('client_id')).toBe('public-app');
    expect(request?.form.has('client_secret')).toBe(false);
    expect(request?.form.has('client_assertion')).toBe(false);
  });

  it("is the provider's method when the client has a secret (client_secret_basic by default)", async () => {
    const edge = await tokenServer();
    const client = createClient(defineProvider({ name: 'p', endpoints: { token: edge.url('/token') } }), { clientId: 'app', clientSecret: 'shh' });
    await client.clientCredentials.getToken();
    expect(edge.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('app:shh').toString('base64')}`);
    expect(edge.requests[0]?.form.has('client_secret')).toBe(false);
  });

  it("is the provider's method when the client has a secret (a client_secret_post provider)", async () => {
    const edge = await tokenServer();
    const postProvider = defineProvider({ name: 'p', endpoints: { token: edge.url('/token') }, tokenEndpointAuthMethod: 'client_secret_post' });
    const client = createClient(postProvider, { clientId: 'app', clientSecret: 'shh' });
    await client.clientCredentials.getToken();
    expect(edge.requests[0]?.headers.authorization).toBeUndefined();
    expect(edge.requests[0]?.form.get('client_id')).toBe('app');
    expect(edge.requests[0]?.form.get('client_secret')).toBe('shh');
  });

  it('is private_key_jwt when the client has a private key, even with a secret', async () => {
    const edge = await tokenServer();
    const { privateKey } = await generateKeyPair('ES256');
    const client = createClient(defineProvider({ name: 'p', endpoints: { token: edge.url('/token') } }), { clientId: 'app', clientSecret: 'shh', privateKey });
    await client.clientCredentials.getToken();
    const [request] = edge.requests;
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(request?.form.get('client_assertion')?.split('.')).toHaveLength(3);
    expect(request?.form.has('client_secret')).toBe(false);
  });

  it('lets an explicit method win over the default', async () => {
    const edge = await tokenServer();
    const client = createClient(defineProvider({ name: 'p', endpoints: { token: edge.url('/token') } }), {
      clientId: 'app',
      clientSecret: 'shh',
      tokenEndpointAuthMethod: 'client_secret_post',
    });
    await client.clientCredentials.getToken();
    expect(edge.requests[0]?.headers.authorization).toBeUndefined();
    expect(edge.requests[0]?.form.get('client_secret')).toBe('shh');
  });
});
