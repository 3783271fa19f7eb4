// Parentline parenting-programme registration, ABC and Komet (/foraldrastod/): log in
// with e-ID, one form (programme, district, contact, gender, children, an optional
// partner, other information, consent), submit, and a receipt with the record id, the
// e-mail with a link to follow the status, and a copy of what was sent. This form keeps
// no drafts. Nothing is stored in the browser.
//
// API (see the contract): GET /api/interest/programme/form, POST /api/interest/programme.

import { login } from '/eid/eid.js';
import {
  lang, $, el, applyLang, api, errorText, fmtDateTime, announce, focusOn, citizen, showSessionBar,
  interestTranslator, readAnswers, clearInputs, checkAnswers, markProtected, showErrors, clearErrors, clearErrorsIn,
  wireErrorSummary, answersView, paragraphs, recordsList, text,
} from '/interest/common.js';

const KIND = 'programme';
const STEPS = ['login', 'form', 'receipt'];
const API = '/api/interest/' + KIND;

const DICT = {
  sv: {
    docTitle: 'Intresseanmälan – föräldrastöd ABC och Komet', brand: 'Stockholms stad – e-tjänster', navForm: 'Föräldrastöd',
    title: 'Intresseanmälan – föräldrastöd ABC och Komet',
    lead: 'Den här tjänsten kräver inloggning.',
    stepForm: 'Fyll i anmälan',
    descAbc: 'För föräldrar till barn 3–12 år. I en föräldragrupp pratar ni om hur ni kan stärka relationen med barnet och göra vardagen lättare.',
    descKomet: 'För föräldrar till barn 3–11 år vars beteende ofta är utmanande, till exempel med många konflikter. I en föräldragrupp får ni verktyg för vardagen.',
    chooseDistrict: 'Välj stadsdel', noOtherDistrict: 'Ingen annan stadsdel', noAnswer: 'Inget svar',
    hintDistrict: 'Stadsdelen där du vill gå programmet. Den stadsdelens samordnare får din anmälan.',
    hintEmailProgramme: 'Hit skickar vi en bekräftelse med en länk där du kan följa din anmälan.',
    hintPartner: 'Om ni vill gå tillsammans. Fyller du i något om din partner behöver du fylla i partnerns namn.',
    hintLanguage: 'Skriv vilket språk, om du vill gå programmet på ett annat språk än svenska.',
    hintOtherInfo: 'Frivilligt. Högst 1 000 tecken.',
    partnerName: 'Fyll i partnerns namn, eller töm fälten om din partner.',
    otherDistrictSame: 'Välj en annan stadsdel än den du anmäler dig till, eller ingen.',
    unitOption: (name, note) => `${name} – ${note}`,
    consentLabel: 'Jag har läst texten och samtycker',
    submit: 'Skicka intresseanmälan',
    receiptTitle: 'Din intresseanmälan är skickad',
    receiptMailProgramme: (email) => `Vi skickar ett e-postmeddelande till ${email} med en länk där du kan logga in och följa status på din anmälan.`,
    receiptMailProgrammeNone: 'Vi skickar ett e-postmeddelande med en länk där du kan logga in och följa status på din anmälan.',
    receiptNext: 'Samordnaren i stadsdelen hör av sig till dig. Du kan följa anmälans status och ta tillbaka den på Mina sidor.',
  },
  en: {
    docTitle: 'Registration of interest – parenting programmes ABC and Komet', brand: 'City of Stockholm – e-services', navForm: 'Parenting support',
    title: 'Registration of interest – parenting programmes ABC and Komet',
    lead: 'This service requires you to log in.',
    stepForm: 'Fill in the registration',
    descAbc: 'For parents of children aged 3–12. In a parents’ group you talk about how to strengthen your relationship with your child and make everyday life easier.',
    descKomet: 'For parents of children aged 3–11 whose behaviour is often challenging, for example with many conflicts. In a parents’ group you get tools for everyday life.',
    chooseDistrict: 'Choose a district', noOtherDistrict: 'No other district', noAnswer: 'No answer',
    hintDistrict: 'The district where you want to take the programme. That district’s coordinator gets your registration.',
    hintEmailProgramme: 'We send a confirmation here, with a link where you can follow your registration.',
    hintPartner: 'If you want to take part together. If you fill in anything about your partner, fill in their name too.',
    hintLanguage: 'Say which language, if you want to take the programme in a language other than Swedish.',
    hintOtherInfo: 'Optional. At most 1,000 characters.',
    partnerName: 'Enter your partner’s name, or empty the fields about your partner.',
    otherDistrictSame: 'Choose a district other than the one you register with, or none.',
    unitOption: (name, note) => `${name} – ${note}`,
    consentLabel: 'I have read the text and give my consent',
    submit: 'Send the registration',
    receiptTitle: 'Your registration of interest has been sent',
    receiptMailProgramme: (email) => `We are sending an e-mail to ${email} with a link where you can log in and follow the status of your registration.`,
    receiptMailProgrammeNone: 'We are sending an e-mail with a link where you can log in and follow the status of your registration.',
    receiptNext: 'The district’s coordinator will contact you. On My pages you can follow the status and withdraw the registration.',
  },
};

