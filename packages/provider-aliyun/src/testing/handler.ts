import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MockContext } from './context.js';
import { echo } from './errors.js';
import type { FaultQueue } from './faults.js';
import { bodyTypeOf, jsonResponse, readBody, writeResponse, type MockRequest, type MockResponse } from './http.js';
import { authorizationScheme, redactedParams, type MutableLogEntry } from './request-log.js';
import { route } from './routes/index.js';

function toMockRequest(req: IncomingMessage, url: URL, body: Buffer): MockRequest {
  const bodyType = bodyTypeOf(req.headers, body);
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    form: bodyType === 'form' ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams(),
    bodyType,
    headers: req.headers,
  };
}

const requestBase = 'http://mock.invalid';

const badTarget: MockResponse = jsonResponse(400, {
  error: 'invalid_request',
  error_description: 'the request target is not a valid path',
  http_code: 400,
});

const tooLarge: MockResponse = jsonResponse(413, {
  error: 'invalid_request',
  error_description: 'the request body is too large',
  http_code: 413,
});

const serverError: MockResponse = jsonResponse(500, {
  error: 'server_error',
  error_description: 'the mock server failed to handle the request',
  http_code: 500,
});

async function handle(
  ctx: MockContext,
  faults: FaultQueue,
  log: MutableLogEntry[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // The request target is a path; a fixed base turns it into a URL without trusting the Host header.
  const target = req.url ?? '/';
  const url = URL.canParse(target, requestBase) ? new URL(target, requestBase) : undefined;
  const entry: MutableLogEntry = {
    method: req.method ?? 'GET',
    path: url?.pathname ?? echo(target),
    query: url === undefined ? {} : redactedParams(url.searchParams),
    form: {},
    authorization: authorizationScheme(req.headers),
    status: undefined,
  };
  log.push(entry);
  // Keep the newest entries only, so a long-running server does not grow without bound.
  if (log.length > ctx.options.requestLogLimit) log.splice(0, log.length - ctx.options.requestLogLimit);
  if (url === undefined) {
    entry.status = badTarget.status;
    writeResponse(res, badTarget);
    return;
  }
  const fault = faults.take(entry.method, entry.path);
  if (fault?.kind === 'reset') {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'hang') return;
  const body = await readBody(req, ctx.options.maxBodyBytes);
  if (body.kind === 'aborted') return;
  let response: MockResponse;
  if (fault?.kind === 'status') {
    response = { status: fault.status, headers: { ...fault.headers }, body: fault.body ?? '' };
  } else if (body.kind === 'too-large') {
    response = tooLarge;
  } else {
    const request = toMockRequest(req, url, body.body);
    entry.form = redactedParams(request.form);
    response = await route(ctx, request);
  }
  entry.status = response.status;
  writeResponse(res, response);
}

/**
 * The server's one request path: log the request, apply an injected fault, read the body (capped), route,
 * write the answer. Nothing a client sends can make it throw out of the handler.
 */
export function createRequestHandler(
  ctx: MockContext,
  faults: FaultQueue,
  log: MutableLogEntry[],
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(ctx, faults, log, req, res).catch(() => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      writeResponse(res, serverError);
    });
  };
}
