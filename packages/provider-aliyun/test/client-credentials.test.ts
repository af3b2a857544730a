import { describe, expect, it } from 'vitest';
import { OAuth2ServerError } from '@x/oauth2-core';
import { aliyunClient, daemon, expectNoSecrets, regions, rejection, serverAppClient, useMockServer } from './helpers/aliyun.js';

const mock = useMockServer();

describe.each(regions)('server app, client credentials, on the %s site', (region) => {
  it('gets an app token with HTTP Basic and an API scope with slashes', async () => {
    const client = serverAppClient(mock(), region);
    const before = mock().requests.length;
    const token = await client.clientCredentials.getToken({ scope: '/acs/ccc' });

    expect(token.accessToken).not.toBe('');
    expect(token.scope).toEqual(['/acs/ccc']);
    expect(token.refreshToken).toBeUndefined();
    expect(token.idToken).toBeUndefined();
    expect(token.expiresAt).toBeInstanceOf(Date);

    const [request] = mock().requests.slice(before);
    expect(request).toMatchObject({ path: '/v1/token', authorization: 'basic', status: 200 });
    expect(request?.form).toEqual({ grant_type: 'client_credentials', scope: '/acs/ccc' });
  });

  it('is refused with the preset default (client_secret_post), which server apps do not accept', async () => {
    const client = aliyunClient(mock(), region, { clientId: daemon.clientId, clientSecret: daemon.clientSecret });
    const error = await rejection(() => client.clientCredentials.getToken());
    expect(error).toBeInstanceOf(OAuth2ServerError);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401, endpoint: 'token', requestId: expect.any(String) });
    expectNoSecrets(error, [daemon.clientSecret]);
  });
});
