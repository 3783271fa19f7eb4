// Parentline booking e-service, /bokning/: the staff page of Familjerådgivningen. Publish a
// time, see the times with their state (a reserved time shows nothing of who holds it), the
// bookings both partners have signed (with their contact details), cancel one, and the fees
// to invoice, with a CSV download. An ES module; the staff session and helpers come from
// /staff.js; every visible string is in DICT.

import {
  $, withStaffTexts, translator, applyStaticLang, otherLang, el, fetchJSON, showAlert, hasRole, showView as showStaffView,
  showUser, showLoginMessage, wireLogin, logout, startSession, announce,
} from '/staff.js';

const DICT = withStaffTexts({
  sv: {
    docTitle: 'Familjerådgivningen – tider och bokningar',
    brand: 'Familjerådgivningen – tider och bokningar',
    loginIntro: 'För Familjerådgivningens personal. Logga in med ditt personliga konto.',
    deniedTitle: 'Du saknar behörighet',
    deniedText: 'Sidan är bara för konton med rollen bokning (booking) eller administratör. Be en administratör om behörighet om du behöver den.',
    bookingTitle: 'Tider och bokningar',
    publishTitle: 'Lägg ut en tid', pWhen: 'När', pDate: 'Datum', pTime: 'Starttid', pMinutes: 'Längd',
    min45: '45 minuter', min60: '60 minuter', min75: '75 minuter', min90: '90 minuter', min120: '120 minuter',
    pForm: 'Samtalsform', pPlace: 'Plats', pCounselor: 'Familjerådgivare', pCounselorHint: 'Namnet visas för de som bokar.',
    form_engangssamtal: 'Engångssamtal', form_parterapi: 'Parterapi',
    place_ostersund: 'Mottagningen i Östersund', place_video: 'Videosamtal',
    publish: 'Lägg ut tiden', publishing: 'Lägger ut tiden …',
    published: (when) => `Tiden ${when} är utlagd.`,
    startMissing: 'Ange datum och starttid.', counselorMissing: 'Skriv familjerådgivarens namn.',
    fixFields: 'Några uppgifter behöver rättas. Se markeringarna vid fälten.',
    rangeTitle: 'Period', rFrom: 'Från och med', rTo: 'Till och med', rangeShow: 'Visa',
    rangeBad: 'Ange två datum, det första inte efter det andra.',
    slotsTitle: 'Tider', refresh: 'Uppdatera',
    slotsCaption: 'Utlagda tider. En reserverad tid visar inget om vem som har reserverat den.',
    colTime: 'Tid', colLength: 'Längd', colForm: 'Samtalsform', colPlace: 'Plats', colCounselor: 'Familjerådgivare',
    colState: 'Status', colAction: 'Åtgärd', minutes: (n) => `${n} min`,
    slotsEmpty: 'Inga tider under perioden.', slotsFailed: 'Tiderna kunde inte hämtas.',
    state_free: 'Ledig', state_held: 'Reserverad – väntar på signering', state_booked: 'Bokad',
    remove: 'Ta bort', removeLabel: (when) => `Ta bort tiden ${when}`, removed: (when) => `Tiden ${when} är borttagen.`,
    bookingsTitle: 'Bokade tider',
    bookingsIntro: 'Bokningar som båda har signerat. Reserverade tider visas inte här förrän medsökande har signerat.',
    bookingsEmpty: 'Inga bokade tider under perioden.', bookingsFailed: 'Bokningarna kunde inte hämtas.',
    applicant: 'Sökande', coApplicant: 'Medsökande',
    dName: 'Namn', dEidName: 'Namn enligt e-legitimation', dPnr: 'Personnummer', dAddress: 'Adress', dEmail: 'E-post', dMobile: 'Mobil',
    dForm: 'Samtalsform', dPlace: 'Plats', dCounselor: 'Familjerådgivare', dBooking: 'Bokningsnummer',
    staffCancel: 'Avboka', staffCancelLabel: (when) => `Avboka tiden ${when}`,
    cancelTitle: 'Avboka bokningen', cancelText: 'Båda får ett mejl om att tiden är avbokad, och tiden blir ledig igen.',
    chargeFee: 'Ta ut samtalsavgiften (sen avbokning)', confirmCancel: 'Bekräfta avbokning', keep: 'Behåll bokningen',
    cancelled: (when) => `Bokningen ${when} är avbokad.`,
    feesTitle: 'Avgifter att fakturera', feesCsv: 'Ladda ner som CSV',
    feesCaption: 'Sena av- och ombokningar under perioden',
    colWhen: 'När', colKind: 'Typ', colMeeting: 'Mötet', colName: 'Namn', colPnr: 'Personnummer', colAmount: 'Belopp',
    kind_cancelled: 'Sen avbokning', kind_rebooked: 'Sen ombokning', kr: (n) => `${n} kr`,
    feesEmpty: 'Inga avgifter under perioden.', feesFailed: 'Avgifterna kunde inte hämtas.',
    updated: (time) => `Uppdaterad ${time}.`,
  },
  en: {
    docTitle: 'Family Counselling – times and bookings',
    brand: 'Family Counselling – times and bookings',
    loginIntro: 'For Family Counselling staff. Log in with your personal account.',
    deniedTitle: 'You do not have access',
    deniedText: 'This page is only for accounts with the booking role or administrators. Ask an administrator if you need access.',
    bookingTitle: 'Times and bookings',
    publishTitle: 'Publish a time', pWhen: 'When', pDate: 'Date', pTime: 'Start time', pMinutes: 'Length',
    min45: '45 minutes', min60: '60 minutes', min75: '75 minutes', min90: '90 minutes', min120: '120 minutes',
    pForm: 'Kind of session', pPlace: 'Place', pCounselor: 'Counsellor', pCounselorHint: 'The name is shown to those who book.',
    form_engangssamtal: 'Single session', form_parterapi: 'Couple therapy',
    place_ostersund: 'The office in Östersund', place_video: 'Video call',
    publish: 'Publish the time', publishing: 'Publishing the time …',
    published: (when) => `The time ${when} is published.`,
    startMissing: 'Enter the date and the start time.', counselorMissing: 'Enter the counsellor’s name.',
    fixFields: 'Some details need correcting. See the notes by the fields.',
    rangeTitle: 'Period', rFrom: 'From', rTo: 'To (inclusive)', rangeShow: 'Show',
    rangeBad: 'Enter two dates, the first not after the second.',
    slotsTitle: 'Times', refresh: 'Refresh',
    slotsCaption: 'Published times. A reserved time shows nothing about who reserved it.',
    colTime: 'Time', colLength: 'Length', colForm: 'Kind', colPlace: 'Place', colCounselor: 'Counsellor',
    colState: 'State', colAction: 'Action', minutes: (n) => `${n} min`,
    slotsEmpty: 'No times in the period.', slotsFailed: 'The times could not be fetched.',
    state_free: 'Free', state_held: 'Reserved – waiting for signing', state_booked: 'Booked',
    remove: 'Remove', removeLabel: (when) => `Remove the time ${when}`, removed: (when) => `The time ${when} is removed.`,
    bookingsTitle: 'Booked times',
    bookingsIntro: 'Bookings both partners have signed. Reserved times are not shown here until the co-applicant has signed.',
    bookingsEmpty: 'No booked times in the period.', bookingsFailed: 'The bookings could not be fetched.',
    applicant: 'Applicant', coApplicant: 'Co-applicant',
    dName: 'Name', dEidName: 'Name according to the e-ID', dPnr: 'Personal identity number', dAddress: 'Address', dEmail: 'E-mail', dMobile: 'Mobile',
    dForm: 'Kind of session', dPlace: 'Place', dCounselor: 'Counsellor', dBooking: 'Booking number',
    staffCancel: 'Cancel', staffCancelLabel: (when) => `Cancel the time ${when}`,
    cancelTitle: 'Cancel the booking', cancelText: 'Both are told by e-mail that the time is cancelled, and the time becomes free again.',
    chargeFee: 'Charge the session fee (late cancellation)', confirmCancel: 'Confirm cancellation', keep: 'Keep the booking',
    cancelled: (when) => `The booking ${when} is cancelled.`,
    feesTitle: 'Fees to invoice', feesCsv: 'Download as CSV',
    feesCaption: 'Late cancellations and moves in the period',
    colWhen: 'When', colKind: 'Kind', colMeeting: 'Meeting', colName: 'Name', colPnr: 'Personal identity number', colAmount: 'Amount',
    kind_cancelled: 'Late cancellation', kind_rebooked: 'Late move', kr: (n) => `${n} SEK`,
    feesEmpty: 'No fees in the period.', feesFailed: 'The fees could not be fetched.',
    updated: (time) => `Updated ${time}.`,
  },
});

