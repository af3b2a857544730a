import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leftHalfHash } from '../src/hashes.js';

describe('at_hash / c_hash computation', () => {
  it('matches the at_hash example of OpenID Connect Core (Appendix A, RS256)', async () => {
    await expect(leftHalfHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256')).resolves.toBe('77QmUPtjPfzWtF2AnpK9RQ');
  });

  it('matches the c_hash example of OpenID Connect Core (Appendix A, RS256)', async () => {
    await expect(leftHalfHash('Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk', 'RS256')).resolves.toBe(
      'LDktKdoQak3Pk0cnXxCltA',
    );
  });

  const independent = (value: string, hash: 'sha256' | 'sha384' | 'sha512') => {
    const digest = createHash(hash).update(value).digest();
    return digest.subarray(0, digest.length / 2).toString('base64url');
  };

  it.each([
    ['HS256', 'sha256'],
    ['ES256', 'sha256'],
    ['PS256', 'sha256'],
    ['RS384', 'sha384'],
    ['ES384', 'sha384'],
    ['HS384', 'sha384'],
    ['RS512', 'sha512'],
    ['ES512', 'sha512'],
    ['PS512', 'sha512'],
    ['EdDSA', 'sha512'],
    ['Ed25519', 'sha512'],
  ] as const)('uses the left half of %s’s hash (%s)', async (alg, hash) => {
    const value = 'an-access-token-Ünïcode-too';

    await expect(leftHalfHash(value, alg)).resolves.toBe(independent(value, hash));
  });

  it('has no hash for algorithms the specifications give none', async () => {
    await expect(leftHalfHash('value', 'ML-DSA-44')).resolves.toBeUndefined();
  });
});
