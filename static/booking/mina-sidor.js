// Parentline, /mina-sidor/ (Mina sidor): after e-ID login, everything the e-services hold
// about the citizen, in one page. Sections: the bookings with status, cancelling and moving
// one (GET /api/booking/mine; before either is confirmed the page asks the server for the
// terms, and a change that costs the session fee must be accepted explicitly); the interest
// registrations (foster homes, ABC/Komet) with withdrawal or the reason they are kept; the
// consents with withdrawal; the contact correction form; the export and register extract
// links; erasure, with what was erased and what is kept, why and until when; and drafts in
// progress (GET /api/mina-sidor and the routes of package mypages). A citizen with protected
// identity is not named and gets nothing pre-filled. Nothing is stored in the browser.

import { login } from '/eid/eid.js';
import {
  $, el, lang, translator, applyLang, api, text, errorText, fmtDate, fmtDateTime, fmtSpan, formLabel, placeLabel,
  stateLabel, announce, focusOn, citizen, showSessionBar, setFieldError, clearFieldErrors, langHref, withLang,
} from '/boka/common.js';

const DICT = {
  sv: {
    docTitle: 'Mina sidor – e-tjänster',
    navLabel: 'E-tjänster', navBook: 'Boka tid', navMine: 'Mina sidor',
    title: 'Mina sidor',
    lead: 'Det som e-tjänsterna har om dig, på ett ställe: bokningar, intresseanmälningar och samtycken. Här kan du av- och omboka, ändra dina kontaktuppgifter, ladda ner och radera dina uppgifter.',
    loginTitle: 'Logga in', loginText: 'Logga in med BankID för att se dina bokningar, anmälningar och uppgifter.',
    listTitle: 'Mina bokningar', listLoading: 'Hämtar dina bokningar …',
    tocTitle: 'På den här sidan',
    regTitle: 'Mina intresseanmälningar',
    regLead: 'Dina anmälningar som familjehem, jourhem, kontaktperson eller kontaktfamilj och till föräldrastödsprogrammen ABC och Komet.',
    regLoading: 'Hämtar dina anmälningar …', regFailed: 'Dina anmälningar kunde inte hämtas. Försök igen.',
    regEmpty: 'Du har inga intresseanmälningar.',
    regSealed: 'Det du skrev i en anmälan är krypterat till mottagaren (kommunen eller stadsdelen). E-tjänsten kan inte läsa det och visar därför bara status och datum.',
    regCount: (n) => (n === 1 ? 'Du har 1 intresseanmälan.' : `Du har ${n} intresseanmälningar.`),
    withdraw: 'Ta bort anmälan', keepLabel: 'Kan inte tas bort härifrån:',
    withdrawTitle: 'Ta bort anmälan?',
    withdrawText: (s) => `${s} raderas direkt och kan inte återställas. Mottagaren kan inte längre se den.`,
    withdrawYes: 'Ja, ta bort anmälan',
    draftsTitle: 'Påbörjade anmälningar',
    draftLine: (title, saved, del) => `${title} – sparad ${saved}. Den raderas ${del} om du inte skickar in den.`,
    draftContinue: 'Fortsätt med anmälan',
    consentsTitle: 'Mina samtycken',
    consentsLead: 'Ett samtycke kan du återkalla när du vill. Det påverkar inte det som redan gjorts med stöd av samtycket.',
    consentsEmpty: 'Du har inga samtycken här.',
    consentFor: 'Gäller', consentVersion: 'Version', consentGiven: 'Givet', consentWithdrawn: 'Återkallat',
    consentWithdraw: 'Återkalla samtycket',
    consentTitle: 'Återkalla samtycket?', consentYes: 'Ja, återkalla samtycket',
    chatTitle: 'Samtycke i chatten',
    chatText: 'Har du i chatten samtyckt till att dina uppgifter lämnas till socialtjänsten? Chatten är anonym, så det ärendet syns inte här. Du återkallar samtycket med ärendets referens och koden du fick i chatten.',
    chatLink: 'Återkalla ett samtycke från chatten',
    contactTitle: 'Mina uppgifter',
    contactLead: 'Ändra e-postadress, telefonnummer eller adress i dina bokningar och anmälningar. Fyll i det du vill ändra; tomma fält ändras inte. Namnet kommer från din e-legitimation.',
    contactProtected: 'Du har skyddade personuppgifter. Därför visar vi inte dina uppgifter här och fyller inte i något åt dig. Skriv bara det du vill ändra.',
    ctEmail: 'E-postadress', ctPhone: 'Telefonnummer',
    ctPhoneHint: 'Till en bokning behövs ett mobilnummer, till exempel 070-123 45 67.',
    ctAddressLegend: 'Adress', ctAddressHint: 'Fyll i gatuadress, postnummer och ort, eller lämna alla tre tomma.',
    ctAddress: 'Gatuadress', ctPostal: 'Postnummer', ctCity: 'Ort', ctSave: 'Spara ändringarna',
    ctSaving: 'Sparar …', ctNothing: 'Fyll i den eller de uppgifter du vill ändra.',
    downloadTitle: 'Ladda ner dina uppgifter',
    downloadLead: 'Du har rätt att få veta vad som finns om dig och att få ut det i ett maskinläsbart format.',
    extractLink: 'Registerutdrag – läs och skriv ut', exportLink: 'Ladda ner alla uppgifter (JSON-fil)',
    eraseTitle: 'Radera mina uppgifter',
    eraseLead: 'Det som får raderas nu raderas direkt: intresseanmälningar som inte bedöms och påbörjade anmälningar. Det som måste sparas en tid, till exempel en bokning, ligger kvar. Du får veta varför och till när; sedan raderas det automatiskt.',
    eraseButton: 'Radera mina uppgifter',
    eraseConfirmTitle: 'Radera dina uppgifter?',
    eraseConfirmText: 'Det som får raderas raderas direkt och kan inte återställas. Det som måste sparas ligger kvar, och du får veta varför och till när.',
    eraseYes: 'Ja, radera',
    eraseResultTitle: 'Resultat av raderingen', erasedTitle: 'Raderat', keptTitle: 'Sparas, och varför',
    erasedNone: 'Inget kunde raderas nu.', keptNone: 'Inget finns kvar.',
    keptUntil: (d) => `Raderas senast ${d}.`,
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
    docTitle: 'My pages – e-services',
    navLabel: 'E-services', navBook: 'Book a time', navMine: 'My pages',
    title: 'My pages',
    lead: 'What the e-services hold about you, in one place: bookings, registrations of interest and consents. Here you can cancel or move a time, change your contact details, and download or erase your details.',
    loginTitle: 'Log in', loginText: 'Log in with BankID to see your bookings, registrations and details.',
    listTitle: 'My bookings', listLoading: 'Fetching your bookings …',
    tocTitle: 'On this page',
    regTitle: 'My registrations of interest',
    regLead: 'Your registrations as a foster home, emergency foster home, support person or support family, and for the parenting programmes ABC and Komet.',
    regLoading: 'Fetching your registrations …', regFailed: 'Your registrations could not be fetched. Please try again.',
    regEmpty: 'You have no registrations of interest.',
    regSealed: 'What you wrote in a registration is encrypted to the recipient (the municipality or district). The e-service cannot read it and so shows only status and dates.',
    regCount: (n) => (n === 1 ? 'You have 1 registration of interest.' : `You have ${n} registrations of interest.`),
    withdraw: 'Withdraw the registration', keepLabel: 'Cannot be removed from here:',
    withdrawTitle: 'Withdraw the registration?',
    withdrawText: (s) => `${s} is erased at once and cannot be restored. The recipient can no longer see it.`,
    withdrawYes: 'Yes, withdraw it',
    draftsTitle: 'Started registrations',
    draftLine: (title, saved, del) => `${title} – saved ${saved}. It is deleted on ${del} unless you send it.`,
    draftContinue: 'Continue the registration',
    consentsTitle: 'My consents',
    consentsLead: 'You can withdraw a consent whenever you like. It does not affect what was already done on the basis of the consent.',
    consentsEmpty: 'You have no consents here.',
    consentFor: 'Applies to', consentVersion: 'Version', consentGiven: 'Given', consentWithdrawn: 'Withdrawn',
    consentWithdraw: 'Withdraw the consent',
    consentTitle: 'Withdraw the consent?', consentYes: 'Yes, withdraw the consent',
    chatTitle: 'Consent in the chat',
    chatText: 'Did you consent in the chat to your details being passed to social services? The chat is anonymous, so that case is not shown here. You withdraw the consent with the case reference and the code you got in the chat.',
    chatLink: 'Withdraw a consent from the chat',
    contactTitle: 'My details',
    contactLead: 'Change the e-mail address, phone number or address in your bookings and registrations. Fill in what you want to change; empty fields are not changed. Your name comes from your e-ID.',
    contactProtected: 'You have protected personal details. So we do not show your details here and do not fill in anything for you. Only type what you want to change.',
    ctEmail: 'E-mail address', ctPhone: 'Phone number',
    ctPhoneHint: 'A booking needs a mobile number, for example 070-123 45 67.',
    ctAddressLegend: 'Address', ctAddressHint: 'Fill in street address, postcode and town, or leave all three empty.',
    ctAddress: 'Street address', ctPostal: 'Postcode', ctCity: 'Town', ctSave: 'Save the changes',
    ctSaving: 'Saving …', ctNothing: 'Fill in the detail or details you want to change.',
    downloadTitle: 'Download your details',
    downloadLead: 'You have the right to know what is kept about you and to get it in a machine-readable format.',
    extractLink: 'Register extract – read and print', exportLink: 'Download all details (JSON file)',
    eraseTitle: 'Erase my details',
    eraseLead: 'What may be erased now is erased at once: registrations that are not being assessed, and started registrations. What must be kept for a while, such as a booking, stays. You are told why and until when; then it is deleted automatically.',
    eraseButton: 'Erase my details',
    eraseConfirmTitle: 'Erase your details?',
    eraseConfirmText: 'What may be erased is erased at once and cannot be restored. What must be kept stays, and you are told why and until when.',
    eraseYes: 'Yes, erase',
    eraseResultTitle: 'Result of the erasure', erasedTitle: 'Erased', keptTitle: 'Kept, and why',
    erasedNone: 'Nothing could be erased now.', keptNone: 'Nothing is left.',
    keptUntil: (d) => `Deleted on ${d} at the latest.`,
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
const S = { me: null, bar: null, bookings: [], overview: null, busy: false };

/** The fee of terms or a change: what applies now, else the configured fee. */
const amountOf = (x) => Number(x.amount || x.amount_sek || x.fee_amount) || DEFAULT_FEE;
const path = (b, rest) => `/api/booking/mine/${encodeURIComponent(b.id)}/${rest}`;

function showStep(name, { focus = true } = {}) {
  $('step-login').hidden = name !== 'login';
  $('step-list').hidden = name !== 'list';
  if (name !== 'list') { $('more').hidden = true; $('toc').hidden = true; }
  if (focus) focusOn($(name + '-title'));
}

function onLoggedOut() {
  S.me = null;
  S.bar = null;
  S.bookings = [];
  S.overview = null;
  $('booking-list').replaceChildren();
  $('list-done').hidden = true;
  $('step-list').hidden = true;
  $('step-login').hidden = true;
  clearMore();
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
  await Promise.all([loadBookings(), loadOverview()]);
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
  await Promise.all([loadBookings(), loadOverview()]);
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

// ---- the confirm dialog ---------------------------------------------------------------------------

/**
 * Asks in the modal dialog #confirm-dialog; resolves true for the confirm button, false for
 * "Avbryt", Escape or closing. The focus returns to the element that had it.
 */
function confirmDialog({ title, message, yes }) {
  const dlg = $('confirm-dialog');
  const yesBtn = $('confirm-yes');
  const noBtn = $('confirm-no');
  const opener = document.activeElement;
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = message;
  yesBtn.textContent = yes;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer) => {
      if (settled) return;
      settled = true;
      yesBtn.removeEventListener('click', onYes);
      noBtn.removeEventListener('click', onNo);
      dlg.removeEventListener('cancel', onCancel);
      dlg.removeEventListener('close', onClose);
      if (dlg.open) dlg.close();
      if (opener && document.contains(opener) && opener.focus) opener.focus();
      resolve(answer);
    };
    const onYes = () => finish(true);
    const onNo = () => finish(false);
    const onCancel = (e) => { e.preventDefault(); finish(false); }; // Escape
    // A close event of an earlier round may arrive late; only a closed dialog counts.
    const onClose = () => { if (!dlg.open) finish(false); };
    yesBtn.addEventListener('click', onYes);
    noBtn.addEventListener('click', onNo);
    dlg.addEventListener('cancel', onCancel);
    dlg.addEventListener('close', onClose);
    if (!dlg.open) dlg.showModal();
    noBtn.focus();
  });
}

