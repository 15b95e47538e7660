// The editors' knowledge-base page (/console/kb): search and list
// articles, create, edit (optimistic: PUT with the version the edit started
// from; a 409 is a stale write) and delete them, turn the questions
// nothing answered into question variants or new drafts, and keep the
// synonym list (the same optimistic saves).
//
// Article and customer text goes on the page only through textContent and
// form values, never as markup.

import {
  el, byTestId, initI18n, wireLangToggle, onLangChange, t, api, ApiError, describeError, signOutOnAuthError,
  session, announce, setStatus, fmtTime, localDateTimeValue, rfc3339, getLang,
} from './common.js';
import { STRINGS } from './strings.js';

const KEY = { token: 'kefu.editor.token' };
const PAGE = 50;
const enc = encodeURIComponent;

const state = {
  token: '',
  gen: 0,
  offset: 0, // of the article listing (not search)
  searchSeq: 0,
  current: null, // the article in the form (null: a new one)
  formOpen: false,
  dirty: false,
  conflictVersion: 0, // the version another editor saved, after a 409
  pendingDismiss: '', // unanswered key to dismiss once the form saves
  pending: null, // what to do once the editor agrees to discard changes
  intents: new Set(),
  syn: { version: null, groups: 0, dirty: false, conflictVersion: 0, lines: [] }, // the synonym list
};

const F = {
  title: () => byTestId('field-title'),
  questions: () => byTestId('field-questions'),
  answer: () => byTestId('field-answer'),
  intent: () => byTestId('field-intent'),
  tags: () => byTestId('field-tags'),
  locale: () => byTestId('field-locale'),
  status: () => byTestId('field-status'),
  from: () => byTestId('field-valid-from'),
  until: () => byTestId('field-valid-until'),
};

// ---- start ------------------------------------------------------------------

initI18n(STRINGS);
wireLangToggle();
onLangChange(() => { if (state.token) { runSearch(); loadUnanswered(); renderFormMeta(); renderSynonymsMeta(); } });

byTestId('signin-form').addEventListener('submit', onSignIn);
byTestId('sign-out').addEventListener('click', () => signOut(''));
byTestId('search-form').addEventListener('submit', (e) => { e.preventDefault(); runSearch(); });
let searchTimer = 0;
for (const id of ['search-input', 'filter-intent', 'filter-tag']) {
  byTestId(id).addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(runSearch, 250); });
}
for (const id of ['filter-locale', 'filter-status']) byTestId(id).addEventListener('change', () => runSearch());
byTestId('search-more').addEventListener('click', () => runSearch(true));
byTestId('article-new').addEventListener('click', () => guard(() => openNew()));
byTestId('article-form').addEventListener('submit', (e) => { e.preventDefault(); save(); });
byTestId('article-form').addEventListener('input', () => { state.dirty = true; });
byTestId('article-delete').addEventListener('click', onDelete);
byTestId('conflict-load').addEventListener('click', loadLatest);
byTestId('conflict-overwrite').addEventListener('click', () => save(state.conflictVersion));
byTestId('unsaved-discard').addEventListener('click', () => {
  const next = state.pending;
  state.pending = null;
  byTestId('unsaved-prompt').hidden = true;
  state.dirty = false;
  next?.();
});
byTestId('unsaved-keep').addEventListener('click', () => {
  state.pending = null;
  byTestId('unsaved-prompt').hidden = true;
  F.title().focus();
});
byTestId('unanswered-refresh').addEventListener('click', loadUnanswered);
byTestId('synonyms-form').addEventListener('submit', (e) => { e.preventDefault(); saveSynonyms(); });
byTestId('synonyms-text').addEventListener('input', () => { state.syn.dirty = true; });
byTestId('synonyms-load').addEventListener('click', () => { state.syn.dirty = false; loadSynonyms(); });
byTestId('synonyms-overwrite').addEventListener('click', () => saveSynonyms(state.syn.conflictVersion));
window.addEventListener('beforeunload', (e) => { if (state.dirty || state.syn.dirty) e.preventDefault(); });

{
  const token = session.get(KEY.token);
  if (token) startWorkspace(token);
  else byTestId('token-input').focus();
}

// ---- signing in and out ---------------------------------------------------------

