import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Configuration, ProviderContext } from 'oidc-provider';

/** The embedded provider: where it runs and the client registered for this example. */
export interface LocalProvider {
  /** `http://127.0.0.1:<port>`: discovery works from here. */
  readonly issuer: string;
  /** A public client (no secret) allowed the device grant. */
  readonly clientId: string;
  close(): Promise<void>;
}

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Starts panva's `oidc-provider` on 127.0.0.1 with the device flow, so the example runs with no account
 * anywhere. Its development login page (`devInteractions`) accepts ANY login name and password: it is a
 * stand-in for a real identity provider, never something to deploy.
 */
export async function startLocalProvider(options: { port?: number } = {}): Promise<LocalProvider> {
  const { default: Provider } = await withoutProviderWarnings(() => import('oidc-provider'));
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'device-flow-example';

  const provider = await withoutProviderWarnings(async () => new Provider(issuer, configuration(clientId)));
  // RFC 8628 §3.2: without `interval` a client waits 5 s between polls. oidc-provider sends none; this local
  // provider asks for 1 s so the demo (and its test) answer quickly. Real providers usually say 5.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/device/auth' && typeof ctx.body === 'object' && ctx.body !== null) {
      (ctx.body as Record<string, unknown>).interval = 1;
    }
  });
  server.on('request', provider.callback());

  return {
    issuer,
    clientId,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function configuration(clientId: string): Configuration {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    clients: [
      {
        client_id: clientId,
        client_name: 'Device flow example',
        token_endpoint_auth_method: 'none',
        grant_types: [deviceGrant],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    // The dev login page takes any login name: invent an account for it.
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({
        sub: id,
        name: id.charAt(0).toUpperCase() + id.slice(1),
        preferred_username: id,
        email: `${id}@example.com`,
        email_verified: false,
      }),
    }),
    ttl: { AccessToken: 3600, IdToken: 3600, DeviceCode: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true, userCodeInputSource, userCodeConfirmSource, successSource },
    },
  };
}

// The device-flow pages a person sees, self-contained (the defaults load a web font).

async function userCodeInputSource(ctx: ProviderContext, form: string, _out: unknown, error?: Error): Promise<void> {
  const message = error
    ? `<p class="error" id="device-error">${error.name === 'AbortedError' ? 'The sign-in was cancelled.' : 'That code is not valid. Check it and try again.'}</p>`
    : '<p>Enter the code shown in your terminal.</p>';
  page(ctx, 'Connect a device', `${message}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
}

async function userCodeConfirmSource(
  ctx: ProviderContext,
  form: string,
  _client: unknown,
  _deviceInfo: unknown,
  userCode: string,
): Promise<void> {
  page(
    ctx,
    'Confirm the device',
    `<p>Check that your terminal shows this code:</p><p class="code" id="device-code">${escapeHtml(userCode)}</p>${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" class="secondary">Cancel</button>`,
  );
}

async function successSource(ctx: ProviderContext): Promise<void> {
  page(ctx, 'Device connected', '<p id="device-approved">You can close this page and go back to your terminal.</p>');
}

function page(ctx: ProviderContext, title: string, content: string): void {
  ctx.type = 'html';
  ctx.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #f4f5f7; margin: 0; }
  main { max-width: 360px; margin: 64px auto; background: #fff; padding: 24px 32px; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  input[type=text] { font: inherit; width: 100%; box-sizing: border-box; padding: 8px; text-transform: uppercase; text-align: center; }
  button { font: inherit; width: 100%; margin-top: 12px; padding: 8px; border-radius: 6px; border: 0; background: #2563eb; color: #fff; }
  button.secondary { background: #e5e7eb; color: #111; }
  .code { font: 28px monospace; text-align: center; letter-spacing: 2px; }
  .error { color: #b91c1c; }
</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${content}</main></body></html>`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * oidc-provider warns on stderr that Node 20 is not a supported runtime (it wants 22+) and that the
 * development login pages are on. Both are true and expected for this local stand-in; only lines starting
 * with "oidc-provider WARNING" are held back, and only while the module loads and the provider is built.
 */
async function withoutProviderWarnings<T>(action: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING')) return;
    warn(...args);
  };
  try {
    return await action();
  } finally {
    console.warn = warn;
  }
}
