import { describe, expect, it } from 'vitest';
import { createClient, InvalidArgumentError } from '@x/oauth2-core';
import { aliyunAuthorizeParams, aliyunProvider } from '../src/index.js';
import type { AliyunAuthorizeParams } from '../src/index.js';

const client = createClient(aliyunProvider('intl'), { clientId: '123456', clientSecret: 's', redirectUri: 'https://app.example/callback' });

function refusal(params: unknown): InvalidArgumentError {
  try {
    aliyunAuthorizeParams(params as AliyunAuthorizeParams);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('AliyunAuthorizeParams and aliyunAuthorizeParams()', () => {
  it('types access_type and prompt, usable as they are with the core client', async () => {
    const params: AliyunAuthorizeParams = { scope: ['openid', '/acs/ccc'], accessType: 'offline', prompt: 'admin_consent' };
    const { url } = await client.authorizationCode.createAuthorizationRequest(params);
    const query = new URL(url).searchParams;
    expect(url.startsWith('https://signin.alibabacloud.com/oauth2/v1/auth?')).toBe(true);
    expect(query.get('access_type')).toBe('offline');
    expect(query.get('prompt')).toBe('admin_consent');
    expect(query.get('scope')).toBe('openid /acs/ccc');
  });

  it('returns wire names, keeping the other parameters', () => {
    expect(aliyunAuthorizeParams({ accessType: 'online', state: 'xyz', scope: 'openid' })).toEqual({ access_type: 'online', state: 'xyz', scope: 'openid' });
    expect(aliyunAuthorizeParams({ access_type: 'offline' })).toEqual({ access_type: 'offline' });
    expect(aliyunAuthorizeParams()).toEqual({});
  });

  it('refuses values Alibaba Cloud does not know', () => {
    expect(refusal({ accessType: 'forever' }).argument).toBe('accessType');
    expect(refusal({ prompt: 'login' }).argument).toBe('prompt');
    expect(refusal({ accessType: 'online', access_type: 'offline' }).argument).toBe('accessType');
    expect(refusal(null).argument).toBe('params');
  });

  it('refuses a nonce, which would make the ID-token check fail', () => {
    const error = refusal({ nonce: 'n-123' });
    expect(error.argument).toBe('nonce');
    expect(error.message).toMatch(/does not echo a nonce/);
  });
});