const t = interestTranslator(KIND, DICT);

/** Whether the citizen has protected identity: they choose which contact details to give. */
const isProtected = () => !!(S.me && S.me.protected);

/** The page's state: nothing of it outlives the page or the session. */
const S = { me: null, bar: null, step: '', form: null, units: [], busy: false };

// ---- steps -------------------------------------------------------------------------------

const stepName = (name) => ({ login: t('stepLogin'), form: t('stepForm'), receipt: t('stepReceipt') }[name]);

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
  document.title = `${t('stepOf', n + 1, STEPS.length, stepName(name))} – ${t('docTitle')}`;
  if (focus) focusOn($(name + '-title'));
}

// The form is one step: a field in error is always on it.
const goTo = () => {};

// ---- the session ---------------------------------------------------------------------------

function forget() {
  S.me = null;
  S.form = null;
  S.units = [];
  S.busy = false;
  clearInputs($('interest-form'));
  markProtected(KIND, false);
  for (const id of ['consent-text', 'receipt-records', 'receipt-answers', 'eid-login']) $(id).replaceChildren();
  for (const id of ['consent-what', 'receipt-when', 'receipt-mail', 'submit-status', 'form-alert', 'page-alert']) $(id).textContent = '';
  $('district').replaceChildren($('district').options[0]);
  $('other-district').replaceChildren($('other-district').options[0]);
  $('district-registered').hidden = true;
  $('submit').disabled = false;
  clearErrors();
}

function onLoggedOut() {
  forget();
  for (const s of STEPS) $('step-' + s).hidden = true;
  $('steps').hidden = true;
  S.bar = null;
  announce(t('loggedOutHidden'));
}

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
  showStep('form', { focus });
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

// ---- the form's data -------------------------------------------------------------------------

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
  prefill();
  return true;
}

/** The name from the e-ID ("prefill") into empty fields; nothing else, and nothing with protected identity. */
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

/** The districts: a closed one cannot be chosen; any may be wished for as another district. */
function renderUnits() {
  const chosen = $('district').value;
  const other = $('other-district').value;
  $('district').replaceChildren($('district').options[0], ...S.units.map((u) => el('option', {
    value: u.code, disabled: !u.open, text: u.open ? u.name : t('unitOption', u.name, t('unitClosed')),
  })));
  $('other-district').replaceChildren($('other-district').options[0], ...S.units.map((u) => el('option', { value: u.code, text: u.name })));
  if (chosen && S.units.some((u) => u.code === chosen && u.open)) $('district').value = chosen;
  if (other) $('other-district').value = other;
  showRegistered();
}

/** The chosen programme ('abc', 'komet') or ''. */
function chosenProgramme() {
  const r = document.querySelector('input[name="programme"]:checked');
  return r ? r.value : '';
}

