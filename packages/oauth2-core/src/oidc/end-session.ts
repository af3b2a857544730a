import { endpointUrl } from '../context.js';
import type { ClientContext } from '../context.js';
import { checkRedirectUri } from '../options.js';
import { appendParams } from '../params.js';
import type { ExtraParams } from '../params.js';

/** Parameters of an RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0 §2). */
export interface EndSessionParams extends ExtraParams {
  /** The ID token of the session to end; lets the provider skip asking the user. */
  idTokenHint?: string;
  /** Where the provider sends the user afterwards; must be registered with the provider. */
  postLogoutRedirectUri?: string;
  state?: string;
}

/** Builds the URL that ends the user's session at the provider. `client_id` is always included. */
export function buildEndSessionUrl(context: ClientContext, params: EndSessionParams = {}): string {
  const url = new URL(endpointUrl(context, 'endSession', 'RP-initiated logout'));
  if (params.postLogoutRedirectUri !== undefined) checkRedirectUri(params.postLogoutRedirectUri, 'postLogoutRedirectUri');
  const query = new URLSearchParams(url.search);
  appendParams(query, { client_id: context.options.clientId, ...params }, context.provider.quirks.scopeSeparator);
  url.search = query.toString().replace(/\+/g, '%20');
  return url.toString();
}
