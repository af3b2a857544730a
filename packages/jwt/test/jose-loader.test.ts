import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.doUnmock('jose');
  vi.resetModules();
});

describe('loadJose', () => {
  it('does not cache a failed import of jose: the next call imports it again', async () => {
    let attempts = 0;
    vi.doMock('jose', async (importOriginal) => {
      attempts += 1;
      if (attempts === 1) throw new Error('jose failed to load');
      return importOriginal();
    });
    const { loadJose } = await import('../src/jose.js');

    // vitest wraps the factory's error in one of its own; what matters is that this call failed.
    await expect(Promise.resolve(loadJose())).rejects.toBeInstanceOf(Error);
    expect(attempts).toBe(1);
    const jose = await loadJose();

    expect(typeof jose.jwtVerify).toBe('function');
    expect(attempts).toBe(2);
    expect(loadJose()).toBe(jose); // loaded: returned synchronously from now on
  });
});