/**
 * Says so when this person already has a registration for the chosen programme in the chosen
 * district (registration is once per district and programme; before a programme is chosen,
 * any registration in the district counts).
 */
function showRegistered() {
  const u = S.units.find((x) => x.code === $('district').value);
  const prog = chosenProgramme();
  const labels = (u && Array.isArray(u.labels) ? u.labels : []).map((l) => String(l).toLowerCase());
  const here = !!u && !!u.registered && (!prog || labels.length === 0 || labels.includes(prog));
  $('district-registered').hidden = !here;
}

$('district').addEventListener('change', showRegistered);
for (const r of document.querySelectorAll('input[name="programme"]')) r.addEventListener('change', showRegistered);

// ---- submit ------------------------------------------------------------------------------------

function check() {
  const { answers, bad } = readAnswers(KIND);
  const errs = checkAnswers(KIND, null, answers, bad, t, isProtected());
  const p = answers.partner;
  if (p && (p.email || p.gender) && !p.name) errs['partner.name'] = t('partnerName');
  if (answers.other_district && answers.other_district === answers.district) errs.other_district = t('otherDistrictSame');
  if (!$('consent').checked) errs.consent = t('consentMissing');
  return { answers, errs };
}

/** The units the server says already hold this person's registration for the chosen programme. */
function markRegistered(codes) {
  const prog = chosenProgramme();
  for (const u of S.units) {
    if (![].concat(codes || []).some((c) => c === u.code || (c && c.code === u.code))) continue;
    u.registered = true;
    u.labels = Array.isArray(u.labels) ? u.labels : [];
    if (prog && !u.labels.some((l) => String(l).toLowerCase() === prog)) u.labels.push(prog);
  }
  showRegistered();
}

async function submit() {
  if (S.busy) return;
  $('form-alert').textContent = '';
  const { answers, errs } = check();
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
  if (!S.me) return;
  if (!r) { $('form-alert').textContent = t('network'); return; }
  if (r.status === 401) { await sessionEnded(); return; }
  if (r.status === 201 || (r.ok && Array.isArray(r.data.records))) { showReceipt(r.data, answers); return; }
  const fields = r.data.fields && typeof r.data.fields === 'object' ? r.data.fields : {};
  if (r.status === 409 && r.data.code === 'already_registered') {
    markRegistered(r.data.units);
    showErrors(Object.keys(fields).length ? fields : { district: errorText(r, t('failed')) }, { t, kind: KIND, goTo, intro: errorText(r, '') });
    return;
  }
  if (r.status === 422 && Object.keys(fields).length) {
    showErrors(fields, { t, kind: KIND, goTo, intro: errorText(r, '') });
    return;
  }
  $('form-alert').textContent = errorText(r, t('failed'));
}

$('interest-form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (S.step === 'form') submit();
});
$('consent').addEventListener('change', () => { if ($('consent').checked) clearErrorsIn($('consent').parentElement.parentElement); });

// ---- receipt ---------------------------------------------------------------------------------------

function showReceipt(data, answers) {
  const records = Array.isArray(data.records) ? data.records : [];
  $('receipt-when').textContent = t('receiptSent', fmtDateTime(new Date()));
  $('receipt-records').replaceChildren(...recordsList(records, S.units, t));
  const email = answers.contact && answers.contact.email;
  $('receipt-mail').textContent = email ? t('receiptMailProgramme', email) : t('receiptMailProgrammeNone');
  $('receipt-answers').replaceChildren(...answersView(KIND, answers, S.units, t, { idPrefix: 'receipt' }));
  markRegistered(records.map((x) => x.unit));
  clearInputs($('interest-form'));
  showStep('receipt');
  announce(t('receiptDone'));
}

$('receipt-print').addEventListener('click', () => window.print());

// ---- start -------------------------------------------------------------------------------------------

wireErrorSummary();
applyLang(t);
enter({ focus: false });