// ---- the overview: registrations, consents, drafts, contact ------------------------------------

function clearMore() {
  $('more').hidden = true;
  $('toc').hidden = true;
  for (const id of ['reg-list', 'draft-list', 'consent-list', 'erased-list', 'kept-list']) $(id).replaceChildren();
  for (const id of ['reg-done', 'consents-done', 'contact-done', 'erase-result', 'drafts', 'contact-protected']) $(id).hidden = true;
  for (const id of ['reg-status', 'reg-alert', 'consents-alert', 'contact-alert', 'erase-alert']) $(id).textContent = '';
  $('contact-form').reset();
  clearFieldErrors($('contact-form'));
  const dlg = $('confirm-dialog');
  if (dlg.open) dlg.close();
}

/** Fetches GET /api/mina-sidor and shows the sections; a server without Mina sidor shows the bookings only. */
async function loadOverview() {
  $('reg-status').textContent = t('regLoading');
  let r;
  try {
    r = await api('GET', '/api/mina-sidor');
  } catch {
    $('reg-status').textContent = t('network');
    return;
  }
  if (r.status === 401) { await sessionEnded(); return; }
  if (r.status === 404 || r.status === 405) { $('more').hidden = true; $('toc').hidden = true; return; }
  $('more').hidden = false;
  $('toc').hidden = false;
  if (!r.ok || !r.data || !Array.isArray(r.data.sections)) { $('reg-status').textContent = errorText(r, t('regFailed')); return; }
  S.overview = r.data;
  renderRegistrations(r.data);
  renderConsents(r.data);
  renderDrafts(r.data);
  fillContact(r.data);
}

