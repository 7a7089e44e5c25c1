import { escapeHtml } from '../../../core/html';

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
  h1 { font-size: 1.4rem; } .note { color: #57606a; font-size: .9rem; }
  form { margin: 0; } .accounts button { display: block; width: 100%; margin: .4rem 0; padding: .6rem .8rem; text-align: left;
    border: 1px solid #d0d7de; border-radius: 6px; background: #f6f8fa; font-size: 1rem; cursor: pointer; }
  .accounts small { color: #57606a; } fieldset { border: 1px solid #d0d7de; border-radius: 6px; margin: 1.2rem 0; }
  label { display: block; margin: .5rem 0; } input[type=email], input[type=text] { width: 100%; padding: .4rem; box-sizing: border-box; }
  .error { color: #cf222e; } .cancel { background: none; border: none; color: #0969da; cursor: pointer; padding: 0; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

export interface SignInPageInput {
  uid: string;
  accounts: ReadonlyArray<{ email: string; name: string }>;
  /** What was wrong with the last "any email" submission. */
  error?: string;
  email?: string;
}

/**
 * The development provider's sign-in page: one click per demo account, or any
 * email address, which the provider may report as verified or not (so the
 * gateway's refusal of unverified addresses can be tried). No password: it
 * stands in for a real provider on a developer's machine and in tests.
 */
export function signInPage({ uid, accounts, error, email = '' }: SignInPageInput): string {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  const buttons = accounts
    .map(
      (account) => `<form method="post" action="${action}/login">
  <input type="hidden" name="email" value="${escapeHtml(account.email)}"><input type="hidden" name="name" value="${escapeHtml(account.name)}">
  <input type="hidden" name="email_verified" value="true">
  <button type="submit">${escapeHtml(account.name)}<br><small>${escapeHtml(account.email)}</small></button></form>`,
    )
    .join('\n');
  return page(
    'Development sign-in',
    `<h1>Development identity provider</h1>
<p class="note">This provider runs inside the gateway outside production so that "Sign in with …" works offline. It asks for no password. Choose who signs in:</p>
<div class="accounts">${buttons}</div>
<form method="post" action="${action}/login">
<fieldset><legend>Any email address</legend>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<label>Email <input type="email" name="email" required maxlength="254" value="${escapeHtml(email)}"></label>
<label>Name (optional) <input type="text" name="name" maxlength="100"></label>
<label><input type="checkbox" name="email_verified" value="true" checked> The provider has verified this address</label>
<button type="submit">Sign in</button></fieldset></form>
<form method="post" action="${action}/abort"><button class="cancel" type="submit">Cancel: deny access to the store</button></form>`,
  );
}

/** Any error the provider shows itself (an expired interaction, a bad request from the client). */
export function errorPage(title: string, detail: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>`);
}
