import { paths, type MockContext } from '../context.js';
import { jsonResponse, type MockRequest, type MockResponse } from '../http.js';
import { getAuthorize, postAuthorize } from './authorize.js';
import { getDiscovery, getJwks } from './metadata.js';
import { postRevoke } from './revoke.js';
import { postToken } from './token.js';
import { getUserinfo } from './userinfo.js';

type Handler = (ctx: MockContext, req: MockRequest) => MockResponse | Promise<MockResponse>;

const routes: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  [paths.authorize]: { GET: getAuthorize, POST: postAuthorize },
  [paths.token]: { POST: postToken },
  [paths.revoke]: { POST: postRevoke },
  [paths.userinfo]: { GET: getUserinfo },
  [paths.jwks]: { GET: getJwks },
  [paths.discovery]: { GET: getDiscovery },
};

/** Finds the handler for a method and path; unknown paths get 404, wrong methods 405. */
export function route(ctx: MockContext, req: MockRequest): MockResponse | Promise<MockResponse> {
  const methods = Object.hasOwn(routes, req.path) ? routes[req.path] : undefined;
  if (methods === undefined) {
    return jsonResponse(404, { error: 'not_found', error_description: 'no such endpoint', http_code: 404 });
  }
  const handler = Object.hasOwn(methods, req.method) ? methods[req.method] : undefined;
  if (handler === undefined) {
    const allow = Object.keys(methods).join(', ');
    return jsonResponse(405, { error: 'method_not_allowed', error_description: `use ${allow}`, http_code: 405 }, { allow });
  }
  return handler(ctx, req);
}