let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'sv';
const t = translator(DICT, () => lang);
const has = (key) => Object.prototype.hasOwnProperty.call(DICT.sv, key);
const api = (method, path, body) => fetchJSON(method, path + (path.includes('?') ? '&' : '?') + 'lang=' + lang, body, { cache: 'no-store' });
const S = { me: null, slots: [], bookings: [], fees: [], from: '', to: '' };
const TZ = 'Europe/Stockholm';
const FIELDS = { start: 'p-start', minutes: 'p-minutes', form: 'p-form', place: 'p-place', counselor: 'p-counselor' };

// ---- formatting -------------------------------------------------------------------------------

function fmt(v, opts) {
  const d = new Date(v || '');
  if (!v || isNaN(d.getTime())) return v ? String(v) : '';
  return new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', { timeZone: TZ, ...opts }).format(d);
}
const fmtWhen = (v) => fmt(v, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const fmtEnd = (v) => fmt(v, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
function endOf(s) {
  if (s.end) return s.end;
  const d = new Date(s.start);
  return isNaN(d.getTime()) ? '' : new Date(d.getTime() + (Number(s.minutes) || 0) * 60000).toISOString();
}
const span = (s) => `${fmtWhen(s.start)}–${fmtEnd(endOf(s))}`;
const formLabel = (s) => s.form_label || (has('form_' + s.form) ? t('form_' + s.form) : String(s.form || ''));
const placeLabel = (s) => s.place_label || (has('place_' + s.place) ? t('place_' + s.place) : String(s.place || ''));
/** A held time is only "reserved": never who holds it. */
const stateLabel = (s) => (s.state === 'held' ? t('state_held') : s.state_label || (has('state_' + s.state) ? t('state_' + s.state) : String(s.state || '')));
const pnr = (v) => (/^\d{12}$/.test(v || '') ? `${v.slice(0, 8)}-${v.slice(8)}` : v || '');
const msg = (v) => (v && typeof v === 'object' ? v[lang] || v.sv || '' : v || '');
const errorOf = (res, fallback) => msg(res && res.data && res.data.error) || fallback;

/** YYYY-MM-DD of a Date in Stockholm. */
function isoDay(d) {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

// ---- language, session --------------------------------------------------------------------------

function applyLang() {
  applyStaticLang(t, lang);
  updateCsvLink();
  renderSlots();
  renderBookings();
  renderFees();
}

const showView = (name) => showStaffView(name, 'booking');

function showLogin(message) {
  S.me = null;
  forget();
  showView('login');
  showLoginMessage(message);
}

function forget() {
  S.slots = [];
  S.bookings = [];
  S.fees = [];
  renderSlots();
  renderBookings();
  renderFees();
}

function enter(me) {
  S.me = me;
  showUser(me);
  if (!hasRole(me, 'booking', 'admin')) { showView('denied'); return; }
  showView('booking');
  loadAll();
}

async function onLogout() {
  forget();
  await logout(api);
  showAlert('');
  showLogin('');
}

/** A 401 ends the page's session; a 403 means the role is gone. Returns whether it was one. */
function sessionGone(res) {
  if (res.status === 401) { showLogin(t('sessionExpired')); return true; }
  if (res.status === 403) { showView('denied'); return true; }
  return false;
}

// ---- publishing a time ---------------------------------------------------------------------------

function setFieldError(id, message) {
  $(id + '-error').textContent = message || '';
  const inputs = id === 'p-start' ? [$('p-date'), $('p-time')] : [$(id)];
  for (const i of inputs) {
    if (message) i.setAttribute('aria-invalid', 'true');
    else i.removeAttribute('aria-invalid');
  }
}

async function onPublish(e) {
  e.preventDefault();
  for (const id of Object.values(FIELDS)) setFieldError(id, '');
  $('publish-error').textContent = '';
  $('publish-status').textContent = '';
  const date = $('p-date').value;
  const time = $('p-time').value;
  const counselor = $('p-counselor').value.trim();
  let first = null;
  if (!date || !time) { setFieldError('p-start', t('startMissing')); first = first || (date ? 'p-time' : 'p-date'); }
  if (!counselor) { setFieldError('p-counselor', t('counselorMissing')); first = first || 'p-counselor'; }
  if (first) { $(first).focus(); return; }
  $('publish-submit').disabled = true;
  $('publish-status').textContent = t('publishing');
  let res;
  try {
    res = await api('POST', '/api/booking/staff/slots', {
      start: `${date}T${time}`, minutes: Number($('p-minutes').value), form: $('p-form').value,
      place: $('p-place').value, counselor,
    });
  } catch {
    res = null;
  }
  $('publish-submit').disabled = false;
  $('publish-status').textContent = '';
  if (!res) { $('publish-error').textContent = t('network'); return; }
  if (sessionGone(res)) return;
  if (res.status === 422 && res.data && res.data.fields) {
    let focus = null;
    for (const [name, m] of Object.entries(res.data.fields)) {
      const id = FIELDS[name];
      if (!id) continue;
      setFieldError(id, msg(m));
      focus = focus || (id === 'p-start' ? 'p-date' : id);
    }
    $('publish-error').textContent = errorOf(res, t('fixFields'));
    if (focus) $(focus).focus();
    return;
  }
  if (!res.ok) { $('publish-error').textContent = errorOf(res, t('failed')); return; }
  const slot = res.data || {};
  $('publish-status').textContent = t('published', slot.start ? span(slot) : `${date} ${time}`);
  $('p-time').value = '';
  await loadAll();
}

// ---- the period ----------------------------------------------------------------------------------

function initRange() {
  const now = new Date();
  S.from = isoDay(new Date(now.getTime() - 30 * 86400000));
  S.to = isoDay(new Date(now.getTime() + 90 * 86400000));
  $('r-from').value = S.from;
  $('r-to').value = S.to;
  $('p-date').min = isoDay(now);
  updateCsvLink();
}

function updateCsvLink() {
  const q = new URLSearchParams({ from: S.from, to: S.to, format: 'csv', lang });
  $('fees-csv').href = '/api/booking/staff/fees?' + q.toString();
  $('fees-csv').setAttribute('download', `avgifter-${S.from}-${S.to}.csv`);
}

function onRange(e) {
  e.preventDefault();
  const from = $('r-from').value;
  const to = $('r-to').value;
  if (!from || !to || from > to) { $('range-error').textContent = t('rangeBad'); $('r-from').focus(); return; }
  $('range-error').textContent = '';
  S.from = from;
  S.to = to;
  updateCsvLink();
  loadAll();
}

const rangeQuery = () => `from=${encodeURIComponent(S.from)}&to=${encodeURIComponent(S.to)}`;

// ---- lists ----------------------------------------------------------------------------------------

async function loadAll() {
  await Promise.all([loadSlots(), loadBookings(), loadFees()]);
}

async function load(path, errId, failed) {
  let res;
  try {
    res = await api('GET', path);
  } catch {
    $(errId).textContent = t('network');
    return null;
  }
  if (sessionGone(res)) return null;
  if (!res.ok || !Array.isArray(res.data)) {
    $(errId).textContent = errorOf(res, failed);
    return null;
  }
  $(errId).textContent = '';
  return res.data;
}

async function loadSlots() {
  const list = await load('/api/booking/staff/slots?' + rangeQuery(), 'slots-error', t('slotsFailed'));
  if (list) { S.slots = list; renderSlots(); }
}

async function loadBookings() {
  const list = await load('/api/booking/staff/bookings?' + rangeQuery(), 'bookings-error', t('bookingsFailed'));
  if (list) { S.bookings = list; renderBookings(); }
}

async function loadFees() {
  const list = await load('/api/booking/staff/fees?' + rangeQuery(), 'fees-error', t('feesFailed'));
  if (list) { S.fees = list; renderFees(); }
}

function renderSlots() {
  const body = $('slots-table').querySelector('tbody');
  body.replaceChildren(...S.slots.map((s) => {
    const when = span(s);
    let action = '';
    if (s.state === 'free') {
      const b = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('removeLabel', when), text: t('remove') });
      b.addEventListener('click', () => removeSlot(s, b));
      action = b;
    }
    return el('tr', { 'data-slot': s.id, 'data-state': s.state || '' }, [
      el('th', { scope: 'row', text: when }),
      el('td', { text: t('minutes', s.minutes) }),
      el('td', { text: formLabel(s) }),
      el('td', { text: placeLabel(s) }),
      el('td', { text: s.counselor || '' }),
      el('td', { class: 'state-' + (s.state || ''), text: stateLabel(s) }),
      el('td', {}, action),
    ]);
  }));
  $('slots-empty').hidden = S.slots.length > 0 || !S.me;
}

async function removeSlot(s, button) {
  button.disabled = true;
  let res;
  try {
    res = await api('DELETE', '/api/booking/staff/slots/' + encodeURIComponent(s.id));
  } catch {
    res = null;
  }
  button.disabled = false;
  if (!res) { $('slots-error').textContent = t('network'); return; }
  if (sessionGone(res)) return;
  if (!res.ok) { $('slots-error').textContent = errorOf(res, t('failed')); return; }
  announce(t('removed', span(s)));
  await loadSlots();
  $('slots-title').focus();
}

function party(title, p, email) {
  if (!p && !email) return null;
  const c = (p && p.contact) || {};
  const rows = [
    [t('dName'), (p && p.name) || c.name || ''],
    [t('dEidName'), p && p.eid_name && p.eid_name !== p.name ? p.eid_name : ''],
    [t('dPnr'), pnr((p && p.personnummer) || '')],
    [t('dAddress'), c.address || (p && p.address) || ''],
    [t('dEmail'), c.email || (p && p.email) || email || ''],
    [t('dMobile'), c.mobile || (p && p.mobile) || ''],
  ].filter(([, v]) => v);
  return el('div', { class: 'party' }, [
    el('h4', { text: title }),
    el('dl', { class: 'case-dl' }, rows.map(([k, v]) => el('div', {}, [el('dt', { text: k }), el('dd', { class: 'pre', text: v })]))),
  ]);
}

function renderBookings() {
  $('bookings-list').replaceChildren(...S.bookings.map((b) => {
    const m = b.meeting || b;
    const when = span(m);
    const hid = `bk-${b.id}-h`;
    const cancel = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('staffCancelLabel', when), text: t('staffCancel') });
    const panel = el('div', { class: 'bk-panel' });
    cancel.addEventListener('click', () => openCancel(b, when, panel, cancel));
    const co = b.co_applicant || b.coapplicant || null;
    return el('li', { class: 'bk-item', 'data-booking': b.id }, [
      el('h3', { id: hid, text: when }),
      el('dl', { class: 'case-dl' }, [
        [t('dForm'), formLabel(m)], [t('dPlace'), placeLabel(m)], [t('dCounselor'), m.counselor || ''], [t('dBooking'), b.id || ''],
      ].filter(([, v]) => v).map(([k, v]) => el('div', {}, [el('dt', { text: k }), el('dd', { text: v })]))),
      el('div', { class: 'parties' }, [
        party(t('applicant'), b.applicant, ''),
        party(t('coApplicant'), co, b.co_applicant_email || b.co_email || ''),
      ]),
      el('div', { class: 'inline' }, cancel),
      panel,
    ]);
  }));
  $('bookings-empty').hidden = S.bookings.length > 0 || !S.me;
}

