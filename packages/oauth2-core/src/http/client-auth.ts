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

/**
 * Checks, when the client is created, that a `private_key_jwt` key can sign: a private `CryptoKey` with
 * the `sign` usage and a supported algorithm, or an asymmetric JWK with its private part (`d`). Whether a
 * JWK's numbers make a valid key is only known when it is imported, at the first request; that failure is
 * an {@link InvalidArgumentError} too.
 */
export function checkPrivateKey(privateKey: unknown): ClientPrivateKey {
  const invalid = (message: string) => new InvalidArgumentError('privateKey', message);
  if (typeof privateKey !== 'object' || privateKey === null) throw invalid('private_key_jwt needs a private key (a CryptoKey or a private JWK)');
  if (isCryptoKey(privateKey as ClientPrivateKey)) {
    const key = privateKey as CryptoKey;
    if (key.type !== 'private') throw invalid(`is a ${key.type} CryptoKey; private_key_jwt signs with the private key of the pair`);
    if (!key.usages.includes('sign')) throw invalid('is a CryptoKey without the "sign" usage');
    algorithmOfCryptoKey(key);
    return key;
  }
  const jwk = privateKey as JWK;
  if (typeof jwk.kty !== 'string') throw invalid('is neither a CryptoKey nor a JWK (it has no "kty")');
  if (jwk.kty === 'oct') throw invalid('is a symmetric JWK; private_key_jwt needs an asymmetric private key (client_secret_jwt signs with the secret)');
  if (typeof jwk.d !== 'string' || jwk.d === '') throw invalid('is a public JWK (it has no "d"); pass the private key');
  if (jwk.alg === undefined) algorithmOfJwk(jwk);
  return jwk;
}

type SigningKey = { key: CryptoKey | Uint8Array; alg: string; kid?: string };

const importedKeys = new WeakMap<object, Promise<SigningKey>>();

async function clientAssertion(auth: ClientAuthentication): Promise<string> {
  const { SignJWT } = await loadJose();
  const { key, alg, kid } = await signingKey(auth);
  const now = Math.floor(Date.now() / 1000);
  try {
    return await new SignJWT({})
      .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
      .setIssuer(auth.clientId)
      .setSubject(auth.clientId)
      .setAudience(auth.assertionAudience)
      .setJti(randomToken(16))
      .setIssuedAt(now)
      .setExpirationTime(now + assertionLifetimeSeconds)
      .sign(key);
  } catch (error) {
    // jose and WebCrypto refuse with TypeErrors and DOMExceptions (a short RSA key, an algorithm the key
    // does not fit); the caller needs to know it is the key.
    const argument = auth.method === 'client_secret_jwt' ? 'clientSecret' : 'privateKey';
    throw new InvalidArgumentError(argument, `cannot sign a client assertion (${errorName(error)})`, { cause: error });
  }
}

function signingKey(auth: ClientAuthentication): Promise<SigningKey> {
  if (auth.method === 'client_secret_jwt') {
    return Promise.resolve({ key: new TextEncoder().encode(auth.clientSecret ?? ''), alg: 'HS256' });
  }
  const privateKey = auth.privateKey;
  if (privateKey === undefined) throw new InvalidArgumentError('privateKey', 'private_key_jwt needs a private key');
  let imported = importedKeys.get(privateKey);
  if (imported === undefined) {
    const importing = importPrivateKey(privateKey);
    imported = importing;
    importedKeys.set(privateKey, importing);
    // A failure is not remembered: a key fixed in place, or a transient failure to load jose, gets
    // another chance at the next request.
    importing.catch(() => {
      if (importedKeys.get(privateKey) === importing) importedKeys.delete(privateKey);
    });
  }
  return imported;
}

async function importPrivateKey(privateKey: ClientPrivateKey): Promise<SigningKey> {
  if (isCryptoKey(privateKey)) return { key: privateKey, alg: algorithmOfCryptoKey(privateKey) };
  const alg = privateKey.alg ?? algorithmOfJwk(privateKey);
  const { importJWK } = await loadJose();
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK(privateKey, alg);
  } catch (error) {
    // A JWK whose members do not make a key (WebCrypto's DOMException), or that does not fit its alg.
    throw new InvalidArgumentError('privateKey', `the JWK could not be imported as a ${alg} private key (${errorName(error)})`, { cause: error });
  }
  if (key instanceof Uint8Array) throw new InvalidArgumentError('privateKey', 'a symmetric JWK cannot sign private_key_jwt assertions');
  return { key, alg, ...(privateKey.kid === undefined ? {} : { kid: privateKey.kid }) };
}

/** A failure's code or class name: enough to act on, and never a message that could quote key material. */
function errorName(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : typeof error;
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
