// Parentline booking e-service: what the citizen pages share (/boka/, /boka/medsokande,
// /mina-sidor/). An ES module with no dependencies beyond the e-ID modules and no
// external fetches: the page language, the texts every page has, a JSON client for
// /api/booking/, date and label formatting, field errors next to their fields, and the
// session bar (/eid/session.js). Nothing is stored in the browser.

import { sessionBar, me } from '/eid/session.js';

/** The page language: ?lang=en gives English, anything else Swedish. */
export const lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'sv';

/** The contact details of Familjerådgivningen (the seed's). */
export const CONTACT = { phone: '063-14 46 00', tel: '+4663144600', email: 'famjamtland@ostersund.se' };

/** The texts every citizen page has. */
export const COMMON = {
  sv: {
    skip: 'Hoppa till innehållet', brand: 'Östersunds kommun – e-tjänster', otherLang: 'English', otherCode: 'en',
    network: 'Kunde inte nå servern. Kontrollera anslutningen och försök igen.',
    failed: 'Något gick fel. Inget har ändrats. Försök igen om en stund.',
    loggedOutHidden: 'Du är utloggad. Det du fyllt i visas inte längre.',
    form_engangssamtal: 'Engångssamtal', form_parterapi: 'Parterapi',
    place_ostersund: 'Familjerådgivningens mottagning i Östersund', place_video: 'Videosamtal',
    state_awaiting_cosign: 'Väntar på medsökandes signering', state_confirmed: 'Bokad', state_cancelled: 'Avbokad',
    state_declined: 'Medsökande tackade nej', state_expired: 'Medsökande signerade inte i tid',
    state_refused_same_person: 'Avbokad: samma person som sökande och medsökande',
    dTime: 'Tid', dForm: 'Samtalsform', dPlace: 'Plats', dCounselor: 'Familjerådgivare',
    minutes: (n) => `${n} minuter`,
    span: (date, from, to) => `${date} kl. ${from}–${to}`,
    loginButton: 'Logga in med BankID',
  },
  en: {
    skip: 'Skip to content', brand: 'Östersund municipality – e-services', otherLang: 'Svenska', otherCode: 'sv',
    network: 'Could not reach the server. Check the connection and try again.',
    failed: 'Something went wrong. Nothing was changed. Please try again in a moment.',
    loggedOutHidden: 'You are logged out. What you filled in is no longer shown.',
    form_engangssamtal: 'Single session', form_parterapi: 'Couple therapy',
    place_ostersund: 'the Family Counselling office in Östersund', place_video: 'Video call',
    state_awaiting_cosign: 'Waiting for the co-applicant to sign', state_confirmed: 'Booked', state_cancelled: 'Cancelled',
    state_declined: 'The co-applicant declined', state_expired: 'The co-applicant did not sign in time',
    state_refused_same_person: 'Cancelled: the same person as applicant and co-applicant',
    dTime: 'Time', dForm: 'Kind of session', dPlace: 'Place', dCounselor: 'Counsellor',
    minutes: (n) => `${n} minutes`,
    span: (date, from, to) => `${date}, ${from}–${to}`,
    loginButton: 'Log in with BankID',
  },
};

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Creates an element with attributes (class, text, others) and children. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/**
 * Returns t(key, ...args) over dict ({sv, en}, with COMMON added; the page's entries
 * win): the entry in the page language, else the Swedish one, else the key; function
 * entries are called with args.
 */
export function translator(dict) {
  const d = { sv: { ...COMMON.sv, ...dict.sv }, en: { ...COMMON.en, ...dict.en } };
  const t = (key, ...args) => {
    const v = key in d[lang] ? d[lang][key] : d.sv[key];
    if (typeof v === 'function') return v(...args);
    return v === undefined ? key : v;
  };
  t.has = (key) => key in d.sv;
  return t;
}

/**
 * Puts the page language on the static page: <html lang>, document.title
 * (t('docTitle')), every [data-i18n] element's text, the blocks written in both
 * languages ([data-lang]: only the page language's is shown), aria-label of
 * [data-i18n-label] elements, links to our other pages ([data-lang-link]: in the page
 * language) and the #lang link (to the same page in the other language, keeping the rest
 * of the query).
 */
export function applyLang(t) {
  document.documentElement.lang = lang;
  document.title = t('docTitle');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-label]')) e.setAttribute('aria-label', t(e.dataset.i18nLabel));
  for (const e of document.querySelectorAll('[data-lang]')) e.hidden = e.dataset.lang !== lang;
  for (const a of document.querySelectorAll('a[data-lang-link]')) a.href = langHref(a.getAttribute('href'));
  const link = $('lang');
  if (link) {
    const q = new URLSearchParams(location.search);
    q.set('lang', t('otherCode'));
    link.href = '?' + q.toString();
    link.textContent = t('otherLang');
    link.setAttribute('lang', t('otherCode'));
    link.setAttribute('hreflang', t('otherCode'));
  }
}

/** A link to one of our pages in the page language (?lang=en added in English). */
export function langHref(path) {
  const bare = path.replace(/[?&]lang=[a-z]+/, '');
  return lang === 'en' ? bare + (bare.includes('?') ? '&' : '?') + 'lang=en' : bare;
}

