// Parentline counsellor console: log in, take chats from the queue, answer several
// parents at once, transfer, tag topics on close; supervisors also see an overview.
// An ES module with no dependencies; every visible string is in DICT.

const MAX_CHARS = 4000;
const MAX_BYTES = 4096;
const TYPING_SEND_MS = 2000;
const TYPING_SHOW_MS = 4000;
const STALE_AFTER_READY_MS = 3000;

const DICT = {
  sv: {
    docTitle: 'Föräldrachatten – konsol', skip: 'Hoppa till innehållet', brand: 'Föräldrachatten – konsol',
    otherLang: 'English', otherLangCode: 'en', available: 'Tillgänglig',
    load: (n, max) => `${n} av ${max} chattar`, logout: 'Logga ut', dismiss: 'Stäng', loginTitle: 'Logga in',
    loginIntro: 'För personal på Föräldrawebben. Logga in med ditt personliga konto.',
    username: 'Användarnamn', password: 'Lösenord', loginButton: 'Logga in',
    loginFailed: 'Inloggningen misslyckades.', loginMissing: 'Fyll i användarnamn och lösenord.',
    retryAfter: (s) => `Försök igen om ${s} sekunder.`,
    sessionExpired: 'Du har blivit utloggad. Logga in igen.',
    network: 'Kunde inte nå servern. Kontrollera anslutningen och försök igen.',
    noRole: 'Ditt konto har inte behörighet till chattkonsolen.', consoleTitle: 'Chattkonsol',
    connecting: 'Ansluter…', reconnecting: 'Anslutningen bröts. Återansluter…', queueTitle: 'Kö',
    takeNext: 'Ta nästa', take: 'Ta',
    takeLabel: (aud, waited) => `Ta chatten: ${aud}, har väntat ${waited}`,
    queueEmpty: 'Ingen väntar just nu.', waited: (w) => `väntat ${w}`, myChats: 'Mina chattar',
    noChats: 'Du har inga chattar just nu.', unread: (n) => n === 1 ? '1 oläst' : `${n} olästa`, isNew: 'Ny',
    state_active: 'Pågår', state_left: 'Föräldern har lämnat — välj ämne och avsluta',
    state_closing: 'Avslutas…', noChatSelected: 'Ingen chatt vald',
    chooseChat: 'Ta en chatt från kön eller välj en av dina chattar.',
    chatWith: (p) => `Chatt med ${p}`, meta: (aud, l) => `Målgrupp: ${aud} · Språk: ${l}`,
    transferredFrom: (n) => ` · Överförd från ${n}`, aud_young: 'Yngre barn',
    aud_teen: 'Äldre barn och tonåringar', lang_sv: 'svenska', lang_en: 'engelska', parent: 'Förälder',
    saysParent: 'Föräldern: ', saysYou: 'Du: ', sending: 'Skickar…', notSent: 'Inte skickat',
    typing: 'Föräldern skriver…', replyLabel: 'Ditt svar',
    replyHint: 'Enter skickar, Skift + Enter ger ny rad.', send: 'Skicka',
    tooLong: `Meddelandet är för långt (högst ${MAX_CHARS} tecken).`,
    notConnected: 'Inte ansluten just nu. Försök igen om en stund.',
    cannedLabel: 'Färdiga svar (infogas i svaret)', cannedPick: 'Välj ett färdigt svar…',
    cannedNone: 'Inga färdiga svar', cannedFailed: 'Kunde inte hämta färdiga svar',
    transferLabel: 'För över till kollega', transferPick: 'Välj kollega…', transferNone: 'Ingen ledig kollega',
    transfer: 'För över', colleague: (name, n, max) => `${name} (${n}/${max})`, closeChat: 'Avsluta chatt',
    topicsLegend: 'Vilka ämnen handlade chatten om? (för den anonyma statistiken)',
    topicsHint: 'Välj minst ett ämne för att kunna avsluta.', topicsLoading: 'Hämtar ämnen…',
    topicsFailed: 'Kunde inte hämta ämnena. Försök igen.', closeConfirm: 'Avsluta och spara ämnen',
    cancel: 'Avbryt', overview: 'Översikt', ovChats: 'Pågående chattar och kö',
    ovCounselors: 'Rådgivare inloggade',
    ovState: 'Läge', ovAudience: 'Målgrupp', ovCounselor: 'Rådgivare', ovDuration: 'Tid',
    ovName: 'Namn', ovAvailable: 'Tillgänglig', ovLoad: 'Chattar',
    ov_waiting: 'Väntar', ov_active: 'Pågår', ov_wrapup: 'Avslutas',
    ovNoChats: 'Inga chattar just nu.', ovNoCounselors: 'Ingen rådgivare är inloggad.', yes: 'Ja', no: 'Nej',
    annNewQueue: (aud) => `En förälder väntar i kön: ${aud}.`,
    annQueueMany: (n) => `${n} nya föräldrar väntar i kön.`, annNewChat: (p, aud) => `Ny chatt: ${p}, ${aud}.`,
    annTransferred: (p, from) => `Chatten med ${p} har förts över till dig från ${from}.`,
    annMessage: (p) => `Nytt meddelande från ${p}.`,
    annParentLeft: (p) => `${p} har lämnat chatten. Välj ämne och avsluta.`,
    annClosed: (p) => `Chatten med ${p} är avslutad och ämnena är sparade.`,
    annTransferredAway: (p) => `Chatten med ${p} har förts över.`,
    annGone: (p) => `Chatten med ${p} finns inte längre.`, err_bad_json: 'Servern förstod inte meddelandet.',
    err_unknown_type: 'Servern känner inte igen åtgärden.',
    err_too_large: 'Meddelandet är för stort och skickades inte.', err_empty: 'Meddelandet är tomt.',
    err_too_fast: 'Du skickar för snabbt. Meddelandet skickades inte.',
    err_bad_state: 'Det går inte att göra just nu.', err_bad_request: 'Förfrågan var ogiltig.',
    err_not_your_chat: 'Chatten är inte din.', err_no_topic: 'Välj minst ett giltigt ämne.',
    err_queue_empty: 'Ingen väntar i kön.', err_taken: 'Chatten har redan tagits eller avslutats.',
    err_at_capacity: 'Du har redan så många chattar du får ha samtidigt.',
    err_unavailable: 'Kollegan kan inte ta emot chatten just nu.', err_closed: 'Chatten är stängd just nu.',
  },
  en: {
    docTitle: 'Parent chat – console', skip: 'Skip to content', brand: 'Parent chat – console',
    otherLang: 'Svenska', otherLangCode: 'sv', available: 'Available', load: (n, max) => `${n} of ${max} chats`,
    logout: 'Log out', dismiss: 'Dismiss', loginTitle: 'Log in',
    loginIntro: 'For staff of the Parent web. Log in with your personal account.',
    username: 'User name', password: 'Password', loginButton: 'Log in', loginFailed: 'Login failed.',
    loginMissing: 'Enter your user name and password.', retryAfter: (s) => `Try again in ${s} seconds.`,
    sessionExpired: 'You have been logged out. Please log in again.',
    network: 'Could not reach the server. Check the connection and try again.',
    noRole: 'Your account is not allowed to use the chat console.', consoleTitle: 'Chat console',
    connecting: 'Connecting…', reconnecting: 'Connection lost. Reconnecting…', queueTitle: 'Queue',
    takeNext: 'Take next', take: 'Take',
    takeLabel: (aud, waited) => `Take the chat: ${aud}, waited ${waited}`,
    queueEmpty: 'Nobody is waiting right now.', waited: (w) => `waited ${w}`, myChats: 'My chats',
    noChats: 'You have no chats right now.', unread: (n) => `${n} unread`, isNew: 'New', state_active: 'Active',
    state_left: 'The parent has left — choose topics and close', state_closing: 'Closing…',
    noChatSelected: 'No chat selected',
    chooseChat: 'Take a chat from the queue or choose one of your chats.',
    chatWith: (p) => `Chat with ${p}`, meta: (aud, l) => `Audience: ${aud} · Language: ${l}`,
    transferredFrom: (n) => ` · Transferred from ${n}`, aud_young: 'Younger children',
    aud_teen: 'Older children and teenagers', lang_sv: 'Swedish', lang_en: 'English', parent: 'Parent',
    saysParent: 'The parent: ', saysYou: 'You: ', sending: 'Sending…', notSent: 'Not sent',
    typing: 'The parent is typing…', replyLabel: 'Your reply',
    replyHint: 'Enter sends, Shift + Enter adds a new line.', send: 'Send',
    tooLong: `The message is too long (at most ${MAX_CHARS} characters).`,
    notConnected: 'Not connected right now. Try again in a moment.',
    cannedLabel: 'Canned answers (inserted into the reply)', cannedPick: 'Choose a canned answer…',
    cannedNone: 'No canned answers', cannedFailed: 'Could not fetch canned answers',
    transferLabel: 'Transfer to a colleague', transferPick: 'Choose a colleague…',
    transferNone: 'No colleague is free', transfer: 'Transfer',
    colleague: (name, n, max) => `${name} (${n}/${max})`, closeChat: 'Close chat',
    topicsLegend: 'Which topics was the chat about? (for the anonymous statistics)',
    topicsHint: 'Choose at least one topic to be able to close.', topicsLoading: 'Fetching topics…',
    topicsFailed: 'Could not fetch the topics. Please try again.', closeConfirm: 'Close and save topics',
    cancel: 'Cancel', overview: 'Overview', ovChats: 'Live chats and queue', ovCounselors: 'Counsellors online',
    ovState: 'State', ovAudience: 'Audience', ovCounselor: 'Counsellor', ovDuration: 'Time',
    ovName: 'Name', ovAvailable: 'Available', ovLoad: 'Chats',
    ov_waiting: 'Waiting', ov_active: 'Active', ov_wrapup: 'Wrap-up',
    ovNoChats: 'No chats right now.', ovNoCounselors: 'No counsellor is online.', yes: 'Yes', no: 'No',
    annNewQueue: (aud) => `A parent is waiting in the queue: ${aud}.`,
    annQueueMany: (n) => `${n} new parents are waiting in the queue.`,
    annNewChat: (p, aud) => `New chat: ${p}, ${aud}.`,
    annTransferred: (p, from) => `The chat with ${p} was transferred to you from ${from}.`,
    annMessage: (p) => `New message from ${p}.`,
    annParentLeft: (p) => `${p} has left the chat. Choose topics and close.`,
    annClosed: (p) => `The chat with ${p} is closed and its topics are saved.`,
    annTransferredAway: (p) => `The chat with ${p} has been transferred.`,
    annGone: (p) => `The chat with ${p} no longer exists.`,
    err_bad_json: 'The server did not understand the message.',
    err_unknown_type: 'The server does not know that action.',
    err_too_large: 'The message is too large and was not sent.', err_empty: 'The message is empty.',
    err_too_fast: 'You are sending too quickly. The message was not sent.',
    err_bad_state: 'That is not possible right now.', err_bad_request: 'The request was not valid.',
    err_not_your_chat: 'That chat is not yours.', err_no_topic: 'Choose at least one valid topic.',
    err_queue_empty: 'Nobody is waiting in the queue.',
    err_taken: 'The chat has already been taken or has ended.',
    err_at_capacity: 'You already hold as many chats as you may at once.',
    err_unavailable: 'The colleague cannot take the chat right now.',
    err_closed: 'The chat is closed right now.',
  },
};

