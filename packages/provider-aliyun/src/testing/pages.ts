import type { AliyunMockAccount } from './accounts.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { paths } from './context.js';

/** Every value that reaches the HTML goes through this, attributes and text alike. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const scopeDescriptions: Readonly<Record<string, string>> = {
  openid: 'Sign you in with your Alibaba Cloud identity',
  profile: 'See your display name and logon name',
  aliuid: 'See your account ID and user ID',
};

const accountKinds: Readonly<Record<AliyunMockAccount['type'], string>> = {
  account: 'Root account',
  user: 'RAM user',
  role: 'RAM role',
};

const styles = `
  body { font: 15px/1.5 system-ui, sans-serif; background: #f4f5f7; color: #1f2329; margin: 0; }
  main { max-width: 440px; margin: 48px auto; background: #fff; border-radius: 8px; padding: 28px 32px;
         box-shadow: 0 1px 4px rgba(0, 0, 0, .12); }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .muted { color: #646a73; font-size: 13px; }
  fieldset { border: 0; padding: 0; margin: 20px 0; }
  legend { font-weight: 600; margin-bottom: 8px; }
  label.account { display: flex; gap: 10px; align-items: flex-start; padding: 10px 12px; border: 1px solid #dee0e3;
                  border-radius: 6px; margin-bottom: 8px; cursor: pointer; }
  label.account:has(input:checked) { border-color: #ff6a00; background: #fff7f0; }
  ul { padding-left: 20px; }
  code { background: #f0f1f2; padding: 1px 4px; border-radius: 3px; }
  .notice { background: #fff4e5; border-left: 3px solid #ff6a00; padding: 8px 12px; font-size: 13px; }
  .actions { display: flex; gap: 12px; margin-top: 24px; }
  button { flex: 1; font: inherit; padding: 9px 0; border-radius: 6px; border: 1px solid #dee0e3; background: #fff;
           cursor: pointer; }
  button#authorize { background: #ff6a00; border-color: #ff6a00; color: #fff; font-weight: 600; }
`;

function page(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${styles}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
}

function accountOption(account: AliyunMockAccount, checked: boolean): string {
  const logonName = account.upn ?? account.login_name;
  const id = escapeHtml(account.id);
  return `<label class="account" for="account-${id}">
  <input type="radio" name="account" id="account-${id}" value="${id}"${checked ? ' checked' : ''}>
  <span><strong>${escapeHtml(account.name)}</strong><br>
  <span class="muted">${accountKinds[account.type]}${logonName === undefined ? '' : ` · ${escapeHtml(logonName)}`} · UID ${escapeHtml(account.uid)}</span></span>
</label>`;
}

function scopeItem(scope: string): string {
  const description = scopeDescriptions[scope] ?? 'Call Alibaba Cloud APIs on your behalf';
  return `<li data-scope="${escapeHtml(scope)}"><code>${escapeHtml(scope)}</code> — ${escapeHtml(description)}</li>`;
}

/**
 * The login-and-consent page: pick an account, see the app and the scopes, Authorize or Deny. Stable ids
 * for browser tests: `#app-name`, `#scopes`, `#account-<id>`, `#authorize`, `#deny`; no script, no
 * external asset.
 */
export function renderLoginPage(
  request: AuthorizationRequest,
  accounts: readonly AliyunMockAccount[],
  transaction: string,
): string {
  const adminNotice = request.adminConsent
    ? '<p class="notice" id="admin-consent">Administrator consent: you grant these permissions for every user in your Alibaba Cloud account.</p>'
    : '';
  const offlineNotice =
    request.offline || request.app.appType === 'NativeApp'
      ? '<p class="muted" id="offline-access">The app keeps access when you are not using it (refresh token).</p>'
      : '';
  return page(
    `Sign in to ${request.app.displayName}`,
    `<h1>Sign in with Alibaba Cloud</h1>
<p class="muted">Mock login page for local development and tests.</p>
<form id="consent-form" method="post" action="${paths.authorize}">
<input type="hidden" name="transaction" value="${escapeHtml(transaction)}">
<fieldset id="accounts">
<legend>Choose an account</legend>
${accounts.map((account, index) => accountOption(account, index === 0)).join('\n')}
</fieldset>
<p><strong id="app-name">${escapeHtml(request.app.displayName)}</strong> would like to:</p>
<ul id="scopes">
${request.scopes.map(scopeItem).join('\n')}
</ul>
${adminNotice}
${offlineNotice}
<div class="actions">
<button type="submit" id="authorize" name="decision" value="approve">Authorize</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>
</div>
</form>`,
  );
}

/** A short page for a person whose login form can no longer be used. */
export function renderMessagePage(title: string, message: string): string {
  return page(title, `<h1 id="message-title">${escapeHtml(title)}</h1>\n<p id="message">${escapeHtml(message)}</p>`);
}