function renderRegistrations(ov) {
  const recs = ov.sections.filter((s) => s.module !== 'booking').flatMap((s) => (s.records || []).map((rec) => ({ ...rec, module: s.module })));
  $('reg-status').textContent = recs.length ? t('regCount', recs.length) : '';
  $('reg-empty').hidden = recs.length > 0;
  $('reg-list').replaceChildren(...recs.map(regCard));
}

function regCard(rec) {
  const badge = el('span', { class: 'badge badge-' + (rec.erasable ? 'confirmed' : 'awaiting_cosign'), text: rec.status_text || rec.status || '' });
  // The heading and the badge already say what it is and its status.
  const rows = (rec.fields || []).filter((f) => f.key !== 'status' && f.key !== 'registration').map((f) => [f.label, f.value]);
  const facts = el('dl', { class: 'facts' },
    el('div', { class: 'fact' }, el('dt', { text: t('dStatus') }), el('dd', {}, badge)),
    ...rows.filter(([, v]) => v).map(([k, v]) => el('div', { class: 'fact' }, el('dt', { text: k }), el('dd', { text: v }))));
  const parts = [el('h3', { id: `r-${rec.id}-h`, tabindex: '-1' }, rec.summary, ' ', el('span', { class: 'record-id', text: `(${rec.id})` })), facts];
  if (rec.erasable) {
    const btn = el('button', { type: 'button', class: 'btn btn-withdraw' }, t('withdraw'), el('span', { class: 'sr-only', text: ' ' + rec.id }));
    btn.addEventListener('click', () => withdrawRegistration(rec, btn));
    parts.push(el('div', { class: 'actions' }, btn));
  } else if (rec.keep_reason) {
    parts.push(el('p', { class: 'keep-reason' }, el('strong', { text: t('keepLabel') + ' ' }), rec.keep_reason));
  }
  return el('li', { class: 'booking-card reg-card', 'data-record': rec.id, 'data-module': rec.module }, ...parts);
}