let lang = 'sv';

/**
 * The console's state. chats: id -> {id, parent, audience, lang, transferredFrom,
 * messages: [{from, text, id?, pending?, failed?}], unread, isNew, state: 'active'|'left'|'closing',
 * typingUntil, draft, stale}.
 */
const S = {
  me: null, supervisor: false, ws: null, wsWanted: false, retry: 0, retryTimer: 0, connState: '',
  available: false, load: { chats: 0, max: 0 }, queue: [], queueSeen: new Set(),
  chats: new Map(), selected: null, colleagues: [], overview: null, overviewAt: 0,
  topics: null, topicsLang: '', canned: new Map(), cannedBase: null, cannedResult: null,
  acceptPending: false, seq: 0, lastTypingSent: new Map(), typingTimer: 0, staleTimer: 0,
};

const $ = (id) => document.getElementById(id);

/** Translates key in the console language; function entries get args. */
function t(key, ...args) {
  const v = key in DICT[lang] ? DICT[lang][key] : DICT.sv[key];
  if (typeof v === 'function') return v(...args);
  return v === undefined ? key : v;
}

/** Creates an element with attributes (class, text, others) and children. */
function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of [].concat(children)) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

function audienceLabel(a) { return DICT.sv['aud_' + a] ? t('aud_' + a) : String(a || '–'); }
function langLabel(l) { return DICT.sv['lang_' + l] ? t('lang_' + l) : String(l || '–'); }

