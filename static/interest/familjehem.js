// Parentline foster-home interest registration (/familjehem/): log in with e-ID, the
// form in steps (assignments, municipalities, contact, household, questions, health),
// review with the art. 9 consent, submit, and a receipt with the record ids and a copy
// of what was sent (the platform cannot show it again: it is sealed to the
// municipalities). A draft (never the health answers) can be saved on the server at any
// time and is filled in on return. Nothing is stored in the browser.
//
// API (see the contract): GET /api/interest/foster/form, PUT and DELETE
// /api/interest/foster/draft, POST /api/interest/foster.

import { login } from '/eid/eid.js';
import {
  lang, $, el, applyLang, langHref, api, errorText, fmtDate, fmtDateTime, announce, focusOn, citizen,
  showSessionBar, interestTranslator, readAnswers, fillAnswers, clearInputs, checkAnswers, markProtected, showErrors,
  clearErrors, clearErrorsIn, wireErrorSummary, answersView, paragraphs, recordsList, text,
} from '/interest/common.js';

const KIND = 'foster';
const STEPS = ['login', 'assignments', 'municipalities', 'contact', 'household', 'questions', 'health', 'review', 'receipt'];
const GROUPS = ['assignments', 'municipalities', 'contact', 'household', 'questions', 'health'];
/** What a draft keeps: everything but the health answers (the server drops them too). */
const DRAFT_GROUPS = GROUPS.filter((g) => g !== 'health');
const API = '/api/interest/' + KIND;

const DICT = {
  sv: {
    docTitle: 'Intresseanmälan – familjehem', brand: 'Kommunerna i Jämtlands län – e-tjänster', navForm: 'Bli familjehem',
    title: 'Intresseanmälan – familjehem, jourhem, kontaktperson och kontaktfamilj',
    lead: 'Den här tjänsten kräver inloggning.',
    stepReview: 'Granska och skicka',
    descFamiljehem: 'Ett barn eller en ungdom bor hos dig under en längre tid.',
    descJourhem: 'Ett barn bor hos dig med kort varsel under en kortare tid, medan socialtjänsten utreder.',
    descKontaktperson: 'Du träffar ett barn eller en ungdom regelbundet och är ett stöd i vardagen.',
    descKontaktfamilj: 'Ett barn som bor hemma är hos dig ibland, till exempel en helg i månaden.',
    municipalitiesText: 'Varje kommun du väljer får en egen anmälan, som bara den kommunen kan läsa.',
    hintAdults: 'Du själv räknas med.', hintChildren: 'Skriv 0 om inga barn bor hemma.',
    hintChildrenAges: 'Till exempel 4 och 9 år.', hintRooms: 'Kök räknas inte.',
    hintMotivation: 'Frivilligt. Högst 2 000 tecken.', hintHealthComment: 'Frivilligt. Högst 1 000 tecken.',
    healthNote: 'Svaren om din hälsa sparas aldrig i ett utkast; fyll i dem när du är redo att skicka. När du skickar krypteras de tillsammans med resten av anmälan, så att bara de som arbetar med familjehem i kommunen kan läsa dem.',
    reviewText: 'Kontrollera dina svar innan du skickar. Du kan ändra dem.',
    consentLabel: 'Jag har läst texten och samtycker',
    submit: 'Skicka intresseanmälan',
    receiptTitle: 'Din intresseanmälan är skickad',
    receiptNext: 'Kommunen hör av sig till dig. Du kan följa anmälans status, ta tillbaka den eller rätta dina kontaktuppgifter på Mina sidor.',
    draftTitle: 'Spara och fortsätt senare',
    draftText: 'Du kan spara ett utkast när som helst och fortsätta senare. Svaren om hälsa sparas aldrig i utkastet.',
    draftSave: 'Spara utkast', draftDelete: 'Ta bort utkast', draftSaving: 'Sparar utkastet …',
    draftSaved: (at, until) => `Utkastet sparades ${at}. Det raderas ${until} om du inte sparar det igen eller skickar anmälan.`,
    draftLoaded: (at, until) => `Vi har fyllt i formuläret med ditt utkast från ${at}. Svaren om hälsa finns inte i utkastet. Utkastet raderas ${until} om du inte sparar det igen eller skickar anmälan.`,
    draftDeleted: 'Utkastet är borttaget. Det du har fyllt i finns kvar på sidan tills du lämnar den eller loggar ut.',
    draftFailed: 'Utkastet kunde inte sparas. Försök igen.',
    draftDeleteFailed: 'Utkastet kunde inte tas bort. Försök igen.',
  },
  en: {
    docTitle: 'Registration of interest – foster home', brand: 'The municipalities of Jämtland county – e-services', navForm: 'Become a foster home',
    title: 'Registration of interest – foster home, emergency foster home, support person and support family',
    lead: 'This service requires you to log in.',
    stepReview: 'Review and send',
    descFamiljehem: 'A child or young person lives with you for a longer time.',
    descJourhem: 'A child stays with you at short notice for a short time while social services investigate.',
    descKontaktperson: 'You meet a child or young person regularly and support them in everyday life.',
    descKontaktfamilj: 'A child who lives at home sometimes stays with you, for example one weekend a month.',
    municipalitiesText: 'Each municipality you choose gets a registration of its own, which only that municipality can read.',
    hintAdults: 'Count yourself too.', hintChildren: 'Enter 0 if no children live at home.',
    hintChildrenAges: 'For example 4 and 9 years.', hintRooms: 'Do not count the kitchen.',
    hintMotivation: 'Optional. At most 2,000 characters.', hintHealthComment: 'Optional. At most 1,000 characters.',
    healthNote: 'Your answers about health are never kept in a draft; fill them in when you are ready to send. When you send, they are encrypted with the rest of the registration so that only the municipality’s foster care staff can read them.',
    reviewText: 'Check your answers before you send. You can change them.',
    consentLabel: 'I have read the text and give my consent',
    submit: 'Send the registration',
    receiptTitle: 'Your registration of interest has been sent',
    receiptNext: 'The municipality will contact you. On My pages you can follow the status, withdraw the registration or correct your contact details.',
    draftTitle: 'Save and continue later',
    draftText: 'You can save a draft at any time and continue later. Answers about health are never kept in the draft.',
    draftSave: 'Save draft', draftDelete: 'Delete draft', draftSaving: 'Saving the draft …',
    draftSaved: (at, until) => `The draft was saved ${at}. It is deleted on ${until} unless you save it again or send the registration.`,
    draftLoaded: (at, until) => `We have filled in the form with your draft from ${at}. Answers about health are not in the draft. The draft is deleted on ${until} unless you save it again or send the registration.`,
    draftDeleted: 'The draft has been deleted. What you filled in stays on this page until you leave it or log out.',
    draftFailed: 'The draft could not be saved. Please try again.',
    draftDeleteFailed: 'The draft could not be deleted. Please try again.',
  },
};

