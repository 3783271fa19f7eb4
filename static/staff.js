// Parentline staff pages: what the counsellor console, the statistics report, the
// intake view and the withdrawal page share. An ES module with no dependencies and no
// state of its own beyond the login form's Retry-After timer: each page keeps its
// language, its dictionary and its views, and hands them to these functions.
//
// The pages it serves expect the same ids: #lang (the language switch), [data-i18n]
// elements, and for a staff session #main, #login-view, #login-form, #login-username,
// #login-password, #login-submit, #login-error, #denied-view, #session-info,
// #me-name, #logout and #alert.

/** The texts every staff page with a login has, in Swedish and English. */
export const STAFF_TEXTS = {
  sv: {
    skip: 'Hoppa till innehållet', otherLang: 'English', otherLangCode: 'en',
    logout: 'Logga ut', loginTitle: 'Logga in',
    username: 'Användarnamn', password: 'Lösenord', loginButton: 'Logga in',
    loginFailed: 'Inloggningen misslyckades.', loginMissing: 'Fyll i användarnamn och lösenord.',
    retryAfter: (s) => `Försök igen om ${s} sekunder.`,
    sessionExpired: 'Du har blivit utloggad. Logga in igen.',
    network: 'Kunde inte nå servern. Kontrollera anslutningen och försök igen.',
  },
  en: {
    skip: 'Skip to content', otherLang: 'Svenska', otherLangCode: 'sv',
    logout: 'Log out', loginTitle: 'Log in',
    username: 'User name', password: 'Password', loginButton: 'Log in',
    loginFailed: 'Login failed.', loginMissing: 'Enter your user name and password.',
    retryAfter: (s) => `Try again in ${s} seconds.`,
    sessionExpired: 'You have been logged out. Please log in again.',
    network: 'Could not reach the server. Check the connection and try again.',
  },
};

/** A page's dictionary ({sv, en}) with STAFF_TEXTS added; the page's own entries win. */
export function withStaffTexts(dict) {
  return {
    sv: { ...STAFF_TEXTS.sv, ...dict.sv },
    en: { ...STAFF_TEXTS.en, ...dict.en },
  };
}

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * Returns t(key, ...args): the entry for key in dict[getLang()], falling back to
 * dict.sv and then to the key itself; function entries are called with args.
 */
export function translator(dict, getLang) {
  return function t(key, ...args) {
    const lang = getLang();
    const v = key in dict[lang] ? dict[lang][key] : dict.sv[key];
    if (typeof v === 'function') return v(...args);
    return v === undefined ? key : v;
  };
}

/**
 * Puts the page language on the static page: <html lang>, the text of every
 * [data-i18n] element, and the #lang switch (named in the other language). With
 * title, document.title becomes t('docTitle') too.
 */
export function applyStaticLang(t, lang, { title = true } = {}) {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  const b = $('lang');
  b.textContent = t('otherLang');
  b.setAttribute('lang', t('otherLangCode'));
  if (title) document.title = t('docTitle');
}

/** The other of the two page languages. */
export const otherLang = (lang) => (lang === 'sv' ? 'en' : 'sv');

/** Creates an element with attributes (class, text, others) and children. */
export function el(tag, attrs = {}, children = []) {
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

/**
 * JSON request to our own server (cookies of this origin only); body, when given, is
 * sent as JSON. options: {signal, cache} go to fetch. Returns {ok, status, data, raw,
 * headers}: data is the parsed JSON body (null when there is none or it is not JSON),
 * raw its text. Throws only when the server cannot be reached (or on abort).
 */
export async function fetchJSON(method, path, body, { signal, cache } = {}) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (signal) opts.signal = signal;
  if (cache) opts.cache = cache;
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  const raw = res.status === 204 ? '' : await res.text();
  let data = null;
  if ((res.headers.get('Content-Type') || '').includes('json')) {
    try { data = JSON.parse(raw); } catch { data = null; }
  }
  return { ok: res.ok, status: res.status, data, raw, headers: res.headers };
}

/** Retry-After as seconds: a number, or an HTTP date (then at least 1); 0 when absent. */
export function retryAfterSeconds(v) {
  if (!v) return 0;
  if (/^\d+$/.test(v.trim())) return parseInt(v, 10);
  const when = Date.parse(v);
  return isNaN(when) ? 0 : Math.max(1, Math.ceil((when - Date.now()) / 1000));
}

let announceTimer = 0;
/** Says text through the page's polite live region #announcer (cleared first so repeats are heard). */
export function announce(text) {
  const a = $('announcer');
  a.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => { a.textContent = text; }, 60);
}

/** Shows text (or nothing) in the page's #alert banner (role=alert). */
export function showAlert(text) { $('alert').textContent = text || ''; }

/** The account's roles, always an array. */
export const rolesOf = (me) => (Array.isArray(me && me.roles) ? me.roles : []);

/** Whether the account me has at least one of roles. */
export const hasRole = (me, ...roles) => rolesOf(me).some((r) => roles.includes(r));

/**
 * Shows one of a staff page's views: #login-view, #denied-view or #<page>-view, with
 * the top bar's #session-info hidden on the login.
 */
export function showView(name, page) {
  $('login-view').hidden = name !== 'login';
  $('denied-view').hidden = name !== 'denied';
  $(page + '-view').hidden = name !== page;
  $('session-info').hidden = name === 'login';
}

/** Shows the account's name in the top bar and clears the login's password field. */
export function showUser(me) {
  $('me-name').textContent = me.name || me.username || '';
  $('login-password').value = '';
}

/** Shows the login view's message (or none) and puts the focus on the user name. */
export function showLoginMessage(message) {
  $('login-error').textContent = message || '';
  $('login-username').focus();
}

let retryAfterTimer = 0;

/**
 * Wires #login-form to POST /api/login (through api, fetchJSON unless the page has its own). Empty fields and an unreachable server are
 * said in #login-error in the page's words (t); 401 and 429 say the server's error
 * text, 429 with "try again in" and the submit button kept disabled for Retry-After.
 * On success onLogin(me) is called and the focus goes to #main.
 */
export function wireLogin({ t, onLogin, api = fetchJSON }) {
  $('login-form').addEventListener('submit', async (e) => {
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
      onLogin(res.data);
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
  });
}

/** POST /api/logout (through api); a failure is ignored (the session ends with the cookie anyway). */
export async function logout(api = fetchJSON) {
  try { await api('POST', '/api/logout'); } catch { /* the session ends with the cookie anyway */ }
}

/**
 * Starts a staff page's session: GET /api/me (through api, fetchJSON unless given), then onReady(me) when signed in, or
 * onLogin('') when not, or onLogin(t('network')) when the server cannot be reached.
 */
export async function startSession({ t, onReady, onLogin, api = fetchJSON }) {
  let res;
  try {
    res = await api('GET', '/api/me');
  } catch {
    onLogin(t('network'));
    return;
  }
  if (res.ok && res.data) onReady(res.data);
  else onLogin('');
}