async function withdrawRegistration(rec, btn) {
  if (S.busy) return;
  const ok = await confirmDialog({ title: t('withdrawTitle'), message: t('withdrawText', `${rec.summary} (${rec.id})`), yes: t('withdrawYes') });
  if (!ok) return;
  S.busy = true;
  btn.disabled = true;
  $('reg-alert').textContent = '';
  let r;
  try {
    r = await api('POST', `/api/mina-sidor/registrations/${encodeURIComponent(rec.id)}/withdraw`, {});
  } catch {
    r = null;
  }
  S.busy = false;
  btn.disabled = false;
  if (!r) { $('reg-alert').textContent = t('network'); return; }
  if (r.status === 401) { await sessionEnded(); return; }
  if (!r.ok) { $('reg-alert').textContent = errorText(r, t('failed')); return; }
  await loadOverview();
  $('reg-done').textContent = text(r.data.message);
  $('reg-done').hidden = false;
  focusOn($('reg-done'));
}

function renderDrafts(ov) {
  const drafts = Array.isArray(ov.drafts) ? ov.drafts : [];
  $('drafts').hidden = drafts.length === 0;
  $('draft-list').replaceChildren(...drafts.map((d) => el('li', { 'data-draft': d.kind },
    t('draftLine', d.title || d.kind, fmtDateTime(d.saved_at), fmtDate(d.delete_after)), ' ',
    el('a', { href: langHref(d.link || '/familjehem/'), text: t('draftContinue') }))));
}