function openCancel(b, when, panel, opener) {
  for (const p of document.querySelectorAll('.bk-panel')) p.replaceChildren();
  const id = `bk-${b.id}-fee`;
  const h = el('h4', { tabindex: '-1', text: t('cancelTitle') });
  const fee = el('input', { id, type: 'checkbox' });
  const err = el('p', { class: 'form-error', role: 'alert' });
  const yes = el('button', { type: 'button', class: 'btn btn-danger', text: t('confirmCancel') });
  const no = el('button', { type: 'button', class: 'btn', text: t('keep') });
  panel.replaceChildren(el('div', { class: 'confirm-panel' }, [
    h, el('p', { text: t('cancelText') }),
    el('div', { class: 'check' }, [fee, el('label', { for: id, text: t('chargeFee') })]),
    err, el('div', { class: 'inline' }, [yes, no]),
  ]));
  h.focus();
  no.addEventListener('click', () => { panel.replaceChildren(); opener.focus(); });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    let res;
    try {
      res = await api('POST', `/api/booking/staff/bookings/${encodeURIComponent(b.id)}/cancel`, { charge_fee: fee.checked });
    } catch {
      res = null;
    }
    yes.disabled = false;
    if (!res) { err.textContent = t('network'); return; }
    if (sessionGone(res)) return;
    if (!res.ok) { err.textContent = errorOf(res, t('failed')); return; }
    announce(t('cancelled', when));
    await loadAll();
    $('bookings-title').focus();
  });
}

