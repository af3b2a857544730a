import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import { AuthorizationResponseError, OAuth2Error, OAuth2ServerError, StateMismatchError } from '@x/oauth2-core';
import type { AccessToken, AccessTokenJSON, OAuth2Client } from '@x/oauth2-core';
import { aliyunAccountKind } from '@x/provider-aliyun';
import type { AliyunAuthorizeParams, AliyunIdTokenClaims } from '@x/provider-aliyun';
import { errorPage, homePage, profilePage, styleHash } from './views.js';
import type { SiteInfo } from './views.js';

declare module 'express-session' {
  interface SessionData {
    /** The checks of a sign-in in progress: kept between /login and /callback, used once. */
    login: { state: string; codeVerifier: string; nonce?: string };
    /** The signed-in user's token, in storable form (`AccessToken#toJSON()`). Server side only. */
    token: AccessTokenJSON;
    /** The verified ID-token claims of the signed-in user. */
    claims: AliyunIdTokenClaims;
    /** Sent back by the profile page's forms: a POST without it is refused (CSRF). */
    csrfToken: string;
    /** A one-time message for the next page. */
    flash: string;
  }
}

export interface AppOptions {
  /** A client for the Alibaba Cloud preset whose default `redirectUri` is this app's `/callback`. */
  client: OAuth2Client;
  /** Where users reach the app, e.g. `http://127.0.0.1:3000`. */
  publicUrl: string;
  sessionSecret: string;
  /** Shown at the bottom of each page. */
  site: SiteInfo;
  /** Where sessions live. Default: express-session's MemoryStore (one process, lost on restart: a demo). */
  sessionStore?: session.Store;
}

const sessionCookie = 'aliyun-demo.sid';
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

// The scopes this app asks for: `openid` for the ID token, `profile` for name and account kind,
// `aliuid` for the account and user ids. `offline` access gets a refresh token.
const signInParams: AliyunAuthorizeParams = { scope: ['openid', 'profile', 'aliuid'], accessType: 'offline' };