const t = interestTranslator(KIND, DICT);

/** Whether the citizen has protected identity: they choose which contact details to give. */
const isProtected = () => !!(S.me && S.me.protected);

/** The page's state: nothing of it outlives the page or the session. */
const S = { me: null, bar: null, step: '', form: null, units: [], draft: null, busy: false };

// ---- steps -------------------------------------------------------------------------------

const titleOf = (name) => $(name + '-title');
const stepName = (name) => (name === 'login' ? t('stepLogin') : name === 'review' ? t('stepReview') : name === 'receipt' ? t('stepReceipt') : t('g:' + name));

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
  const inForm = GROUPS.includes(name) || name === 'review';
  $('draft-bar').hidden = !inForm;
  $('required-note').hidden = !inForm;
  document.title = `${t('stepOf', n + 1, STEPS.length, stepName(name))} – ${t('docTitle')}`;
  if (focus) focusOn(titleOf(name));
}

/** Shows the step that holds element e (a field in error). */
function goTo(e) {
  const sec = e && e.closest('.step');
  if (sec && sec.id.startsWith('step-')) {
    const name = sec.id.slice(5);
    if (name === 'review') renderReview();
    showStep(name, { focus: false });
  }
}

/** Checks the step's required fields; on to the next step when they are filled in. */
function next(group) {
  const { answers, bad } = readAnswers(KIND, [group]);
  const errs = checkAnswers(KIND, [group], answers, bad, t, isProtected());
  if (Object.keys(errs).length) {
    showErrors(errs, { t, kind: KIND, goTo });
    return;
  }
  clearErrorsIn($('step-' + group));
  const to = STEPS[STEPS.indexOf(group) + 1];
  if (to === 'review') renderReview();
  showStep(to);
}

// ---- the session ---------------------------------------------------------------------------

/** The session ended (logged out, or idle): hide and forget everything typed. */
function forget() {
  S.me = null;
  S.form = null;
  S.units = [];
  S.draft = null;
  S.busy = false;
  clearInputs($('interest-form'));
  markProtected(KIND, false);
  for (const id of ['municipalities-list', 'review', 'consent-text', 'receipt-records', 'receipt-answers', 'eid-login']) $(id).replaceChildren();
  for (const id of ['consent-what', 'receipt-when', 'receipt-mail', 'draft-status', 'submit-status', 'review-alert', 'page-alert']) $(id).textContent = '';
  $('draft-delete').hidden = true;
  $('submit').disabled = false;
  clearErrors();
}