async function onSignIn(e) {
  e.preventDefault();
  const input = byTestId('token-input');
  const err = byTestId('signin-error');
  const token = input.value.trim();
  input.removeAttribute('aria-invalid');
  if (!token) { input.setAttribute('aria-invalid', 'true'); input.focus(); return setStatus(err, t('signin.missingToken'), 'error'); }
  const btn = byTestId('sign-in');
  btn.disabled = true;
  try {
    await api(token, 'GET', '/v1/kb/articles?limit=1');
    setStatus(err, '');
    input.value = '';
    session.set(KEY.token, token);
    startWorkspace(token);
  } catch (x) {
    const msg = x instanceof ApiError && x.status === 401 ? t('signin.badToken')
      : x instanceof ApiError && x.status === 403 ? t('signin.wrongRole') : describeError(x);
    input.setAttribute('aria-invalid', 'true');
    setStatus(err, msg, 'error');
    input.focus();
  } finally {
    btn.disabled = false;
  }
}

function startWorkspace(token) {
  state.token = token;
  state.gen++;
  byTestId('signin-panel').hidden = true;
  byTestId('workspace').hidden = false;
  byTestId('sign-out').hidden = false;
  byTestId('whoami').hidden = false;
  runSearch();
  loadUnanswered();
  loadSynonyms();
  byTestId('search-input').focus();
}

function signOut(reason) {
  state.gen++;
  state.token = '';
  state.dirty = false;
  session.del(KEY.token);
  closeForm();
  byTestId('search-results').replaceChildren();
  byTestId('unanswered').replaceChildren();
  clearSynonyms();
  byTestId('workspace').hidden = true;
  byTestId('signin-panel').hidden = false;
  byTestId('sign-out').hidden = true;
  byTestId('whoami').hidden = true;
  setStatus(byTestId('signin-error'), reason, 'error');
  byTestId('token-input').focus();
}

/** authFailed signs out on 401/403 and reports whether it did. */
const authFailed = (err) => signOutOnAuthError(err, signOut);

// ---- search and listing ------------------------------------------------------------

/**
 * runSearch lists articles: a lexical search (GET /v1/kb/search) when
 * words are typed, else the filtered listing (GET /v1/kb/articles).
 */
async function runSearch(more = false) {
  if (!state.token) return;
  const seq = ++state.searchSeq;
  const q = byTestId('search-input').value.trim();
  const locale = byTestId('filter-locale').value;
  const status = byTestId('filter-status').value;
  const intent = byTestId('filter-intent').value.trim();
  const tag = byTestId('filter-tag').value.trim();
  // The search route filters by language only.
  for (const id of ['filter-status', 'filter-intent', 'filter-tag']) byTestId(id).disabled = Boolean(q);
  const errBox = byTestId('search-error');
  state.offset = more ? state.offset + PAGE : 0;
  try {
    let rows;
    let hasMore = false;
    if (q) {
      const p = new URLSearchParams({ q, limit: '50' });
      if (locale) p.set('locale', locale);
      const data = await api(state.token, 'GET', `/v1/kb/search?${p}`);
      rows = (data?.hits || []).map((h) => ({ id: h.id, title: h.title, score: h.score }));
    } else {
      const p = new URLSearchParams({ limit: String(PAGE + 1), offset: String(state.offset) });
      if (locale) p.set('locale', locale);
      if (status) p.set('status', status);
      if (intent) p.set('intent', intent);
      if (tag) p.set('tag', tag);
      const data = await api(state.token, 'GET', `/v1/kb/articles?${p}`);
      rows = data?.items || [];
      hasMore = rows.length > PAGE;
      rows = rows.slice(0, PAGE);
      for (const a of rows) if (a.intent) state.intents.add(a.intent);
      renderIntentList();
    }
    if (seq !== state.searchSeq) return;
    setStatus(errBox, '');
    renderResults(rows, more);
    byTestId('search-more').hidden = !hasMore;
  } catch (err) {
    if (seq !== state.searchSeq || authFailed(err)) return;
    setStatus(errBox, describeError(err), 'error');
  }
}

/**
 * renderResults shows rows, reusing the line of an article that did not
 * change: a new search never pulls a button from under the pointer.
 */
