/**
 * The mock server's clock: wall-clock time plus an offset that tests move forward with
 * `server.advanceTime()`, so expiry is tested without sleeping.
 */
export class MockClock {
  private offsetMs = 0;

  /** Milliseconds since the epoch, as the server sees it. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Whole seconds since the epoch, as used in JWT claims. */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError(`advanceTime(seconds) needs a finite, non-negative number of seconds; got ${String(seconds)}`);
    }
    this.offsetMs += seconds * 1000;
  }
}