function onLoggedOut() {
  forget();
  for (const s of STEPS) $('step-' + s).hidden = true;
  $('steps').hidden = true;
  $('draft-bar').hidden = true;
  $('required-note').hidden = true;
  S.bar = null;
  announce(t('loggedOutHidden'));
}

/** The session is gone on the server (a 401): the session bar shows it. */
async function sessionEnded() {
  if (S.bar) await S.bar.refresh();
  else onLoggedOut();
}

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
  if (!(await loadForm())) return;
  showStep('assignments', { focus });
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

// ---- the form's data: units, consent, draft, prefill --------------------------------------------

/** GET the form: units, the consent text, a saved draft and the name to pre-fill. */
async function loadForm() {
  let r;
  try {
    r = await api('GET', API + '/form');
  } catch {
    $('page-alert').textContent = t('network');
    return false;
  }
  if (r.status === 401) { await sessionEnded(); return false; }
  if (!r.ok || !Array.isArray(r.data.units)) {
    $('page-alert').textContent = errorText(r, t('formFailed'));
    return false;
  }
  $('page-alert').textContent = '';
  S.form = r.data;
  S.units = r.data.units;
  renderUnits();
  $('consent-what').textContent = text(r.data.consent && r.data.consent.what);
  $('consent-text').replaceChildren(...paragraphs(text(r.data.consent && r.data.consent.text)));
  if (r.data.draft && typeof r.data.draft === 'object') {
    fillAnswers(KIND, r.data.draft);
    S.draft = r.data.draft_info || null;
    renderDraft('draftLoaded');
  } else {
    S.draft = null;
    renderDraft();
  }
  prefill();
  return true;
}

/**
 * The name from the e-ID ("prefill"), into empty fields only; nothing else is ever
 * pre-filled. With protected identity the server sends empty strings and a note says why.
 */
function prefill() {
  const prot = !!(S.me && S.me.protected);
  const p = (S.form && S.form.prefill) || {};
  let filled = false;
  for (const [id, v] of [['contact-given-name', p.given_name], ['contact-surname', p.surname]]) {
    if (!prot && v && !$(id).value) {
      $(id).value = v;
      filled = true;
    }
  }
  $('contact-protected').hidden = !prot;
  markProtected(KIND, prot);
  $('contact-prefilled').hidden = prot || !filled;
}

/** The municipalities as checkboxes: closed ones and those already registered with cannot be chosen. */
function renderUnits() {
  const checked = new Set([...document.querySelectorAll('input[name="municipalities"]:checked')].map((i) => i.value));
  $('municipalities-list').replaceChildren(...S.units.map((u) => {
    const id = 'municipalities-' + u.code;
    const off = !u.open || !!u.registered;
    const desc = off ? id + '-desc' : null;
    const input = el('input', { id, type: 'checkbox', name: 'municipalities', value: u.code, disabled: off, 'aria-describedby': desc });
    input.checked = !off && checked.has(u.code);
    const parts = [input, el('label', { for: id, text: u.name })];
    if (u.registered) {
      parts.push(el('p', { id: desc, class: 'choice-desc' }, t('unitRegistered') + ' ',
        el('a', { href: langHref('/mina-sidor/'), text: t('unitRegisteredLink') })));
    } else if (!u.open) {
      parts.push(el('p', { id: desc, class: 'choice-desc', text: t('unitClosed') }));
    }
    return el('div', { class: off ? 'choice is-off' : 'choice', 'data-unit': u.code }, parts);
  }));
}

// ---- the draft -------------------------------------------------------------------------------------

function renderDraft(kind = 'draftSaved') {
  const d = S.draft;
  $('draft-delete').hidden = !d;
  $('draft-status').textContent = d ? t(kind, fmtDateTime(d.saved_at), fmtDate(d.delete_after)) : '';
}

async function saveDraft() {
  const { answers } = readAnswers(KIND, DRAFT_GROUPS);
  $('draft-save').disabled = true;
  $('draft-status').textContent = t('draftSaving');
  let r;
  try {
    r = await api('PUT', API + '/draft', { answers });
  } catch {
    r = null;
  }
  $('draft-save').disabled = false;
  if (r && r.status === 401) { await sessionEnded(); return; }
  if (!r || !r.ok) {
    $('draft-status').textContent = r ? errorText(r, t('draftFailed')) : t('network');
    return;
  }
  S.draft = r.data;
  renderDraft();
}

