// Parentline e-ID: the logged-in citizen's session bar. An ES module with no
// dependencies; it talks only to /api/eid/me, /api/eid/session and
// /api/eid/logout.
//
//   import { sessionBar } from '/eid/session.js';
//   const bar = await sessionBar(document.getElementById('session'), { lang: 'sv' });
//
// It shows who is logged in (nothing about a person with protected
// identity), a TEST badge with the test provider, a visible "Log out"
// button and how long until logout for inactivity. Two minutes before that
// it warns in a dialog (role=alertdialog) with a "Stay logged in" button
// (POST /api/eid/session); when the time runs out it shows the logged-out
// state (or goes to opts.loggedOutUrl). Activity elsewhere on the page that
// reaches the server also extends the session: the bar asks the server again
// before it warns.
//
// Swedish by default; { lang: 'en' } for English. Styles: /eid/eid.css.

const TEXTS = {
  sv: {
    loggedInAs: (name) => `Inloggad som ${name}`,
    loggedIn: 'Inloggad',
    test: 'TEST',
    testTitle: 'Inloggad med testleverantören, inte riktig e-legitimation',
    logout: 'Logga ut',
    idle: (m) => `Du loggas ut automatiskt efter ${m} minuters inaktivitet.`,
    warnTitle: 'Du loggas snart ut',
    warnText: 'Du har inte gjort något på en stund. Av säkerhetsskäl loggas du ut om två minuter om du inte väljer att fortsätta.',
    timeLeft: (s) => `Tid kvar: ${s}`,
    stay: 'Fortsätt vara inloggad',
    loggedOutTitle: 'Du är utloggad',
    loggedOutIdle: 'Du har loggats ut eftersom du inte har gjort något på en stund.',
    notLoggedInTitle: 'Du är inte inloggad',
    notLoggedIn: 'Logga in med e-legitimation för att fortsätta.',
    loggedOutSelf: 'Du har loggat ut. Stäng webbläsaren om du använder en delad dator.',
    loginAgain: 'Logga in igen',
    network: 'Kunde inte nå servern. Försök igen.',
  },
  en: {
    loggedInAs: (name) => `Logged in as ${name}`,
    loggedIn: 'Logged in',
    test: 'TEST',
    testTitle: 'Logged in with the test provider, not a real e-ID',
    logout: 'Log out',
    idle: (m) => `You will be logged out automatically after ${m} minutes without activity.`,
    warnTitle: 'You will soon be logged out',
    warnText: 'You have not done anything for a while. For your security you will be logged out in two minutes unless you choose to continue.',
    timeLeft: (s) => `Time left: ${s}`,
    stay: 'Stay logged in',
    loggedOutTitle: 'You are logged out',
    loggedOutIdle: 'You have been logged out because you were inactive for a while.',
    notLoggedInTitle: 'You are not logged in',
    notLoggedIn: 'Log in with your e-ID to continue.',
    loggedOutSelf: 'You have logged out. Close the browser if you are using a shared computer.',
    loginAgain: 'Log in again',
    network: 'Could not reach the server. Please try again.',
  },
};

const WARN_BEFORE_S = 120;
let seq = 0;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

async function call(method, path) {
  const res = await fetch(path, {
    method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' },
  });
  let data = {};
  if ((res.headers.get('Content-Type') || '').startsWith('application/json')) {
    try { data = await res.json(); } catch { data = {}; }
  }
  return { status: res.status, ok: res.ok, data };
}

function citizenOrNull(r) {
  if (r.ok) return r.data;
  if (r.status === 401) return null;
  throw new Error(`HTTP ${r.status}`);
}

/**
 * The logged-in citizen ({name, given_name, test, protected, idle_seconds,
 * idle_limit_seconds}), or null when logged out; throws when the server
 * cannot be reached. Not activity: it does not extend the session.
 */
export async function me() {
  return citizenOrNull(await call('GET', '/api/eid/me'));
}

/** Counts as activity: restarts the idle time. The citizen, or null if logged out. */
export async function keepAlive() {
  return citizenOrNull(await call('POST', '/api/eid/session'));
}

/** Logs out (ends the session on the server and deletes its cookie). */
export async function logout() {
  await call('POST', '/api/eid/logout');
}

