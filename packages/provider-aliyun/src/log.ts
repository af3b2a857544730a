import createDebug from 'debug';

/**
 * The `x:oauth2:aliyun` debug logger (enable with `DEBUG=x:oauth2:aliyun`). Call sites log sites, hosts,
 * endpoint names, error codes, statuses and request ids; never secrets, codes, tokens or bodies.
 */
export const log = createDebug('x:oauth2:aliyun');