function renderResults(rows, append) {
  const ul = byTestId('search-results');
  const old = new Map([...ul.children].map((li) => [li.dataset.articleId, li]));
  const start = append ? ul.children.length : 0;
  const keep = new Set();
  rows.forEach((a, i) => {
    const sig = JSON.stringify([getLang(), a.id, a.title, a.status, a.locale, a.intent, a.version]);
    let li = append ? null : old.get(a.id);
    if (!li || li.dataset.sig !== sig) {
      const fresh = resultNode(a);
      fresh.dataset.sig = sig;
      if (li) li.replaceWith(fresh);
      li = fresh;
    }
    keep.add(li);
    if (ul.children[start + i] !== li) ul.insertBefore(li, ul.children[start + i] || null);
  });
  if (!append) for (const li of [...ul.children]) if (!keep.has(li)) li.remove();
  byTestId('search-empty').hidden = ul.children.length > 0;
  markCurrent();
}

function resultNode(a) {
  const meta = el('span', { class: 'r-meta' },
    el('span', { class: 'mono', text: a.id }),
    a.status ? el('span', { class: `tag status-${a.status}`, text: t('kb.status.' + a.status) }) : null,
    a.locale ? el('span', { class: 'tag', text: a.locale }) : null,
    a.intent ? el('span', { class: 'tag intent', text: a.intent }) : null,
    a.version ? el('span', { text: t('kb.version', { v: a.version }) }) : null);
  return el('li', { class: 'result', dataset: { testid: 'search-result', articleId: a.id } },
    el('button', { type: 'button', on: { click: () => guard(() => openArticle(a.id)) } },
      el('span', { class: 'r-title', text: a.title || a.id }), meta));
}

function markCurrent() {
  for (const li of byTestId('search-results').children) {
    if (state.current && li.dataset.articleId === state.current.id) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
  }
}

function renderIntentList() {
  const dl = document.getElementById('intents');
  const have = new Set([...dl.options].map((o) => o.value));
  for (const i of [...state.intents].sort()) if (!have.has(i)) dl.append(el('option', { value: i }));
}

// ---- the article form ------------------------------------------------------------------

/** guard runs next now, or after the editor agrees to drop unsaved edits. */
function guard(next) {
  if (!state.dirty || !state.formOpen) return next();
  state.pending = next;
  byTestId('unsaved-prompt').hidden = false;
  byTestId('unsaved-keep').focus();
}

async function openArticle(id) {
  try {
    const a = await api(state.token, 'GET', `/v1/kb/articles/${enc(id)}`);
    fillForm(a);
    setStatus(byTestId('save-status'), '');
    F.title().focus();
  } catch (err) {
    if (authFailed(err)) return;
    setStatus(byTestId('search-error'), describeError(err), 'error');
    if (err instanceof ApiError && err.status === 404) runSearch();
  }
}

function openNew(prefill = {}) {
  fillForm(null, prefill);
  setStatus(byTestId('save-status'), '');
  F.title().focus();
}

function fillForm(a, prefill = {}) {
  state.current = a;
  state.formOpen = true;
  state.dirty = false;
  state.conflictVersion = 0;
  if (!prefill.pendingDismiss) state.pendingDismiss = '';
  const src = a || {
    title: '', questions: [], answer: '', intent: '', tags: [],
    locale: byTestId('filter-locale').value || (getLang() === 'zh' ? 'zh-CN' : 'en'), status: 'draft',
    ...prefill,
  };
  if (prefill.pendingDismiss) state.pendingDismiss = prefill.pendingDismiss;
  F.title().value = src.title || '';
  F.questions().value = (src.questions || []).join('\n');
  F.answer().value = src.answer || '';
  F.intent().value = src.intent || '';
  F.tags().value = (src.tags || []).join(', ');
  setSelect(F.locale(), src.locale || 'zh-CN');
  setSelect(F.status(), src.status || 'draft');
  F.from().value = localDateTimeValue(src.valid_from);
  F.until().value = localDateTimeValue(src.valid_until);
  for (const f of Object.values(F)) f().removeAttribute('aria-invalid');
  byTestId('article-form').hidden = false;
  byTestId('form-placeholder').hidden = true;
  byTestId('conflict-actions').hidden = true;
  byTestId('unsaved-prompt').hidden = true;
  disarmDelete();
  renderFormMeta();
  markCurrent();
}

function setSelect(sel, value) {
  if (![...sel.options].some((o) => o.value === value)) sel.append(el('option', { value, text: value }));
  sel.value = value;
}

