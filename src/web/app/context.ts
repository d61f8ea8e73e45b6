/** What every view gets: the API, the language, the session, and a signal that aborts when the view is left. */
import type { ApiClient } from './api.js';
import type { I18n } from './i18n.js';
import type { Route } from './router.js';
import type { Session } from './session.js';
import type { ServerSettings } from './settings.js';

export interface ViewContext {
  api: ApiClient;
  i18n: I18n;
  session: Session;
  route: Route;
  /** Zone that times are shown in: the server's TIMEZONE, which the API aligns days and months to. */
  timeZone: string;
  /** What the server said about itself (settings.ts). */
  settings: ServerSettings;
  /** Aborts when the user leaves the view (or switches language): pending fetches and streams stop. */
  signal: AbortSignal;
  now(): number;
  /** Registers something to undo when the view is left (charts, observers). */
  onCleanup(fn: () => void): void;
  /** Changes the hash route; `replace` keeps the history entry (filters, ranges). */
  navigate(href: string, options?: { replace?: boolean }): void;
}

export type View = (ctx: ViewContext, main: HTMLElement) => Promise<void> | void;