function mmss(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Renders the session bar into container. Resolves to a controller
 * {refresh, stop} once it knows whether anyone is logged in; if not, it
 * shows the logged-out state at once. Options: lang ('sv' | 'en'),
 * loggedOutUrl (go there when logged out instead of showing the state in
 * place), loginUrl (the "log in again" link; default the current page),
 * onLoggedOut(reason) with reason 'idle' | 'self' | 'absent'.
 */
export async function sessionBar(container, opts = {}) {
  const lang = opts.lang === 'en' ? 'en' : 'sv';
  const t = TEXTS[lang];
  const id = `eid-session-${++seq}`;
  let deadline = 0; // Date.now() ms when the server ends the session
  let idleMinutes = 15;
  let warnTimer = 0;
  let endTimer = 0;
  let tick = 0;
  let stopped = false;
  let dialog = null;
  let returnFocus = null;

  const who = el('span', { class: 'eid-who' });
  const badge = el('span', { class: 'eid-badge', title: t.testTitle, hidden: true, text: t.test });
  const badgeSr = el('span', { class: 'eid-sr', text: ` (${t.testTitle})` });
  badge.append(badgeSr);
  const idle = el('span', { class: 'eid-idle' });
  const logoutBtn = el('button', { type: 'button', class: 'eid-btn', text: t.logout });
  const bar = el('div', { class: 'eid-session', lang }, el('span', { class: 'eid-session-who' }, who, ' ', badge), idle, logoutBtn);

  function clearTimers() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    clearInterval(tick);
    warnTimer = endTimer = tick = 0;
  }

  function schedule(idleSeconds) {
    clearTimers();
    deadline = Date.now() + idleSeconds * 1000;
    const warnIn = Math.max(0, (idleSeconds - WARN_BEFORE_S) * 1000);
    warnTimer = setTimeout(checkBeforeWarning, warnIn);
    endTimer = setTimeout(checkAtEnd, idleSeconds * 1000 + 500);
  }

  function show(m) {
    if (m.protected || !m.name) who.textContent = t.loggedIn;
    else who.textContent = t.loggedInAs(m.name);
    badge.hidden = !m.test;
    idle.textContent = t.idle(idleMinutes);
    container.replaceChildren(bar);
  }

  async function checkBeforeWarning() {
    // Other requests on the page may have extended the session.
    let m = null;
    try { m = await me(); } catch { m = undefined; }
    if (stopped) return;
    if (m === null) return loggedOut('idle');
    if (m && m.idle_seconds > WARN_BEFORE_S + 5) {
      schedule(m.idle_seconds);
      return;
    }
    if (m) deadline = Date.now() + m.idle_seconds * 1000;
    openWarning();
  }

  async function checkAtEnd() {
    let m = null;
    try { m = await me(); } catch { m = undefined; }
    if (stopped) return;
    if (m && m.idle_seconds > 0) {
      closeWarning(false);
      schedule(m.idle_seconds);
      return;
    }
    loggedOut('idle');
  }

  function openWarning() {
    if (dialog) return;
    returnFocus = document.activeElement;
    const left = el('p', { class: 'eid-timeleft', text: t.timeLeft(mmss((deadline - Date.now()) / 1000)) });
    const stay = el('button', { type: 'button', class: 'eid-btn eid-btn-primary', text: t.stay });
    const out = el('button', { type: 'button', class: 'eid-btn', text: t.logout });
    dialog = el('div', {
      class: 'eid-dialog', role: 'alertdialog', 'aria-modal': 'true',
      'aria-labelledby': `${id}-wt`, 'aria-describedby': `${id}-wd`, lang,
    },
    el('h2', { id: `${id}-wt`, text: t.warnTitle }),
    el('p', { id: `${id}-wd`, text: t.warnText }),
    left,
    el('p', { class: 'eid-actions' }, stay, out));
    const backdrop = el('div', { class: 'eid-backdrop' }, dialog);
    document.body.append(backdrop);
    dialog.backdrop = backdrop;
    tick = setInterval(() => { left.textContent = t.timeLeft(mmss((deadline - Date.now()) / 1000)); }, 1000);
    stay.addEventListener('click', stayLoggedIn);
    out.addEventListener('click', () => doLogout());
    dialog.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        stayLoggedIn();
      } else if (e.key === 'Tab') {
        // Keep focus in the dialog.
        const f = [stay, out];
        const i = f.indexOf(document.activeElement);
        e.preventDefault();
        f[(i + (e.shiftKey ? f.length - 1 : 1)) % f.length].focus();
      }
    });
    stay.focus();
  }

  function closeWarning(restoreFocus = true) {
    if (!dialog) return;
    clearInterval(tick);
    tick = 0;
    dialog.backdrop.remove();
    dialog = null;
    if (restoreFocus && returnFocus && document.contains(returnFocus)) returnFocus.focus();
    returnFocus = null;
  }

  async function stayLoggedIn() {
    let m = null;
    try { m = await keepAlive(); } catch { m = undefined; }
    if (stopped) return;
    if (m === null) return loggedOut('idle');
    if (m === undefined) return; // network: the dialog stays, try again
    closeWarning();
    schedule(m.idle_seconds);
  }

  async function doLogout() {
    try { await logout(); } catch { /* the cookie ends with the browser anyway */ }
    loggedOut('self');
  }

  function loggedOut(reason) {
    if (stopped) return;
    stopped = true;
    clearTimers();
    closeWarning(false);
    if (reason !== 'self') {
      // Clear the (already ended) session cookie too.
      logout().catch(() => {});
    }
    if (typeof opts.onLoggedOut === 'function') opts.onLoggedOut(reason);
    if (opts.loggedOutUrl) {
      location.assign(opts.loggedOutUrl);
      return;
    }
    const h = el('h2', { id: `${id}-out`, tabindex: '-1', text: reason === 'absent' ? t.notLoggedInTitle : t.loggedOutTitle });
    const text = { self: t.loggedOutSelf, idle: t.loggedOutIdle, absent: t.notLoggedIn }[reason];
    const again = el('a', { class: 'eid-btn eid-btn-primary', href: opts.loginUrl || location.pathname + location.search, text: t.loginAgain });
    container.replaceChildren(el('div', { class: 'eid-loggedout', role: 'status', lang }, h, el('p', { text }), el('p', {}, again)));
    if (reason !== 'absent') h.focus();
  }

  logoutBtn.addEventListener('click', () => doLogout());

  let m;
  try {
    m = await me();
  } catch {
    container.replaceChildren(el('p', { class: 'eid-msg', role: 'alert', lang, text: t.network }));
    return { refresh: async () => {}, stop() {} };
  }
  if (!m) {
    loggedOut('absent');
    return { refresh: async () => {}, stop() {} };
  }
  idleMinutes = Math.max(1, Math.round((m.idle_limit_seconds || m.idle_seconds) / 60));
  show(m);
  schedule(m.idle_seconds);
  return {
    /** Asks the server again (e.g. after the page's own requests). */
    async refresh() {
      const n = await me().catch(() => undefined);
      if (stopped) return;
      if (n === null) loggedOut('idle');
      else if (n) schedule(n.idle_seconds);
    },
    stop() { stopped = true; clearTimers(); closeWarning(false); },
  };
}
