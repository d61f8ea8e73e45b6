/**
 * The dashboard's entry: reads the stored key and language, checks the key, draws the header and the view of
 * the current hash route, and draws again on every route change or language switch.
 */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { ApiError, createApiClient } from './api.js';
import type { View, ViewContext } from './context.js';
import { h } from './dom.js';
import { fmtUtcOffset } from './format.js';
import { createI18n, initialLang, type Lang, type MessageKey } from './i18n.js';
import { hrefOf, parseHash, type RouteName } from './router.js';
import { createSession, type Me } from './session.js';
import { readSettings } from './settings.js';
import { errorBox, loading } from './ui.js';
import { renderAlerts } from './views/alerts.js';
import { renderCompliance } from './views/compliance.js';
import { renderLogin } from './views/login.js';
import { renderMarks } from './views/marks.js';
import { renderOverview } from './views/overview.js';
import { renderReport } from './views/report.js';
import { renderStation } from './views/station.js';

const VIEWS: Record<Exclude<RouteName, 'login'>, View> = {
  overview: renderOverview,
  station: renderStation,
  alerts: renderAlerts,
  compliance: renderCompliance,
  report: renderReport,
  marks: renderMarks,
};

/** localStorage, or nothing when the browser refuses it (private mode, storage disabled). */
function browserStorage(): Storage | undefined {
  try {
    const s = window.localStorage;
    s.getItem('probe');
    return s;
  } catch {
    return undefined;
  }
}

function boot(root: HTMLElement): void {
  const storage = browserStorage();
  const settings = readSettings(document);
  const i18n = createI18n(storage, initialLang(storage));
  const session = createSession(storage);
  let notice: string | undefined;
  const api = createApiClient({
    key: session.key,
    lang: i18n.lang,
    onUnauthorized: () => {
      session.signOut();
      notice = i18n.t('login.expired');
      void render();
    },
  });

  let controller: AbortController | undefined;
  let cleanups: (() => void)[] = [];

  function navigate(href: string, options: { replace?: boolean } = {}) {
    if (options.replace) {
      history.replaceState(null, '', href);
      void render();
    } else if (location.hash === href) {
      void render();
    } else {
      location.hash = href;
    }
  }

  function setLang(lang: Lang) {
    i18n.setLang(lang);
    void render();
  }

  function header(active: RouteName, me: Me | undefined): HTMLElement {
    const link = (name: Exclude<RouteName, 'login' | 'station'>, key: MessageKey) =>
      h('a', { href: hrefOf(name), class: active === name ? 'active' : null, 'data-nav': name }, i18n.t(key));
    const other: Lang = i18n.lang() === 'en' ? 'zh-CN' : 'en';
    return h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), i18n.t('app.name'), h('small', null, i18n.t('app.subtitle'))),
      me
        ? h(
            'nav',
            { class: 'nav' },
            link('overview', 'nav.overview'),
            session.can('alerts:read') ? link('alerts', 'nav.alerts') : null,
            link('compliance', 'nav.compliance'),
            link('report', 'nav.report'),
            session.can('marks:create') ? link('marks', 'nav.marks') : null,
            h('a', { href: 'docs', target: '_blank', rel: 'noopener' }, i18n.t('nav.api')),
          )
        : h('span', { class: 'nav' }),
      h(
        'div',
        { class: 'user' },
        h(
          'span',
          { class: 'tz', id: 'time-zone', title: i18n.t('app.timeZoneTitle'), 'data-zone': settings.timeZone },
          i18n.t('app.timeZone', { zone: settings.timeZone, offset: fmtUtcOffset(Date.now(), settings.timeZone) }),
        ),
        me ? h('span', { class: 'who', title: me.keyId }, me.name, ' ', h('span', { class: 'role', 'data-role': me.role }, i18n.t(`role.${me.role}`))) : null,
        h('button', { type: 'button', class: 'btn btn-small', id: 'lang-switch', title: i18n.t('lang.switchTitle'), lang: other, onclick: () => setLang(other) }, i18n.t('lang.switch')),
        me
          ? h('button', { type: 'button', class: 'btn btn-small', id: 'sign-out', onclick: () => { session.signOut(); navigate('#/login', { replace: true }); } }, i18n.t('login.signOut'))
          : null,
      ),
    );
  }

  async function render(): Promise<void> {
    controller?.abort();
    for (const fn of cleanups.splice(0)) {
      try {
        fn();
      } catch {
        // a failed cleanup must not block the next view
      }
    }
    cleanups = [];
    const current = new AbortController();
    controller = current;
    document.documentElement.lang = i18n.lang();
    document.title = `${i18n.t('app.name')} · ${i18n.t('app.subtitle')}`;

    const route = parseHash(location.hash);
    const main = h('main', { id: 'main' });
    const ctx: ViewContext = {
      api,
      i18n,
      session,
      route,
      timeZone: settings.timeZone,
      settings,
      signal: current.signal,
      now: () => Date.now(),
      onCleanup: (fn) => cleanups.push(fn),
      navigate,
    };

    if (!session.key() || route.name === 'login') {
      const next = route.name === 'login' ? (route.query.get('next') ?? '#/') : location.hash || '#/';
      root.replaceChildren(header('login', undefined), main);
      renderLogin(ctx, main, { next, ...(notice ? { notice } : {}) });
      notice = undefined;
      if (route.name !== 'login') history.replaceState(null, '', hrefOf('login', undefined, { next }));
      return;
    }

    if (!session.me()) {
      root.replaceChildren(header(route.name, undefined), main);
      main.replaceChildren(loading(i18n));
      try {
        session.setMe(await api.get<Me>('/me', undefined, { signal: current.signal }));
      } catch (err) {
        if (current.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) return; // onUnauthorized shows the login
        main.replaceChildren(errorBox(i18n, err, () => void render()));
        return;
      }
      if (current.signal.aborted) return;
    }

    root.replaceChildren(header(route.name, session.me()), main);
    try {
      await VIEWS[route.name as Exclude<RouteName, 'login'>](ctx, main);
    } catch (err) {
      if (!current.signal.aborted && (err as Error).name !== 'AbortError') main.replaceChildren(errorBox(i18n, err, () => void render()));
    }
  }

  window.addEventListener('hashchange', () => void render());
  void render();
}

const root = document.getElementById('app');
if (root) boot(root);
