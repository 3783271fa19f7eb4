// Parentline booking e-service, /boka/: book a family-counselling time with two-party
// signing. The steps are the seed's: log in with e-ID, read the whole instructions, choose
// the kind of session and a free time, the applicant's contact details, the
// co-applicant's e-mail address (typed twice), a summary, signing with BankID, and the
// receipt. Everything typed stays in this module's variables; nothing is stored in the
// browser, and all of it is forgotten when the session ends.

import { login, sign } from '/eid/eid.js';
import {
  $, el, lang, translator, applyLang, api, text, errorText, fmtDateTime, fmtSpan, meetingList,
  placeLabel, setFieldError, clearFieldErrors, announce, focusOn, citizen, showSessionBar, CONTACT,
} from '/boka/common.js';

const DICT = {
  sv: {
    docTitle: 'Familjerådgivningen – bokning av tid',
    navLabel: 'E-tjänster', navBook: 'Boka tid', navMine: 'Mina sidor',
    title: 'Familjerådgivningen – bokning av tid', lead: 'Den här tjänsten kräver inloggning.',
    stepsLabel: 'Steg i bokningen', stepLogin: 'Logga in', stepInstr: 'Instruktion', stepChoose: 'Samtalsform och tid',
    stepContact: 'Kontaktuppgifter', stepCo: 'Medsökande', stepSummary: 'Signera', stepReceipt: 'Kvittens',
    stepOf: (n, total, name) => `Steg ${n} av ${total}: ${name}`,
    loginTitle: 'Logga in med e-legitimation',
    loginText: 'Du loggar in med BankID. Du som bokar är sökande; din partner signerar sedan bokningen som medsökande med sitt eget BankID.',
    instrTitle: 'Läs hela instruktionen innan du genomför din bokning med tvåpartssignering',
    instrRead: 'Jag har läst instruktionen',
    instrMissing: 'Läs instruktionen och kryssa i rutan innan du fortsätter.',
    next: 'Fortsätt', back: 'Tillbaka',
    chooseTitle: 'Välj samtalsform och tid', formLegend: 'Samtalsform', slotLegend: 'Välj en ledig tid',
    descEngangssamtal: 'Ett enstaka samtal för er som prioriterar en snabbare tid utan möjlighet till återbesök hos den ni träffar. Dessa tider läggs ut allt eftersom, ofta med kort varsel, på tider vi får avbokningar på.',
    descParterapi: 'För er som bestämt er för ett arbete över tid, oftare lite längre väntetid men ni planerar er fortsättning tillsammans med den ni träffar.',
    formMissing: 'Välj samtalsform.', slotMissing: 'Välj en av de lediga tiderna.',
    slotsLoading: 'Hämtar lediga tider …',
    slotsCount: (n, form) => (n === 1 ? `1 ledig tid för ${form.toLowerCase()}.` : `${n} lediga tider för ${form.toLowerCase()}.`),
    slotsNone: (form) => `Det finns inga lediga tider för ${form.toLowerCase()} just nu. Nya tider läggs ut allt eftersom. Du kan också ringa ${CONTACT.phone}.`,
    slotsFailed: 'De lediga tiderna kunde inte hämtas. Försök igen.',
    slotWith: (c) => `familjerådgivare ${c}`,
    slotGone: 'Tiden du valde är inte längre ledig. Välj en annan tid.',
    contactTitle: 'Dina kontaktuppgifter',
    contactPrefilled: 'Namnet är hämtat från din e-legitimation. Kontrollera det och fyll i resten.',
    contactProtected: 'Du har skyddade personuppgifter. Därför hämtas inga uppgifter om dig automatiskt och inget är ifyllt. Du väljer själv vilka kontaktuppgifter du vill lämna.',
    allRequired: 'Alla fält behöver fyllas i.',
    cName: 'Namn', cAddress: 'Postadress', cAddressHint: 'Gata, postnummer och ort.',
    cEmail: 'E-postadress', cEmailHint: 'Hit skickar vi kvittot och bekräftelsen på bokningen.',
    cMobile: 'Mobilnummer', cMobileHint: 'Till exempel 070-123 45 67.',
    nameMissing: 'Skriv ditt namn.', addressMissing: 'Skriv din postadress: gata, postnummer och ort.',
    emailMissing: 'Skriv din e-postadress.', emailBad: 'Skriv en giltig e-postadress, till exempel namn@exempel.se.',
    mobileMissing: 'Skriv ditt mobilnummer.', mobileBad: 'Skriv ett mobilnummer, till exempel 070-123 45 67 eller +46 70 123 45 67.',
    fixFields: 'Några uppgifter behöver rättas. Se markeringarna vid fälten.',
    coTitle: 'Medsökande',
    coText: 'Medsökande är din partner, som signerar bokningen med sitt eget BankID. Medsökande får ett mail med länk till signering till angiven mailadress och har 24 timmar på sig att signera.',
    coCheck: 'Kontrollera att rätt mailadress uppges till medsökande!',
    coEmail: 'Medsökandes e-postadress', coEmail2: 'Skriv medsökandes e-postadress en gång till',
    coEmail2Hint: 'Så att vi vet att adressen är rätt stavad.',
    coMissing: 'Skriv medsökandes e-postadress. Dit skickas länken för att signera bokningen.',
    coBad: 'Skriv en giltig e-postadress till medsökande, till exempel namn@exempel.se.',
    co2Missing: 'Skriv medsökandes e-postadress en gång till.',
    coMismatch: 'E-postadresserna är inte likadana. Kontrollera att rätt mailadress uppges till medsökande!',
    coSelf: 'Det här är din egen e-postadress. Medsökande ska vara din partner, med en egen adress. Stämmer det ändå kan du fortsätta.',
    summaryTitle: 'Kontrollera och signera',
    summaryText: 'Kontrollera uppgifterna. När du signerar med BankID reserveras tiden i 24 timmar, och medsökande får ett mejl med en länk för att signera.',
    sumMeeting: 'Tid', sumContact: 'Dina kontaktuppgifter', sumCo: 'Medsökande',
    editChoose: 'Ändra samtalsform eller tid', editContact: 'Ändra kontaktuppgifter', editCo: 'Ändra medsökandes e-postadress',
    dName: 'Namn', dAddress: 'Postadress', dEmail: 'E-postadress', dMobile: 'Mobilnummer', dCoEmail: 'Medsökandes e-postadress',
    feeText: 'Om du lämnar återbud, uteblir från eller ombokar din tid senare än 48 timmar innan mötet, behöver du ändå betala samtalsavgiften på 200 kronor.',
    signButton: 'Signera', signAgain: 'Signera igen',
    signPreparing: 'Förbereder signeringen …', signSending: 'Du har signerat. Skickar bokningen …',
    signStopped: 'Bokningen är inte skickad. Du kan signera igen när du vill.',
    bookSlow: 'Det tar längre tid än vanligt. Bokningen är inte klar. Försök igen om en stund.',
    conflictBack: 'Välj en annan tid',
    receiptTitle: 'Tiden är reserverad i 24 timmar',
    receiptHold: (when) => `Tiden är reserverad till ${when} medan medsökande signerar. Signerar medsökande inte i tid släpps tiden och kan bokas av någon annan.`,
    receiptHold24: 'Tiden är reserverad i 24 timmar medan medsökande signerar. Signerar medsökande inte i tid släpps tiden och kan bokas av någon annan.',
    receiptCo: (email) => `Medsökande har fått ett mejl till ${email} med en länk för att signera bokningen med BankID.`,
    receiptBoth: 'När ni båda har signerat får ni var sitt mejl med ”bekräftelse på att ärendet skickats in”.',
    receiptMine: 'Se bokningen på Mina sidor',
    receiptDone: 'Bokningen är skickad. Tiden är reserverad i 24 timmar.',
  },
  en: {
    docTitle: 'Family Counselling – book a time',
    navLabel: 'E-services', navBook: 'Book a time', navMine: 'My pages',
    title: 'Family Counselling – book a time', lead: 'This service requires you to log in.',
    stepsLabel: 'Steps of the booking', stepLogin: 'Log in', stepInstr: 'Instructions', stepChoose: 'Kind of session and time',
    stepContact: 'Contact details', stepCo: 'Co-applicant', stepSummary: 'Sign', stepReceipt: 'Receipt',
    stepOf: (n, total, name) => `Step ${n} of ${total}: ${name}`,
    loginTitle: 'Log in with e-ID',
    loginText: 'You log in with BankID. You who book are the applicant; your partner then signs the booking as co-applicant with their own BankID.',
    instrTitle: 'Read all of the instructions before you make your booking with two-party signing',
    instrRead: 'I have read the instructions',
    instrMissing: 'Read the instructions and tick the box before you continue.',
    next: 'Continue', back: 'Back',
    chooseTitle: 'Choose the kind of session and a time', formLegend: 'Kind of session', slotLegend: 'Choose a free time',
    descEngangssamtal: 'One session for those who prefer an earlier time with no return visits to the counsellor you meet. These times are published as they come up, often at short notice, when we get cancellations.',
    descParterapi: 'For those who have decided to work over time; the wait is often a little longer, but you plan how to continue together with the counsellor you meet.',
    formMissing: 'Choose the kind of session.', slotMissing: 'Choose one of the free times.',
    slotsLoading: 'Fetching free times …',
    slotsCount: (n, form) => (n === 1 ? `1 free time for ${form.toLowerCase()}.` : `${n} free times for ${form.toLowerCase()}.`),
    slotsNone: (form) => `There are no free times for ${form.toLowerCase()} right now. New times are published as they come up. You can also call ${CONTACT.phone}.`,
    slotsFailed: 'The free times could not be fetched. Please try again.',
    slotWith: (c) => `counsellor ${c}`,
    slotGone: 'The time you chose is no longer free. Please choose another time.',
    contactTitle: 'Your contact details',
    contactPrefilled: 'The name comes from your e-ID. Check it and fill in the rest.',
    contactProtected: 'You have protected personal details. So nothing about you is fetched automatically and nothing is filled in. You choose which contact details you give.',
    allRequired: 'All fields must be filled in.',
    cName: 'Name', cAddress: 'Postal address', cAddressHint: 'Street, postcode and town.',
    cEmail: 'E-mail address', cEmailHint: 'We send the receipt and the confirmation of the booking here.',
    cMobile: 'Mobile number', cMobileHint: 'For example 070-123 45 67.',
    nameMissing: 'Enter your name.', addressMissing: 'Enter your postal address: street, postcode and town.',
    emailMissing: 'Enter your e-mail address.', emailBad: 'Enter a valid e-mail address, for example name@example.com.',
    mobileMissing: 'Enter your mobile number.', mobileBad: 'Enter a mobile number, for example 070-123 45 67 or +46 70 123 45 67.',
    fixFields: 'Some details need correcting. See the notes by the fields.',
    coTitle: 'Co-applicant',
    coText: 'The co-applicant is your partner, who signs the booking with their own BankID. The co-applicant gets an e-mail with a link for signing at the address you give, and has 24 hours to sign.',
    coCheck: 'Check that you give the right e-mail address for the co-applicant!',
    coEmail: 'The co-applicant’s e-mail address', coEmail2: 'Type the co-applicant’s e-mail address again',
    coEmail2Hint: 'So that we know it is spelt right.',
    coMissing: 'Enter the co-applicant’s e-mail address. The link to sign the booking is sent there.',
    coBad: 'Enter a valid e-mail address for the co-applicant, for example name@example.com.',
    co2Missing: 'Type the co-applicant’s e-mail address again.',
    coMismatch: 'The e-mail addresses are not the same. Check that you give the right e-mail address for the co-applicant!',
    coSelf: 'This is your own e-mail address. The co-applicant should be your partner, with an address of their own. If it is right anyway, you can continue.',
    summaryTitle: 'Check and sign',
    summaryText: 'Check the details. When you sign with BankID the time is reserved for 24 hours, and the co-applicant gets an e-mail with a link to sign.',
    sumMeeting: 'Time', sumContact: 'Your contact details', sumCo: 'Co-applicant',
    editChoose: 'Change the kind of session or the time', editContact: 'Change your contact details', editCo: 'Change the co-applicant’s e-mail address',
    dName: 'Name', dAddress: 'Postal address', dEmail: 'E-mail address', dMobile: 'Mobile number', dCoEmail: 'The co-applicant’s e-mail address',
    feeText: 'If you cancel, do not come, or move your time later than 48 hours before the meeting, you still have to pay the session fee of 200 kronor.',
    signButton: 'Sign', signAgain: 'Sign again',
    signPreparing: 'Preparing the signing …', signSending: 'You have signed. Sending the booking …',
    signStopped: 'The booking has not been sent. You can sign again whenever you like.',
    bookSlow: 'This is taking longer than usual. The booking is not complete. Please try again in a moment.',
    conflictBack: 'Choose another time',
    receiptTitle: 'The time is reserved for 24 hours',
    receiptHold: (when) => `The time is reserved until ${when} while the co-applicant signs. If the co-applicant does not sign in time, the time is released and someone else can book it.`,
    receiptHold24: 'The time is reserved for 24 hours while the co-applicant signs. If the co-applicant does not sign in time, the time is released and someone else can book it.',
    receiptCo: (email) => `The co-applicant has been sent an e-mail at ${email} with a link to sign the booking with BankID.`,
    receiptBoth: 'When both of you have signed, you each get an e-mail with “bekräftelse på att ärendet skickats in” (confirmation that the case has been submitted).',
    receiptMine: 'See the booking on My pages',
    receiptDone: 'The booking has been sent. The time is reserved for 24 hours.',
  },
};

