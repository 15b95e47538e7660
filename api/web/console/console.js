// The agent console (/console): sign in with the agent token, watch the
// handoff queue, claim a conversation, talk with the customer, hand it back
// to the bot, close or transfer it, and work through left messages.
//
// Every text that comes from customers, the bot or the server is put on
// the page with textContent (through el()); nothing is parsed as markup.

import {
  el, byTestId, initI18n, wireLangToggle, onLangChange, t, api, ApiError, describeError, signOutOnAuthError,
  session, announce, setStatus, fmtDuration, fmtTime, getLang,
} from './common.js';
import { STRINGS } from './strings.js';

const KEY = { token: 'kefu.agent.token', agent: 'kefu.agent.id', active: 'kefu.agent.active' };
const QUEUE_POLL_MS = 2000;
const TICKETS_POLL_MS = 15000;
const TRANSCRIPT_POLL_MS = 2500; // only when the event stream is unavailable

const enc = encodeURIComponent;

const state = {
  token: '',
  agent: '',
  gen: 0, // bumps on sign-in/out: stale loops and responses stop
  queue: new Map(), // conversation id → queue entry
  queueNodes: new Map(), // conversation id → {li, parts}
  queueFetchedAt: 0,
  queueSeen: false, // the first poll after sign-in announces a count, not every item
  queueTimer: 0,
  ticketsTimer: 0,
  tickTimer: 0,
  active: null, // the open conversation, see openConversation
  watchers: new Map(), // conversation id → EventSource: my other conversations
  unread: new Map(), // conversation id → customer messages not yet seen
  ticketNodes: new Map(), // ticket id → {li, sig}
};

// ---- start ------------------------------------------------------------------

initI18n(STRINGS);
wireLangToggle();
onLangChange(rerenderAll);

byTestId('signin-form').addEventListener('submit', onSignIn);
byTestId('sign-out').addEventListener('click', () => signOut(''));
byTestId('reply-form').addEventListener('submit', (e) => { e.preventDefault(); sendReply(); });
byTestId('reply-input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendReply(); }
});
byTestId('release-bot').addEventListener('click', () => release('bot'));
byTestId('release-close').addEventListener('click', () => release('closed'));
byTestId('transfer').addEventListener('click', transfer);
byTestId('tickets-filter').addEventListener('change', loadTickets);
byTestId('tickets-refresh').addEventListener('click', loadTickets);

{
  const token = session.get(KEY.token);
  const agent = session.get(KEY.agent);
  if (token && agent) startWorkspace(token, agent, session.get(KEY.active));
  else byTestId('token-input').focus();
}

// ---- signing in and out -------------------------------------------------------

async function onSignIn(e) {
  e.preventDefault();
  const tokenInput = byTestId('token-input');
  const agentInput = byTestId('agent-id-input');
  const err = byTestId('signin-error');
  const token = tokenInput.value.trim();
  const agent = agentInput.value.trim();
  tokenInput.removeAttribute('aria-invalid');
  agentInput.removeAttribute('aria-invalid');
  if (!token) { tokenInput.setAttribute('aria-invalid', 'true'); tokenInput.focus(); return setStatus(err, t('signin.missingToken'), 'error'); }
  if (!agent) { agentInput.setAttribute('aria-invalid', 'true'); agentInput.focus(); return setStatus(err, t('signin.missingAgent'), 'error'); }
  const btn = byTestId('sign-in');
  btn.disabled = true;
  try {
    const data = await api(token, 'GET', `/v1/handoff/queue?agent_id=${enc(agent)}`);
    setStatus(err, '');
    tokenInput.value = '';
    session.set(KEY.token, token);
    session.set(KEY.agent, agent);
    startWorkspace(token, agent, '', data);
  } catch (x) {
    const msg = x instanceof ApiError && x.status === 401 ? t('signin.badToken')
      : x instanceof ApiError && x.status === 403 ? t('signin.wrongRole') : describeError(x);
    tokenInput.setAttribute('aria-invalid', 'true');
    setStatus(err, msg, 'error');
    tokenInput.focus();
  } finally {
    btn.disabled = false;
  }
}

function startWorkspace(token, agent, activeID, firstQueue) {
  state.token = token;
  state.agent = agent;
  state.gen++;
  state.queueSeen = false;
  byTestId('signin-panel').hidden = true;
  byTestId('workspace').hidden = false;
  byTestId('sign-out').hidden = false;
  const who = byTestId('whoami');
  who.hidden = false;
  who.textContent = t('whoami', { agent });
  if (firstQueue) renderQueue(firstQueue.items || []);
  pollQueue(firstQueue ? QUEUE_POLL_MS : 0);
  loadTickets();
  clearInterval(state.tickTimer);
  state.tickTimer = setInterval(tickWaits, 1000);
  if (activeID) openConversation(activeID, 'held');
}

