import type { JWK } from 'jose';
import { InvalidArgumentError } from '../errors.js';
import type { TokenEndpointAuthMethod } from '../provider.js';
import { base64Utf8 } from '../security/encoding.js';
import { loadJose } from '../security/jose.js';
import { randomToken } from '../security/random.js';

/** A private key for `private_key_jwt`: a WebCrypto `CryptoKey` or a private JWK. */
export type ClientPrivateKey = CryptoKey | JWK;

/** Everything needed to authenticate the client, resolved once when the client is created. */
export interface ClientAuthentication {
  clientId: string;
  clientSecret?: string;
  method: TokenEndpointAuthMethod;
  privateKey?: ClientPrivateKey;
  basicAuthEncoding: 'form-urlencoded' | 'plain';
  /** The audience of client assertions: the issuer when known, else the token endpoint (RFC 7523 §3). */
  assertionAudience: string;
}

const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const assertionLifetimeSeconds = 60;

/**
 * Adds the client's credentials to a request to the token, revocation, introspection or device
 * authorization endpoint, as its authentication method requires (RFC 6749 §2.3, RFC 7523 §2.2).
 */
export async function authenticateClient(
  auth: ClientAuthentication,
  form: URLSearchParams,
  headers: Record<string, string>,
): Promise<void> {
  switch (auth.method) {
    case 'client_secret_basic':
      headers.authorization = basicAuthorization(auth.clientId, auth.clientSecret ?? '', auth.basicAuthEncoding);
      return;
    case 'client_secret_post':
      form.set('client_id', auth.clientId);
      form.set('client_secret', auth.clientSecret ?? '');
      return;
    case 'none':
      form.set('client_id', auth.clientId);
      return;
    case 'private_key_jwt':
    case 'client_secret_jwt':
      form.set('client_id', auth.clientId);
      form.set('client_assertion_type', assertionType);
      form.set('client_assertion', await clientAssertion(auth));
      return;
  }
}

/**
 * `Basic base64(id:secret)` where, per RFC 6749 §2.3.1, id and secret are first encoded with the
 * `application/x-www-form-urlencoded` algorithm (so a `:` in the id cannot split it). Some servers do not
 * decode them; their presets ask for `plain`.
 */
export function basicAuthorization(clientId: string, clientSecret: string, encoding: 'form-urlencoded' | 'plain'): string {
  const encode = encoding === 'plain' ? (value: string) => value : formUrlEncode;
  return `Basic ${base64Utf8(`${encode(clientId)}:${encode(clientSecret)}`)}`;
}

function formUrlEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/[!'()*~]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

const importedKeys = new WeakMap<object, Promise<{ key: CryptoKey | Uint8Array; alg: string; kid?: string }>>();

async function clientAssertion(auth: ClientAuthentication): Promise<string> {
  const { SignJWT } = await loadJose();
  const { key, alg, kid } = await signingKey(auth);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
    .setIssuer(auth.clientId)
    .setSubject(auth.clientId)
    .setAudience(auth.assertionAudience)
    .setJti(randomToken(16))
    .setIssuedAt(now)
    .setExpirationTime(now + assertionLifetimeSeconds)
    .sign(key);
}

function signingKey(auth: ClientAuthentication): Promise<{ key: CryptoKey | Uint8Array; alg: string; kid?: string }> {
  if (auth.method === 'client_secret_jwt') {
    return Promise.resolve({ key: new TextEncoder().encode(auth.clientSecret ?? ''), alg: 'HS256' });
  }
  const privateKey = auth.privateKey;
  if (privateKey === undefined) throw new InvalidArgumentError('privateKey', 'private_key_jwt needs a private key');
  let imported = importedKeys.get(privateKey);
  if (imported === undefined) {
    imported = importPrivateKey(privateKey);
    importedKeys.set(privateKey, imported);
  }
  return imported;
}

async function importPrivateKey(privateKey: ClientPrivateKey): Promise<{ key: CryptoKey; alg: string; kid?: string }> {
  if (isCryptoKey(privateKey)) return { key: privateKey, alg: algorithmOfCryptoKey(privateKey) };
  const alg = privateKey.alg ?? algorithmOfJwk(privateKey);
  const { importJWK } = await loadJose();
  const key = await importJWK(privateKey, alg);
  if (key instanceof Uint8Array) throw new InvalidArgumentError('privateKey', 'a symmetric JWK cannot sign private_key_jwt assertions');
  return { key, alg, ...(privateKey.kid === undefined ? {} : { kid: privateKey.kid }) };
}

function isCryptoKey(value: ClientPrivateKey): value is CryptoKey {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}

/** The JWS algorithm matching a JWK's key type, for keys that do not name one. */
export function algorithmOfJwk(jwk: JWK): string {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv ?? ''] ?? 'ES256';
  if (jwk.kty === 'OKP') return 'EdDSA';
  throw new InvalidArgumentError('privateKey', `cannot sign client assertions with a "${String(jwk.kty)}" key`);
}

function algorithmOfCryptoKey(key: CryptoKey): string {
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string };
  const bits = algorithm.hash?.name.replace('SHA-', '') ?? '256';
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      return `RS${bits}`;
    case 'RSA-PSS':
      return `PS${bits}`;
    case 'ECDSA':
      return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[algorithm.namedCurve ?? ''] ?? 'ES256';
    case 'Ed25519':
      return 'EdDSA';
    default:
      throw new InvalidArgumentError('privateKey', `cannot sign client assertions with a ${algorithm.name} key`);
  }
}