const t = translator(DICT);
const STEPS = ['login', 'instr', 'choose', 'contact', 'co', 'summary', 'receipt'];
const STEP_KEY = {
  login: 'stepLogin', instr: 'stepInstr', choose: 'stepChoose', contact: 'stepContact', co: 'stepCo',
  summary: 'stepSummary', receipt: 'stepReceipt',
};
const TITLE = {
  login: 'login-title', instr: 'instr-title', choose: 'choose-title', contact: 'contact-title', co: 'co-title',
  summary: 'summary-title', receipt: 'receipt-title',
};
// The field names of the server's 422 answers, and the step and field each is typed in.
const FIELDS = {
  name: ['contact', 'c-name'], address: ['contact', 'c-address'], email: ['contact', 'c-email'], mobile: ['contact', 'c-mobile'],
  co_email: ['co', 'co-email'], co_applicant_email: ['co', 'co-email'], slot: ['choose', 'slot'], form: ['choose', 'form'],
};
const BOOK_TRIES = 30;
const BOOK_WAIT_MS = 1000;

/** The page's state: nothing of it outlives the page or the session. */
const S = {
  me: null, bar: null, step: '', form: '', slots: [], slot: null, slotsSeq: 0,
  contact: { name: '', address: '', email: '', mobile: '' }, co: '', busy: false, signFlow: null,
};

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const emailLike = (s) => /^[^\s@<>,;"()[\]\\]+@[^\s@<>,;"()[\]\\]+\.[^\s@<>,;"()[\]\\.]{2,}$/.test(s);
const mobileLike = (s) => /^\+?[0-9 ()-]{7,20}$/.test(s) && s.replace(/\D/g, '').length >= 8;

// ---- steps ------------------------------------------------------------------------

/** Shows one step, marks it in the step list and (unless focus is false) moves the focus to its heading. */
function showStep(name, { focus = true } = {}) {
  S.step = name;
  for (const s of STEPS) $('step-' + s).hidden = s !== name;
  const n = STEPS.indexOf(name);
  for (const li of $('steps').querySelectorAll('li')) {
    const i = STEPS.indexOf(li.dataset.step);
    li.classList.toggle('done', i < n);
    if (i === n) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  $('steps').hidden = false;
  document.title = `${t('stepOf', n + 1, STEPS.length, t(STEP_KEY[name]))} – ${t('docTitle')}`;
  if (focus) focusOn($(TITLE[name]));
}

/** The session ended (logged out, or idle): hide and forget everything typed. */
function forget() {
  if (S.signFlow) S.signFlow.stop();
  S.signFlow = null;
  S.me = null;
  S.form = '';
  S.slots = [];
  S.slot = null;
  S.contact = { name: '', address: '', email: '', mobile: '' };
  S.co = '';
  S.busy = false;
  for (const f of document.querySelectorAll('#main input, #main textarea')) {
    if (f.type === 'checkbox' || f.type === 'radio') f.checked = false;
    else f.value = '';
  }
  $('slot-list').replaceChildren();
  $('slot-group').hidden = true;
  for (const id of ['sum-meeting', 'sum-contact', 'sum-co', 'receipt-meeting', 'eid-sign', 'eid-login']) $(id).replaceChildren();
  for (const id of ['receipt-hold', 'receipt-co', 'sign-status', 'slots-status']) $(id).textContent = '';
  clearFieldErrors($('main'));
  clearAlerts();
}

function clearAlerts() {
  for (const id of ['page-alert', 'choose-alert', 'contact-alert', 'co-alert', 'summary-alert']) $(id).textContent = '';
  $('conflict').hidden = true;
  $('conflict-text').textContent = '';
}

function onLoggedOut() {
  forget();
  for (const s of STEPS) $('step-' + s).hidden = true;
  $('steps').hidden = true;
  S.bar = null;
  announce(t('loggedOutHidden'));
}

/** The session is gone on the server (a 401): the session bar shows it. */
async function sessionEnded() {
  if (S.bar) await S.bar.refresh();
  else onLoggedOut();
}

// ---- 1. log in ------------------------------------------------------------------------

async function enter({ focus = true } = {}) {
  const m = await citizen();
  if (m === undefined) {
    $('page-alert').textContent = t('network');
    return;
  }
  if (!m) {
    showStep('login', { focus });
    return;
  }
  S.me = m;
  if (!S.bar) S.bar = await showSessionBar(onLoggedOut);
  prefill();
  showStep('instr', { focus });
}

$('login-start').addEventListener('click', () => {
  $('login-start').hidden = true;
  login($('eid-login'), {
    lang,
    onDone: async (outcome) => {
      if (outcome !== 'complete') return; // eid.js offers "try again"
      $('eid-login').replaceChildren();
      $('login-start').hidden = false;
      await enter();
    },
  });
});

// ---- 2. instructions ----------------------------------------------------------------

$('instr-read').addEventListener('change', () => { if ($('instr-read').checked) setFieldError('instr-read', ''); });
$('instr-next').addEventListener('click', () => {
  if (!$('instr-read').checked) {
    setFieldError('instr-read', t('instrMissing'));
    $('instr-read').focus();
    return;
  }
  setFieldError('instr-read', '');
  showStep('choose');
});

// ---- 3. kind of session and time --------------------------------------------------------

for (const r of document.querySelectorAll('input[name="form"]')) {
  r.addEventListener('change', () => {
    if (!r.checked) return;
    $('form-error').textContent = '';
    if (S.form !== r.value) {
      S.form = r.value;
      S.slot = null;
      loadSlots();
    }
  });
}

async function loadSlots() {
  const seq = ++S.slotsSeq;
  const form = S.form;
  $('slot-group').hidden = false;
  $('slot-error').textContent = '';
  $('slot-list').replaceChildren();
  $('slots-status').textContent = t('slotsLoading');
  let r;
  try {
    r = await api('GET', '/api/booking/slots?form=' + encodeURIComponent(form));
  } catch {
    if (seq === S.slotsSeq) $('slots-status').textContent = t('network');
    return;
  }
  if (seq !== S.slotsSeq) return;
  if (r.status === 401) { await sessionEnded(); return; }
  if (!r.ok || !Array.isArray(r.data)) {
    $('slots-status').textContent = errorText(r, t('slotsFailed'));
    return;
  }
  S.slots = r.data;
  renderSlots();
}

function renderSlots() {
  const formName = t('form_' + S.form);
  if (S.slot && !S.slots.some((s) => s.id === S.slot.id)) S.slot = null;
  $('slots-status').textContent = S.slots.length ? t('slotsCount', S.slots.length, formName) : t('slotsNone', formName);
  $('slot-list').replaceChildren(...S.slots.map((s, i) => {
    const id = 'slot-' + i;
    const input = el('input', { id, type: 'radio', name: 'slot', value: s.id });
    input.checked = !!(S.slot && S.slot.id === s.id);
    input.addEventListener('change', () => {
      if (!input.checked) return;
      S.slot = s;
      $('slot-error').textContent = '';
    });
    return el('div', { class: 'choice slot' }, input,
      el('label', { for: id },
        el('span', { class: 'slot-time', text: fmtSpan(s, t) }),
        el('span', { class: 'slot-where', text: `${placeLabel(s, t)}, ${t('slotWith', s.counselor || '')}` })));
  }));
}

$('choose-back').addEventListener('click', () => showStep('instr'));
$('choose-next').addEventListener('click', () => {
  $('choose-alert').textContent = '';
  if (!S.form) {
    $('form-error').textContent = t('formMissing');
    $('form-engangssamtal').focus();
    return;
  }
  if (!S.slot) {
    $('slot-error').textContent = t('slotMissing');
    const first = $('slot-list').querySelector('input');
    (first || $('form-' + S.form)).focus();
    return;
  }
  showStep('contact');
});

// ---- 4. contact details -------------------------------------------------------------------

/** Pre-fills the name from the e-ID, unless the citizen has protected identity: then nothing, and a note says why. */
function prefill() {
  const prot = !!(S.me && S.me.protected);
  $('contact-protected').hidden = !prot;
  $('contact-prefilled').hidden = prot || !(S.me && S.me.name);
  if (!prot && S.me && S.me.name && !$('c-name').value) $('c-name').value = S.me.name;
}

function readContact() {
  return {
    name: $('c-name').value.trim(), address: $('c-address').value.trim(),
    email: $('c-email').value.trim(), mobile: $('c-mobile').value.trim(),
  };
}

/** Checks the fields and shows what is wrong next to each; returns the first field in error, or null. */
function checkContact(c) {
  const errs = [
    ['c-name', !c.name ? t('nameMissing') : ''],
    ['c-address', !c.address ? t('addressMissing') : ''],
    ['c-email', !c.email ? t('emailMissing') : !emailLike(c.email) ? t('emailBad') : ''],
    ['c-mobile', !c.mobile ? t('mobileMissing') : !mobileLike(c.mobile) ? t('mobileBad') : ''],
  ];
  let first = null;
  for (const [id, m] of errs) {
    setFieldError(id, m);
    if (m && !first) first = id;
  }
  return first;
}

$('contact-back').addEventListener('click', () => showStep('choose'));
$('contact-form').addEventListener('submit', (e) => {
  e.preventDefault();
  $('contact-alert').textContent = '';
  const c = readContact();
  const first = checkContact(c);
  if (first) {
    $(first).focus();
    return;
  }
  S.contact = c;
  showStep('co');
});

// ---- 5. the co-applicant ----------------------------------------------------------------

$('co-back').addEventListener('click', () => showStep('contact'));
$('co-form').addEventListener('submit', (e) => {
  e.preventDefault();
  $('co-alert').textContent = '';
  const a = $('co-email').value.trim();
  const b = $('co-email2').value.trim();
  const e1 = !a ? t('coMissing') : !emailLike(a) ? t('coBad') : '';
  const e2 = e1 ? '' : !b ? t('co2Missing') : a.toLowerCase() !== b.toLowerCase() ? t('coMismatch') : '';
  setFieldError('co-email', e1);
  setFieldError('co-email2', e2);
  if (e1 || e2) {
    $(e1 ? 'co-email' : 'co-email2').focus();
    return;
  }
  S.co = a;
  renderSummary();
  showStep('summary');
  if (a.toLowerCase() === S.contact.email.toLowerCase()) $('summary-alert').textContent = t('coSelf');
});

// ---- 6. summary and signing ------------------------------------------------------------

function facts(rows) {
  return el('dl', { class: 'facts' }, rows.map(([k, v]) => el('div', { class: 'fact' }, el('dt', { text: k }), el('dd', { class: 'pre', text: v }))));
}

function renderSummary() {
  $('sum-meeting').replaceChildren(meetingList(S.slot, t));
  $('sum-contact').replaceChildren(facts([
    [t('dName'), S.contact.name], [t('dAddress'), S.contact.address],
    [t('dEmail'), S.contact.email], [t('dMobile'), S.contact.mobile],
  ]));
  $('sum-co').replaceChildren(facts([[t('dCoEmail'), S.co]]));
  $('sign').textContent = t('signButton');
  $('sign').hidden = false;
  $('summary-back').hidden = false;
  $('sign-status').textContent = '';
  $('eid-sign').replaceChildren();
  clearAlerts();
}

$('summary-back').addEventListener('click', () => showStep('co'));
$('edit-choose').addEventListener('click', () => showStep('choose'));
$('edit-contact').addEventListener('click', () => showStep('contact'));
$('edit-co').addEventListener('click', () => showStep('co'));
$('conflict-back').addEventListener('click', () => {
  S.slot = null;
  clearAlerts();
  $('choose-alert').textContent = t('slotGone');
  showStep('choose');
  if (S.form) loadSlots();
});

/** The signing is over without a booking: the button comes back. */
function signEnded(status) {
  S.busy = false;
  S.signFlow = null;
  $('sign').disabled = false;
  $('sign').hidden = false;
  $('sign').textContent = t('signAgain');
  $('summary-back').hidden = false;
  $('sign-status').textContent = status || '';
}

/** Shows the server's field errors next to their fields, on the first step that has one. */
function showFieldErrors(data) {
  const fields = (data && data.fields) || {};
  let step = '';
  let first = '';
  const other = [];
  for (const [name, message] of Object.entries(fields)) {
    const where = FIELDS[name];
    if (!where) { other.push(text(message)); continue; }
    const [s, id] = where;
    if (id === 'slot' || id === 'form') $(id + '-error').textContent = text(message);
    else setFieldError(id, text(message));
    if (!step || STEPS.indexOf(s) < STEPS.indexOf(step)) { step = s; first = id; }
  }
  const summary = text(data && data.error) || t('fixFields');
  if (!step) {
    $('summary-alert').textContent = [summary, ...other].join(' ');
    return;
  }
  $(step + '-alert').textContent = summary;
  showStep(step, { focus: false });
  const target = first === 'slot' ? ($('slot-list').querySelector('input') || $('choose-title'))
    : first === 'form' ? $('form-engangssamtal') : $(first);
  focusOn(target);
}

function showConflict(message) {
  $('conflict-text').textContent = message || t('slotGone');
  $('conflict').hidden = false;
  $('conflict-back').focus();
}

async function doSign() {
  if (S.busy) return;
  S.busy = true;
  clearAlerts();
  $('sign').disabled = true;
  $('sign-status').textContent = t('signPreparing');
  let r;
  try {
    r = await api('POST', '/api/booking/sign', { slot: S.slot.id, contact: S.contact, co_email: S.co });
  } catch {
    signEnded('');
    $('summary-alert').textContent = t('network');
    return;
  }
  if (r.status === 401) { signEnded(''); await sessionEnded(); return; }
  if (r.status === 422) { signEnded(''); showFieldErrors(r.data); return; }
  if (r.status === 409 || r.status === 404) { signEnded(''); showConflict(errorText(r, t('slotGone'))); return; }
  if (!r.ok || !r.data.order) { signEnded(''); $('summary-alert').textContent = errorText(r, t('failed')); return; }
  const order = r.data.order;
  $('sign').hidden = true;
  $('summary-back').hidden = true;
  $('sign-status').textContent = '';
  S.signFlow = sign($('eid-sign'), order, { lang });
  const outcome = await S.signFlow.done;
  if (!S.me) return; // logged out meanwhile
  if (outcome !== 'complete') {
    signEnded(t('signStopped'));
    return;
  }
  $('sign-status').textContent = t('signSending');
  await book(order);
}

/** Takes the signed order to a booking: POST /api/booking/book until it is no longer 202. */
async function book(order) {
  let r = null;
  for (let i = 0; i < BOOK_TRIES; i++) {
    try {
      r = await api('POST', '/api/booking/book', { order });
    } catch {
      r = null;
    }
    if (!S.me) return;
    if (r && r.status !== 202) break;
    await sleep(BOOK_WAIT_MS);
  }
  if (!r) { signEnded(''); $('summary-alert').textContent = t('network'); return; }
  if (r.status === 202) { signEnded(''); $('summary-alert').textContent = t('bookSlow'); return; }
  if (r.status === 401) { signEnded(''); await sessionEnded(); return; }
  if (r.status === 409 && r.data.code !== 'sign_failed') { signEnded(''); showConflict(errorText(r, t('slotGone'))); return; }
  if (r.status === 422) { signEnded(''); showFieldErrors(r.data); return; }
  if (!r.ok) { signEnded(''); $('summary-alert').textContent = errorText(r, t('failed')); return; }
  S.busy = false;
  S.signFlow = null;
  showReceipt((r.data && r.data.booking) || r.data || {});
}

$('sign').addEventListener('click', doSign);

// ---- 7. receipt -----------------------------------------------------------------------------

function showReceipt(b) {
  const meeting = b.meeting && b.meeting.start ? b.meeting : S.slot;
  $('receipt-hold').textContent = b.hold_until ? t('receiptHold', fmtDateTime(b.hold_until)) : t('receiptHold24');
  $('receipt-meeting').replaceChildren(meetingList(meeting, t));
  $('receipt-co').textContent = t('receiptCo', b.co_email || b.co_applicant_email || S.co);
  $('eid-sign').replaceChildren();
  $('sign-status').textContent = '';
  showStep('receipt');
  announce(t('receiptDone'));
}

// ---- start -------------------------------------------------------------------------------

applyLang(t);
enter({ focus: false });
