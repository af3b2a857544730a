import createDebug from 'debug';

/**
 * `debug` loggers under `x:oauth2:*`. Enable with `DEBUG=x:oauth2:*` (Node) or
 * `localStorage.debug = 'x:oauth2:*'` (browsers). Nothing secret is ever passed to them: call sites log
 * methods, URLs without query strings, statuses, timings and grant types, never bodies or headers.
 */
export const log = {
  http: createDebug('x:oauth2:http'),
  token: createDebug('x:oauth2:token'),
  flow: createDebug('x:oauth2:flow'),
  discovery: createDebug('x:oauth2:discovery'),
};
