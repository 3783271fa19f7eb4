// Parentline booking e-service, /mina-sidor/: the logged-in citizen's bookings with their
// status, and cancelling or moving one. Before either is confirmed the page asks the server
// for the terms; when the change costs the session fee the citizen is told so and must
// accept it explicitly. Nothing is stored in the browser.

import { login } from '/eid/eid.js';
import {
  $, el, lang, translator, applyLang, api, text, errorText, fmtDateTime, fmtSpan, formLabel, placeLabel,
  stateLabel, announce, focusOn, citizen, showSessionBar,
} from '/boka/common.js';

const DICT = {
  sv: {
    docTitle: 'Mina sidor – Familjerådgivningen',
    navLabel: 'E-tjänster', navBook: 'Boka tid', navMine: 'Mina sidor',
    title: 'Mina sidor', lead: 'Dina bokningar hos Familjerådgivningen. Här kan du av- och omboka din tid.',
    loginTitle: 'Logga in', loginText: 'Logga in med BankID för att se dina bokningar.',
    listTitle: 'Dina bokningar', listLoading: 'Hämtar dina bokningar …',
    listCount: (n) => (n === 1 ? 'Du har 1 bokning.' : `Du har ${n} bokningar.`),
    listEmpty: 'Du har inga bokningar just nu.', listFailed: 'Bokningarna kunde inte hämtas. Försök igen.',
    bookNew: 'Boka en ny tid', changeTitle: 'Av- och ombokning',
    feeText: 'Om du lämnar återbud, uteblir från eller ombokar din tid senare än 48 timmar innan mötet, behöver du ändå betala samtalsavgiften på 200 kronor.',
    dStatus: 'Status', dRole: 'Din roll', role_applicant: 'Sökande', role_co_applicant: 'Medsökande',
    dCo: 'Medsökande', dApplicant: 'Sökande', coNotYet: (email) => `${email} (har inte signerat än)`,
    dHold: 'Medsökande ska signera senast', dFee: 'Avgift',
    feeLine: (amount, kind, reason) => `${amount} kronor – ${reason || (kind === 'rebooked' ? 'sen ombokning' : 'sen avbokning')}`,
    cancel: 'Avboka', rebook: 'Omboka',
    cancelTitle: 'Avboka tiden', rebookTitle: 'Omboka till en annan tid',
    termsLoading: 'Hämtar villkoren …',
    feeCancel: (amount) => `Avbokning senare än 48 timmar före mötet: du behöver ändå betala samtalsavgiften på ${amount} kronor.`,
    feeRebook: (amount) => `Ombokning senare än 48 timmar före mötet: du behöver ändå betala samtalsavgiften på ${amount} kronor.`,
    acceptFee: (amount) => `Jag förstår att jag ändå behöver betala ${amount} kronor`,
    acceptMissing: (amount) => `Kryssa i rutan för att bekräfta att du godkänner avgiften på ${amount} kronor.`,
    confirmCancel: 'Bekräfta avbokning', keep: 'Behåll bokningen', close: 'Avbryt',
    confirmRebook: 'Bekräfta ombokning', next: 'Fortsätt',
    rebookText: (form) => `Du kan omboka till en annan ledig tid med samma samtalsform (${form.toLowerCase()}). Vill ni byta samtalsform, avboka och boka en ny tid.`,
    newSlotLegend: 'Välj en ny tid', slotsLoading: 'Hämtar lediga tider …',
    slotsNone: 'Det finns inga andra lediga tider med samma samtalsform just nu.',
    slotMissing: 'Välj en av de lediga tiderna.',
    slotWith: (c) => `familjerådgivare ${c}`,
    newTime: 'Ny tid',
    cancelled: (span) => `Bokningen ${span} är avbokad.`,
    cancelledFee: (span, amount) => `Bokningen ${span} är avbokad. Samtalsavgiften på ${amount} kronor faktureras.`,
    rebooked: (span) => `Bokningen är ombokad till ${span}.`,
    rebookedFee: (span, amount) => `Bokningen är ombokad till ${span}. Samtalsavgiften på ${amount} kronor faktureras.`,
    mailNote: 'Du får ett mejl om ändringen.',
  },
  en: {
    docTitle: 'My pages – Family Counselling',
    navLabel: 'E-services', navBook: 'Book a time', navMine: 'My pages',
    title: 'My pages', lead: 'Your bookings with Family Counselling. Here you can cancel or move your time.',
    loginTitle: 'Log in', loginText: 'Log in with BankID to see your bookings.',
    listTitle: 'Your bookings', listLoading: 'Fetching your bookings …',
    listCount: (n) => (n === 1 ? 'You have 1 booking.' : `You have ${n} bookings.`),
    listEmpty: 'You have no bookings right now.', listFailed: 'Your bookings could not be fetched. Please try again.',
    bookNew: 'Book a new time', changeTitle: 'Cancelling and moving a time',
    feeText: 'If you cancel, do not come, or move your time later than 48 hours before the meeting, you still have to pay the session fee of 200 kronor.',
    dStatus: 'Status', dRole: 'Your role', role_applicant: 'Applicant', role_co_applicant: 'Co-applicant',
    dCo: 'Co-applicant', dApplicant: 'Applicant', coNotYet: (email) => `${email} (has not signed yet)`,
    dHold: 'The co-applicant must sign by', dFee: 'Fee',
    feeLine: (amount, kind, reason) => `${amount} kronor – ${reason || (kind === 'rebooked' ? 'late move' : 'late cancellation')}`,
    cancel: 'Cancel', rebook: 'Move',
    cancelTitle: 'Cancel the time', rebookTitle: 'Move to another time',
    termsLoading: 'Fetching the terms …',
    feeCancel: (amount) => `Cancelling later than 48 hours before the meeting: you still have to pay the session fee of ${amount} kronor.`,
    feeRebook: (amount) => `Moving later than 48 hours before the meeting: you still have to pay the session fee of ${amount} kronor.`,
    acceptFee: (amount) => `I understand that I still have to pay ${amount} kronor`,
    acceptMissing: (amount) => `Tick the box to confirm that you accept the fee of ${amount} kronor.`,
    confirmCancel: 'Confirm cancellation', keep: 'Keep the booking', close: 'Cancel',
    confirmRebook: 'Confirm the move', next: 'Continue',
    rebookText: (form) => `You can move to another free time of the same kind of session (${form.toLowerCase()}). To change the kind of session, cancel and book a new time.`,
    newSlotLegend: 'Choose a new time', slotsLoading: 'Fetching free times …',
    slotsNone: 'There are no other free times of the same kind right now.',
    slotMissing: 'Choose one of the free times.',
    slotWith: (c) => `counsellor ${c}`,
    newTime: 'New time',
    cancelled: (span) => `The booking ${span} is cancelled.`,
    cancelledFee: (span, amount) => `The booking ${span} is cancelled. The session fee of ${amount} kronor will be invoiced.`,
    rebooked: (span) => `The booking has been moved to ${span}.`,
    rebookedFee: (span, amount) => `The booking has been moved to ${span}. The session fee of ${amount} kronor will be invoiced.`,
    mailNote: 'You will get an e-mail about the change.',
  },
};