function signOut(reason) {
  state.gen++;
  closeConversation();
  stopWatchers();
  clearTimeout(state.queueTimer);
  clearTimeout(state.ticketsTimer);
  clearInterval(state.tickTimer);
  state.token = '';
  state.agent = '';
  for (const k of Object.values(KEY)) session.del(k);
  state.queue.clear();
  state.queueNodes.clear();
  byTestId('queue').replaceChildren();
  byTestId('tickets').replaceChildren();
  state.ticketNodes.clear();
  byTestId('workspace').hidden = true;
  byTestId('signin-panel').hidden = false;
  byTestId('sign-out').hidden = true;
  byTestId('whoami').hidden = true;
  setStatus(byTestId('signin-error'), reason, 'error');
  byTestId('agent-id-input').value = session.get(KEY.agent) || byTestId('agent-id-input').value;
  byTestId('token-input').focus();
}

/** authFailed signs out on 401/403 and reports whether it did. */
const authFailed = (err) => signOutOnAuthError(err, signOut);

// ---- the queue ------------------------------------------------------------------

function pollQueue(delay = 0) {
  clearTimeout(state.queueTimer);
  const gen = state.gen;
  state.queueTimer = setTimeout(async () => {
    try {
      const data = await api(state.token, 'GET', `/v1/handoff/queue?agent_id=${enc(state.agent)}`);
      if (gen !== state.gen) return;
      renderQueue(data?.items || []);
      byTestId('queue-status').textContent = t('queue.updated', { time: fmtTime(new Date().toISOString()) });
    } catch (err) {
      if (gen !== state.gen || authFailed(err)) return;
      byTestId('queue-status').textContent = t('queue.stale', { error: describeError(err) });
    }
    if (gen === state.gen) pollQueue(QUEUE_POLL_MS);
  }, delay);
}

function renderQueue(items) {
  const ul = byTestId('queue');
  const fresh = new Map(items.map((q) => [q.conversation_id, q]));
  const newcomers = [];
  for (const [id, node] of state.queueNodes) {
    if (!fresh.has(id)) { node.li.remove(); state.queueNodes.delete(id); }
  }
  items.forEach((q, i) => {
    let node = state.queueNodes.get(q.conversation_id);
    if (!node) {
      node = makeQueueItem(q.conversation_id);
      state.queueNodes.set(q.conversation_id, node);
      if (!q.claimed_by) newcomers.push(q);
    }
    updateQueueItem(node, q);
    // Move only what is out of place, so a focused button keeps its focus.
    if (ul.children[i] !== node.li) ul.insertBefore(node.li, ul.children[i] || null);
  });
  state.queue = fresh;
  state.queueFetchedAt = Date.now();
  const waiting = items.filter((q) => !q.claimed_by).length;
  byTestId('queue-count').textContent = items.length ? t('queue.counts', { w: waiting, c: items.length - waiting }) : '';
  byTestId('queue-empty').hidden = items.length > 0;
  if (!state.queueSeen) {
    state.queueSeen = true;
    if (waiting) announce(t('announce.newItems', { n: waiting }));
  } else {
    for (const q of newcomers) {
      announce(t('announce.newItem', { p: q.priority, reason: reasonText(q.reason), summary: shortSummary(q) }));
    }
  }
  const a = state.active;
  if (a && fresh.has(a.id)) { a.entry = fresh.get(a.id); renderFacts(); }
  syncWatchers();
}

/**
 * syncWatchers follows the conversations this agent holds but does not
 * have open, so a customer writing in one of them is noticed: its queue
 * line is marked and the news announced.
 */
function syncWatchers() {
  const want = new Set();
  for (const q of state.queue.values()) {
    if (q.claimed_by === state.agent && state.active?.id !== q.conversation_id) want.add(q.conversation_id);
  }
  for (const [id, es] of state.watchers) {
    if (!want.has(id)) {
      es.close();
      state.watchers.delete(id);
      const node = state.queueNodes.get(id);
      if (node) delete node.li.dataset.watching;
    }
  }
  if (typeof EventSource === 'undefined') return;
  for (const id of want) {
    if (state.watchers.has(id)) continue;
    const es = new EventSource(`/v1/conversations/${enc(id)}/events`);
    es.addEventListener('open', () => {
      const node = state.queueNodes.get(id);
      if (node && state.watchers.get(id) === es) node.li.dataset.watching = 'live';
    });
    es.addEventListener('message', (ev) => {
      const m = parse(ev.data);
      if (!m || m.role !== 'customer' || state.active?.id === id) return;
      state.unread.set(id, (state.unread.get(id) || 0) + 1);
      markUnread(id);
      const q = state.queue.get(id);
      announce(t('announce.unread', { summary: shortSummary(q || {}) || id, text: m.text }));
    });
    state.watchers.set(id, es);
  }
}

