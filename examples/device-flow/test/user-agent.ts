/**
 * The person at the other screen, scripted over HTTP: opens the verification page, types the user code,
 * confirms, signs in on oidc-provider's development login page and consents. No browser needed: the
 * pages are plain HTML forms.
 */

interface Form {
  readonly action: URL;
  readonly fields: Record<string, string>;
}

/** Keeps cookies between requests and follows redirects, like a (very small) browser. */
class UserAgent {
  readonly #cookies = new Map<string, string>();

  async request(url: URL, form?: Record<string, string>): Promise<{ url: URL; html: string }> {
    let target = url;
    let init: RequestInit = form
      ? { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() }
      : { method: 'GET' };
    for (let hop = 0; hop < 20; hop += 1) {
      const headers = new Headers(init.headers);
      if (this.#cookies.size > 0) headers.set('cookie', [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; '));
      const response = await fetch(target, { ...init, headers, redirect: 'manual' });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair = ''] = cookie.split(';');
        const separator = pair.indexOf('=');
        this.#cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.arrayBuffer();
        target = new URL(location, target);
        init = { method: 'GET' };
        continue;
      }
      const html = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status} at ${target.pathname}: ${html.slice(0, 300)}`);
      return { url: target, html };
    }
    throw new Error(`too many redirects from ${url.href}`);
  }
}

const unescape = (value: string) =>
  value.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))).replace(/&quot;/g, '"').replace(/&amp;/g, '&');

const attribute = (tag: string, name: string) => {
  const match = new RegExp(`\\b${name}="([^"]*)"`).exec(tag);
  return match ? unescape(match[1]!) : undefined;
};

function formsOf(html: string, page: URL): Form[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map(([, attributes = '', body = '']) => {
    const fields: Record<string, string> = {};
    for (const [input] of body.matchAll(/<input\b[^>]*>/g)) {
      const name = attribute(input, 'name');
      if (name !== undefined) fields[name] = attribute(input, 'value') ?? '';
    }
    return { action: new URL(attribute(attributes, 'action') ?? page.href, page), fields };
  });
}

function onlyForm(html: string, page: URL): Form {
  const [form] = formsOf(html, page);
  if (form === undefined) throw new Error(`no form on ${page.pathname}: ${html.slice(0, 300)}`);
  return form;
}

/**
 * Approves (or, with `decision: 'cancel'`, cancels) a device sign-in as `login`. Resolves once the
 * provider shows its "Device connected" page.
 */
export async function answerDeviceCode(
  verificationUri: string,
  userCode: string,
  options: { login?: string; decision?: 'approve' | 'cancel' } = {},
): Promise<void> {
  const agent = new UserAgent();
  const start = await agent.request(new URL(verificationUri));
  const entry = onlyForm(start.html, start.url);
  const confirmPage = await agent.request(entry.action, { ...entry.fields, user_code: userCode });
  const confirm = onlyForm(confirmPage.html, confirmPage.url);
  if (options.decision === 'cancel') {
    const { confirm: _confirm, ...fields } = confirm.fields;
    const cancelled = await agent.request(confirm.action, { ...fields, abort: 'yes' });
    if (!cancelled.html.includes('id="device-error"')) throw new Error('the provider did not acknowledge the cancellation');
    return;
  }
  let page = await agent.request(confirm.action, confirm.fields);
  // Then oidc-provider's development pages: a login prompt, then a consent prompt.
  for (let step = 0; step < 4 && !page.html.includes('id="device-approved"'); step += 1) {
    const form = onlyForm(page.html, page.url);
    const answer: Record<string, string> = form.fields.prompt === 'login' ? { login: options.login ?? 'alice', password: 'any password' } : {};
    page = await agent.request(form.action, { ...form.fields, ...answer });
  }
  if (!page.html.includes('id="device-approved"')) throw new Error(`the approval did not finish: ${page.html.slice(0, 300)}`);
}
