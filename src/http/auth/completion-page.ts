import { escapeHtml } from '../../core/html';
import { SIGN_IN_ERRORS, type SignInErrorCode } from './errors';

export interface CompletionPageInput {
  /** The one-time sign-in code, when the sign-in succeeded. */
  code?: string;
  error?: SignInErrorCode;
  /** Configured providers, for "sign in with …" links. */
  providers: readonly string[];
  /** Where the page's script sends `completeExternalSignIn`. */
  graphqlUrl: string;
  /** Allows the page's one inline script (Content-Security-Policy). */
  nonce: string;
}

const STYLE = `body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
code, textarea { font-family: ui-monospace, monospace; } .code { font-size: 1.1rem; word-break: break-all; background: #f6f8fa; padding: .4rem; }
.error { color: #cf222e; } button { font-size: 1rem; padding: .5rem .9rem; } textarea { width: 100%; height: 5rem; }
#result { margin-top: 1rem; }`;

// Exchanges the code through the public API, then reads `viewer` with the new access token.
const SCRIPT = `
const url = new URL(location.href);
if (url.searchParams.has('code')) { url.searchParams.delete('code'); history.replaceState(null, '', url.href); }
const button = document.getElementById('finish');
const result = document.getElementById('result');
const code = button && button.dataset.code;
async function graphql(query, variables, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const response = await fetch(button.dataset.graphql, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return response.json();
}
function show(text, isError) { const p = document.createElement('p'); p.textContent = text; if (isError) p.className = 'error'; result.append(p); }
if (button) button.addEventListener('click', async () => {
  button.disabled = true;
  try {
    const body = await graphql('mutation ($input: CompleteExternalSignInInput!) { completeExternalSignIn(input: $input) { accessToken refreshToken userErrors { code message } } }', { input: { code } });
    const payload = body.data && body.data.completeExternalSignIn;
    if (!payload || !payload.accessToken) { show((payload && payload.userErrors[0] && payload.userErrors[0].message) || 'The sign-in code was not accepted.', true); return; }
    const viewer = await graphql('{ viewer { name email } }', {}, payload.accessToken);
    const me = viewer.data && viewer.data.viewer;
    show(me ? 'Signed in as ' + me.name + ' (' + me.email + ').' : 'Signed in.', false);
    const details = document.createElement('details');
    const summary = document.createElement('summary'); summary.textContent = 'Tokens, to try the API (Authorization: Bearer <access token>)';
    const tokens = document.createElement('textarea'); tokens.readOnly = true;
    tokens.value = 'access token:\\n' + payload.accessToken + '\\n\\nrefresh token:\\n' + payload.refreshToken;
    details.append(summary, tokens); result.append(details);
  } catch (error) { show('The gateway could not be reached.', true); }
});
`;

function providerLinks(providers: readonly string[]): string {
  if (providers.length === 0) return '<p>No sign-in provider is configured.</p>';
  const links = providers.map((name) => `<li><a href="${encodeURIComponent(name)}/start">Sign in with ${escapeHtml(name)}</a></li>`);
  return `<ul>${links.join('')}</ul>`;
}

/**
 * The gateway's default return page (`/auth/complete`): the outcome of an
 * external sign-in. On success it shows the one-time code and offers to
 * exchange it here; a storefront uses its own page (AUTH_RETURN_URLS) and
 * exchanges the code itself.
 */
export function completionPage({ code, error, providers, graphqlUrl, nonce }: CompletionPageInput): string {
  let body: string;
  if (code) {
    body = `<h1>Signed in with the provider</h1>
<p>Your one-time sign-in code (valid for 60 seconds, once):</p>
<p class="code"><code id="code">${escapeHtml(code)}</code></p>
<p>Exchange it for a session with the <code>completeExternalSignIn</code> mutation, or here:</p>
<button id="finish" type="button" data-code="${escapeHtml(code)}" data-graphql="${escapeHtml(graphqlUrl)}">Finish signing in</button>
<div id="result" role="status"></div>`;
  } else if (error) {
    body = `<h1>Sign-in failed</h1>
<p class="error" role="alert">${escapeHtml(SIGN_IN_ERRORS[error])}</p>
<p>Error code: <code id="error">${escapeHtml(error)}</code></p>
<h2>Try again</h2>${providerLinks(providers)}`;
  } else {
    body = `<h1>Sign in</h1>${providerLinks(providers)}`;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Storefront sign-in</title><style nonce="${nonce}">${STYLE}</style></head>
<body>${body}
<script nonce="${nonce}">${SCRIPT}</script></body></html>`;
}
