import { describe, expect, it, vi } from 'vitest';

describe('loading jose lazily', () => {
  it('forgets a failed import, so the next use loads jose again', async () => {
    // A fresh copy of the module: nothing loaded or cached yet.
    vi.resetModules();
    const { loadJose } = await import('../src/security/jose.js');
    const failure = new Error('chunk failed to load');
    await expect(loadJose(() => Promise.reject(failure))).rejects.toBe(failure);
    const jose = await loadJose();
    expect(typeof jose.SignJWT).toBe('function');
    // And a successful load is kept: the same promise every time.
    expect(loadJose()).toBe(loadJose());
  });
});