async function deleteDraft() {
  let r;
  try {
    r = await api('DELETE', API + '/draft');
  } catch {
    r = null;
  }
  if (r && r.status === 401) { await sessionEnded(); return; }
  if (!r || (!r.ok && r.status !== 404)) {
    $('draft-status').textContent = r ? errorText(r, t('draftDeleteFailed')) : t('network');
    return;
  }
  S.draft = null;
  renderDraft();
  $('draft-status').textContent = t('draftDeleted');
  $('draft-save').focus();
}

$('draft-save').addEventListener('click', saveDraft);
$('draft-delete').addEventListener('click', deleteDraft);

// ---- review and submit -----------------------------------------------------------------------------

function renderReview() {
  const { answers } = readAnswers(KIND);
  $('review').replaceChildren(...answersView(KIND, answers, S.units, t, { onEdit: (g) => showStep(g) }));
}

/** The units the server says are already registered with: shown so, and no longer chosen. */
function markRegistered(codes) {
  for (const u of S.units) if ([].concat(codes || []).some((c) => c === u.code || (c && c.code === u.code))) u.registered = true;
  renderUnits();
}

async function submit() {
  if (S.busy) return;
  $('review-alert').textContent = '';
  const { answers, bad } = readAnswers(KIND);
  const errs = checkAnswers(KIND, null, answers, bad, t, isProtected());
  if (!$('consent').checked) errs.consent = t('consentMissing');
  if (Object.keys(errs).length) {
    showErrors(errs, { t, kind: KIND, goTo });
    return;
  }
  clearErrors();
  S.busy = true;
  $('submit').disabled = true;
  $('submit-status').textContent = t('sending');
  let r;
  try {
    r = await api('POST', API, { answers, consent: true });
  } catch {
    r = null;
  }
  S.busy = false;
  $('submit').disabled = false;
  $('submit-status').textContent = '';
  if (!S.me) return; // logged out meanwhile
  if (!r) { $('review-alert').textContent = t('network'); return; }
  if (r.status === 401) { await sessionEnded(); return; }
  if (r.status === 201 || (r.ok && Array.isArray(r.data.records))) { showReceipt(r.data, answers); return; }
  const fields = r.data.fields && typeof r.data.fields === 'object' ? r.data.fields : {};
  if (r.status === 409 && r.data.code === 'already_registered') {
    markRegistered(r.data.units);
    showErrors(Object.keys(fields).length ? fields : { municipalities: errorText(r, t('failed')) }, { t, kind: KIND, goTo, intro: errorText(r, '') });
    return;
  }
  if (r.status === 422 && Object.keys(fields).length) {
    showErrors(fields, { t, kind: KIND, goTo, intro: errorText(r, '') });
    return;
  }
  $('review-alert').textContent = errorText(r, t('failed'));
}

$('interest-form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (S.step === 'review') submit();
  else if (GROUPS.includes(S.step)) next(S.step);
});

for (const g of GROUPS) $('step-' + g + '-next').addEventListener('click', () => next(g));
for (const s of ['municipalities', 'contact', 'household', 'questions', 'health', 'review']) {
  $('step-' + s + '-back').addEventListener('click', () => showStep(STEPS[STEPS.indexOf(s) - 1]));
}
$('consent').addEventListener('change', () => { if ($('consent').checked) clearErrorsIn($('consent').parentElement.parentElement); });

// ---- receipt -----------------------------------------------------------------------------------------

/** The receipt: record ids per municipality, the mail, and a copy of what was sent; the form is emptied. */
function showReceipt(data, answers) {
  const records = Array.isArray(data.records) ? data.records : [];
  $('receipt-when').textContent = t('receiptSent', fmtDateTime(new Date()));
  $('receipt-records').replaceChildren(...recordsList(records, S.units, t));
  const email = answers.contact && answers.contact.email;
  $('receipt-mail').textContent = email ? t('receiptMail', email) : t('receiptMailNone');
  $('receipt-answers').replaceChildren(...answersView(KIND, answers, S.units, t, { idPrefix: 'receipt' }));
  markRegistered(records.map((x) => x.unit));
  clearInputs($('interest-form'));
  $('review').replaceChildren();
  S.draft = null; // the server deletes the draft with the submission
  renderDraft();
  showStep('receipt');
  announce(t('receiptDone'));
}

$('receipt-print').addEventListener('click', () => window.print());

// ---- start ---------------------------------------------------------------------------------------------

wireErrorSummary();
applyLang(t);
enter({ focus: false });