/** path with the page language added (?lang= or &lang=), so that the server answers in it. */
export function withLang(path) {
  return path + (path.includes('?') ? '&' : '?') + 'lang=' + lang;
}

/**
 * A JSON request to our own server, in the page language. Returns {status, ok, data}
 * (data: the parsed body, or {}); throws only when the server cannot be reached.
 */
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(withLang(path), init);
  let data = {};
  if ((res.headers.get('Content-Type') || '').includes('json')) {
    try { data = (await res.json()) ?? {}; } catch { data = {}; }
  }
  return { status: res.status, ok: res.ok, data };
}

/** A text from the server: a string, or {sv, en} in the page language. */
export function text(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return v[lang] || v.sv || v.en || '';
  return String(v);
}

/** The server's error text of a response, or fallback. */
export const errorText = (r, fallback) => text(r && r.data && (r.data.error || r.data.message)) || fallback;

const TZ = 'Europe/Stockholm';
const locale = lang === 'en' ? 'en-GB' : 'sv-SE';
const dateFmt = new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: TZ });
const timeFmt = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TZ });

function valid(d) { return d instanceof Date && !isNaN(d.getTime()); }

/** "tisdag 2 juni 2026" / "Tuesday 2 June 2026" (Europe/Stockholm). */
export function fmtDate(v) {
  const d = new Date(v);
  return valid(d) ? dateFmt.format(d) : String(v || '');
}

/** "10.00" / "10:00" (Europe/Stockholm). */
export function fmtTime(v) {
  const d = new Date(v);
  if (!valid(d)) return '';
  const s = timeFmt.format(d);
  return lang === 'sv' ? s.replace(':', '.') : s;
}

/** "tisdag 2 juni 2026 kl. 10.00" / "Tuesday 2 June 2026, 10:00". */
export function fmtDateTime(v) {
  return lang === 'sv' ? `${fmtDate(v)} kl. ${fmtTime(v)}` : `${fmtDate(v)}, ${fmtTime(v)}`;
}

/** The end of a meeting or slot: its "end", or start plus minutes. */
export function endOf(m) {
  if (m.end) return m.end;
  const s = new Date(m.start);
  return valid(s) ? new Date(s.getTime() + (Number(m.minutes) || 0) * 60000).toISOString() : '';
}

/** A meeting's or slot's time: the server's "when", else "tisdag 2 juni 2026 kl. 10.00–11.00". */
export function fmtSpan(m, t) {
  if (m.when) return m.when;
  return t('span', fmtDate(m.start), fmtTime(m.start), fmtTime(endOf(m)));
}

/** The form's name: the server's form_label, else ours. */
export const formLabel = (m, t) => m.form_label || (t.has('form_' + m.form) ? t('form_' + m.form) : String(m.form || ''));
/** The place's name: the server's place_label, else ours. */
export const placeLabel = (m, t) => m.place_label || (t.has('place_' + m.place) ? t('place_' + m.place) : String(m.place || ''));
/** A booking's state for the citizen: the server's state_label, else ours. */
export const stateLabel = (b, t) => b.state_label || (t.has('state_' + b.state) ? t('state_' + b.state) : String(b.state || ''));

/** A description list of a meeting: time, form, place, counsellor. */
export function meetingList(m, t, extra = []) {
  const rows = [
    [t('dTime'), fmtSpan(m, t)],
    [t('dForm'), formLabel(m, t)],
    [t('dPlace'), placeLabel(m, t)],
    [t('dCounselor'), m.counselor || ''],
    ...extra,
  ];
  return el('dl', { class: 'facts' }, rows.filter(([, v]) => v !== '' && v !== null && v !== undefined)
    .map(([k, v]) => el('div', { class: 'fact' }, el('dt', { text: k }), el('dd', {}, v))));
}

/**
 * Shows message (or none) as the error of the field with this id: the text in
 * #<id>-error (which the field's aria-describedby names) and aria-invalid on the field.
 */
export function setFieldError(id, message) {
  const field = $(id);
  const err = $(id + '-error');
  if (err) err.textContent = message || '';
  if (field) {
    if (message) field.setAttribute('aria-invalid', 'true');
    else field.removeAttribute('aria-invalid');
  }
}

/** Clears every field error inside root. */
export function clearFieldErrors(root) {
  for (const e of root.querySelectorAll('.field-error')) e.textContent = '';
  for (const f of root.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
}

let announceTimer = 0;
/** Says text through the page's polite live region #announcer. */
export function announce(message) {
  const a = $('announcer');
  if (!a) return;
  a.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => { a.textContent = message; }, 60);
}

/** Moves the focus to a heading (or other element with tabindex="-1") and into view. */
export function focusOn(e) {
  if (!e) return;
  e.focus({ preventScroll: true });
  e.scrollIntoView({ block: 'start' });
}

/** The logged-in citizen (see /eid/session.js me()), null when logged out, undefined when the server cannot be reached. */
export async function citizen() {
  try { return await me(); } catch { return undefined; }
}

/**
 * Shows the session bar (/eid/session.js) in #session: who is logged in, the TEST
 * badge with the test provider, a visible "Log out" and the inactivity warning.
 * onLoggedOut(reason) is called when the session ends (the page hides what it showed).
 */
export function showSessionBar(onLoggedOut) {
  return sessionBar($('session'), { lang, loginUrl: location.pathname + location.search, onLoggedOut });
}
