/** The login screen: asks for an API key, checks it with `GET /api/v1/me`, and keeps it in this browser. */
import { ApiError } from '../api.js';
import type { ViewContext } from '../context.js';
import { h } from '../dom.js';
import type { Me } from '../session.js';

export function renderLogin(ctx: ViewContext, main: HTMLElement, options: { next: string; notice?: string }): void {
  const { i18n } = ctx;
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'current-password',
    spellcheck: 'false',
    required: true,
    placeholder: 'qlk_…',
  });
  const message = h('p', { class: 'form-message', role: 'status' }, options.notice ?? '');
  const button = h('button', { type: 'submit', class: 'btn btn-primary' }, i18n.t('login.submit'));

  async function submit(event: Event) {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      message.textContent = i18n.t('login.empty');
      return;
    }
    button.disabled = true;
    message.textContent = i18n.t('common.loading');
    try {
      const me = await ctx.api.get<Me>('/me', undefined, { key, signal: ctx.signal });
      ctx.session.signIn(key, me);
      ctx.navigate(options.next || '#/', { replace: true });
    } catch (err) {
      message.textContent =
        err instanceof ApiError && err.status === 401 ? i18n.t('login.invalid') : (err as Error).message;
      button.disabled = false;
    }
  }

  main.replaceChildren(
    h(
      'section',
      { class: 'card login' },
      h('h1', null, i18n.t('app.name'), ' ', h('span', { class: 'muted' }, i18n.t('app.subtitle'))),
      h(
        'form',
        { onsubmit: (e: Event) => void submit(e) },
        h('label', { for: 'api-key' }, i18n.t('login.key')),
        input,
        button,
        message,
      ),
      h('p', { class: 'muted small', id: 'login-hint' }, i18n.t('login.hint', { command: ctx.settings.keysCommand })),
      ctx.settings.demo ? h('p', { class: 'muted small', id: 'demo-hint' }, i18n.t('login.demoHint')) : null,
    ),
  );
  input.focus();
}
