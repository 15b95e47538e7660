/*
 * kefu chat widget.
 *
 * One tag on any page adds a chat bubble and panel:
 *
 *   <script src="https://kefu.example.com/widget.js" defer
 *           data-kefu-locale="zh-CN" data-kefu-title="小福客服"></script>
 *
 * It talks to kefu's public HTTP API at the origin (and path) it was
 * loaded from, or at data-kefu-api. It is one classic script with no
 * dependencies: classic so that a cross-origin <script src> needs no CORS,
 * and so document.currentScript tells where it came from.
 *
 * Rules kept throughout:
 *  - every customer, bot and agent text goes into the page through
 *    textContent, never innerHTML;
 *  - everything lives in a shadow root styled by widget.css from kefu's
 *    origin: no inline styles (strict CSPs forbid them), no leakage of
 *    styles in either direction;
 *  - the transcript on the server is the truth: messages are keyed by id
 *    and ordered by seq, whether they come from a turn, the event stream
 *    or a restore after reload, so nothing shows twice.
 */
(() => {
  'use strict';

  const loaded = Symbol.for('kefu.widget');
  const script = document.currentScript ||
    document.querySelector('script[src*="widget.js"][data-kefu-api], script[src$="/widget.js"]');
  if (!script || window[loaded]) {
    return; // not found, or already on this page (the tag twice)
  }
  window[loaded] = true;
  const ds = script.dataset;
  const base = (ds.kefuApi || new URL(script.src, location.href).href.replace(/\/widget\.js(?:[?#].*)?$/, ''))
    .replace(/\/+$/, '');

  const lang = pickLang(ds.kefuLocale || document.documentElement.lang || 'zh-CN');
  const T = strings(lang);
  const user = { id: ds.kefuUserId || '', sig: ds.kefuUserSig || '' };
  const storeKey = 'kefu:' + base + ':' + (user.id || 'anonymous');

  // pickLang reads a BCP 47 tag: English for en-*, Chinese otherwise.
  function pickLang(tag) {
    return /^en\b/i.test(String(tag).trim()) ? 'en' : 'zh';
  }

  function strings(l) {
    if (l === 'en') {
      return {
        locale: 'en',
        launcher: 'Chat with us',
        title: ds.kefuTitle || 'Customer service',
        subtitle: 'We usually reply within seconds',
        close: 'Close chat',
        log: 'Conversation',
        inputLabel: 'Your message',
        placeholder: 'Type your question…',
        send: 'Send',
        transfer: 'Talk to a person',
        transferText: 'talk to a person',
        welcome: 'Hi! I can track orders, help with returns and exchanges, and answer questions about payments and promotions.',
        quick: ['Where is my order?', 'How do I return an item?', 'What payment methods do you accept?'],
        quickLabel: 'Common questions',
        suggestLabel: 'Did you mean',
        you: 'You',
        bot: 'Assistant',
        agent: 'Agent',
        system: 'Notice',
        feedbackLabel: 'Was this answer helpful?',
        helpful: 'Helpful',
        notHelpful: 'Not helpful',
        thanks: 'Thanks for your feedback',
        typing: 'The assistant is typing',
        queue: (pos, min) => `Waiting for an agent: you are number ${pos} in the queue, about ${min} min.`,
        queueUnknown: 'Connecting you to an agent…',
        withAgent: 'You are chatting with an agent',
        leave: 'Leave a message',
        leaveTitle: 'Leave a message for our agents',
        leaveText: 'Your message',
        leaveContact: 'Phone or e-mail (optional)',
        leaveSubmit: 'Send message',
        leaveCancel: 'Cancel',
        failed: 'Not sent. Please try again.',
        retry: 'Retry',
        unread: (n) => `${n} new message${n === 1 ? '' : 's'}`,
      };
    }
    return {
      locale: 'zh-CN',
      launcher: '在线客服',
      title: ds.kefuTitle || '在线客服',
      subtitle: '智能客服 7×24 小时在线',
      close: '关闭客服窗口',
      log: '对话记录',
      inputLabel: '输入消息',
      placeholder: '请输入您的问题…',
      send: '发送',
      transfer: '转人工',
      transferText: '转人工',
      welcome: '您好！我是智能客服，可以帮您查询订单物流、办理退换货、解答支付和优惠活动等问题。',
      quick: ['我的订单到哪了', '怎么退货', '有哪些支付方式'],
      quickLabel: '常见问题',
      suggestLabel: '您是不是想问',
      you: '我',
      bot: '智能客服',
      agent: '人工客服',
      system: '提示',
      feedbackLabel: '这个回答有帮助吗？',
      helpful: '有帮助',
      notHelpful: '没帮助',
      thanks: '感谢您的反馈',
      typing: '客服正在输入',
      queue: (pos, min) => `排队中：您是第 ${pos} 位，预计等待约 ${min} 分钟`,
      queueUnknown: '正在为您转接人工客服…',
      withAgent: '人工客服为您服务中',
      leave: '留言',
      leaveTitle: '给客服留言',
      leaveText: '留言内容',
      leaveContact: '联系方式（手机或邮箱，选填）',
      leaveSubmit: '提交留言',
      leaveCancel: '取消',
      failed: '发送失败，请重试',
      retry: '重试',
      unread: (n) => `${n} 条新消息`,
    };
  }

  // ---- small helpers -------------------------------------------------

  // Thumbs after the Feather icon set (MIT licence, feathericons.com).
  const ICON_UP = 'M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3';
  const ICON_DOWN = 'M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17';

  // el makes an element with properties and children; text only ever
  // goes in as text nodes.
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k in e && typeof v !== 'string') e[k] = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c != null) e.append(c);
    }
    return e;
  }

  function svgIcon(d) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', d);
    svg.append(p);
    return svg;
  }

  // Storage may be unavailable (privacy modes, sandboxed frames): the
  // widget then works without memory across reloads.
  const storage = {
    get(k) { try { return JSON.parse(localStorage.getItem(storeKey + ':' + k)); } catch { return null; } },
    set(k, v) { try { localStorage.setItem(storeKey + ':' + k, JSON.stringify(v)); } catch { /* ignore */ } },
    del(k) { try { localStorage.removeItem(storeKey + ':' + k); } catch { /* ignore */ } },
  };

  class APIError extends Error {
    constructor(status, code, message) {
      super(message || 'HTTP ' + status);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const init = { method, mode: 'cors', credentials: 'omit', headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(base + path, init);
    if (res.status === 204) return null;
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      const e = (data && data.error) || {};
      throw new APIError(res.status, e.code, e.message);
    }
    return data;
  }

  // ---- DOM -----------------------------------------------------------

  const host = el('kefu-chat', { 'data-kefu-widget': '' });
  const root = host.attachShadow({ mode: 'open' });
  const sheet = el('link', { rel: 'stylesheet', href: base + '/widget/widget.css' });

  const badge = el('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
  const launcherLabel = el('span', { class: 'launcher-label', text: T.launcher });
  const launcher = el('button', {
    type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'kefu-panel',
    'aria-label': T.launcher, 'data-kefu': 'launcher',
  }, svgIcon('M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z'), launcherLabel, badge);

  const closeBtn = el('button', { type: 'button', class: 'icon', 'aria-label': T.close, 'data-kefu': 'close' },
    svgIcon('M6 6l12 12M18 6L6 18'));
  const header = el('header', {},
    el('div', { class: 'titles' },
      el('h2', { id: 'kefu-title', text: T.title }),
      el('p', { class: 'subtitle', text: T.subtitle })),
    closeBtn);

  const statusText = el('span', { class: 'status-text' });
  const leaveBtn = el('button', { type: 'button', class: 'link', text: T.leave, 'data-kefu': 'leave', hidden: true });
  const status = el('div', { class: 'status', role: 'status', 'data-kefu': 'status', hidden: true }, statusText, leaveBtn);

  const log = el('ol', {
    class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': T.log,
    tabindex: '0', 'data-kefu': 'log',
  });

  const leaveText = el('textarea', { id: 'kefu-leave-text', rows: 3, maxLength: 2000, required: true, 'data-kefu': 'leave-text' });
  const leaveContact = el('input', { id: 'kefu-leave-contact', type: 'text', maxLength: 200, autocomplete: 'on', 'data-kefu': 'leave-contact' });
  const leaveError = el('p', { class: 'error', role: 'alert', hidden: true });
  const leaveForm = el('form', { class: 'leave', hidden: true, 'aria-labelledby': 'kefu-leave-title', 'data-kefu': 'leave-form' },
    el('h3', { id: 'kefu-leave-title', text: T.leaveTitle }),
    el('label', { for: 'kefu-leave-text', text: T.leaveText }), leaveText,
    el('label', { for: 'kefu-leave-contact', text: T.leaveContact }), leaveContact,
    leaveError,
    el('div', { class: 'row' },
      el('button', { type: 'button', class: 'secondary', text: T.leaveCancel, onclick: () => showLeave(false) }),
      el('button', { type: 'submit', class: 'primary', text: T.leaveSubmit })));

  const input = el('textarea', {
    id: 'kefu-input', rows: 1, maxLength: 2000, placeholder: T.placeholder, autocomplete: 'off',
    enterKeyHint: 'send', 'data-kefu': 'input',
  });
  const sendBtn = el('button', { type: 'submit', class: 'send', 'aria-label': T.send, 'data-kefu': 'send' },
    svgIcon('M3 20l18-8L3 4v6l12 2-12 2z'));
  const transferBtn = el('button', { type: 'button', class: 'link', text: T.transfer, 'data-kefu': 'transfer' });
  const composer = el('form', { class: 'composer', 'data-kefu': 'composer' },
    el('label', { class: 'sr-only', for: 'kefu-input', text: T.inputLabel }), input, sendBtn);

  const panel = el('section', {
    id: 'kefu-panel', class: 'panel', role: 'dialog', 'aria-labelledby': 'kefu-title', hidden: true,
    'data-kefu': 'panel',
  }, header, status, log, leaveForm, composer, el('div', { class: 'actions' }, transferBtn));

  const frame = el('div', { class: 'kefu', lang: T.locale, hidden: true }, panel, launcher);
  // Shown once the stylesheet is in, so the page never flashes raw markup.
  sheet.addEventListener('load', () => { frame.hidden = false; });
  sheet.addEventListener('error', () => { frame.hidden = false; });
  root.append(sheet, frame);

  // ---- state ---------------------------------------------------------

  const st = {
    id: storage.get('conversation'), // conversation id
    state: 'bot', // bot | waiting_agent | agent | closed
    stateTick: 0, // counts state changes, so a slow read cannot undo a newer one
    queue: null, // {position, expected_wait_seconds, offer_leave_message}
    byId: new Map(), // message id → <li>
    voted: new Set(storage.get('voted') || []),
    chain: Promise.resolve(), // customer sends, one after another
    events: null, // EventSource
    retryMs: 2000,
    unread: 0,
  };

  // ---- messages ------------------------------------------------------

  const roleName = { customer: T.you, bot: T.bot, agent: T.agent, system: T.system };

  // bubble makes the <li> of one message. Text is set with textContent.
  function bubble(role, text) {
    // Who speaks is read out; an agent is also named on screen.
    const who = el('span', { class: role === 'agent' ? 'who' : 'sr-only', text: roleName[role] + (role === 'agent' ? '' : ': ') });
    return el('li', { class: 'msg ' + role, 'data-role': role }, who, el('div', { class: 'text', text }));
  }

  // place inserts li in seq order; lines without a seq (still being
  // sent) stay at the end.
  function place(li) {
    const seq = Number(li.dataset.seq);
    if (li.dataset.seq) {
      for (const other of log.children) {
        if (other !== li && (!other.dataset.seq || Number(other.dataset.seq) > seq) && other.dataset.local !== 'welcome') {
          log.insertBefore(li, other);
          return;
        }
      }
    }
    const typing = log.querySelector('.typing');
    log.insertBefore(li, typing && typing !== li ? typing : null);
  }

  // upsert shows a stored message once, whatever brought it.
  function upsert(m) {
    if (!m || !m.id) return null;
    let li = st.byId.get(m.id);
    if (li) {
      if (!li.dataset.seq && m.seq) {
        li.dataset.seq = m.seq;
        place(li);
      }
      return li;
    }
    // A line of ours still being sent: adopt it rather than show it twice.
    if (m.role === 'customer') {
      li = [...log.querySelectorAll('li.customer.pending')].find((x) => x.querySelector('.text').textContent === m.text);
      if (li) li.classList.remove('pending');
    }
    if (!li) {
      li = bubble(m.role in roleName ? m.role : 'system', m.text);
      if (m.role !== 'customer' && !panelOpen()) {
        st.unread++;
        showUnread();
      }
    }
    li.dataset.id = m.id;
    if (m.seq) li.dataset.seq = m.seq;
    st.byId.set(m.id, li);
    // Answers (bot lines from the knowledge base) can be rated; questions
    // back and notices cannot.
    if (m.role === 'bot' && m.article_id) addFeedback(li, m.id);
    place(li);
    scrollDown();
    return li;
  }

  function addFeedback(li, msgID) {
    if (li.querySelector('.feedback')) return;
    const done = st.voted.has(msgID);
    // Icons, not emoji: emoji fonts are missing on many systems.
    const up = el('button', { type: 'button', 'aria-label': T.helpful, title: T.helpful, 'aria-pressed': 'false', 'data-kefu': 'helpful' },
      svgIcon(ICON_UP));
    const down = el('button', { type: 'button', 'aria-label': T.notHelpful, title: T.notHelpful, 'aria-pressed': 'false', 'data-kefu': 'not-helpful' },
      svgIcon(ICON_DOWN));
    const note = el('span', { class: 'thanks', text: done ? T.thanks : '' });
    const group = el('div', { class: 'feedback', role: 'group', 'aria-label': T.feedbackLabel }, up, down, note);
    const vote = async (helpful, btn) => {
      up.disabled = down.disabled = true;
      try {
        await api('POST', `/v1/conversations/${encodeURIComponent(st.id)}/feedback`, { message_id: msgID, helpful });
        btn.setAttribute('aria-pressed', 'true');
        note.textContent = T.thanks;
        st.voted.add(msgID);
        storage.set('voted', [...st.voted].slice(-200));
      } catch {
        up.disabled = down.disabled = false;
      }
    };
    up.addEventListener('click', () => vote(true, up));
    down.addEventListener('click', () => vote(false, down));
    if (done) up.disabled = down.disabled = true;
    li.append(group);
  }

  // chips shows tappable suggestions under li (or at the end of the log).
  function chips(texts, label, li) {
    clearChips();
    if (!texts || !texts.length) return;
    const group = el('div', { class: 'chips', role: 'group', 'aria-label': label, 'data-kefu': 'suggestions' });
    for (const t of texts) {
      group.append(el('button', { type: 'button', class: 'chip', text: t, onclick: () => send(t) }));
    }
    if (li) li.append(group);
    else log.append(el('li', { class: 'msg local', 'data-local': 'chips' }, group));
    scrollDown();
  }

  function clearChips() {
    for (const g of log.querySelectorAll('.chips')) {
      const li = g.closest('li');
      if (li && li.dataset.local === 'chips') li.remove();
      else g.remove();
    }
  }

  function showTyping(on) {
    const cur = log.querySelector('.typing');
    if (on && !cur) {
      // Shown, not announced: the reply itself is.
      log.append(el('li', { class: 'msg bot typing', 'aria-hidden': 'true', title: T.typing },
        el('div', { class: 'text' }, el('span', { class: 'dot' }), el('span', { class: 'dot' }), el('span', { class: 'dot' }))));
      scrollDown();
    } else if (!on && cur) {
      cur.remove();
    }
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  // welcome greets an empty conversation; it is local, not stored.
  function welcome() {
    if (log.querySelector('li:not([data-local])')) return;
    if (!log.querySelector('[data-local="welcome"]')) {
      const li = bubble('bot', T.welcome);
      li.dataset.local = 'welcome';
      log.prepend(li);
      chips(T.quick, T.quickLabel, li);
    }
  }

  // ---- conversation --------------------------------------------------

  async function ensureConversation() {
    if (st.id) return st.id;
    const body = { channel: 'web', locale: T.locale };
    if (user.id) body.user_id = user.id;
    if (user.sig) body.user_sig = user.sig;
    const conv = await api('POST', '/v1/conversations', body);
    st.id = conv.id;
    setState(conv.state);
    storage.set('conversation', st.id);
    listen();
    return st.id;
  }

  function forget() {
    st.id = null;
    storage.del('conversation');
    if (st.events) st.events.close();
    st.events = null;
    setState('bot');
  }

  // sync reads the transcript and shows what is not shown yet. Its state
  // is taken only if nothing newer (a turn, an event) came meanwhile.
  async function sync() {
    if (!st.id) return null;
    const tick = st.stateTick;
    const t = await api('GET', `/v1/conversations/${encodeURIComponent(st.id)}`);
    for (const m of t.messages || []) upsert(m);
    if (tick === st.stateTick) setState(t.state);
    return t;
  }

  // send queues one customer message; messages go in the order typed.
  function send(text) {
    text = String(text).trim();
    if (!text) return;
    clearChips();
    const li = bubble('customer', text);
    li.classList.add('pending');
    place(li);
    scrollDown();
    st.chain = st.chain.then(() => deliver(text, li));
  }

  async function deliver(text, li, retried) {
    showTyping(st.state === 'bot' || st.state === 'closed');
    let turn;
    try {
      const id = await ensureConversation();
      turn = await api('POST', `/v1/conversations/${encodeURIComponent(id)}/messages`, { text });
    } catch (e) {
      showTyping(false);
      if (e instanceof APIError && e.status === 404 && !retried) {
        forget(); // the conversation is gone (server data reset): start anew
        return deliver(text, li, true);
      }
      failed(li, text);
      return;
    }
    // Ours now: the event stream may already have brought it.
    const known = st.byId.get(turn.message_id);
    if (known && known !== li) li.remove();
    else {
      li.classList.remove('pending');
      li.dataset.id = turn.message_id;
      st.byId.set(turn.message_id, li);
    }
    setState(turn.state);
    if (turn.handoff) setQueue({ position: turn.handoff.queue_position });
    let answer = null;
    try {
      const t = await sync();
      answer = replyTo(t, turn.message_id);
    } catch {
      // The transcript could not be read: show the reply as it came.
      if (turn.reply) {
        answer = bubble('bot', turn.reply.text);
        place(answer);
      }
    }
    showTyping(false);
    if (turn.reply && turn.reply.suggestions && turn.reply.suggestions.length) {
      chips(turn.reply.suggestions, T.suggestLabel, answer);
    }
    scrollDown();
  }

  // replyTo finds the bot's line answering the customer's message.
  function replyTo(t, customerID) {
    const msgs = (t && t.messages) || [];
    const i = msgs.findIndex((m) => m.id === customerID);
    const m = i >= 0 && msgs.slice(i + 1).find((x) => x.role === 'bot');
    return m ? st.byId.get(m.id) : null;
  }

  function failed(li, text) {
    li.classList.remove('pending');
    li.classList.add('failed');
    const retry = el('button', { type: 'button', class: 'link', text: T.retry });
    const note = el('p', { class: 'error', role: 'alert' }, T.failed + ' ', retry);
    retry.addEventListener('click', () => {
      li.remove();
      send(text);
    });
    li.append(note);
  }

  function setState(s) {
    if (!s) return;
    st.stateTick++;
    st.state = s;
    if (s !== 'waiting_agent') {
      st.queue = null;
      if (!leaveForm.hidden && s === 'agent') showLeave(false);
    }
    render();
  }

  function setQueue(q) {
    st.queue = Object.assign({}, st.queue, q);
    render();
  }

  // render shows the queue or agent status and the buttons that fit.
  function render() {
    transferBtn.hidden = st.state === 'waiting_agent' || st.state === 'agent';
    if (st.state === 'waiting_agent') {
      const q = st.queue || {};
      if (q.position > 0) {
        const min = Math.max(1, Math.ceil((q.expected_wait_seconds || 60) / 60));
        statusText.textContent = T.queue(q.position, min);
      } else {
        statusText.textContent = T.queueUnknown;
      }
      status.dataset.state = 'waiting';
      status.hidden = false;
      leaveBtn.hidden = false;
      leaveBtn.classList.toggle('offered', !!q.offer_leave_message);
    } else if (st.state === 'agent') {
      statusText.textContent = T.withAgent;
      status.dataset.state = 'agent';
      status.hidden = false;
      leaveBtn.hidden = true;
    } else {
      status.hidden = true;
      leaveBtn.hidden = true;
    }
  }

  // ---- live events ---------------------------------------------------

  // listen follows the conversation's Server-Sent Events: agent and bot
  // lines, changes of owner, queue positions.
  function listen() {
    if (!st.id || st.events || typeof EventSource === 'undefined') return;
    const id = st.id;
    const es = new EventSource(`${base}/v1/conversations/${encodeURIComponent(id)}/events`);
    st.events = es;
    const data = (ev) => { try { return JSON.parse(ev.data); } catch { return null; } };
    es.addEventListener('open', () => {
      st.retryMs = 2000;
      sync().catch(() => {}); // whatever was said while we were away
    });
    es.addEventListener('message', (ev) => { upsert(data(ev)); });
    es.addEventListener('state', (ev) => {
      const tr = data(ev);
      if (tr && tr.to) setState(tr.to);
    });
    es.addEventListener('queue_position', (ev) => {
      const q = data(ev);
      if (q) setQueue(q);
    });
    es.addEventListener('error', () => {
      if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      // Refused (404, 429 …): check the conversation, then try again later.
      st.events = null;
      const wait = st.retryMs;
      st.retryMs = Math.min(st.retryMs * 2, 60000);
      setTimeout(() => {
        if (st.id !== id) return;
        sync().then(listen, (e) => { if (e instanceof APIError && e.status === 404) forget(); else listen(); });
      }, wait);
    });
  }

  // restore shows the remembered conversation after a page load.
  async function restore() {
    if (!st.id) {
      welcome();
      return;
    }
    try {
      await sync();
      listen();
    } catch (e) {
      if (e instanceof APIError && e.status === 404) forget();
      else listen();
    }
    welcome();
  }

  // ---- leave a message ----------------------------------------------

  function showLeave(on) {
    leaveForm.hidden = !on;
    composer.hidden = on;
    leaveError.hidden = true;
    if (on) leaveText.focus();
    else input.focus();
  }

  leaveBtn.addEventListener('click', () => showLeave(true));
  leaveForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = leaveText.value.trim();
    if (!text) {
      leaveText.focus();
      return;
    }
    try {
      const id = await ensureConversation();
      await api('POST', `/v1/conversations/${encodeURIComponent(id)}/leave-message`, { text, contact: leaveContact.value.trim() });
      leaveText.value = '';
      leaveContact.value = '';
      showLeave(false);
      await sync();
    } catch (e) {
      leaveError.textContent = (e && e.message) || T.failed;
      leaveError.hidden = false;
    }
  });

  // ---- panel ---------------------------------------------------------

  function panelOpen() {
    return !panel.hidden;
  }

  function showUnread() {
    badge.textContent = st.unread > 9 ? '9+' : st.unread > 0 ? String(st.unread) : '';
    badge.hidden = st.unread === 0;
    launcher.setAttribute('aria-label', st.unread ? `${T.launcher} (${T.unread(st.unread)})` : T.launcher);
  }

  function openPanel(open, focus) {
    panel.hidden = !open;
    frame.classList.toggle('open', open);
    launcher.setAttribute('aria-expanded', String(open));
    storage.set('open', open);
    if (open) {
      st.unread = 0;
      showUnread();
      scrollDown();
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  launcher.addEventListener('click', () => openPanel(!panelOpen(), true));
  closeBtn.addEventListener('click', () => openPanel(false, true));
  panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.stopPropagation();
      if (!leaveForm.hidden) showLeave(false);
      else openPanel(false, true);
    }
  });

  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = '';
    grow();
    send(text);
  });
  input.addEventListener('keydown', (ev) => {
    // Enter sends, Shift+Enter breaks the line; never while an IME
    // (pinyin, zhuyin) is composing, where Enter picks the characters.
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      composer.requestSubmit();
    }
  });
  // grow fits the input to its text, up to the stylesheet's max-height.
  // (Setting style properties through the CSSOM is allowed under a CSP
  // without 'unsafe-inline'; only style attributes in markup are not.)
  function grow() {
    input.style.height = '';
    if (input.scrollHeight > input.clientHeight) input.style.height = input.scrollHeight + 2 + 'px';
  }
  input.addEventListener('input', grow);
  transferBtn.addEventListener('click', () => send(T.transferText));

  // ---- start ---------------------------------------------------------

  function start() {
    document.body.append(host);
    render();
    restore();
    if (storage.get('open') === true || ds.kefuOpen === 'true') openPanel(true, false);
  }
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
})();