/** Seconds as m:ss or h:mm:ss. */
function fmtDuration(sec) {
  sec = Math.max(0, Math.floor(sec));
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = String(sec % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function utf8Length(s) { return new TextEncoder().encode(s).length; }

// ---- language ----------------------------------------------------------------

/** Applies the dictionary to the static page (data-i18n) and re-renders the rest. */
function applyLang() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  const b = $('lang');
  b.textContent = t('otherLang');
  b.setAttribute('lang', t('otherLangCode'));
  renderAll();
}

function setLang(l) {
  lang = l;
  applyLang();
  if (!$('close-form').hidden) loadTopics(true);
}

// ---- HTTP --------------------------------------------------------------------------

/** JSON request to our own server; returns {ok, status, data, headers}. */
async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (res.status !== 204 && type.includes('json')) {
    try { data = await res.json(); } catch { data = null; }
  }
  return { ok: res.ok, status: res.status, data, headers: res.headers };
}

// ---- banners and announcements -----------------------------------------------------

/** Shows text in the role=alert banner. */
function showAlert(text) {
  $('alert-box').classList.add('is-shown');
  $('alert-close').hidden = false;
  $('alert').textContent = text;
}

function clearAlert() {
  $('alert').textContent = '';
  $('alert-box').classList.remove('is-shown');
  $('alert-close').hidden = true;
}

/** Shows an error frame: our own words for a known code, else the server's message. */
function showErrorFrame(f) {
  const key = 'err_' + f.code;
  showAlert(f.code && key in DICT.sv ? t(key) : String(f.message || f.code || ''));
}

let announceTimer = 0;
/** Says text through the polite live region (cleared first so repeats are heard). */
function announce(text) {
  const a = $('announcer');
  a.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => { a.textContent = text; }, 60);
}

function setConn(state) {
  S.connState = state;
  $('conn').textContent = state ? t(state) : '';
}

// ---- login and session ------------------------------------------------------------------

function showLogin(message) {
  S.wsWanted = false;
  disconnect();
  resetSession();
  $('console-view').hidden = true;
  $('session-info').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  setConn('');
  document.title = t('docTitle');
  $('login-username').focus();
}

/** Shows the console for the account me ({username, name, roles}) and connects. */
function showConsole(me) {
  S.me = me;
  const roles = Array.isArray(me.roles) ? me.roles : [];
  S.supervisor = roles.includes('supervisor');
  $('login-view').hidden = true;
  $('console-view').hidden = false;
  $('session-info').hidden = false;
  $('me-name').textContent = me.name || me.username || '';
  $('login-password').value = '';
  renderAll();
  if (!roles.includes('counselor') && !roles.includes('supervisor')) {
    showAlert(t('noRole'));
    return;
  }
  S.wsWanted = true;
  connect();
}

function resetSession() {
  Object.assign(S, {
    me: null, supervisor: false, available: false, load: { chats: 0, max: 0 }, queue: [], selected: null,
    colleagues: [], overview: null, acceptPending: false,
  });
  S.queueSeen.clear();
  S.chats.clear();
}

let retryAfterTimer = 0;
/** POST /api/login; 401 and 429 show the server's error text (429 with Retry-After). */
async function onLogin(e) {
  e.preventDefault();
  const username = $('login-username').value.trim();
  const password = $('login-password').value;
  const err = $('login-error');
  if (!username || !password) { err.textContent = t('loginMissing'); return; }
  err.textContent = '';
  const submit = $('login-submit');
  submit.disabled = true;
  let res;
  try {
    res = await api('POST', '/api/login', { username, password });
  } catch {
    submit.disabled = false;
    err.textContent = t('network');
    return;
  }
  if (res.ok && res.data) {
    submit.disabled = false;
    clearAlert();
    showConsole(res.data);
    $('main').focus();
    return;
  }
  let text = (res.data && res.data.error) || t('loginFailed');
  if (res.status === 429) {
    const secs = retryAfterSeconds(res.headers.get('Retry-After'));
    if (secs > 0) {
      text += ' ' + t('retryAfter', secs);
      clearTimeout(retryAfterTimer);
      retryAfterTimer = setTimeout(() => { submit.disabled = false; }, secs * 1000);
      err.textContent = text;
      return;
    }
  }
  submit.disabled = false;
  err.textContent = text;
  $('login-password').value = '';
  $('login-password').focus();
}