const t = translator(DICT);
const DEFAULT_FEE = 200;
const S = { me: null, bar: null, bookings: [], busy: false };

/** The fee of terms or a change: what applies now, else the configured fee. */
const amountOf = (x) => Number(x.amount || x.amount_sek || x.fee_amount) || DEFAULT_FEE;
const path = (b, rest) => `/api/booking/mine/${encodeURIComponent(b.id)}/${rest}`;

function showStep(name, { focus = true } = {}) {
  $('step-login').hidden = name !== 'login';
  $('step-list').hidden = name !== 'list';
  if (focus) focusOn($(name + '-title'));
}

function onLoggedOut() {
  S.me = null;
  S.bar = null;
  S.bookings = [];
  $('booking-list').replaceChildren();
  $('list-done').hidden = true;
  $('step-list').hidden = true;
  $('step-login').hidden = true;
  announce(t('loggedOutHidden'));
}

async function sessionEnded() {
  if (S.bar) await S.bar.refresh();
  else onLoggedOut();
}

// ---- log in -------------------------------------------------------------------------------

async function enter({ focus = true } = {}) {
  const m = await citizen();
  if (m === undefined) { $('page-alert').textContent = t('network'); return; }
  if (!m) { showStep('login', { focus }); return; }
  S.me = m;
  if (!S.bar) S.bar = await showSessionBar(onLoggedOut);
  showStep('list', { focus });
  await loadBookings();
}

$('login-start').addEventListener('click', () => {
  $('login-start').hidden = true;
  login($('eid-login'), {
    lang,
    onDone: async (outcome) => {
      if (outcome !== 'complete') return;
      $('eid-login').replaceChildren();
      $('login-start').hidden = false;
      await enter();
    },
  });
});