function renderFormMeta() {
  const a = state.current;
  byTestId('form-heading').textContent = a ? t('kb.editing') : state.formOpen ? t('kb.creating') : t('kb.editing');
  byTestId('article-id').textContent = a ? a.id : '';
  byTestId('article-version').textContent = a ? t('kb.version', { v: a.version }) : '';
  byTestId('article-version').dataset.version = a ? String(a.version) : '';
  byTestId('article-updated').textContent = a?.updated_at ? t('kb.updated', { time: fmtTime(a.updated_at), by: a.updated_by || '?' }) : '';
  byTestId('article-delete').hidden = !a;
}

function closeForm() {
  state.current = null;
  state.formOpen = false;
  state.dirty = false;
  state.pendingDismiss = '';
  byTestId('article-form').hidden = true;
  byTestId('form-placeholder').hidden = false;
  byTestId('unsaved-prompt').hidden = true;
  renderFormMeta();
  markCurrent();
}

/** readForm is the article body the form describes, or null (and a message) when invalid. */
function readForm() {
  const status = byTestId('save-status');
  const bad = (field, msg) => {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
    setStatus(status, t('kb.invalid', { detail: msg }), 'error');
    return null;
  };
  for (const f of Object.values(F)) f().removeAttribute('aria-invalid');
  const from = rfc3339(F.from().value);
  const until = rfc3339(F.until().value);
  if (from === undefined) return bad(F.from(), t('kb.badDate'));
  if (until === undefined) return bad(F.until(), t('kb.badDate'));
  if (from && until && until < from) return bad(F.until(), t('kb.dateOrder'));
  const body = {
    title: F.title().value.trim(),
    questions: F.questions().value.split('\n').map((s) => s.trim()).filter(Boolean),
    answer: F.answer().value.replace(/\r\n/g, '\n').trim(),
    intent: F.intent().value.trim(),
    tags: F.tags().value.split(/[,，、]/).map((s) => s.trim()).filter(Boolean),
    locale: F.locale().value,
    status: F.status().value,
  };
  if (!body.title) return bad(F.title(), t('kb.field.title'));
  if (!body.answer) return bad(F.answer(), t('kb.field.answer'));
  if (from) body.valid_from = from;
  if (until) body.valid_until = until;
  return body;
}

/**
 * save creates (POST) or updates (PUT with the version the edit started
 * from, or the other editor's version when overwriting after a conflict).
 */
async function save(overwriteVersion = 0) {
  const status = byTestId('save-status');
  const body = readForm();
  if (!body) return;
  const btn = byTestId('article-save');
  btn.disabled = true;
  byTestId('conflict-actions').hidden = true;
  setStatus(status, t('kb.saving'), 'info');
  const a = state.current;
  try {
    let saved;
    if (a) {
      body.version = overwriteVersion || a.version;
      saved = await api(state.token, 'PUT', `/v1/kb/articles/${enc(a.id)}`, body);
    } else {
      saved = await api(state.token, 'POST', '/v1/kb/articles', body);
    }
    const dismiss = state.pendingDismiss;
    fillForm(saved);
    const msg = a ? t('kb.saved', { v: saved.version }) : t('kb.created', { v: saved.version });
    setStatus(status, msg, 'ok');
    status.dataset.state = 'saved';
    announce(msg);
    if (saved.intent) { state.intents.add(saved.intent); renderIntentList(); }
    runSearch();
    if (dismiss) await dismissUnanswered(dismiss);
  } catch (err) {
    if (authFailed(err)) return;
    if (err instanceof ApiError && err.status === 409 && a) {
      await showConflict(a.id);
    } else if (err instanceof ApiError && err.status === 400) {
      setStatus(status, t('kb.invalid', { detail: err.message }), 'error');
    } else {
      setStatus(status, describeError(err), 'error');
    }
  } finally {
    btn.disabled = false;
  }
}

/** showConflict tells the editor their save lost to another editor's. */
async function showConflict(id) {
  const status = byTestId('save-status');
  let latest = null;
  try { latest = await api(state.token, 'GET', `/v1/kb/articles/${enc(id)}`); } catch { /* deleted or unreachable */ }
  state.conflictVersion = latest?.version || 0;
  setStatus(status, latest ? t('kb.conflict', { v: latest.version }) : t('kb.conflictUnknown'), 'conflict');
  status.dataset.code = 'conflict';
  byTestId('conflict-actions').hidden = false;
  byTestId('conflict-overwrite').hidden = !latest;
  byTestId('conflict-load').hidden = !latest;
  byTestId('conflict-load').focus();
}

