import type { IdTokenClaims } from '@x/jwt';
import { endpointUrl, postAuthenticatedForm, requestToken } from '../context.js';
import type { CallOptions, ClientContext } from '../context.js';
import { DeviceCodeExpiredError, InvalidArgumentError, OAuth2AbortError, OAuth2ResponseError, OAuth2ServerError } from '../errors.js';
import { stringField, successBody } from '../http/response.js';
import { log } from '../log.js';
import type { IdTokenVerifier } from '../oidc/id-token.js';
import type { ExtraParams } from '../params.js';
import type { AccessToken } from '../token.js';
import type { TokenFields } from '../token-response.js';

/** The device authorization response (RFC 8628 §3.2), in camelCase. Show `userCode` and `verificationUri`. */
export interface DeviceAuthorization {
  /** Secret to this device: used for polling, never shown. */
  deviceCode: string;
  /** What the user types at `verificationUri`. */
  userCode: string;
  verificationUri: string;
  /** A URL with the user code in it (for a QR code), when the server gives one. */
  verificationUriComplete?: string;
  /** Lifetime of the codes, in seconds: the server's `expires_in`, at most one day. */
  expiresIn: number;
  /**
   * Seconds to wait between polls: the server's `interval` kept within 1–300 seconds, or 5 (RFC 8628
   * §3.2) when it sends none or nonsense. `poll()` uses this value as it finds it.
   */
  interval: number;
  /**
   * When the codes expire, computed on receipt. `poll()` also accepts it as an ISO-8601 string or epoch
   * milliseconds, as an authorization stored with `JSON.stringify` comes back.
   */
  expiresAt: Date;
}

/** Options of {@link DeviceCodeGrant.poll}. */
export interface DevicePollOptions extends CallOptions {
  /** Called before each wait, with the interval in seconds about to be waited (e.g. to animate a spinner). */
  onPending?: (state: { interval: number; attempt: number }) => void;
}

/** The device authorization grant (RFC 8628), for devices without a browser or keyboard. */
export interface DeviceCodeGrant {
  /**
   * Asks for a device code and a user code.
   *
   * @example
   * ```ts
   * const authorization = await client.deviceCode.start({ scope: 'openid profile' });
   * console.log(`Open ${authorization.verificationUri} and enter ${authorization.userCode}`);
   * ```
   */
  start(params?: ExtraParams & { scope?: string | readonly string[] }, options?: CallOptions): Promise<DeviceAuthorization>;
  /**
   * Polls the token endpoint until the user approves (resolves with the token), denies
   * (`OAuth2ServerError` `access_denied`), or the code expires (`expired_token`, or
   * `DeviceCodeExpiredError` when the local deadline passes first). Cancel it with `signal`.
   *
   * Waits `authorization.interval` seconds before each poll, as given: `start()` has already kept the
   * server's value within 1–300 seconds, and a caller may choose a shorter one on purpose (a test, a
   * local server). A missing or invalid interval means 5 seconds and one above 300 is capped; `slow_down`
   * adds 5 seconds (up to 300). No wait runs past `expiresAt`: once it passes, polling stops with
   * `DeviceCodeExpiredError`. `expiresAt` may be a `Date`, an ISO-8601 string or epoch milliseconds;
   * anything else is an `InvalidArgumentError`.
   *
   * @example
   * ```ts
   * const token = await client.deviceCode.poll(authorization, { signal: AbortSignal.timeout(600_000) });
   * ```
   */
  poll(authorization: DeviceAuthorization, options?: DevicePollOptions): Promise<AccessToken>;
}

const deviceCodeGrantType = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.2: the interval when the server gives none. */
const defaultInterval = 5;
const slowDownIncrement = 5;
/**
 * Bounds on the interval, in seconds. A server's 0 would make a hot loop; its 1e7 would overflow the
 * 32-bit timer (which then fires after 1 ms, hundreds of polls a second). Five minutes between polls is
 * already more than any user waits for.
 */
const minServerInterval = 1;
const maxInterval = 300;
/** The longest a device code is polled for, whatever `expires_in` says (1e300 would be an Invalid Date). */
const maxLifetimeSeconds = 24 * 3600;