// ---- the list ------------------------------------------------------------------------------

async function loadBookings() {
  $('list-status').textContent = t('listLoading');
  let r;
  try {
    r = await api('GET', '/api/booking/mine');
  } catch {
    $('list-status').textContent = t('network');
    return;
  }
  if (r.status === 401) { await sessionEnded(); return; }
  if (!r.ok || !Array.isArray(r.data)) { $('list-status').textContent = errorText(r, t('listFailed')); return; }
  S.bookings = r.data;
  $('list-status').textContent = S.bookings.length ? t('listCount', S.bookings.length) : '';
  $('list-empty').hidden = S.bookings.length > 0;
  $('booking-list').replaceChildren(...S.bookings.map(card));
}

function facts(rows) {
  return el('dl', { class: 'facts' }, rows.filter(([, v]) => v)
    .map(([k, v]) => el('div', { class: 'fact' }, el('dt', { text: k }), el('dd', {}, v))));
}

function feeRows(b) {
  const rows = [];
  if (Array.isArray(b.fees)) for (const f of b.fees) rows.push([t('dFee'), t('feeLine', f.amount ?? f.amount_sek ?? DEFAULT_FEE, f.kind, f.reason)]);
  else if (b.fee) rows.push([t('dFee'), t('feeLine', b.fee.amount ?? DEFAULT_FEE, b.fee.kind, b.fee.reason)]);
  return rows;
}

function card(b) {
  const m = b.meeting || {};
  const span = fmtSpan(m, t);
  const hid = `b-${b.id}-h`;
  const active = b.state === 'awaiting_cosign' || b.state === 'confirmed';
  const badge = el('span', { class: 'badge badge-' + (active ? b.state : 'ended'), text: stateLabel(b, t) });
  const coEmail = b.co_email || b.co_applicant_email || '';
  const other = b.role === 'co_applicant'
    ? [t('dApplicant'), b.other_name || '']
    : [t('dCo'), b.other_name || (coEmail ? t('coNotYet', coEmail) : '')];
  const rows = [
    [t('dStatus'), badge],
    [t('dForm'), formLabel(m, t)],
    [t('dPlace'), placeLabel(m, t)],
    [t('dCounselor'), m.counselor || ''],
    [t('dRole'), t.has('role_' + b.role) ? t('role_' + b.role) : ''],
    other,
    [t('dHold'), b.state === 'awaiting_cosign' && b.hold_until ? fmtDateTime(b.hold_until) : ''],
    ...feeRows(b),
  ];
  const panel = el('div', { class: 'panel-slot' });
  const actions = el('div', { class: 'actions' });
  if (b.can_cancel) {
    const btn = el('button', { type: 'button', class: 'btn btn-cancel' }, t('cancel'), el('span', { class: 'sr-only', text: ' ' + span }));
    btn.addEventListener('click', () => openCancel(b, panel, btn));
    actions.append(btn);
  }
  if (b.can_rebook) {
    const btn = el('button', { type: 'button', class: 'btn btn-rebook' }, t('rebook'), el('span', { class: 'sr-only', text: ' ' + span }));
    btn.addEventListener('click', () => openRebook(b, panel, btn));
    actions.append(btn);
  }
  return el('li', { class: 'booking-card', 'data-booking': b.id, 'data-state': b.state || '' },
    el('h3', { id: hid, tabindex: '-1', text: span }),
    facts(rows),
    actions.childElementCount ? actions : null,
    panel);
}

function closePanels() {
  for (const p of document.querySelectorAll('.panel-slot')) p.replaceChildren();
}

/** The list again, with a message about what was done; the focus goes to the message. */
async function changed(message) {
  closePanels();
  await loadBookings();
  $('list-done').textContent = message + ' ' + t('mailNote');
  $('list-done').hidden = false;
  focusOn($('list-done'));
}

/** A checkbox for accepting the fee, with its error next to it. */
function feeCheck(id, amount) {
  const box = el('input', { id, type: 'checkbox', 'aria-describedby': id + '-error' });
  const err = el('p', { id: id + '-error', class: 'field-error' });
  box.addEventListener('change', () => { if (box.checked) { err.textContent = ''; box.removeAttribute('aria-invalid'); } });
  return {
    box, err,
    node: el('div', {}, el('div', { class: 'check' }, box, el('label', { for: id, text: t('acceptFee', amount) })), err),
    fail(message) { err.textContent = message; box.setAttribute('aria-invalid', 'true'); box.focus(); },
  };
}