async function loadLatest() {
  const a = state.current;
  if (!a) return;
  state.dirty = false;
  await openArticle(a.id);
}

let deleteTimer = 0;
function disarmDelete() {
  clearTimeout(deleteTimer);
  const b = byTestId('article-delete');
  b.classList.remove('armed');
  b.textContent = t('kb.delete');
  delete b.dataset.armed;
}

async function onDelete() {
  const b = byTestId('article-delete');
  const a = state.current;
  if (!a) return;
  if (!b.dataset.armed) {
    // Two clicks, no modal dialog: the first arms the button for 5 s.
    b.dataset.armed = '1';
    b.classList.add('armed');
    b.textContent = t('kb.deleteConfirm');
    deleteTimer = setTimeout(disarmDelete, 5000);
    return;
  }
  disarmDelete();
  const status = byTestId('save-status');
  try {
    await api(state.token, 'DELETE', `/v1/kb/articles/${enc(a.id)}`);
    closeForm();
    setStatus(status, t('kb.deleted'), 'ok');
    announce(t('kb.deleted'));
    runSearch();
    byTestId('search-input').focus();
  } catch (err) {
    if (authFailed(err)) return;
    setStatus(status, describeError(err), 'error');
  }
}

// ---- unanswered questions ------------------------------------------------------------------

async function loadUnanswered() {
  if (!state.token) return;
  const gen = state.gen;
  const box = byTestId('unanswered-status');
  try {
    const data = await api(state.token, 'GET', '/v1/kb/unanswered?limit=200');
    if (gen !== state.gen) return;
    renderUnanswered(data?.items || []);
    if (box.dataset.state === 'error') setStatus(box, '');
  } catch (err) {
    if (gen !== state.gen || authFailed(err)) return;
    setStatus(box, describeError(err), 'error');
  }
}

/** renderUnanswered groups the (already wording-grouped) questions by language. */
function renderUnanswered(items) {
  const root = byTestId('unanswered');
  const groups = new Map();
  for (const u of items) {
    const k = u.locale || '';
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(u);
  }
  const sections = [];
  for (const [loc, list] of groups) {
    sections.push(el('h3', { class: 'group-head', text: loc || t('kb.localeAll') }));
    sections.push(el('ul', { class: 'unanswered-list', dataset: { locale: loc } }, ...list.map(unansweredNode)));
  }
  root.replaceChildren(...sections);
  byTestId('unanswered-empty').hidden = items.length > 0;
}

function unansweredNode(u) {
  const li = el('li', { class: 'unanswered-item', dataset: { testid: 'unanswered-item', key: u.key, count: String(u.count) } });
  const picker = el('div', { class: 'picker', dataset: { testid: 'variant-picker' }, hidden: true });
  li.append(
    el('p', { class: 'u-text', text: u.example || u.key }),
    el('p', { class: 'u-meta', text: t('kb.asked', { n: u.count, time: fmtTime(u.last_seen) }) }),
    el('div', { class: 'qi-foot' },
      el('button', { type: 'button', class: 'small', dataset: { testid: 'make-variant' }, 'aria-expanded': 'false', text: t('kb.makeVariant'),
        on: { click: (e) => togglePicker(u, picker, e.currentTarget) } }),
      el('button', { type: 'button', class: 'small secondary', dataset: { testid: 'make-article' }, text: t('kb.makeArticle'),
        on: { click: () => guard(() => openNew({ title: (u.example || u.key).slice(0, 80), questions: [u.example || u.key], locale: u.locale || undefined, pendingDismiss: u.key })) } }),
      el('button', { type: 'button', class: 'small link', dataset: { testid: 'unanswered-dismiss' }, text: t('kb.dismiss'),
        on: { click: () => dismissUnanswered(u.key) } })),
    picker);
  return li;
}