/** Retry-After as seconds: a number, or an HTTP date. */
function retryAfterSeconds(v) {
  if (!v) return 0;
  if (/^\d+$/.test(v.trim())) return parseInt(v, 10);
  const when = Date.parse(v);
  return isNaN(when) ? 0 : Math.max(1, Math.ceil((when - Date.now()) / 1000));
}

async function onLogout() {
  S.wsWanted = false;
  disconnect();
  try { await api('POST', '/api/logout'); } catch { /* the session ends with the cookie anyway */ }
  clearAlert();
  showLogin('');
}

// ---- WebSocket -------------------------------------------------------------------------------

/** Opens /ws/counselor on this host; frames go to the handlers. */
function connect() {
  clearTimeout(S.retryTimer);
  if (S.ws) return;
  setConn(S.retry ? 'reconnecting' : 'connecting');
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/counselor';
  let ws;
  try { ws = new WebSocket(url); } catch { scheduleReconnect(); return; }
  S.ws = ws;
  ws.addEventListener('message', (e) => {
    if (S.ws !== ws) return;
    let f;
    try { f = JSON.parse(e.data); } catch { return; }
    if (f && typeof f.type === 'string' && Object.hasOwn(handlers, f.type)) handlers[f.type](f);
  });
  ws.addEventListener('close', () => {
    if (S.ws !== ws) return;
    S.ws = null;
    if (S.wsWanted) scheduleReconnect();
  });
}

function disconnect() {
  clearTimeout(S.retryTimer);
  const ws = S.ws;
  S.ws = null;
  if (ws) try { ws.close(1000); } catch { /* closed already */ }
}

/** Reconnects after 1, 2, 4, 8, 10, 10… s; a lost session sends us to the login. */
function scheduleReconnect() {
  clearTimeout(S.retryTimer);
  const delay = Math.min(1000 * 2 ** S.retry, 10000);
  S.retry++;
  setConn('reconnecting');
  renderControls();
  S.retryTimer = setTimeout(async () => {
    try {
      const res = await api('GET', '/api/me');
      if (res.status === 401) { S.wsWanted = false; showLogin(t('sessionExpired')); return; }
    } catch { /* server unreachable: the socket attempt below fails and we try again */ }
    if (S.wsWanted) connect();
  }, delay);
}

function isOpen() { return S.ws && S.ws.readyState === WebSocket.OPEN; }

/** Sends a frame; false (and an alert) when not connected. */
function send(frame) {
  if (!isOpen()) { showAlert(t('notConnected')); return false; }
  S.ws.send(JSON.stringify(frame));
  return true;
}

// ---- frame handlers ------------------------------------------------------------------------------

const handlers = {
  ready(f) {
    S.retry = 0;
    setConn('');
    S.available = !!f.available;
    S.load = { chats: S.chats.size, max: Number(f.max_chats) || S.load.max };
    if (f.name) $('me-name').textContent = f.name;
    if (f.supervisor) S.supervisor = true;
    // Chats we hold are announced again now; those that are not have been lost.
    for (const c of S.chats.values()) c.stale = true;
    clearTimeout(S.staleTimer);
    S.staleTimer = setTimeout(dropStale, STALE_AFTER_READY_MS);
    renderAll();
  },
  queue(f) {
    const now = Date.now();
    const waiting = Array.isArray(f.waiting) ? f.waiting : [];
    const fresh = waiting.filter((w) => !S.queueSeen.has(w.chat));
    S.queue = waiting.map((w) => ({ chat: String(w.chat), audience: w.audience, since: now - (Number(w.waited_seconds) || 0) * 1000 }));
    S.queueSeen = new Set(waiting.map((w) => w.chat));
    if (fresh.length === 1) announce(t('annNewQueue', audienceLabel(fresh[0].audience)));
    else if (fresh.length > 1) announce(t('annQueueMany', fresh.length));
    renderQueue();
  },
  chat_started(f) {
    const id = String(f.chat);
    let c = S.chats.get(id);
    const known = !!c;
    if (!c) {
      c = { id, messages: [], unread: 0, isNew: true, state: 'active', typingUntil: 0, draft: '' };
      S.chats.set(id, c);
    }
    Object.assign(c, {
      parent: String(f.parent || t('parent')), audience: f.audience, lang: f.lang === 'en' ? 'en' : 'sv',
      transferredFrom: f.transferred_from ? String(f.transferred_from) : (c.transferredFrom || ''), stale: false,
    });
    if (f.parent_gone) c.state = 'left';
    if (!known) {
      announce(f.transferred_from ? t('annTransferred', c.parent, c.transferredFrom) : t('annNewChat', c.parent, audienceLabel(c.audience)));
      if (S.acceptPending || !S.selected) {
        const focusReply = S.acceptPending;
        S.acceptPending = false;
        select(id, focusReply);
        return;
      }
    }
    renderChats();
    if (S.selected === id) renderChat();
  },
  history(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) return;
    const msgs = Array.isArray(f.messages) ? f.messages : [];
    c.messages = msgs.map((m) => ({ from: m.from === 'counselor' ? 'counselor' : 'parent', text: String(m.text || '') }));
    if (S.selected === c.id) renderTranscript();
  },
  msg(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) return;
    const text = String(f.text || '');
    if (f.from === 'counselor') {
      const mine = f.id !== undefined && c.messages.find((m) => m.pending && m.id === String(f.id));
      if (mine) mine.pending = false;
      else c.messages.push({ from: 'counselor', text });
    } else {
      c.messages.push({ from: 'parent', text });
      c.typingUntil = 0;
      if (S.selected !== c.id) {
        c.unread++;
        announce(t('annMessage', c.parent));
      }
    }
    renderChats();
    if (S.selected === c.id) { renderTranscript(); renderTyping(); }
  },
  typing(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) return;
    c.typingUntil = Date.now() + TYPING_SHOW_MS;
    if (S.selected === c.id) renderTyping();
    clearTimeout(S.typingTimer);
    S.typingTimer = setTimeout(renderTyping, TYPING_SHOW_MS + 50);
  },
  chat_ended(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) return;
    if (f.reason === 'closed' || f.reason === 'transferred') {
      announce(t(f.reason === 'closed' ? 'annClosed' : 'annTransferredAway', c.parent));
      removeChat(c.id);
      return;
    }
    c.state = 'left';
    c.typingUntil = 0;
    announce(t('annParentLeft', c.parent));
    renderChats();
    if (S.selected === c.id) renderChat();
  },
  status(f) {
    S.available = !!f.available;
    S.load = { chats: Number(f.chats) || 0, max: Number(f.max_chats) || S.load.max };
    renderHeader();
  },
  colleagues(f) {
    S.colleagues = Array.isArray(f.counselors) ? f.counselors : [];
    renderTransfer();
  },
  overview(f) {
    S.supervisor = true;
    S.overview = { chats: Array.isArray(f.chats) ? f.chats : [], counselors: Array.isArray(f.counselors) ? f.counselors : [] };
    S.overviewAt = Date.now();
    renderOverview();
  },
  error(f) {
    showErrorFrame(f);
    const code = String(f.code || '');
    if (['queue_empty', 'taken', 'at_capacity'].includes(code)) S.acceptPending = false;
    if (['too_fast', 'too_large', 'empty'].includes(code)) failOldestPending();
    if (code === 'no_topic' || code === 'not_your_chat' || code === 'bad_request') {
      for (const c of S.chats.values()) if (c.state === 'closing') c.state = 'left';
      renderChats();
      renderChat();
    }
  },
};

