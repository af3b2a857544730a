import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const exported = await exportJWK(publicKey);
  // The RFC 7638 thumbprint makes a stable, collision-free key id.
  const kid = await calculateJwkThumbprint(exported);
  return { kid, privateKey, publicJwk: { ...exported, kid, alg: 'RS256', use: 'sig' } };
}

/** Alibaba Cloud's keys rotate with two valid at once (aliyun-protocol.md, "ID token"). */
const maxPublishedKeys = 2;

/**
 * The ID-token signing keys. The newest key signs; the one before it stays published at `/v1/keys`
 * until dropped or replaced by the next rotation, so at most two are published.
 */
export class SigningKeys {
  private constructor(private keys: readonly SigningKey[]) {}

  static async create(): Promise<SigningKeys> {
    return new SigningKeys([await newSigningKey()]);
  }

  /** The key that signs from now on. */
  private get current(): SigningKey {
    const key = this.keys[this.keys.length - 1];
    if (key === undefined) throw new Error('SigningKeys: no key');
    return key;
  }

  get currentKid(): string {
    return this.current.kid;
  }

  /** Adds a new key, which signs from now on, and unpublishes all but the previous one; returns its `kid`. */
  async rotate(): Promise<string> {
    const key = await newSigningKey();
    this.keys = [...this.keys, key].slice(-maxPublishedKeys);
    return key.kid;
  }

  /** Unpublishes every key but the current one; returns the dropped `kid`s. */
  dropPrevious(): string[] {
    const current = this.current;
    const dropped = this.keys.filter((key) => key !== current).map((key) => key.kid);
    this.keys = [current];
    return dropped;
  }

  /** The JWKS document, newest key first. */
  jwks(): { keys: JWK[] } {
    return { keys: [...this.keys].reverse().map((key) => key.publicJwk) };
  }

  sign(claims: JWTPayload): Promise<string> {
    const { kid, privateKey } = this.current;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(privateKey);
  }
}
