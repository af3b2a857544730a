import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createClient,
  defineProvider,
  DeviceCodeExpiredError,
  InvalidArgumentError,
  OAuth2AbortError,
  OAuth2ResponseError,
  OAuth2ServerError,
  UnsupportedOperationError,
} from '../src/index.js';
import type { DeviceAuthorization, OAuth2Client } from '../src/index.js';
import { sendJson, startEdgeServer } from './helpers/edge-server.js';
import type { EdgeServer, RecordedRequest } from './helpers/edge-server.js';

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';
const servers: EdgeServer[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface DeviceServerOptions {
  /** The device authorization response. */
  authorization?: Record<string, unknown>;
  /** Answers to successive polls: an error code, or `'token'`. After the list, the last answer repeats. */
  polls?: string[];
  /** Called when a poll arrives, before it is answered. */
  onPoll?: (request: RecordedRequest) => void;
}

/**
 * The authorization with no wait between polls. The server says `interval: 0`, which start() raises to
 * 1 second; poll() takes the caller's interval as given, so tests choose 0 explicitly to stay fast.
 */
function noWait(authorization: DeviceAuthorization): DeviceAuthorization {
  return { ...authorization, interval: 0 };
}

async function deviceServer(options: DeviceServerOptions = {}): Promise<{ server: EdgeServer; client: OAuth2Client; polls: () => RecordedRequest[] }> {
  const answers = options.polls ?? ['token'];
  let polled = 0;
  const server = await startEdgeServer((request, response) => {
    if (request.url === '/device') {
      return sendJson(response, 200, options.authorization ?? {
        device_code: 'device-code-secret',
        user_code: 'WDJB-MJHT',
        verification_uri: 'https://as.example/device',
        verification_uri_complete: 'https://as.example/device?user_code=WDJB-MJHT',
        expires_in: 600,
        interval: 0,
      });
    }
    options.onPoll?.(request);
    if (request.form.get('grant_type') !== deviceGrant || request.form.get('device_code') !== 'device-code-secret') {
      return sendJson(response, 400, { error: 'invalid_request' });
    }
    const answer = answers[Math.min(polled, answers.length - 1)]!;
    polled += 1;
    if (answer === 'token') return sendJson(response, 200, { access_token: 'device-at', token_type: 'Bearer', refresh_token: 'device-rt', expires_in: 3600 });
    sendJson(response, 400, { error: answer, error_description: `answer ${answer}` });
  });
  servers.push(server);
  const provider = defineProvider({ name: 'device', endpoints: { token: server.url('/token'), deviceAuthorization: server.url('/device') } });
  const client = createClient(provider, { clientId: 'tv-app', scope: 'openid offline_access' });
  return { server, client, polls: () => server.requests.filter((request) => request.url === '/token') };
}

describe('deviceCode.start()', () => {
  it('posts the client id and scope, and maps the answer to camelCase', async () => {
    const { server, client } = await deviceServer();
    const before = Date.now();
    const authorization = await client.deviceCode.start();
    const after = Date.now();
    expect(authorization).toMatchObject({
      deviceCode: 'device-code-secret',
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://as.example/device',
      verificationUriComplete: 'https://as.example/device?user_code=WDJB-MJHT',
      expiresIn: 600,
      // The server said 0: a hot loop. One second is the least start() accepts.
      interval: 1,
    });
    expect(authorization.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 600_000);
    expect(authorization.expiresAt.getTime()).toBeLessThanOrEqual(after + 600_000);
    const [request] = server.requests;
    expect(request?.url).toBe('/device');
    expect(request?.method).toBe('POST');
    expect(Object.fromEntries(request!.form)).toEqual({ client_id: 'tv-app', scope: 'openid offline_access' });
  });

  it('sends a scope given to start() instead of the default', async () => {
    const { server, client } = await deviceServer();
    await client.deviceCode.start({ scope: ['profile', 'email'] });
    expect(server.requests[0]?.form.get('scope')).toBe('profile email');
  });

  it('accepts verification_url (an early alias) and defaults the interval to 5 seconds', async () => {
    const { client } = await deviceServer({
      authorization: { device_code: 'd', user_code: 'u', verification_url: 'https://as.example/activate', expires_in: '1800' },
    });
    const authorization = await client.deviceCode.start();
    expect(authorization.verificationUri).toBe('https://as.example/activate');
    expect(authorization.interval).toBe(5);
    expect(authorization.expiresIn).toBe(1800);
    expect(authorization).not.toHaveProperty('verificationUriComplete');
  });

  it('refuses an answer without a device code', async () => {
    const { client } = await deviceServer({ authorization: { user_code: 'u', verification_uri: 'https://as.example/d', expires_in: 600 } });
    await expect(client.deviceCode.start()).rejects.toBeInstanceOf(OAuth2ResponseError);
  });

  it('needs a device authorization endpoint', async () => {
    const provider = defineProvider({ name: 'no-device', endpoints: { token: 'https://as.example/token' } });
    await expect(createClient(provider, { clientId: 'tv-app' }).deviceCode.start()).rejects.toBeInstanceOf(UnsupportedOperationError);
  });
});

describe('deviceCode.poll()', () => {
  it('polls through authorization_pending until the token comes', async () => {
    const { client, polls } = await deviceServer({ polls: ['authorization_pending', 'authorization_pending', 'token'] });
    const pending: { interval: number; attempt: number }[] = [];
    const token = await client.deviceCode.poll(noWait(await client.deviceCode.start()), { onPending: (state) => pending.push(state) });
    expect(token.accessToken).toBe('device-at');
    expect(token.refreshToken).toBe('device-rt');
    expect(polls()).toHaveLength(3);
    expect(pending).toEqual([
      { interval: 0, attempt: 1 },
      { interval: 0, attempt: 2 },
      { interval: 0, attempt: 3 },
    ]);
    for (const request of polls()) {
      expect(Object.fromEntries(request.form)).toEqual({ grant_type: deviceGrant, device_code: 'device-code-secret', client_id: 'tv-app' });
    }
  });

  it('waits the interval before polling', async () => {
    const { client, polls } = await deviceServer({
      authorization: { device_code: 'device-code-secret', user_code: 'u', verification_uri: 'https://as.example/d', expires_in: 600, interval: 1 },
    });
    const authorization = await client.deviceCode.start();
    const started = performance.now();
    await client.deviceCode.poll(authorization);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(polls()).toHaveLength(1);
  });

  it('adds 5 seconds to the interval on slow_down', async () => {
    const controller = new AbortController();
    const { client, polls } = await deviceServer({ polls: ['slow_down'] });
    const authorization = noWait(await client.deviceCode.start());
    const intervals: number[] = [];
    const started = performance.now();
    const error = await client.deviceCode
      .poll(authorization, {
        signal: controller.signal,
        onPending: ({ interval }) => {
          intervals.push(interval);
          // Seen the slowed-down interval: no need to sit through it.
          if (interval > 0) controller.abort();
        },
      })
      .catch((reason: unknown) => reason);
    expect(intervals).toEqual([0, 5]);
    expect(polls()).toHaveLength(1);
    expect(error).toBeInstanceOf(OAuth2AbortError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps adding 5 seconds on every slow_down', async () => {
    const { client, polls } = await deviceServer({ polls: ['slow_down'] });
    const authorization = noWait(await client.deviceCode.start());
    const controller = new AbortController();
    const intervals: number[] = [];
    // The one wait this file sits through: 5 seconds between the first and the second slow_down.
    const error = await client.deviceCode
      .poll(authorization, {
        signal: controller.signal,
        onPending: ({ interval }) => {
          intervals.push(interval);
          if (interval >= 10) controller.abort();
        },
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2AbortError);
    expect(intervals).toEqual([0, 5, 10]);
    expect(polls()).toHaveLength(2);
  }, 10_000);

  for (const code of ['expired_token', 'access_denied']) {
    it(`stops with OAuth2ServerError on ${code}`, async () => {
      const { client, polls } = await deviceServer({ polls: ['authorization_pending', code] });
      const error = await client.deviceCode.poll(noWait(await client.deviceCode.start())).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(OAuth2ServerError);
      expect(error).toMatchObject({ code: 'ERR_OAUTH2_SERVER', error: code, status: 400, endpoint: 'token' });
      expect(polls()).toHaveLength(2);
    });
  }

  it('aborts promptly when the signal fires during a wait', async () => {
    const { client, polls } = await deviceServer({
      authorization: { device_code: 'device-code-secret', user_code: 'u', verification_uri: 'https://as.example/d', expires_in: 600, interval: 30 },
    });
    const authorization = await client.deviceCode.start();
    const controller = new AbortController();
    const started = performance.now();
    const error = await client.deviceCode
      .poll(authorization, {
        signal: controller.signal,
        // Runs right after the 30-second wait has begun.
        onPending: () => queueMicrotask(() => controller.abort(new Error('user pressed cancel'))),
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2AbortError);
    expect((error as OAuth2AbortError).code).toBe('ERR_OAUTH2_ABORTED');
    expect((error as OAuth2AbortError).cause).toEqual(new Error('user pressed cancel'));
    expect(performance.now() - started).toBeLessThan(500);
    expect(polls()).toHaveLength(0);
  });

  it('aborts a poll the server is holding', async () => {
    const controller = new AbortController();
    const { client } = await deviceServer({ onPoll: () => controller.abort() });
    const authorization = noWait(await client.deviceCode.start());
    const error = await client.deviceCode.poll(authorization, { signal: controller.signal }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2AbortError);
  });

  it('rejects at once with an already-aborted signal', async () => {
    const { client, polls } = await deviceServer();
    const authorization = await client.deviceCode.start();
    await expect(client.deviceCode.poll(authorization, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(OAuth2AbortError);
    expect(polls()).toHaveLength(0);
  });

  it('stops with DeviceCodeExpiredError once the code expires locally', async () => {
    const { client, polls } = await deviceServer({ polls: ['authorization_pending'] });
    const authorization: DeviceAuthorization = noWait(await client.deviceCode.start());
    vi.useFakeTimers({ toFake: ['Date'] });
    const error = await client.deviceCode
      .poll(authorization, {
        onPending: ({ attempt }) => {
          // After one pending answer, the clock passes the code's lifetime.
          if (attempt === 2) vi.setSystemTime(authorization.expiresAt.getTime() + 1000);
        },
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DeviceCodeExpiredError);
    expect((error as DeviceCodeExpiredError).code).toBe('ERR_OAUTH2_DEVICE_CODE_EXPIRED');
    expect(polls()).toHaveLength(1);
  });

  it('does not poll with an authorization that has already expired', async () => {
    const { client, polls } = await deviceServer();
    const authorization = await client.deviceCode.start();
    const stale = { ...authorization, expiresAt: new Date(Date.now() - 1000) };
    await expect(client.deviceCode.poll(stale)).rejects.toBeInstanceOf(DeviceCodeExpiredError);
    expect(polls()).toHaveLength(0);
  });
});

describe('a device authorization server that answers nonsense', () => {
  const base = { device_code: 'device-code-secret', user_code: 'u', verification_uri: 'https://as.example/d', expires_in: 600 };

  const intervals: { name: string; value: unknown; expected: number }[] = [
    { name: '0 (a hot loop)', value: 0, expected: 1 },
    { name: '0.2', value: 0.2, expected: 1 },
    { name: '1e7 (beyond the 32-bit timer)', value: 1e7, expected: 300 },
    { name: 'null', value: null, expected: 5 },
    { name: 'a word', value: 'soon', expected: 5 },
    { name: 'a negative number', value: -3, expected: 5 },
    { name: 'a numeric string', value: '7', expected: 7 },
  ];
  for (const { name, value, expected } of intervals) {
    it(`turns interval ${name} into ${expected} seconds`, async () => {
      const { client } = await deviceServer({ authorization: { ...base, interval: value } });
      expect((await client.deviceCode.start()).interval).toBe(expected);
    });
  }

  it('polls a server that says interval 0 no faster than once a second', async () => {
    const { client, polls } = await deviceServer({ authorization: { ...base, interval: 0 } });
    const controller = new AbortController();
    const waits: number[] = [];
    const error = await client.deviceCode
      .poll(await client.deviceCode.start(), {
        signal: controller.signal,
        onPending: ({ interval }) => {
          waits.push(interval);
          controller.abort();
        },
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OAuth2AbortError);
    expect(waits).toEqual([1]);
    expect(polls()).toHaveLength(0);
  });

  it('never arms a timer beyond what it can hold, whatever interval it is given', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const { client, polls } = await deviceServer({ authorization: { ...base, interval: 1e7 } });
      const authorization = await client.deviceCode.start();
      const waits: number[] = [];
      for (const candidate of [authorization, { ...authorization, interval: 1e7 }]) {
        const controller = new AbortController();
        const error = await client.deviceCode
          .poll(candidate, {
            signal: controller.signal,
            // Runs right after the wait has been armed.
            onPending: ({ interval }) => {
              waits.push(interval);
              queueMicrotask(() => controller.abort());
            },
          })
          .catch((reason: unknown) => reason);
        expect(error).toBeInstanceOf(OAuth2AbortError);
      }
      // Node reports an overflowing timer with a TimeoutOverflowWarning on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(waits).toEqual([300, 300]);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
      expect(polls()).toHaveLength(0);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('stops at the expiry instead of waiting out an interval longer than the lifetime', async () => {
    const { client, polls } = await deviceServer({ authorization: { ...base, interval: 3600, expires_in: 0.3 } });
    const authorization = await client.deviceCode.start();
    const waits: number[] = [];
    const started = performance.now();
    const error = await client.deviceCode.poll(authorization, { onPending: ({ interval }) => waits.push(interval) }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DeviceCodeExpiredError);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeLessThanOrEqual(0.3);
    expect(polls()).toHaveLength(0);
  }, 5000);

  it('caps an absurd expires_in at one day', async () => {
    const { client } = await deviceServer({ authorization: { ...base, expires_in: 1e300 } });
    const before = Date.now();
    const authorization = await client.deviceCode.start();
    expect(authorization.expiresIn).toBe(86_400);
    expect(authorization.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(authorization.expiresAt.getTime()).toBeLessThan(before + 86_400_000 + 60_000);
    expect(() => authorization.expiresAt.toISOString()).not.toThrow();
  });
});

describe('an authorization restored from storage', () => {
  it('polls with expiresAt as the ISO-8601 string JSON.stringify made of it', async () => {
    const { client, polls } = await deviceServer();
    const stored = JSON.parse(JSON.stringify(noWait(await client.deviceCode.start()))) as DeviceAuthorization;
    expect(typeof stored.expiresAt).toBe('string');
    const token = await client.deviceCode.poll(stored);
    expect(token.accessToken).toBe('device-at');
    expect(polls()).toHaveLength(1);
  });

  it('polls with expiresAt as epoch milliseconds', async () => {
    const { client } = await deviceServer();
    const authorization = noWait(await client.deviceCode.start());
    const token = await client.deviceCode.poll({ ...authorization, expiresAt: authorization.expiresAt.getTime() as unknown as Date });
    expect(token.accessToken).toBe('device-at');
  });

  it('reports a stored expired authorization as expired, not as an error of its own', async () => {
    const { client, polls } = await deviceServer();
    const authorization = noWait(await client.deviceCode.start());
    const stale = JSON.parse(JSON.stringify({ ...authorization, expiresAt: new Date(Date.now() - 1000) })) as DeviceAuthorization;
    await expect(client.deviceCode.poll(stale)).rejects.toBeInstanceOf(DeviceCodeExpiredError);
    expect(polls()).toHaveLength(0);
  });

  for (const expiresAt of [undefined, 'soon', {}, Number.NaN, new Date('not a date')]) {
    it(`refuses expiresAt ${String(expiresAt)} with InvalidArgumentError, without polling`, async () => {
      const { client, polls } = await deviceServer();
      const authorization = noWait(await client.deviceCode.start());
      const error = await client.deviceCode.poll({ ...authorization, expiresAt: expiresAt as Date }).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('authorization');
      expect(polls()).toHaveLength(0);
    });
  }

  it('waits 5 seconds when the stored interval is missing', async () => {
    const { client, polls } = await deviceServer();
    const { interval: _interval, ...withoutInterval } = await client.deviceCode.start();
    const controller = new AbortController();
    const waits: number[] = [];
    await client.deviceCode
      .poll(withoutInterval as DeviceAuthorization, {
        signal: controller.signal,
        onPending: ({ interval }) => {
          waits.push(interval);
          controller.abort();
        },
      })
      .catch(() => undefined);
    expect(waits).toEqual([5]);
    expect(polls()).toHaveLength(0);
  });
});