/** Removes chats that were not announced again after a reconnect: the server no longer has them. */
function dropStale() {
  for (const c of [...S.chats.values()]) {
    if (c.stale) { announce(t('annGone', c.parent)); removeChat(c.id); }
  }
}

/** The server refused the oldest of our messages still waiting for an acknowledgement. */
function failOldestPending() {
  let oldest = null;
  for (const c of S.chats.values()) {
    for (const m of c.messages) if (m.pending && (!oldest || m.seq < oldest.m.seq)) oldest = { c, m };
  }
  if (!oldest) return;
  oldest.m.pending = false;
  oldest.m.failed = true;
  if (S.selected === oldest.c.id) renderTranscript();
}

/** Drops a chat from the list; focus that was on it goes to the next sensible place. */
function removeChat(id) {
  const a = document.activeElement;
  const wasSelected = S.selected === id;
  const focusLost = !a || a === document.body || (wasSelected && a.closest('.chat-pane')) ||
    a.closest(`#my-chats li[data-chat="${CSS.escape(id)}"]`);
  S.chats.delete(id);
  S.lastTypingSent.delete(id);
  if (wasSelected) {
    S.selected = null;
    const next = S.chats.keys().next();
    if (!next.done) select(next.value, false);
    else { renderChat(); renderChats(); }
  } else {
    renderChats();
  }
  renderControls();
  if (focusLost) {
    const to = document.querySelector('#my-chats button') || ($('take-next').disabled ? $('mychats-title') : $('take-next'));
    to.focus();
  }
}

// ---- actions ----------------------------------------------------------------------------------------

/** Makes id the selected chat; the reply draft of the previous one is kept. */
function select(id, focusReply) {
  const prev = S.chats.get(S.selected);
  if (prev) prev.draft = $('reply').value;
  S.selected = id;
  const c = S.chats.get(id);
  if (c) { c.unread = 0; c.isNew = false; }
  $('reply').value = c ? c.draft : '';
  S.cannedBase = S.cannedResult = null;
  $('close-form').hidden = true;
  $('close-chat').setAttribute('aria-expanded', 'false');
  for (const box of $('topics').querySelectorAll('input')) box.checked = false;
  renderChats();
  renderChat();
  if (c) loadCanned(c.lang);
  if (focusReply && c && !$('reply').disabled) $('reply').focus();
}

function accept(chatId) {
  const frame = chatId ? { type: 'accept', chat: chatId } : { type: 'accept' };
  if (send(frame)) S.acceptPending = true;
}

/** Sends the reply of the selected chat; refuses locally what the server would refuse. */
function sendReply() {
  const c = S.chats.get(S.selected);
  const box = $('reply');
  const text = box.value;
  if (!c || c.state !== 'active' || !text.trim()) return;
  if ([...text].length > MAX_CHARS || utf8Length(text) > MAX_BYTES) { showAlert(t('tooLong')); return; }
  const id = 'c' + (++S.seq) + '-' + Date.now().toString(36);
  if (!send({ type: 'msg', chat: c.id, text, id })) return;
  c.messages.push({ from: 'counselor', text, id, pending: true, seq: S.seq });
  box.value = '';
  c.draft = '';
  S.cannedBase = S.cannedResult = null;
  $('canned').value = '';
  renderTranscript();
}

