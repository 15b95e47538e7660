// Shared helpers of the agent console and the editors' page: the API
// client, the two UI languages, DOM building (text only, never markup)
// and the screen-reader announcer.

// ---- DOM ----------------------------------------------------------------

/**
 * el builds an element. attrs: plain attributes, except `text` (set as
 * textContent), `class`, `dataset` (object), `on` (object of listeners) and
 * boolean properties (hidden, disabled, checked, selected). Children are
 * nodes or strings (strings become text nodes). Data never goes through
 * innerHTML.
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    switch (k) {
      case 'text': e.textContent = String(v); break;
      case 'class': e.className = v; break;
      case 'dataset': Object.assign(e.dataset, v); break;
      case 'on': for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn); break;
      case 'hidden': case 'disabled': case 'checked': case 'selected': e[k] = Boolean(v); break;
      default: e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
export const byTestId = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);

// ---- languages ------------------------------------------------------------

const LANG_KEY = 'kefu.console.lang';
let lang = 'en';
let dict = { en: {}, zh: {} };
const langListeners = [];

/** initI18n picks the language: the saved choice, else the browser's. */
export function initI18n(dictionaries) {
  dict = dictionaries;
  let saved = null;
  try { saved = localStorage.getItem(LANG_KEY); } catch { /* storage off */ }
  if (saved === 'zh' || saved === 'en') lang = saved;
  else lang = (navigator.languages?.[0] || navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
  applyI18n();
}

export function getLang() { return lang; }

export function setLang(l) {
  lang = l === 'zh' ? 'zh' : 'en';
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* storage off */ }
  applyI18n();
  for (const fn of langListeners) fn(lang);
}

export function onLangChange(fn) { langListeners.push(fn); }

/** t translates key, filling {name} placeholders from vars. */
export function t(key, vars = {}) {
  const s = dict[lang]?.[key] ?? dict.en?.[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/**
 * applyI18n fills the static page: data-i18n sets textContent,
 * data-i18n-placeholder / -aria-label / -title set those attributes.
 */
export function applyI18n(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of $$('[data-i18n]', root)) e.textContent = t(e.dataset.i18n);
  for (const e of $$('[data-i18n-placeholder]', root)) e.placeholder = t(e.dataset.i18nPlaceholder);
  for (const e of $$('[data-i18n-aria-label]', root)) e.setAttribute('aria-label', t(e.dataset.i18nAriaLabel));
  for (const e of $$('[data-i18n-title]', root)) e.title = t(e.dataset.i18nTitle);
  const toggle = byTestId('lang-toggle');
  if (toggle) {
    // The toggle names the other language, in that language.
    toggle.textContent = lang === 'zh' ? 'English' : '中文';
    toggle.setAttribute('lang', lang === 'zh' ? 'en' : 'zh-CN');
    toggle.setAttribute('aria-label', lang === 'zh' ? 'Switch to English' : '切换到中文');
  }
}

/** wireLangToggle makes the header button switch languages. */
export function wireLangToggle() {
  byTestId('lang-toggle')?.addEventListener('click', () => setLang(lang === 'zh' ? 'en' : 'zh'));
}

// ---- formatting -------------------------------------------------------------

export function fmtDuration(sec) {
  sec = Math.max(0, Math.floor(sec));
  const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
  if (lang === 'zh') return h ? `${h}小时${m}分` : m ? `${m}分${s}秒` : `${s}秒`;
  return h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const loc = lang === 'zh' ? 'zh-CN' : 'en';
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay
    ? d.toLocaleTimeString(loc, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString(loc, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

// ---- API ------------------------------------------------------------------------

/** ApiError carries the contract's {"error":{"code","message"}}. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
  }
}

/**
 * signOutOnAuthError hands a 401 (session ended) or 403 (wrong role) to
 * signOut with the reason to show, and reports whether it did.
 */
export function signOutOnAuthError(err, signOut) {
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
    signOut(err.status === 401 ? t('err.sessionEnded') : t('signin.wrongRole'));
    return true;
  }
  return false;
}

/**
 * api calls the JSON API with the bearer token. It resolves to the parsed
 * body (null for 204) and rejects with ApiError (status 0 for a network
 * failure). A 429 is retried once after Retry-After (at most 5 s).
 */
export async function api(token, method, path, body, { signal, retry = true } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, signal, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', '');
  }
  if (res.status === 429 && retry) {
    const wait = Math.min(5, Number(res.headers.get('Retry-After')) || 1);
    await new Promise((r) => setTimeout(r, wait * 1000));
    return api(token, method, path, body, { signal, retry: false });
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    throw new ApiError(res.status, data?.error?.code, data?.error?.message);
  }
  return data;
}

/** describeError is a sentence for an ApiError in the UI language. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return t('err.unknown');
  switch (err.status) {
    case 0: return t('err.network');
    case 401: return t('err.401');
    case 403: return t('err.403');
    case 404: return t('err.404');
    case 409: return t('err.409', { detail: err.message });
    case 413: return t('err.413');
    case 429: return t('err.429');
  }
  if (err.status >= 500) return t('err.5xx');
  return err.message || t('err.unknown');
}

// ---- sessions ---------------------------------------------------------------------

export const session = {
  get(k) { try { return sessionStorage.getItem(k) || ''; } catch { return ''; } },
  set(k, v) { try { sessionStorage.setItem(k, v); } catch { /* storage off */ } },
  del(k) { try { sessionStorage.removeItem(k); } catch { /* storage off */ } },
};

// ---- accessibility ----------------------------------------------------------------

/**
 * announce says msg to screen readers through the page's polite live
 * region (data-testid="announcer"). Messages are queued a little so
 * several in one tick are all read.
 */
let announceTimer = null;
const pending = [];
export function announce(msg) {
  const region = byTestId('announcer');
  if (!region || !msg) return;
  pending.push(msg);
  if (announceTimer) return;
  announceTimer = setTimeout(() => {
    announceTimer = null;
    region.textContent = '';
    for (const m of pending.splice(0)) region.append(el('p', { text: m }));
  }, 100);
}

/** setStatus writes a status line (role=status/alert element) with a kind. */
export function setStatus(node, msg, kind = 'info') {
  if (!node) return;
  node.textContent = msg || '';
  node.dataset.state = msg ? kind : '';
  node.hidden = !msg;
}

/** localDateTimeValue turns RFC3339 into a datetime-local input value. */
export function localDateTimeValue(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** rfc3339 turns a datetime-local value (local time) into RFC3339 UTC, or null. */
export function rfc3339(value) {
  if (!value) return null;
  const d = new Date(value); // "YYYY-MM-DDTHH:mm" parses as local time
  if (Number.isNaN(d.getTime())) return undefined;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
