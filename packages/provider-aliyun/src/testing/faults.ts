/**
 * A failure to inject into the next matching request, for error-path tests:
 * - `status`: answer with this status and body (default: empty body) instead of the real answer;
 * - `hang`: never answer (the request stays open until the client gives up or the server closes);
 * - `reset`: destroy the connection without answering.
 * `path` and `method` narrow which request it hits; by default the very next one.
 *
 * @example
 * ```ts
 * server.failNext({ kind: 'status', path: '/v1/token', status: 503, body: 'busy' });
 * server.failNext({ kind: 'hang', path: '/v1/token' });
 * ```
 */
export type AliyunMockFault = { readonly path?: string; readonly method?: string } & (
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
);

/** Queued faults; each hits the first request that matches it, once. */
export class FaultQueue {
  private readonly faults: AliyunMockFault[] = [];

  add(fault: AliyunMockFault): void {
    if (fault.kind === 'status' && (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599)) {
      throw new RangeError(`failNext: status must be an HTTP status code; got ${String(fault.status)}`);
    }
    this.faults.push(fault);
  }

  take(method: string, path: string): AliyunMockFault | undefined {
    const index = this.faults.findIndex(
      (fault) => (fault.path === undefined || fault.path === path) && (fault.method === undefined || fault.method === method),
    );
    return index < 0 ? undefined : this.faults.splice(index, 1)[0];
  }
}