export function createDeviceCodeGrant(
  context: ClientContext,
  idTokens: IdTokenVerifier,
  makeToken: (fields: TokenFields, claims?: IdTokenClaims) => AccessToken,
): DeviceCodeGrant {
  async function start(params: ExtraParams & { scope?: string | readonly string[] } = {}, call?: CallOptions): Promise<DeviceAuthorization> {
    const url = endpointUrl(context, 'deviceAuthorization', 'the device authorization grant');
    const { scope = context.options.scope, ...extra } = params;
    const result = await postAuthenticatedForm(context, { endpoint: 'deviceAuthorization', url, params: { scope, ...extra }, idempotent: true }, call);
    const body = successBody(result, { endpoint: 'deviceAuthorization', status: result.status }, context.provider.quirks);
    const problem = (reason: string) => new OAuth2ResponseError({ status: result.status, endpoint: 'deviceAuthorization', reason });
    const deviceCode = stringField(body, 'device_code');
    const userCode = stringField(body, 'user_code');
    // `verification_url` is what some early implementations (Google) send.
    const verificationUri = stringField(body, 'verification_uri') ?? stringField(body, 'verification_url');
    if (!deviceCode || !userCode || !verificationUri) throw problem('device_code, user_code and verification_uri are required');
    const lifetime = Number(body.expires_in);
    if (!Number.isFinite(lifetime) || lifetime <= 0) throw problem('expires_in must be a positive number of seconds');
    const expiresIn = Math.min(lifetime, maxLifetimeSeconds);
    const interval = serverInterval(body.interval);
    const complete = stringField(body, 'verification_uri_complete');
    log.flow('device authorization started, polling every %d s', interval);
    return {
      deviceCode,
      userCode,
      verificationUri,
      ...(complete === undefined ? {} : { verificationUriComplete: complete }),
      expiresIn,
      interval,
      expiresAt: new Date(Date.now() + expiresIn * 1000),
    };
  }

  async function poll(authorization: DeviceAuthorization, options: DevicePollOptions = {}): Promise<AccessToken> {
    if (typeof authorization?.deviceCode !== 'string') throw new InvalidArgumentError('authorization', 'pass the object returned by deviceCode.start()');
    const { signal, onPending } = options;
    const expiresAt = deadline(authorization.expiresAt);
    let interval = callerInterval(authorization.interval);
    for (let attempt = 1; ; attempt++) {
      // Never wait past the deadline: an interval longer than the codes' lifetime would otherwise be
      // waited out in full before the expiry is noticed.
      const seconds = Math.max(0, Math.min(interval, (expiresAt - Date.now()) / 1000));
      onPending?.({ interval: seconds, attempt });
      await wait(seconds * 1000, signal);
      if (Date.now() >= expiresAt) throw new DeviceCodeExpiredError();
      try {
        const fields = await requestToken(
          context,
          deviceCodeGrantType,
          { device_code: authorization.deviceCode },
          { idempotent: false, ...(signal ? { signal } : {}) },
        );
        // An ID token is verified as in the code flow, without a nonce: the device flow has none to send.
        if (fields.idToken === undefined || !idTokens.available) return makeToken(fields);
        return makeToken(fields, await idTokens.verify(fields.idToken, { accessToken: fields.accessToken }));
      } catch (error) {
        if (!(error instanceof OAuth2ServerError)) throw error;
        if (error.error === 'authorization_pending') continue;
        if (error.error === 'slow_down') {
          interval = Math.min(interval + slowDownIncrement, maxInterval);
          log.flow('slow_down: polling every %d s', interval);
          continue;
        }
        throw error;
      }
    }
  }

  return { start, poll };
}

/** The server's interval: a number (or numeric string) kept within bounds; the default for anything else. */
function serverInterval(value: unknown): number {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 0) return defaultInterval;
  return Math.min(Math.max(seconds, minServerInterval), maxInterval);
}

/** The caller's interval, as given (a short one is their choice), capped so the timer cannot overflow. */
function callerInterval(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return defaultInterval;
  return Math.min(value, maxInterval);
}

/** `expiresAt` in epoch milliseconds, from a Date, an ISO-8601 string (a stored authorization) or a number. */
function deadline(value: unknown): number {
  const time = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new InvalidArgumentError('authorization', 'expiresAt must be a Date, an ISO-8601 string or epoch milliseconds');
  }
  return time;
}

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new OAuth2AbortError('device code polling', { cause: signal.reason }));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new OAuth2AbortError('device code polling', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
