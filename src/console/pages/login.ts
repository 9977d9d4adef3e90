// The sign-in page: labelled fields "Email" and "Password" and a "Sign in" button (邮箱、密码、登录).
import { type Html, html } from '../html.js';
import { barePage } from '../layout.js';
import type { ConsoleTexts } from '../texts.js';

export function loginPage(
  t: ConsoleTexts,
  lang: string,
  next: string,
  state: { email?: string; error?: string } = {},
): Html {
  return barePage(
    t,
    lang,
    t.signIn,
    html`<h1>${t.signInTitle}</h1>
<form method="post" action="/console/login" class="card">
  ${state.error ? html`<p class="error" role="alert">${state.error}</p>` : ''}
  <input type="hidden" name="next" value="${next}">
  <label for="email">${t.email}</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${state.email ?? ''}">
  <label for="password">${t.password}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <p><button type="submit">${t.signIn}</button></p>
</form>`,
  );
}