function renderConsents(ov) {
  const list = Array.isArray(ov.consents) ? ov.consents : [];
  $('consents-empty').hidden = list.length > 0;
  $('consent-list').replaceChildren(...list.map(consentCard));
}

function consentCard(c) {
  const rows = [
    [t('consentFor'), `${c.summary || ''} (${c.record || c.id})`],
    [t('consentVersion'), c.version || ''],
    [t('consentGiven'), c.given ? fmtDateTime(c.given) : ''],
    [t('consentWithdrawn'), c.withdrawn ? fmtDateTime(c.withdrawn) : ''],
  ];
  const parts = [el('h3', { text: c.what || '' }),
    el('dl', { class: 'facts' }, ...rows.filter(([, v]) => v).map(([k, v]) => el('div', { class: 'fact' }, el('dt', { text: k }), el('dd', { text: v })))),
    el('p', { class: 'effect', text: c.effect || '' })];
  if (c.can_withdraw) {
    const btn = el('button', { type: 'button', class: 'btn btn-withdraw-consent' }, t('consentWithdraw'), el('span', { class: 'sr-only', text: ' ' + (c.record || c.id) }));
    btn.addEventListener('click', () => withdrawConsent(c, btn));
    parts.push(el('div', { class: 'actions' }, btn));
  }
  return el('li', { class: 'booking-card consent-card', 'data-consent': c.id }, ...parts);
}

async function withdrawConsent(c, btn) {
  if (S.busy) return;
  const ok = await confirmDialog({ title: t('consentTitle'), message: c.effect || '', yes: t('consentYes') });
  if (!ok) return;
  S.busy = true;
  btn.disabled = true;
  $('consents-alert').textContent = '';
  let r;
  try {
    r = await api('POST', `/api/mina-sidor/consents/${encodeURIComponent(c.id)}/withdraw`, {});
  } catch {
    r = null;
  }
  S.busy = false;
  btn.disabled = false;
  if (!r) { $('consents-alert').textContent = t('network'); return; }
  if (r.status === 401) { await sessionEnded(); return; }
  if (!r.ok) { $('consents-alert').textContent = errorText(r, t('failed')); return; }
  await loadOverview();
  $('consents-done').textContent = text(r.data.message);
  $('consents-done').hidden = false;
  focusOn($('consents-done'));
}

// ---- contact correction ----------------------------------------------------------------------------

/** The form's fields by the server's field names. */
const CONTACT_FIELDS = { email: 'ct-email', phone: 'ct-phone', address: 'ct-address', postal_code: 'ct-postal', city: 'ct-city' };