function onReplyInput() {
  const c = S.chats.get(S.selected);
  if (!c || c.state !== 'active' || !$('reply').value.trim() || !isOpen()) return;
  const now = Date.now();
  if (now - (S.lastTypingSent.get(c.id) || 0) < TYPING_SEND_MS) return;
  S.lastTypingSent.set(c.id, now);
  S.ws.send(JSON.stringify({ type: 'typing', chat: c.id }));
}

/**
 * Puts the chosen canned answer into the reply for editing (never sends). Choosing
 * another one straight after replaces it, so arrowing through the list does not pile up.
 */
function onCanned() {
  const c = S.chats.get(S.selected);
  const sel = $('canned');
  const list = c && S.canned.get(c.lang);
  const answer = Array.isArray(list) && list.find((a) => String(a.id) === sel.value);
  if (!answer) return;
  const box = $('reply');
  const base = S.cannedResult !== null && box.value === S.cannedResult ? S.cannedBase : box.value;
  const value = base ? base.replace(/\s*$/, '') + '\n' + answer.text : String(answer.text || '');
  S.cannedBase = base;
  S.cannedResult = value;
  box.value = value;
}

function onTransfer() {
  const c = S.chats.get(S.selected);
  const to = $('transfer-to').value;
  if (!c || !to || c.state !== 'active') return;
  send({ type: 'transfer', chat: c.id, to });
}

function openCloseForm() {
  const form = $('close-form');
  form.hidden = false;
  $('close-chat').setAttribute('aria-expanded', 'true');
  loadTopics(false).then(() => {
    const first = form.querySelector('input[name="topic"]');
    if (first && !form.hidden) first.focus();
  });
  updateCloseConfirm();
}

function cancelClose() {
  $('close-form').hidden = true;
  $('close-chat').setAttribute('aria-expanded', 'false');
  $('close-chat').focus();
}

/** Sends close with the ticked topics; the chat leaves the list on chat_ended "closed". */
function onCloseSubmit(e) {
  e.preventDefault();
  const c = S.chats.get(S.selected);
  const topics = [...document.querySelectorAll('#topics input[name="topic"]:checked')].map((i) => i.value);
  if (!c || !topics.length) return;
  if (!send({ type: 'close', chat: c.id, topics })) return;
  c.state = 'closing';
  renderChats();
  renderChat();
}

function updateCloseConfirm() {
  const c = S.chats.get(S.selected);
  const any = document.querySelector('#topics input[name="topic"]:checked');
  $('close-confirm').disabled = !any || !c || c.state === 'closing';
}

// ---- data from HTTP -----------------------------------------------------------------------------------

/** GET /api/topics?lang=<console lang> into the close form, keeping ticks. */
async function loadTopics(force) {
  const box = $('topics');
  if (!force && S.topics && S.topicsLang === lang) { renderTopics(); return; }
  const checked = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
  box.replaceChildren(el('p', { class: 'muted', text: t('topicsLoading') }));
  try {
    const res = await api('GET', '/api/topics?lang=' + encodeURIComponent(lang));
    if (res.status === 401) { showLogin(t('sessionExpired')); return; }
    if (!res.ok || !Array.isArray(res.data)) throw new Error('topics');
    S.topics = res.data;
    S.topicsLang = lang;
    renderTopics(checked);
  } catch {
    box.replaceChildren(el('p', { class: 'form-error', text: t('topicsFailed') }));
  }
}

function renderTopics(checked) {
  const box = $('topics');
  const keep = checked || new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
  box.replaceChildren(...(S.topics || []).map((tp) => {
    const id = 'topic-' + String(tp.id).replace(/[^A-Za-z0-9_-]/g, '_');
    return el('div', { class: 'check' }, [
      el('input', { type: 'checkbox', name: 'topic', value: String(tp.id), id, checked: keep.has(String(tp.id)) }),
      el('label', { for: id, text: String(tp.label || tp.id) }),
    ]);
  }));
  updateCloseConfirm();
}

/** GET /api/canned?lang=<the chat's language>, cached per language. */
async function loadCanned(chatLang) {
  if (!S.canned.has(chatLang)) {
    S.canned.set(chatLang, 'loading');
    renderCanned();
    try {
      const res = await api('GET', '/api/canned?lang=' + encodeURIComponent(chatLang));
      if (!res.ok || !Array.isArray(res.data)) throw new Error('canned');
      S.canned.set(chatLang, res.data);
    } catch {
      S.canned.delete(chatLang);
      renderCanned(true);
      return;
    }
  }
  renderCanned();
}

// ---- rendering ------------------------------------------------------------------------------------------

function renderAll() {
  renderHeader();
  renderQueue();
  renderChats();
  renderChat();
  renderOverview();
  if (S.connState) setConn(S.connState);
}

function renderHeader() {
  const box = $('available');
  box.checked = S.available;
  $('load').textContent = S.load.max ? t('load', S.load.chats, S.load.max) : '';
  updateTitle();
}

function updateTitle() {
  let unread = 0;
  for (const c of S.chats.values()) unread += c.unread;
  const n = unread + S.queue.length;
  document.title = (n > 0 ? `(${n}) ` : '') + t('docTitle');
}

