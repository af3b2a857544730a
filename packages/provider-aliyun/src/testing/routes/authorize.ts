import { decide, parseAuthorizationRequest } from '../authorization-request.js';
import type { MockContext } from '../context.js';
import { errorResponse } from '../errors.js';
import { htmlResponse, redirectResponse, type MockRequest, type MockResponse } from '../http.js';
import { renderLoginPage, renderMessagePage } from '../pages.js';

/** How long a login page can be left open before its form stops working. */
const loginPageValiditySeconds = 15 * 60;

/** `GET /oauth2/v1/auth`: validate, then show the login page (or approve at once with `autoApprove`). */
export function getAuthorize(ctx: MockContext, req: MockRequest): MockResponse {
  const parsed = parseAuthorizationRequest(ctx, req.query);
  switch (parsed.kind) {
    case 'error-page':
      return errorResponse(ctx.options, 'authorize', parsed.error);
    case 'error-redirect':
      return redirectResponse(parsed.location);
    case 'valid': {
      const account = ctx.autoApprove === undefined ? undefined : ctx.accounts.get(ctx.autoApprove);
      if (account !== undefined) return redirectResponse(decide(ctx, parsed.request, { approve: true, account }));
      const transaction = ctx.store.beginLogin(parsed.request, loginPageValiditySeconds);
      return htmlResponse(200, renderLoginPage(parsed.request, [...ctx.accounts.values()], transaction));
    }
  }
}

/** `POST /oauth2/v1/auth`: the login page's form: `transaction`, `account`, `decision`. */
export function postAuthorize(ctx: MockContext, req: MockRequest): MockResponse {
  const request = ctx.store.takeLogin(req.form.get('transaction') ?? '');
  if (request === undefined) {
    return htmlResponse(
      400,
      renderMessagePage(
        'Sign-in expired',
        'This sign-in request has expired or was already answered. Start the sign-in again from the app.',
      ),
    );
  }
  const decision = req.form.get('decision');
  if (decision === 'deny') return redirectResponse(decide(ctx, request, { approve: false }));
  const account = ctx.accounts.get(req.form.get('account') ?? '');
  if (decision !== 'approve' || account === undefined) {
    return htmlResponse(
      400,
      renderMessagePage('Sign-in failed', 'Choose an account and press Authorize or Deny. Start the sign-in again from the app.'),
    );
  }
  return redirectResponse(decide(ctx, request, { approve: true, account }));
}