function stopWatchers() {
  for (const es of state.watchers.values()) es.close();
  state.watchers.clear();
  state.unread.clear();
}

function markUnread(id) {
  const node = state.queueNodes.get(id);
  if (!node) return;
  const n = state.unread.get(id) || 0;
  node.li.classList.toggle('unread', n > 0);
  node.parts.unread.hidden = n === 0;
  node.parts.unread.textContent = n ? t('queue.unread', { n }) : '';
}

function makeQueueItem(id) {
  const parts = {
    prio: el('span', { class: 'prio' }),
    reason: el('span', { class: 'reason' }),
    wait: el('span', { class: 'wait', dataset: { testid: 'queue-wait' } }),
    intent: el('span', { class: 'tag intent' }),
    emotion: el('span', { class: 'tag emotion' }),
    summary: el('p', { class: 'summary' }),
    owner: el('span', { class: 'owner' }),
    unread: el('span', { class: 'tag unread-badge', dataset: { testid: 'queue-unread' }, hidden: true }),
    claim: el('button', { type: 'button', class: 'small', dataset: { testid: 'claim' } }),
    open: el('button', { type: 'button', class: 'small secondary', dataset: { testid: 'open' } }),
  };
  parts.claim.addEventListener('click', () => claim(id, parts.claim));
  parts.open.addEventListener('click', () => openConversation(id, 'held'));
  const li = el('li', { class: 'queue-item', dataset: { testid: 'queue-item', conversationId: id } },
    el('div', { class: 'qi-head' }, parts.prio, parts.reason, parts.wait),
    el('div', { class: 'qi-tags' }, parts.intent, parts.emotion),
    parts.summary,
    el('div', { class: 'qi-foot' }, parts.owner, parts.unread, parts.claim, parts.open));
  return { li, parts };
}

function updateQueueItem({ li, parts }, q) {
  const mine = q.claimed_by === state.agent;
  li.dataset.priority = String(q.priority);
  li.dataset.reason = q.reason || '';
  li.dataset.claimedBy = q.claimed_by || '';
  li.classList.toggle('claimed', Boolean(q.claimed_by));
  li.classList.toggle('mine', mine);
  li.classList.toggle('urgent', q.emotion === 'angry' || /^(angry|rising_negativity)/.test(q.reason || ''));
  if (state.active?.id === q.conversation_id) li.setAttribute('aria-current', 'true');
  else li.removeAttribute('aria-current');
  parts.prio.textContent = `P${q.priority}`;
  parts.prio.title = t('queue.priority', { p: q.priority });
  parts.reason.textContent = reasonText(q.reason);
  parts.wait.textContent = waitText(q);
  parts.intent.textContent = q.intent || '';
  parts.intent.hidden = !q.intent;
  parts.emotion.textContent = q.emotion ? emotionText(q.emotion) : '';
  parts.emotion.dataset.emotion = q.emotion || '';
  parts.emotion.hidden = !q.emotion;
  const short = shortSummary(q);
  parts.summary.textContent = short || t('queue.noSummary');
  parts.summary.title = q.summary || '';
  parts.owner.textContent = !q.claimed_by ? '' : mine ? t('queue.mine') : t('queue.claimedBy', { agent: q.claimed_by });
  parts.owner.hidden = !q.claimed_by;
  const summary = short || q.conversation_id;
  parts.claim.hidden = Boolean(q.claimed_by);
  parts.claim.textContent = t('queue.claim');
  parts.claim.setAttribute('aria-label', t('queue.claimLabel', { summary }));
  parts.open.hidden = !mine || (state.active?.id === q.conversation_id && state.active.mode === 'held');
  parts.open.textContent = t('queue.open');
  parts.open.setAttribute('aria-label', t('queue.openLabel', { summary }));
  markUnread(q.conversation_id);
}

/**
 * parseSummary reads the handoff summary the dialogue engine writes:
 * "key: value" lines (reason, intent, emotion, customer, slots, order),
 * then "last messages:" and "- role: text" lines. Unknown lines are kept.
 */