function togglePicker(u, picker, btn) {
  if (!picker.hidden) {
    picker.hidden = true;
    btn.setAttribute('aria-expanded', 'false');
    return;
  }
  picker.hidden = false;
  btn.setAttribute('aria-expanded', 'true');
  const q = u.example || u.key;
  const list = el('ul', { dataset: { testid: 'variant-targets' } });
  const search = el('input', { type: 'search', value: q, 'aria-label': t('kb.variantSearch'), dataset: { testid: 'variant-search' } });
  const status = el('p', { class: 'small', role: 'status' });
  const target = (id, title) => el('li', {}, el('button', {
    type: 'button', class: 'secondary small', dataset: { testid: 'variant-target', articleId: id }, text: title,
    on: { click: () => addVariant(u, id, status) },
  }));
  let seq = 0;
  const find = async () => {
    const my = ++seq;
    const rows = [];
    if (state.current) rows.push(target(state.current.id, t('kb.variantOpen', { title: state.current.title })));
    const words = search.value.trim();
    if (words) {
      try {
        const p = new URLSearchParams({ q: words, limit: '10' });
        if (u.locale) p.set('locale', u.locale);
        const data = await api(state.token, 'GET', `/v1/kb/search?${p}`);
        for (const h of data?.hits || []) if (h.id !== state.current?.id) rows.push(target(h.id, h.title || h.id));
      } catch (err) {
        if (authFailed(err)) return;
        status.textContent = describeError(err);
      }
    }
    if (my === seq) list.replaceChildren(...rows);
  };
  let timer = 0;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(find, 250); });
  picker.replaceChildren(
    el('p', { class: 'small', text: t('kb.variantTitle', { q }) }),
    search, list, status,
    el('button', { type: 'button', class: 'link small', text: t('kb.variantCancel'), on: { click: () => togglePicker(u, picker, btn) } }));
  find();
  search.focus();
}

/**
 * addVariant appends the unanswered question to an article's questions:
 * into the form when that article is open with unsaved edits (saved with
 * them), else at once (GET, append, PUT with its version; one retry on a
 * concurrent change), then dismisses the group.
 */
async function addVariant(u, id, statusNode) {
  const q = (u.example || u.key).trim();
  const open = state.current?.id === id;
  if (open && state.dirty) {
    const lines = F.questions().value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (!lines.includes(q)) F.questions().value = [...lines, q].join('\n');
    state.pendingDismiss = u.key;
    setStatus(byTestId('save-status'), t('kb.variantAddedOpen'), 'info');
    F.questions().focus();
    return;
  }
  statusNode.textContent = t('kb.saving');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const a = await api(state.token, 'GET', `/v1/kb/articles/${enc(id)}`);
      if (a.questions.some((x) => x.trim() === q)) {
        statusNode.textContent = t('kb.variantExists');
        await dismissUnanswered(u.key);
        return;
      }
      const body = { ...a, questions: [...a.questions, q] };
      delete body.updated_at;
      delete body.updated_by;
      const saved = await api(state.token, 'PUT', `/v1/kb/articles/${enc(id)}`, body);
      const msg = t('kb.variantAdded', { title: saved.title, v: saved.version });
      if (!state.dirty || open) fillForm(saved);
      setStatus(byTestId('save-status'), msg, 'ok');
      byTestId('save-status').dataset.state = 'saved';
      announce(msg);
      await dismissUnanswered(u.key);
      runSearch();
      return;
    } catch (err) {
      if (authFailed(err)) return;
      if (err instanceof ApiError && err.status === 409 && attempt === 0) continue;
      statusNode.textContent = describeError(err);
      return;
    }
  }
}

async function dismissUnanswered(key) {
  try {
    await api(state.token, 'DELETE', `/v1/kb/unanswered/${enc(key)}`);
  } catch (err) {
    if (authFailed(err)) return;
    if (!(err instanceof ApiError && err.status === 404)) {
      setStatus(byTestId('unanswered-status'), describeError(err), 'error');
    }
  }
  if (state.pendingDismiss === key) state.pendingDismiss = '';
  loadUnanswered();
}

// ---- synonyms ------------------------------------------------------------------

/** loadSynonyms shows the list in force (GET /v1/kb/synonyms), one group a line. */
async function loadSynonyms() {
  if (!state.token) return;
  const gen = state.gen;
  const status = byTestId('synonyms-status');
  try {
    const data = await api(state.token, 'GET', '/v1/kb/synonyms');
    if (gen !== state.gen) return;
    showSynonyms(data);
    setStatus(status, '');
  } catch (err) {
    if (gen !== state.gen || authFailed(err)) return;
    setStatus(status, describeError(err), 'error');
  }
}