/** The queue as a keyed list, so focus on a "Ta" button survives updates. */
function renderQueue() {
  const list = $('queue');
  const existing = new Map([...list.children].map((li) => [li.dataset.chat, li]));
  const now = Date.now();
  S.queue.forEach((w, i) => {
    let li = existing.get(w.chat);
    if (!li) {
      const btn = el('button', { type: 'button', class: 'btn btn-small', 'data-chat': w.chat });
      btn.addEventListener('click', () => accept(w.chat));
      li = el('li', { class: 'queue-item', 'data-chat': w.chat }, [
        el('span', { class: 'q-aud' }), el('span', { class: 'sr-only', text: ', ' }), el('span', { class: 'q-waited' }), btn,
      ]);
    }
    existing.delete(w.chat);
    const aud = audienceLabel(w.audience);
    const waited = fmtDuration((now - w.since) / 1000);
    li.querySelector('.q-aud').textContent = aud;
    li.querySelector('.q-waited').textContent = t('waited', waited);
    const btn = li.querySelector('button');
    btn.textContent = t('take');
    btn.setAttribute('aria-label', t('takeLabel', aud, waited));
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  for (const li of existing.values()) {
    if (li.contains(document.activeElement)) $('take-next').focus();
    li.remove();
  }
  $('queue-empty').hidden = S.queue.length > 0;
  $('queue-count').textContent = S.queue.length ? `(${S.queue.length})` : '';
  renderControls();
  updateTitle();
}

/** Updates the waited times in the queue and overview every second. */
function tick() {
  const now = Date.now();
  for (const li of $('queue').children) {
    const w = S.queue.find((q) => q.chat === li.dataset.chat);
    if (!w) continue;
    const waited = fmtDuration((now - w.since) / 1000);
    li.querySelector('.q-waited').textContent = t('waited', waited);
    li.querySelector('button').setAttribute('aria-label', t('takeLabel', audienceLabel(w.audience), waited));
  }
  if (S.overview) {
    const extra = (now - S.overviewAt) / 1000;
    for (const td of document.querySelectorAll('#overview-chats td[data-seconds]')) {
      td.textContent = fmtDuration(Number(td.dataset.seconds) + extra);
    }
  }
}

/** "Mina chattar": one button per chat, keyed by chat id. */
function renderChats() {
  const list = $('my-chats');
  const existing = new Map([...list.children].map((li) => [li.dataset.chat, li]));
  let i = 0;
  for (const c of S.chats.values()) {
    let li = existing.get(c.id);
    if (!li) {
      const btn = el('button', { type: 'button', class: 'chat-item', 'data-chat': c.id });
      btn.addEventListener('click', () => select(c.id, true));
      li = el('li', { 'data-chat': c.id }, [btn]);
    }
    existing.delete(c.id);
    const btn = li.firstChild;
    const sep = () => el('span', { class: 'sr-only', text: ', ' });
    const badge = c.unread ? el('span', { class: 'badge', text: t('unread', c.unread) })
      : c.isNew ? el('span', { class: 'badge badge-new', text: t('isNew') }) : null;
    btn.replaceChildren(...[
      el('span', { class: 'ci-name', text: c.parent }), sep(),
      el('span', { class: 'ci-aud', text: audienceLabel(c.audience) }), sep(),
      el('span', { class: 'ci-state', text: t('state_' + c.state) }),
      badge && sep(), badge,
    ].filter(Boolean));
    btn.classList.toggle('is-selected', S.selected === c.id);
    btn.classList.toggle('has-unread', c.unread > 0 || c.isNew);
    btn.classList.toggle('is-left', c.state !== 'active');
    if (S.selected === c.id) btn.setAttribute('aria-current', 'true'); else btn.removeAttribute('aria-current');
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    i++;
  }
  for (const li of existing.values()) li.remove();
  $('mychats-empty').hidden = S.chats.size > 0;
  updateTitle();
}

/** The selected chat's pane: heading, notice, transcript and controls. */
function renderChat() {
  const c = S.chats.get(S.selected);
  $('chat-body').hidden = !c;
  $('chat-none').hidden = !!c;
  $('chat-title').textContent = c ? t('chatWith', c.parent) : t('noChatSelected');
  if (!c) { renderControls(); return; }
  $('chat-meta').textContent = t('meta', audienceLabel(c.audience), langLabel(c.lang)) +
    (c.transferredFrom ? t('transferredFrom', c.transferredFrom) : '');
  const notice = $('chat-notice');
  notice.hidden = c.state === 'active';
  notice.textContent = c.state === 'active' ? '' : t('state_' + c.state);
  renderTranscript(true);
  renderTyping();
  renderCanned();
  renderTransfer();
  renderControls();
}

/**
 * Rebuilds the transcript. quiet: the chat was just selected, so the live
 * region is muted for the rebuild instead of reading the whole history aloud.
 */
function renderTranscript(quiet) {
  const box = $('transcript');
  const c = S.chats.get(S.selected);
  if (!c) { box.replaceChildren(); return; }
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const rows = c.messages.map((m) => {
    const own = m.from === 'counselor';
    return el('div', { class: 'msg ' + (own ? 'msg-own' : 'msg-parent') + (m.pending ? ' is-pending' : '') + (m.failed ? ' is-failed' : '') }, [
      el('span', { class: 'sr-only', text: t(own ? 'saysYou' : 'saysParent') }),
      el('span', { class: 'msg-text', text: m.text }),
      m.pending || m.failed ? el('span', { class: 'msg-meta', text: t(m.failed ? 'notSent' : 'sending') }) : null,
    ]);
  });
  // Unless the chat was just selected, update in place and append only what is new,
  // so the live region reads the new message rather than the whole history.
  const same = !quiet && box.children.length <= rows.length &&
    [...box.children].every((r, i) => r.querySelector('.msg-text').textContent === c.messages[i].text);
  if (same) {
    [...box.children].forEach((r, i) => {
      if (r.className === rows[i].className) return;
      r.className = rows[i].className;
      r.querySelector('.msg-meta')?.remove();
      const meta = rows[i].querySelector('.msg-meta');
      if (meta) r.append(meta);
    });
    box.append(...rows.slice(box.children.length));
  } else {
    box.setAttribute('aria-live', 'off');
    box.replaceChildren(...rows);
    setTimeout(() => box.setAttribute('aria-live', 'polite'), 100);
  }
  if (quiet || atBottom) box.scrollTop = box.scrollHeight;
}

function renderTyping() {
  const c = S.chats.get(S.selected);
  const on = !!c && c.state === 'active' && c.typingUntil > Date.now();
  $('typing').hidden = !on;
  $('typing').textContent = on ? t('typing') : '';
}

function renderCanned(failed) {
  const sel = $('canned');
  const c = S.chats.get(S.selected);
  const list = c ? S.canned.get(c.lang) : null;
  const keep = sel.value;
  const opts = [el('option', { value: '', text: t('cannedPick') })];
  if (Array.isArray(list)) {
    if (!list.length) opts.push(el('option', { value: '', disabled: true, text: t('cannedNone') }));
    for (const a of list) opts.push(el('option', { value: String(a.id), text: String(a.title || a.text || a.id) }));
  } else if (failed === true) {
    opts.push(el('option', { value: '', disabled: true, text: t('cannedFailed') }));
  }
  sel.replaceChildren(...opts);
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
}

/** Colleagues who are available and below their maximum. */
function renderTransfer() {
  const sel = $('transfer-to');
  const keep = sel.value;
  const fit = S.colleagues.filter((p) => p.available && Number(p.chats) < Number(p.max_chats));
  sel.replaceChildren(
    el('option', { value: '', text: t(fit.length ? 'transferPick' : 'transferNone') }),
    ...fit.map((p) => el('option', { value: String(p.username), text: t('colleague', p.name || p.username, p.chats, p.max_chats) })),
  );
  if (fit.some((p) => String(p.username) === keep)) sel.value = keep;
  renderControls();
}

/** Enables and disables the controls for the current state. */
function renderControls() {
  const focused = document.activeElement;
  const c = S.chats.get(S.selected);
  const live = !!c && c.state === 'active';
  const online = isOpen();
  $('take-next').disabled = S.queue.length === 0;
  $('reply').disabled = !live;
  $('send').disabled = !live || !online;
  $('canned').disabled = !live;
  $('transfer-to').disabled = !live;
  $('transfer').disabled = !live || !online || !$('transfer-to').value;
  $('close-chat').disabled = !c || c.state === 'closing';
  $('available').disabled = !online;
  updateCloseConfirm();
  // A control that just became disabled (the parent left while typing) hands focus on.
  if (focused && focused.disabled && focused.closest('.chat-pane')) {
    ($('close-chat').disabled ? $('chat-title') : $('close-chat')).focus();
  }
}

/** Supervisors: every live chat and the counsellors online. */
function renderOverview() {
  const box = $('overview');
  box.hidden = !S.supervisor || !S.me;
  if (box.hidden) return;
  const ov = S.overview || { chats: [], counselors: [] };
  const extra = S.overview ? (Date.now() - S.overviewAt) / 1000 : 0;
  const chatRows = ov.chats.map((c) => el('tr', { class: 'ov-' + c.state }, [
    el('td', { text: DICT.sv['ov_' + c.state] ? t('ov_' + c.state) : String(c.state || '') }),
    el('td', { text: audienceLabel(c.audience) }),
    el('td', { text: c.counselor ? String(c.counselor) : '–' }),
    el('td', { 'data-seconds': String(Number(c.seconds) || 0), text: fmtDuration((Number(c.seconds) || 0) + extra) }),
  ]));
  if (!chatRows.length) chatRows.push(el('tr', {}, [el('td', { colspan: '4', class: 'muted', text: t('ovNoChats') })]));
  document.querySelector('#overview-chats tbody').replaceChildren(...chatRows);
  const people = ov.counselors.map((p) => el('tr', {}, [
    el('td', { text: String(p.name || '') }),
    el('td', { text: t(p.available ? 'yes' : 'no') }),
    el('td', { text: String(Number(p.chats) || 0) }),
  ]));
  if (!people.length) people.push(el('tr', {}, [el('td', { colspan: '3', class: 'muted', text: t('ovNoCounselors') })]));
  document.querySelector('#overview-counselors tbody').replaceChildren(...people);
}

// ---- wiring ------------------------------------------------------------------------------------------------

function wire() {
  $('lang').addEventListener('click', () => setLang(lang === 'sv' ? 'en' : 'sv'));
  $('login-form').addEventListener('submit', onLogin);
  $('logout').addEventListener('click', onLogout);
  $('alert-close').addEventListener('click', clearAlert);
  $('available').addEventListener('change', (e) => {
    const on = e.target.checked;
    if (!send({ type: 'available', on })) { e.target.checked = S.available; return; }
  });
  $('take-next').addEventListener('click', () => accept(null));
  $('reply-form').addEventListener('submit', (e) => { e.preventDefault(); sendReply(); });
  $('reply').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendReply(); }
  });
  $('reply').addEventListener('input', onReplyInput);
  $('canned').addEventListener('change', onCanned);
  $('transfer-to').addEventListener('change', renderControls);
  $('transfer').addEventListener('click', onTransfer);
  $('close-chat').addEventListener('click', () => ($('close-form').hidden ? openCloseForm() : cancelClose()));
  $('close-cancel').addEventListener('click', cancelClose);
  $('close-form').addEventListener('submit', onCloseSubmit);
  $('topics').addEventListener('change', updateCloseConfirm);
  setInterval(tick, 1000);
}

/** Entry point: GET /api/me decides between the login and the console. */
async function main() {
  wire();
  applyLang();
  let res;
  try {
    res = await api('GET', '/api/me');
  } catch {
    showLogin(t('network'));
    return;
  }
  if (res.ok && res.data) showConsole(res.data);
  else showLogin('');
}

main();