function parseSummary(s) {
  const out = { fields: new Map(), last: [], extra: [] };
  if (!s) return out;
  let inLast = false;
  for (const line of s.split('\n')) {
    if (inLast) {
      const m = /^- (\w+): (.*)$/.exec(line);
      if (m) out.last.push({ role: m[1], text: m[2] });
      else if (out.last.length) out.last[out.last.length - 1].text += `\n${line}`;
      continue;
    }
    if (line.trim() === 'last messages:') { inLast = true; continue; }
    const m = /^([a-z_]+): (.*)$/.exec(line);
    if (m && !out.fields.has(m[1])) out.fields.set(m[1], m[2]);
    else if (line.trim()) out.extra.push(line);
  }
  return out;
}

/** shortSummary is one or two lines for the queue: the order and the customer's last words. */
function shortSummary(q) {
  const p = parseSummary(q.summary);
  const lines = [];
  const order = p.fields.get('order') || p.fields.get('slots');
  if (order) lines.push(order);
  const said = p.last.filter((m) => m.role === 'customer').pop();
  if (said) lines.push(`“${said.text}”`);
  if (!lines.length && q.summary) lines.push(...p.extra.slice(0, 2));
  return lines.join('\n');
}

function waitText(q) {
  if (q.claimed_by) return t('queue.waited', { d: fmtDuration(q.waiting_seconds) });
  const extra = state.queueFetchedAt ? (Date.now() - state.queueFetchedAt) / 1000 : 0;
  return t('queue.waiting', { d: fmtDuration(q.waiting_seconds + extra) });
}

function tickWaits() {
  for (const [id, node] of state.queueNodes) {
    const q = state.queue.get(id);
    if (q && !q.claimed_by) node.parts.wait.textContent = waitText(q);
  }
}

function reasonText(r) {
  if (!r) return '';
  const base = r.split(/[:;]/)[0].trim();
  const k = `reason.${base}`;
  const s = t(k);
  return s === k ? r : (base === r ? s : `${s} (${r.slice(base.length).replace(/^[:;]\s*/, '')})`);
}

function emotionText(e) {
  const k = `emotion.${e}`;
  const s = t(k);
  return s === k ? e : s;
}

async function claim(id, btn) {
  const errBox = byTestId('claim-error');
  setStatus(errBox, '');
  btn.disabled = true;
  const gen = state.gen;
  try {
    await api(state.token, 'POST', `/v1/handoff/${enc(id)}/claim`, { agent_id: state.agent });
    if (gen !== state.gen) return;
    announce(t('claim.ok'));
    await openConversation(id, 'held');
  } catch (err) {
    if (gen !== state.gen || authFailed(err)) return;
    if (err instanceof ApiError && err.status === 409) {
      const m = err.message || '';
      const msg = /capacity/i.test(m) ? t('claim.capacity')
        : /not waiting/i.test(m) ? t('claim.notWaiting') : t('claim.conflict');
      errBox.dataset.code = 'conflict';
      setStatus(errBox, msg, 'conflict');
    } else {
      errBox.dataset.code = err?.code || '';
      setStatus(errBox, describeError(err), 'error');
    }
  } finally {
    btn.disabled = false;
    if (gen === state.gen) pollQueue(0);
  }
}

// ---- the open conversation -----------------------------------------------------------

/**
 * openConversation shows a conversation's transcript, facts and (when the
 * agent holds it) the reply box, and follows it live over the
 * conversation's event stream (customer messages reach the stream while an
 * agent holds the conversation), falling back to polling.
 */
async function openConversation(id, mode) {
  if (state.active?.id === id && state.active.mode === mode) {
    byTestId('reply-input').focus();
    return;
  }
  closeConversation();
  const a = {
    id, mode, gen: state.gen,
    conv: null, entry: state.queue.get(id) || null,
    msgs: new Map(), // message id → message
    nodes: new Map(), // message id → li
    es: null, pollTimer: 0, closed: false,
  };
  state.active = a;
  state.unread.delete(id);
  state.watchers.get(id)?.close();
  state.watchers.delete(id);
  if (state.queueNodes.get(id)) delete state.queueNodes.get(id).li.dataset.watching;
  markUnread(id);
  if (mode === 'held') session.set(KEY.active, id); else session.del(KEY.active);
  byTestId('conv-id').textContent = id;
  byTestId('conv-placeholder').hidden = true;
  byTestId('transcript').hidden = false;
  setStatus(byTestId('conv-error'), '');
  setStatus(byTestId('conv-notice'), mode === 'view' ? t('conv.viewOnly') : '');
  setHeld(mode === 'held');
  for (const node of state.queueNodes.values()) updateQueueItem(node, state.queue.get(node.li.dataset.conversationId));
  renderFacts();
  syncWatchers();
  await loadTranscript(a, true);
  if (a !== state.active) return;
  follow(a);
  if (mode === 'held') byTestId('reply-input').focus();
}

