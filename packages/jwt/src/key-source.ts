import type { CryptoKey, FlattenedJWSInput, JWSHeaderParameters } from 'jose';

/** What jose's `jwtVerify` calls, with the parsed protected header, to get the verification key. */
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey> | CryptoKey;

/** A key a key set selected, with the `alg` of the header it was selected for. */
export interface SelectedKey {
  alg: string;
  key: CryptoKey;
}

/**
 * Where the asymmetric verification keys of one `jwks` option come from: `resolve` is the full lookup
 * jose calls with the parsed header; `cached` is the fast path for an encoded header already looked up.
 */
export interface KeySource {
  resolve: KeyResolver;
  cached(encodedHeader: string): SelectedKey | undefined;
}

// The key a key set selects is a function of the protected header (its alg and kid), and the tokens of one
// issuer and key share the same encoded header byte for byte. Remembering header → key lets the next token
// go to jose with the CryptoKey itself: no resolver call and no lookup, the same work as a bare
// `jwtVerify(token, cryptoKey)`, which the throughput target (within 5%) is measured against. This only
// memoises a deterministic lookup, so whoever sends the header cannot make it return a wrong key; the size
// is bounded in case headers vary (a full memory is simply emptied).
const MAX_HEADERS = 64;

/** The encoded header → selected key memory of one key set. Cleared when the key set changes. */
export class SelectedKeys {
  readonly #byHeader = new Map<string, SelectedKey>();

  get(encodedHeader: string): SelectedKey | undefined {
    return this.#byHeader.get(encodedHeader);
  }

  remember(header: JWSHeaderParameters, token: FlattenedJWSInput, key: CryptoKey): CryptoKey {
    if (typeof token.protected === 'string' && typeof header.alg === 'string') {
      if (this.#byHeader.size >= MAX_HEADERS) this.#byHeader.clear();
      this.#byHeader.set(token.protected, { alg: header.alg, key });
    }
    return key;
  }

  clear(): void {
    this.#byHeader.clear();
  }
}