/** Pre-fills the form with the details the person gave in a booking; never for protected identity. */
function fillContact(ov) {
  const person = ov.person || {};
  const prot = !!person.protected || !!(S.me && S.me.protected);
  $('contact-protected').hidden = !prot;
  const c = prot ? null : person.contact;
  for (const [name, id] of Object.entries(CONTACT_FIELDS)) $(id).value = c && c[name] ? c[name] : '';
}

$('contact-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (S.busy) return;
  const form = $('contact-form');
  clearFieldErrors(form);
  $('contact-alert').textContent = '';
  $('contact-done').hidden = true;
  const body = {};
  for (const [name, id] of Object.entries(CONTACT_FIELDS)) body[name] = $(id).value.trim();
  S.busy = true;
  $('contact-submit').disabled = true;
  let r;
  try {
    r = await api('PUT', '/api/mina-sidor/contact', body);
  } catch {
    r = null;
  }
  S.busy = false;
  $('contact-submit').disabled = false;
  if (!r) { $('contact-alert').textContent = t('network'); return; }
  if (r.status === 401) { await sessionEnded(); return; }
  if (r.status === 422 && r.data && r.data.fields) {
    let first = null;
    for (const [name, message] of Object.entries(r.data.fields)) {
      const id = CONTACT_FIELDS[name];
      if (!id) continue;
      setFieldError(id, text(message));
      if (!first) first = id;
    }
    $('contact-alert').textContent = errorText(r, t('failed'));
    if (first) $(first).focus();
    return;
  }
  if (!r.ok) {
    $('contact-alert').textContent = errorText(r, t('failed'));
    $('ct-email').focus();
    return;
  }
  await Promise.all([loadBookings(), loadOverview()]);
  $('contact-done').textContent = text(r.data.message);
  $('contact-done').hidden = false;
  focusOn($('contact-done'));
});

// ---- erasure --------------------------------------------------------------------------------------

$('erase-start').addEventListener('click', async () => {
  if (S.busy) return;
  const ok = await confirmDialog({ title: t('eraseConfirmTitle'), message: t('eraseConfirmText'), yes: t('eraseYes') });
  if (!ok) return;
  S.busy = true;
  $('erase-start').disabled = true;
  $('erase-alert').textContent = '';
  let r;
  try {
    r = await api('POST', '/api/mina-sidor/erase', {});
  } catch {
    r = null;
  }
  S.busy = false;
  $('erase-start').disabled = false;
  if (!r) { $('erase-alert').textContent = t('network'); return; }
  if (r.status === 401) { await sessionEnded(); return; }
  if (!r.ok) { $('erase-alert').textContent = errorText(r, t('failed')); return; }
  const d = r.data || {};
  const erased = Array.isArray(d.erased_items) ? d.erased_items : (d.erased || []).map((id) => ({ id, summary: id }));
  const kept = Array.isArray(d.kept) ? d.kept : [];
  $('erase-message').textContent = text(d.message);
  $('erased-list').replaceChildren(...(erased.length
    ? erased.map((x) => el('li', { 'data-erased': x.id }, x.summary && x.summary !== x.id && !String(x.id).startsWith('draft:') ? `${x.summary} (${x.id})` : x.summary || x.id))
    : [el('li', { text: t('erasedNone') })]));
  $('kept-list').replaceChildren(...(kept.length
    ? kept.map((k) => el('li', { 'data-kept': k.id },
      el('strong', { text: `${k.summary || ''} (${k.id})` }), el('br'),
      k.reason || '', k.until ? ' ' + t('keptUntil', fmtDate(k.until)) : ''))
    : [el('li', { text: t('keptNone') })]));
  $('erase-result').hidden = false;
  await Promise.all([loadBookings(), loadOverview()]);
  focusOn($('erase-result-title'));
});

// ---- start ------------------------------------------------------------------------------------

applyLang(t);
// The server-rendered extract and the export answer in the page language, whatever the browser's.
for (const id of ['extract-link', 'export-link']) $(id).href = withLang($(id).getAttribute('href'));
enter({ focus: false });