function setHeld(held) {
  byTestId('reply-form').hidden = !held;
  byTestId('conv-actions').hidden = !held;
  byTestId('reply-send').disabled = !held;
}

function closeConversation() {
  const a = state.active;
  if (!a) return;
  a.closed = true;
  a.es?.close();
  clearTimeout(a.pollTimer);
  state.active = null;
  byTestId('transcript').replaceChildren();
  byTestId('transcript').hidden = true;
  byTestId('history').replaceChildren();
  byTestId('facts').replaceChildren();
  byTestId('facts').dataset.sig = '';
  byTestId('facts-empty').hidden = false;
  byTestId('conv-id').textContent = '';
  byTestId('conv-state').textContent = '';
  byTestId('conv-placeholder').hidden = false;
  setStatus(byTestId('conv-notice'), '');
  setHeld(false);
}

/** stopFollowing ends live updates but keeps the transcript on screen. */
function stopFollowing(a) {
  a.closed = true;
  a.es?.close();
  a.es = null;
  clearTimeout(a.pollTimer);
}

async function loadTranscript(a, first = false) {
  const ol = byTestId('transcript');
  if (first) ol.setAttribute('aria-busy', 'true');
  try {
    const conv = await api(state.token, 'GET', `/v1/conversations/${enc(a.id)}`);
    if (a !== state.active) return;
    a.conv = conv;
    for (const m of conv.messages || []) addMessage(a, m, !first);
    renderConvState(a);
    renderHistory(conv.transitions || []);
    renderFacts();
    if (a.mode === 'held' && conv.state !== 'agent' || a.mode === 'held' && conv.agent_id && conv.agent_id !== state.agent) {
      lostHold(a, t('state.' + conv.state));
    }
  } catch (err) {
    if (a !== state.active || authFailed(err)) return;
    setStatus(byTestId('conv-error'), describeError(err), 'error');
  } finally {
    if (first) ol.removeAttribute('aria-busy');
  }
}

function renderConvState(a) {
  const s = a.conv?.state || '';
  const node = byTestId('conv-state');
  node.textContent = s ? t('state.' + s) : '';
  node.dataset.state = s;
}

/** follow subscribes to the conversation's events; polls when it cannot. */
function follow(a) {
  if (a.closed || typeof EventSource === 'undefined') return pollTranscript(a);
  const es = new EventSource(`/v1/conversations/${enc(a.id)}/events`);
  a.es = es;
  es.addEventListener('open', () => {
    // The stream has no replay: fetch what came between the first load
    // (or the last connection) and this one.
    loadTranscript(a);
    byTestId('transcript').dataset.live = 'sse';
  });
  es.addEventListener('message', (ev) => {
    const m = parse(ev.data);
    if (m && a === state.active) addMessage(a, m, true);
  });
  es.addEventListener('state', () => { if (a === state.active) loadTranscript(a); });
  es.addEventListener('error', () => {
    // EventSource retries by itself unless the server refused the stream.
    if (es.readyState === EventSource.CLOSED && !a.closed) {
      a.es = null;
      pollTranscript(a);
    }
  });
}

function pollTranscript(a) {
  if (a.closed) return;
  byTestId('transcript').dataset.live = 'poll';
  clearTimeout(a.pollTimer);
  a.pollTimer = setTimeout(async () => {
    if (a.closed || a !== state.active) return;
    await loadTranscript(a);
    pollTranscript(a);
  }, TRANSCRIPT_POLL_MS);
}

function parse(s) {
  try { return JSON.parse(s); } catch { return null; }
}

/** addMessage puts m in the transcript in seq order, once. */
function addMessage(a, m, live) {
  if (!m || !m.id || a.msgs.has(m.id)) return;
  a.msgs.set(m.id, m);
  const ol = byTestId('transcript');
  const nearBottom = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 80;
  const li = messageNode(m);
  a.nodes.set(m.id, li);
  // Usually the last; a gap refill may insert earlier.
  let before = null;
  for (let n = ol.lastElementChild; n; n = n.previousElementSibling) {
    if (Number(n.dataset.seq) > m.seq) before = n; else break;
  }
  ol.insertBefore(li, before);
  if (live || nearBottom) ol.scrollTop = ol.scrollHeight;
  if (live) renderFacts();
}