function showSynonyms(data) {
  const groups = data?.groups || [];
  byTestId('synonyms-text').value = groups.map((g) => g.join(' = ')).join('\n');
  byTestId('synonyms-text').removeAttribute('aria-invalid');
  state.syn.version = data?.version ?? 0;
  state.syn.groups = groups.length;
  state.syn.dirty = false;
  state.syn.conflictVersion = 0;
  byTestId('synonyms-conflict-actions').hidden = true;
  renderSynonymsMeta();
}

function renderSynonymsMeta() {
  const meta = byTestId('synonyms-version');
  const v = state.syn.version;
  meta.textContent = v === null ? '' : v === 0 ? t('kb.syn.builtin', { n: state.syn.groups }) : t('kb.syn.version', { v, n: state.syn.groups });
  meta.dataset.version = v === null ? '' : String(v);
}

function clearSynonyms() {
  byTestId('synonyms-text').value = '';
  state.syn = { version: null, groups: 0, dirty: false, conflictVersion: 0, lines: [] };
  byTestId('synonyms-conflict-actions').hidden = true;
  setStatus(byTestId('synonyms-status'), '');
  renderSynonymsMeta();
}

/**
 * readSynonyms is the list the textarea describes: one group a line,
 * members separated by = or , (half- or full-width); blank lines are
 * skipped. It notes each group's line (for the server's messages) and
 * returns null, with a message, when a line holds a single word.
 */
function readSynonyms() {
  const groups = [];
  state.syn.lines = [];
  const lines = byTestId('synonyms-text').value.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const members = lines[i].split(/[=,＝，]/).map((m) => m.trim()).filter(Boolean);
    if (members.length === 0) continue;
    if (members.length === 1) return { error: t('kb.syn.tooFew', { n: i + 1 }) };
    groups.push(members);
    state.syn.lines.push(i + 1);
  }
  return { groups };
}

/** lineNote turns the server's "group N" into the textarea's line. */
function lineNote(msg) {
  const m = /group (\d+)/.exec(msg || '');
  const line = m ? state.syn.lines[Number(m[1]) - 1] : 0;
  return line ? `${msg} ${t('kb.syn.line', { n: line })}` : msg;
}

/**
 * saveSynonyms replaces the list (PUT with the version it was loaded at,
 * or the other editor's version when overwriting after a conflict).
 */
async function saveSynonyms(overwriteVersion = 0) {
  const status = byTestId('synonyms-status');
  const area = byTestId('synonyms-text');
  area.removeAttribute('aria-invalid');
  const { groups, error } = readSynonyms();
  if (error) {
    area.setAttribute('aria-invalid', 'true');
    area.focus();
    return setStatus(status, t('kb.invalid', { detail: error }), 'error');
  }
  if (state.syn.version === null) return;
  const btn = byTestId('synonyms-save');
  btn.disabled = true;
  byTestId('synonyms-conflict-actions').hidden = true;
  setStatus(status, t('kb.saving'), 'info');
  try {
    const saved = await api(state.token, 'PUT', '/v1/kb/synonyms', { groups, version: overwriteVersion || state.syn.version });
    showSynonyms(saved);
    const msg = t('kb.syn.saved', { v: saved.version });
    setStatus(status, msg, 'saved');
    announce(msg);
  } catch (err) {
    if (authFailed(err)) return;
    if (err instanceof ApiError && err.status === 409) {
      await showSynonymsConflict();
    } else if (err instanceof ApiError && err.status === 400) {
      area.setAttribute('aria-invalid', 'true');
      setStatus(status, t('kb.invalid', { detail: lineNote(err.message) }), 'error');
    } else {
      setStatus(status, describeError(err), 'error');
    }
  } finally {
    btn.disabled = false;
  }
}

/** showSynonymsConflict tells the editor their save lost to another editor's; their text stays. */
async function showSynonymsConflict() {
  const status = byTestId('synonyms-status');
  let latest = null;
  try { latest = await api(state.token, 'GET', '/v1/kb/synonyms'); } catch { /* unreachable */ }
  state.syn.conflictVersion = latest?.version || 0;
  setStatus(status, latest ? t('kb.syn.conflict', { v: latest.version }) : t('kb.syn.conflictUnknown'), 'conflict');
  status.dataset.code = 'conflict';
  byTestId('synonyms-conflict-actions').hidden = !latest;
  if (latest) byTestId('synonyms-load').focus();
}
