// Base64url (RFC 4648 §5) without padding, as JWS uses it (RFC 7515 §2). Written on atob/btoa so the
// package needs neither Buffer nor jose to decode a token.

const BASE64URL_ALPHABET = /^[A-Za-z0-9_-]*$/;

/** Decodes unpadded base64url; `undefined` when `input` is not base64url. */
export function decodeBase64url(input: string): Uint8Array | undefined {
  // A length of 4n+1 cannot come from any byte string.
  if (!BASE64URL_ALPHABET.test(input) || input.length % 4 === 1) return undefined;
  const base64 = input.replaceAll('-', '+').replaceAll('_', '/');
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Encodes bytes as unpadded base64url. */
export function encodeBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