function messageNode(m) {
  const meta = el('div', { class: 'meta' },
    el('span', { class: 'who', text: t('role.' + m.role) === 'role.' + m.role ? m.role : t('role.' + m.role) }),
    m.agent_id ? el('span', { class: 'agent', text: m.agent_id }) : null,
    el('time', { datetime: m.created_at, text: fmtTime(m.created_at) }));
  if (m.intent && m.role !== 'agent') {
    meta.append(el('span', { class: 'tag intent', text: t('msg.intent', { intent: m.intent, conf: Math.round((m.confidence || 0) * 100) }) }));
  }
  if (m.emotion && m.role === 'customer') {
    meta.append(el('span', { class: 'tag emotion', dataset: { emotion: m.emotion }, text: t('msg.emotion', { emotion: emotionText(m.emotion), score: Math.round((m.emotion_score || 0) * 100) }) }));
  }
  if (m.article_id) meta.append(el('span', { class: 'tag article', text: t('msg.article', { id: m.article_id }) }));
  return el('li', {
    class: `msg msg-${m.role}`,
    dataset: { testid: 'transcript-message', role: m.role, seq: String(m.seq), messageId: m.id },
  }, meta, el('div', { class: 'text', text: m.text }));
}

function renderHistory(transitions) {
  const ol = byTestId('history');
  ol.replaceChildren(...transitions.map((tr) => el('li', {},
    el('time', { datetime: tr.at, text: fmtTime(tr.at) }), ' ',
    t('history.item', { from: t('state.' + tr.from), to: t('state.' + tr.to), reason: reasonText(tr.reason) }),
    tr.actor ? t('history.by', { actor: tr.actor }) : '')));
}

/** renderFacts lists what the queue entry, the conversation and its messages tell. */
function renderFacts() {
  const a = state.active;
  const dl = byTestId('facts');
  if (!a) { dl.replaceChildren(); dl.dataset.sig = ''; byTestId('facts-empty').hidden = false; return; }
  const rows = [];
  const add = (key, label, ...value) => {
    if (value.every((v) => v === '' || v === null || v === undefined)) return;
    rows.push(el('div', { class: 'fact', dataset: { fact: key } }, el('dt', { text: label }), el('dd', {}, ...value)));
  };
  const q = a.entry;
  if (q) {
    const p = parseSummary(q.summary);
    add('reason', t('fact.reason'), reasonText(q.reason));
    add('priority', t('fact.priority'), String(q.priority));
    add('waited', t('fact.waited'), fmtDuration(q.waiting_seconds));
    add('intent', t('fact.intent'), p.fields.get('intent') || q.intent);
    add('emotion', t('fact.emotion'), q.emotion ? emotionText(q.emotion) : '');
    // "order_id=DD… k=v": one slot a line.
    add('slots', t('fact.slots'), (p.fields.get('slots') || '').split(/[\s,;]+/).filter(Boolean).map((kv) => kv.replace('=', ': ')).join('\n'));
    add('order', t('fact.order'), p.fields.get('order') || '');
    if (q.summary) {
      add('summary', t('fact.summary'), el('details', {}, el('summary', { text: t('fact.showSummary') }), el('pre', { class: 'raw', text: q.summary })));
    }
  }
  const c = a.conv;
  if (c) {
    add('state', t('fact.state'), t('state.' + c.state));
    add('agent', t('fact.claimedBy'), c.agent_id || (q?.claimed_by ?? ''));
    add('user', t('fact.user'), c.user_id ? `${c.user_id} (${c.verified ? t('fact.verified') : t('fact.unverified')})` : t('fact.anonymous'));
    const prof = [c.profile?.vip ? t('fact.vip') : '', c.profile?.tier ? t('fact.tier', { tier: c.profile.tier }) : ''].filter(Boolean).join(', ');
    add('profile', t('fact.profile'), prof);
    add('channel', t('fact.channel'), c.channel || '');
    add('locale', t('fact.locale'), c.locale || '');
    add('started', t('fact.started'), fmtTime(c.created_at));
  }
  const msgs = [...a.msgs.values()].sort((x, y) => x.seq - y.seq);
  const intents = [];
  for (const m of msgs) {
    if (m.intent && m.intent !== 'oos' && m.role !== 'agent' && !intents.includes(m.intent)) intents.push(m.intent);
  }
  add('intents', t('fact.intents'), intents.join(', '));
  const mood = msgs.filter((m) => m.role === 'customer' && m.emotion).pop();
  if (mood) add('mood', t('fact.mood'), t('msg.emotion', { emotion: emotionText(mood.emotion), score: Math.round((mood.emotion_score || 0) * 100) }));
  const arts = [...new Set(msgs.filter((m) => m.article_id).map((m) => m.article_id))];
  add('articles', t('fact.articles'), arts.join(', '));
  // Re-render only on change, so an opened summary stays open across polls.
  const sig = rows.map((r) => `${r.dataset.fact}=${r.textContent}`).join('\u0000');
  if (sig === dl.dataset.sig) return;
  dl.dataset.sig = sig;
  const wasOpen = dl.querySelector('details')?.open;
  dl.replaceChildren(...rows);
  if (wasOpen) { const d = dl.querySelector('details'); if (d) d.open = true; }
  byTestId('facts-empty').hidden = rows.length > 0;
}