// ---- cancelling -------------------------------------------------------------------------------

async function openCancel(b, panel, opener, error = '') {
  closePanels();
  const status = el('p', { class: 'status', role: 'status', text: t('termsLoading') });
  const h = el('h4', { tabindex: '-1', text: t('cancelTitle') });
  const alert = el('p', { class: 'alert', role: 'alert' });
  const box = el('div', { class: 'panel', 'data-panel': 'cancel' }, h, status, alert);
  panel.replaceChildren(box);
  let r;
  try {
    r = await api('GET', path(b, 'cancel-terms'));
  } catch {
    status.textContent = '';
    alert.textContent = t('network');
    return;
  }
  if (r.status === 401) { await sessionEnded(); return; }
  if (!r.ok) { status.textContent = ''; alert.textContent = errorText(r, t('failed')); return; }
  const terms = r.data || {};
  const fee = !!terms.fee;
  const amount = amountOf(terms);
  status.textContent = '';
  status.replaceWith(el('p', { class: 'terms', text: text(terms.message ?? terms.text) }));
  let check = null;
  if (fee) {
    check = feeCheck(`b-${b.id}-accept`, amount);
    alert.before(el('p', { class: 'fee-warning', text: t('feeCancel', amount) }), check.node);
  }
  const confirm = el('button', { type: 'button', class: 'btn btn-danger btn-confirm', text: t('confirmCancel') });
  const keep = el('button', { type: 'button', class: 'btn', text: t('keep') });
  box.append(el('div', { class: 'actions' }, confirm, keep));
  keep.addEventListener('click', () => { panel.replaceChildren(); opener.focus(); });
  confirm.addEventListener('click', async () => {
    if (S.busy) return;
    if (check && !check.box.checked) { check.fail(t('acceptMissing', amount)); return; }
    S.busy = true;
    confirm.disabled = true;
    alert.textContent = '';
    let res;
    try {
      res = await api('POST', path(b, 'cancel'), { accept_fee: fee && check.box.checked });
    } catch {
      res = null;
    }
    S.busy = false;
    confirm.disabled = false;
    if (!res) { alert.textContent = t('network'); return; }
    if (res.status === 401) { await sessionEnded(); return; }
    if (res.status === 409 && res.data && res.data.code === 'fee_not_accepted') {
      // The fee window was passed since the terms were fetched: show them again, with the fee.
      await openCancel(b, panel, opener, errorText(res, t('acceptMissing', amount)));
      return;
    }
    if (!res.ok) { alert.textContent = errorText(res, t('failed')); return; }
    const span = fmtSpan(b.meeting || {}, t);
    const charged = res.data && res.data.fee;
    await changed(charged ? t('cancelledFee', span, amountOf(res.data)) : t('cancelled', span));
  });
  if (error && check) check.fail(error);
  else if (error) alert.textContent = error;
  else focusOn(h);
}

// ---- moving -------------------------------------------------------------------------------------