function renderFees() {
  const body = $('fees-table').querySelector('tbody');
  body.replaceChildren(...S.fees.map((f) => el('tr', {}, [
    el('td', { text: fmtWhen(f.at) }),
    el('td', { text: f.reason || (has('kind_' + f.kind) ? t('kind_' + f.kind) : String(f.kind || '')) }),
    el('td', { text: f.meeting ? `${span(f.meeting)}, ${formLabel(f.meeting)}` : '' }),
    el('td', { text: f.name || '' }),
    el('td', { text: pnr(f.personnummer) }),
    el('td', { class: 'num', text: t('kr', f.amount_sek ?? f.amount ?? '') }),
  ])));
  $('fees-empty').hidden = S.fees.length > 0 || !S.me;
}

// ---- wiring --------------------------------------------------------------------------------------

function wire() {
  $('lang').addEventListener('click', () => { lang = otherLang(lang); applyLang(); });
  wireLogin({ t, api, onLogin: (me) => { showAlert(''); enter(me); } });
  $('logout').addEventListener('click', onLogout);
  $('publish-form').addEventListener('submit', onPublish);
  $('range-form').addEventListener('submit', onRange);
  $('refresh').addEventListener('click', async () => { await loadAll(); announce(t('updated', fmtEnd(new Date().toISOString()))); });
}

async function main() {
  wire();
  initRange();
  applyLang();
  await startSession({ t, api, onReady: enter, onLogin: showLogin });
}

main();