function lostHold(a, detail) {
  if (a.mode !== 'held') return;
  a.mode = 'view';
  session.del(KEY.active);
  setHeld(false);
  setStatus(byTestId('conv-notice'), t('conv.lost', { detail }), 'warning');
}

async function sendReply() {
  const a = state.active;
  const input = byTestId('reply-input');
  if (!a || a.mode !== 'held') return;
  const text = input.value.trim();
  const errBox = byTestId('conv-error');
  if (!text) { setStatus(errBox, t('reply.empty'), 'error'); input.focus(); return; }
  const btn = byTestId('reply-send');
  btn.disabled = true;
  setStatus(errBox, '');
  try {
    const m = await api(state.token, 'POST', `/v1/handoff/${enc(a.id)}/messages`, { text, agent_id: state.agent });
    if (a !== state.active) return;
    input.value = '';
    addMessage(a, m, true);
  } catch (err) {
    if (authFailed(err) || a !== state.active) return;
    if (err instanceof ApiError && err.status === 409) {
      lostHold(a, err.message);
      loadTranscript(a);
    } else {
      setStatus(errBox, describeError(err), 'error');
    }
  } finally {
    btn.disabled = a.mode !== 'held';
    if (a === state.active && a.mode === 'held') input.focus();
  }
}

async function release(to) {
  const a = state.active;
  if (!a || a.mode !== 'held') return;
  const note = byTestId('release-note').value.trim();
  await handOn(a, `/v1/handoff/${enc(a.id)}/release`, { to, note, agent_id: state.agent },
    to === 'bot' ? t('conv.released.bot') : t('conv.released.closed'));
}

async function transfer() {
  const a = state.active;
  if (!a || a.mode !== 'held') return;
  const skill = byTestId('transfer-skill').value.trim();
  const note = byTestId('release-note').value.trim();
  await handOn(a, `/v1/handoff/${enc(a.id)}/transfer`, { skill, note, agent_id: state.agent },
    skill ? t('conv.transferredTo', { skill }) : t('conv.transferred'));
}

/** handOn releases or transfers, then leaves the transcript read only. */
async function handOn(a, path, body, done) {
  const buttons = ['release-bot', 'release-close', 'transfer'].map((id) => byTestId(id));
  for (const b of buttons) b.disabled = true;
  const errBox = byTestId('conv-error');
  setStatus(errBox, '');
  try {
    await api(state.token, 'POST', path, body);
    if (a !== state.active) return;
    byTestId('release-note').value = '';
    byTestId('transfer-skill').value = '';
    a.mode = 'view';
    session.del(KEY.active);
    setHeld(false);
    await loadTranscript(a);
    stopFollowing(a);
    setStatus(byTestId('conv-notice'), done, 'ok');
    announce(done);
    byTestId('transcript-heading').focus();
  } catch (err) {
    if (authFailed(err) || a !== state.active) return;
    if (err instanceof ApiError && err.status === 409) {
      lostHold(a, err.message);
    } else {
      setStatus(errBox, describeError(err), 'error');
    }
  } finally {
    for (const b of buttons) b.disabled = false;
    pollQueue(0);
  }
}

// ---- tickets (left messages) -----------------------------------------------------------

async function loadTickets() {
  clearTimeout(state.ticketsTimer);
  const gen = state.gen;
  if (!state.token) return;
  const status = byTestId('tickets-filter').value;
  const errBox = byTestId('tickets-error');
  try {
    const data = await api(state.token, 'GET', `/v1/tickets${status ? `?status=${enc(status)}` : ''}`);
    if (gen !== state.gen) return;
    renderTickets(data?.items || []);
    setStatus(errBox, '');
  } catch (err) {
    if (gen !== state.gen || authFailed(err)) return;
    setStatus(errBox, describeError(err), 'error');
  }
  if (gen === state.gen) state.ticketsTimer = setTimeout(loadTickets, TICKETS_POLL_MS);
}

