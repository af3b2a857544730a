import { createHash } from 'node:crypto';
import type { AliyunAccountKind, AliyunIdTokenClaims } from '@x/provider-aliyun';

/** HTML that is safe to insert as is: made by {@link html}, which escapes everything interpolated. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/**
 * A template tag that escapes every interpolated value (claims come from outside), except nested
 * `html` templates and arrays of them.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => (out += render(value) + (strings[index + 1] ?? '')));
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return String(value).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const styles = `
  :root { color-scheme: light; --accent: #ff6a00; --ink: #1f2329; --muted: #646a73; --line: #e4e6ea; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f4f5f7; }
  header { background: #fff; border-bottom: 1px solid var(--line); padding: 12px 24px; font-weight: 600; }
  header span { color: var(--accent); }
  main { max-width: 720px; margin: 32px auto; padding: 28px 32px; background: #fff; border-radius: 10px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  h1 { font-size: 24px; margin: 0 0 8px; }
  h2 { font-size: 16px; margin: 28px 0 8px; }
  p { margin: 8px 0; }
  .muted { color: var(--muted); font-size: 13px; }
  .badge { display: inline-block; padding: 2px 10px; border-radius: 999px; background: #fff1e6; color: #b34a00; font-size: 13px; font-weight: 600; }
  .flash { background: #ecfdf3; border: 1px solid #abefc6; border-radius: 6px; padding: 8px 12px; }
  .error { background: #fef3f2; border: 1px solid #fecdca; border-radius: 6px; padding: 8px 12px; }
  .notice { background: #fff7f0; border-left: 3px solid var(--accent); padding: 8px 12px; font-size: 13px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { width: 32%; color: var(--muted); font-weight: 500; }
  td { overflow-wrap: anywhere; }
  details { margin-top: 16px; }
  code, pre { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
  pre { background: #f6f7f9; padding: 12px; border-radius: 6px; overflow-x: auto; }
  .actions { display: flex; gap: 12px; margin-top: 24px; }
  .actions form { margin: 0; }
  .button { display: inline-block; font: inherit; font-weight: 600; padding: 9px 18px; border-radius: 6px; cursor: pointer;
            border: 1px solid var(--line); background: #fff; color: var(--ink); text-decoration: none; }
  .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
`;

/** The Content-Security-Policy hash of the one inline style block (no script at all). */
export const styleHash = `'sha256-${createHash('sha256').update(styles).digest('base64')}'`;

function layout(title: string, content: SafeHtml, footer: string): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new SafeHtml(styles)}</style>
</head>
<body>
<header><span>●</span> Aliyun web login demo</header>
<main>
${content}
<p class="muted" id="backend">${footer}</p>
</main>
</body>
</html>
`.value;
}

/** Where the demo signs in: shown at the bottom of each page. */
export interface SiteInfo {
  /** "the local Aliyun mock server at http://127.0.0.1:…" or "Alibaba Cloud (aliyun.com)". */
  label: string;
  mock: boolean;
}

const backend = (site: SiteInfo) => `Identity provider: ${site.label}.`;

export function homePage(site: SiteInfo, options: { signedOut?: boolean } = {}): string {
  return layout(
    'Sign in',
    html`<h1>Welcome</h1>
${options.signedOut ? html`<p class="flash" id="flash">You are signed out, and your refresh token was revoked.</p>` : ''}
<p>This demo signs you in with your Alibaba Cloud identity: OAuth 2.0 authorization code flow with
<code>state</code> and PKCE, and an OpenID Connect ID token verified against the provider's keys.</p>
${site.mock ? html`<p class="notice">No account needed: the embedded mock server shows a login page where you pick a test identity (root account, RAM user or RAM role).</p>` : ''}
<div class="actions"><a class="button primary" id="sign-in" href="/login">Sign in with Alibaba Cloud</a></div>`,
    backend(site),
  );
}

/** What the profile page shows. Nothing here is secret: no token value, only a fingerprint. */
export interface ProfileView {
  claims: AliyunIdTokenClaims;
  accountKind: AliyunAccountKind | undefined;
  accessTokenFingerprint: string;
  expiresAt: Date | undefined;
  scopes: readonly string[] | undefined;
  hasRefreshToken: boolean;
  csrfToken: string;
  flash?: string;
}

const accountKindLabels: Record<AliyunAccountKind, string> = {
  'root-account': 'Root account',
  'ram-user': 'RAM user',
  'ram-role': 'RAM role',
};

export function profilePage(site: SiteInfo, view: ProfileView): string {
  const { claims } = view;
  const kind = view.accountKind === undefined ? 'Unknown (the profile scope was not granted)' : accountKindLabels[view.accountKind];
  const rows: [string, unknown][] = [
    ['Name', claims.name],
    ['Logon name', claims.upn ?? claims.login_name],
    ['User ID (uid)', claims.uid],
    ['Account ID (aid)', claims.aid],
    ['Subject (sub)', claims.sub],
    ['Issuer', claims.iss],
  ];
  const csrf = html`<input type="hidden" name="csrf" value="${view.csrfToken}">`;
  return layout(
    'Your profile',
    html`${view.flash ? html`<p class="flash" id="flash">${view.flash}</p>` : ''}
<h1 id="user-name">${claims.name ?? claims.sub}</h1>
<p><span class="badge" id="account-kind">${kind}</span></p>
<h2>Who you are (verified ID token)</h2>
<table id="claims">
${rows.filter(([, value]) => value !== undefined).map(([label, value]) => html`<tr><th>${label}</th><td>${value}</td></tr>`)}
</table>
<h2>Your session's token</h2>
<table id="token">
<tr><th>Access token</th><td>fingerprint <code id="token-fingerprint">${view.accessTokenFingerprint}</code> (the token itself stays on the server)</td></tr>
<tr><th>Expires</th><td>${view.expiresAt ? html`<time id="expires-at" datetime="${view.expiresAt.toISOString()}">${formatTime(view.expiresAt)}</time> (${untilNow(view.expiresAt)})` : 'not stated'}</td></tr>
<tr><th>Scopes granted</th><td>${view.scopes?.join(' ') ?? 'not listed'}</td></tr>
<tr><th>Refresh token</th><td>${view.hasRefreshToken ? 'yes (offline access)' : 'no'}</td></tr>
</table>
<details><summary>All ID token claims</summary><pre id="raw-claims">${JSON.stringify(claims, null, 2)}</pre></details>
<div class="actions">
${view.hasRefreshToken ? html`<form method="post" action="/refresh">${csrf}<button class="button" id="refresh" type="submit">Refresh token</button></form>` : ''}
<form method="post" action="/logout">${csrf}<button class="button primary" id="logout" type="submit">Log out</button></form>
</div>`,
    backend(site),
  );
}

export function errorPage(site: SiteInfo, title: string, message: string, code?: string): string {
  return layout(
    title,
    html`<h1>${title}</h1>
<p class="error" id="error">${message}${code ? html` <code id="error-code">${code}</code>` : ''}</p>
<div class="actions"><a class="button primary" href="/">Back to the start</a></div>`,
    backend(site),
  );
}

function untilNow(date: Date): string {
  const left = date.getTime() - Date.now();
  return left <= 0 ? 'expired' : `in ${Math.max(1, Math.round(left / 60_000))} min`;
}

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
