import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the two providers of this example, on one 127.0.0.1 origin:
 * - GitHub-like: `/login/oauth/authorize` (approves at once as "octocat", no page),
 *   `/login/oauth/access_token` (client_secret_post, PKCE, GitHub's quirks: errors with HTTP 200,
 *   comma-separated scopes, `token_type: "bearer"`, no expiry) and `/api/user`;
 * - a plain OAuth 2.0 server with RFC 8414 metadata at `/.well-known/oauth-authorization-server` and a
 *   client-credentials token endpoint (`client_secret_basic`) at `/oauth/token`.
 * Just enough protocol for the example; not a reference implementation.
 */
export interface LocalServer {
  readonly origin: string;
  close(): Promise<void>;
}

export interface LocalServerOptions {
  github: { clientId: string; clientSecret: string; redirectUri: string };
  machine: { clientId: string; clientSecret: string };
}

interface PendingCode {
  redirectUri: string;
  codeChallenge: string | undefined;
  scope: string;
}

const octocat = { login: 'octocat', id: 583231, name: 'The Octocat' };

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Set<string>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const route = `${req.method} ${url.pathname}`;
    const form = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : new URLSearchParams();
    switch (route) {
      case 'GET /login/oauth/authorize':
        return authorize(url.searchParams, res);
      case 'POST /login/oauth/access_token':
        return githubToken(form, req, res);
      case 'GET /api/user':
        return accessTokens.has(bearer(req) ?? '') ? send(res, 200, octocat) : send(res, 401, { message: 'Bad credentials' });
      case 'GET /.well-known/oauth-authorization-server':
        return send(res, 200, {
          issuer: origin,
          token_endpoint: `${origin}/oauth/token`,
          grant_types_supported: ['client_credentials'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
          scopes_supported: ['reports:read', 'reports:write'],
        });
      case 'POST /oauth/token':
        return machineToken(form, req, res);
      default:
        return send(res, 404, { error: 'not_found' });
    }
  }

  function authorize(query: URLSearchParams, res: ServerResponse): void {
    const { clientId, redirectUri } = options.github;
    if (query.get('client_id') !== clientId || query.get('redirect_uri') !== redirectUri) {
      send(res, 400, { error: 'redirect_uri_mismatch' });
      return;
    }
    const code = randomBytes(10).toString('hex');
    const method = query.get('code_challenge_method');
    codes.set(code, {
      redirectUri,
      codeChallenge: method === 'S256' ? (query.get('code_challenge') ?? undefined) : undefined,
      scope: (query.get('scope') ?? '').split(' ').filter(Boolean).join(','),
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', query.get('state') ?? '');
    res.writeHead(302, { location: target.href }).end();
  }

  function githubToken(form: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    // Like GitHub: errors come back with HTTP 200, and JSON only when the client asks for it.
    const reply = (body: Record<string, string>) => {
      if ((req.headers.accept ?? '').includes('application/json')) send(res, 200, body);
      else res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end(new URLSearchParams(body).toString());
    };
    const { clientId, clientSecret } = options.github;
    if (form.get('client_id') !== clientId || !secretEquals(form.get('client_secret'), clientSecret)) {
      reply({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
      return;
    }
    const code = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const challengeOk = code?.codeChallenge === undefined || createHash('sha256').update(verifier).digest('base64url') === code.codeChallenge;
    if (code === undefined || code.redirectUri !== form.get('redirect_uri') || !challengeOk) {
      reply({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      return;
    }
    const accessToken = `gho_${randomBytes(18).toString('base64url')}`;
    accessTokens.add(accessToken);
    reply({ access_token: accessToken, token_type: 'bearer', scope: code.scope });
  }

  function machineToken(form: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const { clientId, clientSecret } = options.machine;
    const expected = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    if (!secretEquals(req.headers.authorization, expected)) {
      send(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="token"' });
      return;
    }
    if (form.get('grant_type') !== 'client_credentials') {
      send(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    send(res, 200, {
      access_token: randomBytes(24).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 300,
      scope: form.get('scope') ?? 'reports:read',
    });
  }

  return {
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function secretEquals(actual: string | null | undefined, expected: string): boolean {
  const a = Buffer.from(actual ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req.setEncoding('utf8')) {
    body += chunk as string;
    if (body.length > 65_536) throw new Error('request body too large');
  }
  return body;
}