/**
 * renderTickets updates the list in place: a ticket's line is rebuilt only
 * when the ticket changed, so a periodic refresh never pulls a button from
 * under the pointer or the keyboard focus.
 */
function renderTickets(list) {
  const ul = byTestId('tickets');
  const keep = new Set();
  list.forEach((tk, i) => {
    keep.add(tk.id);
    const sig = `${getLang()}|${JSON.stringify(tk)}`;
    let node = state.ticketNodes.get(tk.id);
    if (!node || node.sig !== sig) {
      const li = ticketNode(tk);
      const focused = node?.li.contains(document.activeElement) ? document.activeElement.dataset.testid : '';
      if (node) node.li.replaceWith(li);
      node = { li, sig };
      state.ticketNodes.set(tk.id, node);
      if (focused) li.querySelector(`[data-testid="${focused}"]`)?.focus();
    }
    if (ul.children[i] !== node.li) ul.insertBefore(node.li, ul.children[i] || null);
  });
  for (const [id, node] of state.ticketNodes) {
    if (!keep.has(id)) { node.li.remove(); state.ticketNodes.delete(id); }
  }
  byTestId('tickets-empty').hidden = list.length > 0;
}

function ticketNode(tk) {
  const buttons = [];
  if (tk.status === 'open') {
    buttons.push(el('button', { type: 'button', class: 'small', dataset: { testid: 'ticket-claim' }, text: t('tickets.claim'), on: { click: (e) => ticketAction(tk, 'claim', e.currentTarget) } }));
  }
  if (tk.status !== 'resolved') {
    buttons.push(el('button', { type: 'button', class: 'small secondary', dataset: { testid: 'ticket-resolve' }, text: t('tickets.resolve'), on: { click: (e) => ticketAction(tk, 'resolve', e.currentTarget) } }));
  }
  buttons.push(el('button', { type: 'button', class: 'small secondary', dataset: { testid: 'ticket-view' }, text: t('tickets.view'), on: { click: () => openConversation(tk.conversation_id, 'view') } }));
  return el('li', { class: `ticket ticket-${tk.status}`, dataset: { testid: 'ticket', ticketId: tk.id, status: tk.status } },
    el('div', { class: 'qi-head' },
      el('span', { class: 'tag', text: t('tickets.' + tk.status) }),
      el('time', { datetime: tk.created_at, text: fmtTime(tk.created_at) }),
      tk.agent_id ? el('span', { class: 'muted', text: t('tickets.by', { agent: tk.agent_id }) }) : null),
    el('p', { class: 'ticket-text', text: tk.text }),
    el('p', { class: 'muted small', text: tk.contact ? t('tickets.contact', { contact: tk.contact }) : t('tickets.noContact') }),
    el('div', { class: 'qi-foot' }, ...buttons));
}

async function ticketAction(tk, action, btn) {
  btn.disabled = true;
  const errBox = byTestId('tickets-error');
  try {
    await api(state.token, 'POST', `/v1/tickets/${enc(tk.id)}/${action}`, { agent_id: state.agent });
    setStatus(errBox, '');
  } catch (err) {
    if (authFailed(err)) return;
    setStatus(errBox, describeError(err), 'error');
  } finally {
    btn.disabled = false;
    loadTickets();
  }
}

// ---- language switch ---------------------------------------------------------------------

function rerenderAll() {
  if (state.agent) byTestId('whoami').textContent = t('whoami', { agent: state.agent });
  if (state.queue.size) {
    const w = [...state.queue.values()].filter((q) => !q.claimed_by).length;
    byTestId('queue-count').textContent = t('queue.counts', { w, c: state.queue.size - w });
  }
  for (const [id, node] of state.queueNodes) {
    const q = state.queue.get(id);
    if (q) updateQueueItem(node, q);
  }
  const a = state.active;
  if (a) {
    const ol = byTestId('transcript');
    const msgs = [...a.msgs.values()].sort((x, y) => x.seq - y.seq);
    a.nodes.clear();
    ol.replaceChildren(...msgs.map((m) => { const li = messageNode(m); a.nodes.set(m.id, li); return li; }));
    renderConvState(a);
    renderHistory(a.conv?.transitions || []);
    renderFacts();
  }
  if (state.token) loadTickets();
}