async function openRebook(b, panel, opener) {
  closePanels();
  const m = b.meeting || {};
  const id = `b-${b.id}-new`;
  const h = el('h4', { tabindex: '-1', text: t('rebookTitle') });
  const status = el('p', { class: 'muted', role: 'status', text: t('slotsLoading') });
  const list = el('div', { class: 'slot-list' });
  const slotErr = el('p', { id: id + '-error', class: 'field-error' });
  const group = el('fieldset', { class: 'group', 'aria-describedby': id + '-error' }, el('legend', { text: t('newSlotLegend') }), status, list, slotErr);
  const alert = el('p', { class: 'alert', role: 'alert' });
  const termsArea = el('div', { class: 'terms-area' });
  const next = el('button', { type: 'button', class: 'btn btn-primary btn-next', text: t('next') });
  const close = el('button', { type: 'button', class: 'btn', text: t('close') });
  const box = el('div', { class: 'panel', 'data-panel': 'rebook' },
    h, el('p', { text: t('rebookText', formLabel(m, t)) }), group, alert, el('div', { class: 'actions' }, next, close), termsArea);
  panel.replaceChildren(box);
  focusOn(h);
  close.addEventListener('click', () => { panel.replaceChildren(); opener.focus(); });

  let r;
  try {
    r = await api('GET', '/api/booking/slots?form=' + encodeURIComponent(m.form || ''));
  } catch {
    status.textContent = t('network');
    return;
  }
  if (r.status === 401) { await sessionEnded(); return; }
  if (!r.ok || !Array.isArray(r.data)) { status.textContent = errorText(r, t('failed')); return; }
  const slots = r.data.filter((s) => s.id !== m.slot_id && s.start !== m.start);
  status.textContent = slots.length ? '' : t('slotsNone');
  next.hidden = slots.length === 0;
  let chosen = null;
  list.replaceChildren(...slots.map((s, i) => {
    const sid = `${id}-${i}`;
    const input = el('input', { id: sid, type: 'radio', name: id, value: s.id });
    input.addEventListener('change', () => {
      if (!input.checked) return;
      chosen = s;
      slotErr.textContent = '';
      termsArea.replaceChildren();
      next.hidden = false;
    });
    return el('div', { class: 'choice slot' }, input,
      el('label', { for: sid },
        el('span', { class: 'slot-time', text: fmtSpan(s, t) }),
        el('span', { class: 'slot-where', text: `${placeLabel(s, t)}, ${t('slotWith', s.counselor || '')}` })));
  }));

  next.addEventListener('click', async () => {
    alert.textContent = '';
    if (!chosen) {
      slotErr.textContent = t('slotMissing');
      const first = list.querySelector('input');
      if (first) first.focus();
      return;
    }
    await showRebookTerms(b, chosen, termsArea, alert, next);
  });
}

async function showRebookTerms(b, slot, area, alert, next) {
  area.replaceChildren(el('p', { class: 'status', role: 'status', text: t('termsLoading') }));
  let r;
  try {
    r = await api('GET', path(b, 'rebook-terms?slot=' + encodeURIComponent(slot.id)));
  } catch {
    area.replaceChildren();
    alert.textContent = t('network');
    return;
  }
  if (r.status === 401) { await sessionEnded(); return; }
  if (!r.ok) { area.replaceChildren(); alert.textContent = errorText(r, t('failed')); return; }
  const terms = r.data || {};
  const fee = !!terms.fee;
  const amount = amountOf(terms);
  const parts = [el('dl', { class: 'facts' }, el('div', { class: 'fact' }, el('dt', { text: t('newTime') }), el('dd', { text: fmtSpan(slot, t) }))),
    el('p', { class: 'terms', tabindex: '-1', text: text(terms.message ?? terms.text) })];
  let check = null;
  if (fee) {
    check = feeCheck(`b-${b.id}-accept-move`, amount);
    parts.push(el('p', { class: 'fee-warning', text: t('feeRebook', amount) }), check.node);
  }
  const confirm = el('button', { type: 'button', class: 'btn btn-primary btn-confirm', text: t('confirmRebook') });
  parts.push(el('div', { class: 'actions' }, confirm));
  area.replaceChildren(...parts);
  next.hidden = true;
  focusOn(area.querySelector('.terms'));
  confirm.addEventListener('click', async () => {
    if (S.busy) return;
    if (check && !check.box.checked) { check.fail(t('acceptMissing', amount)); return; }
    S.busy = true;
    confirm.disabled = true;
    alert.textContent = '';
    let res;
    try {
      res = await api('POST', path(b, 'rebook'), { slot: slot.id, accept_fee: fee && check.box.checked });
    } catch {
      res = null;
    }
    S.busy = false;
    confirm.disabled = false;
    if (!res) { alert.textContent = t('network'); return; }
    if (res.status === 401) { await sessionEnded(); return; }
    if (res.status === 409 && res.data && res.data.code === 'fee_not_accepted') {
      await showRebookTerms(b, slot, area, alert, next);
      if (area.querySelector('input[type="checkbox"]')) {
        const box = area.querySelector('input[type="checkbox"]');
        const err = area.querySelector('.field-error');
        err.textContent = errorText(res, t('acceptMissing', amount));
        box.setAttribute('aria-invalid', 'true');
        box.focus();
      }
      return;
    }
    if (!res.ok) { alert.textContent = errorText(res, t('failed')); return; }
    const span = fmtSpan((res.data && res.data.meeting) || slot, t);
    await changed(res.data && res.data.fee ? t('rebookedFee', span, amountOf(res.data)) : t('rebooked', span));
  });
}

// ---- start ------------------------------------------------------------------------------------

applyLang(t);
enter({ focus: false });