export function createApp(options: AppOptions): express.Express {
  const { client, site } = options;
  const publicUrl = new URL(options.publicUrl);
  const secure = publicUrl.protocol === 'https:';
  const app = express();
  app.disable('x-powered-by');
  // Behind a TLS-terminating proxy on the same host, trust its X-Forwarded-Proto so secure cookies work.
  if (secure) app.set('trust proxy', 'loopback');

  app.use((_req, res, next) => {
    // No script anywhere; the only style is the inline block whose hash is listed.
    res.set('content-security-policy', `default-src 'none'; style-src ${styleHash}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`);
    res.set('x-content-type-options', 'nosniff');
    // The callback URL carries the authorization code: never leak it in a Referer header.
    res.set('referrer-policy', 'no-referrer');
    res.set('cache-control', 'no-store');
    next();
  });
  app.use(
    session({
      name: sessionCookie,
      secret: options.sessionSecret,
      ...(options.sessionStore ? { store: options.sessionStore } : {}),
      resave: false,
      // No cookie until there is something to remember (a sign-in in progress).
      saveUninitialized: false,
      cookie: {
        // Not readable by page scripts.
        httpOnly: true,
        // Sent only over HTTPS when the app is served over HTTPS (a plain-http 127.0.0.1 demo otherwise).
        secure,
        // `lax`, not `strict`: the return from Alibaba Cloud to /callback is a cross-site top-level
        // navigation, and the session (with the login's state and PKCE verifier) must come along. Lax
        // still keeps the cookie off cross-site POSTs, a first defence for /refresh and /logout.
        sameSite: 'lax',
        maxAge: 8 * 60 * 60 * 1000,
      },
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: '4kb' }));

  app.get('/', (req, res) => {
    if (req.session.token) return res.redirect('/profile');
    res.send(homePage(site, { signedOut: req.query['signed-out'] !== undefined }));
  });

  app.get('/login', async (req, res) => {
    // The session cookie belongs to one host name: a sign-in started at http://localhost:3000 would come
    // back to http://127.0.0.1:3000/callback without it. Locally, start on the host the callback returns
    // to. (Behind a reverse proxy the Host header may be the proxy's upstream, so leave it alone there.)
    if (loopbackHosts.has(publicUrl.hostname) && req.get('host') !== publicUrl.host) {
      return res.redirect(new URL('/login', publicUrl).href);
    }
    const { url, ...checks } = await client.authorizationCode.createAuthorizationRequest(signInParams);
    req.session.login = checks;
    await saveSession(req);
    res.redirect(url);
  });

  app.get('/callback', async (req, res) => {
    const checks = req.session.login;
    if (!checks) {
      return res
        .status(400)
        .send(errorPage(site, 'No sign-in in progress', `This browser has no sign-in waiting for an answer (it was already used, the session expired, or the app was opened at another address than ${publicUrl.origin}). Start again.`));
    }
    delete req.session.login;
    let token: AccessToken;
    try {
      // Checks state, turns error= into a typed error, exchanges the code with the PKCE verifier, and
      // verifies the ID token (signature, issuer, audience, expiry).
      token = await client.authorizationCode.handleCallback(req.originalUrl, checks);
    } catch (error) {
      await saveSession(req);
      if (error instanceof AuthorizationResponseError && error.error === 'access_denied') {
        return res.status(403).send(errorPage(site, 'Sign-in cancelled', 'You did not authorize the app. Nothing was shared.'));
      }
      if (error instanceof StateMismatchError) return res.status(400).send(errorPage(site, 'Sign-in refused', error.message, error.code));
      throw error;
    }
    // A new session id once signed in, so an id planted before the login is worthless (session fixation).
    await regenerateSession(req);
    req.session.token = token.toJSON();
    req.session.claims = token.idTokenClaims as AliyunIdTokenClaims;
    req.session.csrfToken = randomBytes(32).toString('base64url');
    await saveSession(req);
    res.redirect('/profile');
  });

  app.get('/profile', (req, res) => {
    const { token: stored, claims, csrfToken } = req.session;
    if (!stored || !claims || !csrfToken) return res.redirect('/');
    const token = client.createToken(stored);
    const flash = req.session.flash;
    delete req.session.flash;
    res.send(
      profilePage(site, {
        claims,
        accountKind: aliyunAccountKind(claims),
        accessTokenFingerprint: fingerprint(token.accessToken),
        expiresAt: token.expiresAt,
        scopes: token.scope,
        hasRefreshToken: token.refreshToken !== undefined,
        csrfToken,
        ...(flash ? { flash } : {}),
      }),
    );
  });

  app.post('/refresh', requireCsrfToken, async (req, res) => {
    const token = client.createToken(req.session.token);
    try {
      const fresh = await token.refresh();
      req.session.token = fresh.toJSON();
      req.session.flash = `Token refreshed. The new access token expires ${fresh.expiresAt ? `at ${fresh.expiresAt.toISOString().slice(11, 19)} UTC` : 'at a time the server did not state'}.`;
      await saveSession(req);
      res.redirect('/profile');
    } catch (error) {
      // invalid_grant: the refresh token expired or was revoked. The only way on is a new sign-in.
      if (!(error instanceof OAuth2ServerError && error.error === 'invalid_grant')) throw error;
      await destroySession(req, res);
      res.status(401).send(errorPage(site, 'Session expired', 'Your sign-in can no longer be renewed. Sign in again.', error.error));
    }
  });

  app.post('/logout', requireCsrfToken, async (req, res) => {
    const token = client.createToken(req.session.token);
    if (token.refreshToken !== undefined) {
      try {
        // Alibaba Cloud documents the revocation of refresh tokens; revoking it ends the grant.
        await token.revoke('refresh_token');
      } catch (error) {
        // Sign the user out locally anyway; the failure is for the operator.
        console.error('logout: could not revoke the refresh token:', error instanceof OAuth2Error ? error.toJSON() : error);
      }
    }
    await destroySession(req, res);
    res.redirect('/?signed-out');
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).send(errorPage(site, 'Not found', 'There is nothing at this address.'));
  });

  // Express 5 routes rejected promises here. OAuth2Error messages never contain secrets or tokens.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const known = error instanceof OAuth2Error;
    console.error('request failed:', known ? error.toJSON() : error);
    res
      .status(502)
      .send(errorPage(site, 'Sign-in failed', known ? error.message : 'Something went wrong. Try again.', known ? error.code : undefined));
  });

  return app;
}

/** Refuses a POST whose `csrf` field is not this session's token (and any POST without a session). */
function requireCsrfToken(req: Request, res: Response, next: NextFunction): void {
  const expected = req.session.csrfToken;
  const given = typeof req.body?.csrf === 'string' ? (req.body.csrf as string) : '';
  if (!req.session.token || expected === undefined || !sameString(given, expected)) {
    res.status(403).type('text/plain').send('Forbidden: this form is stale or did not come from this app. Reload the page.');
    return;
  }
  next();
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Identifies a token on the page without showing it. */
function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}

function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error: unknown) => (error ? reject(error) : resolve())));
}

function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error: unknown) => (error ? reject(error) : resolve())));
}

function destroySession(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((error: unknown) => {
      if (error) return reject(error);
      res.clearCookie(sessionCookie, { path: '/' });
      resolve();
    }),
  );
}
