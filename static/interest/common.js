// Parentline interest registrations: what the two citizen forms share (/familjehem/,
// /foraldrastod/). Built on the booking pages' shared module (/boka/common.js: the page
// language, the JSON client, field errors, the session bar), which it re-exports, plus:
// reading and filling the answers by the form's description (/interest/schema.js), the
// checks of required fields, the error summary, and the summary of what was sent.
// An ES module with no external fetches; nothing is stored in the browser.

import {
  lang, $, el, translator, applyLang, langHref, api, text, errorText, fmtDate, fmtDateTime,
  setFieldError, clearFieldErrors, announce, focusOn, citizen, showSessionBar,
} from '/boka/common.js';
import { schemaTexts, fieldsOf, fieldAt, idOf, getPath, describe } from '/interest/schema.js';

export {
  lang, $, el, applyLang, langHref, api, text, errorText, fmtDate, fmtDateTime,
  setFieldError, clearFieldErrors, announce, focusOn, citizen, showSessionBar, idOf, describe,
};

const lcFirst = (s) => String(s).charAt(0).toLowerCase() + String(s).slice(1);

/** The texts both forms have. */
export const INTEREST_TEXTS = {
  sv: {
    navMine: 'Mina sidor', navLabel: 'E-tjänster',
    stepsLabel: 'Steg i anmälan', stepLogin: 'Logga in', stepReceipt: 'Kvittens',
    stepOf: (n, of, name) => `Steg ${n} av ${of}: ${name}`,
    loginTitle: 'Logga in med e-legitimation',
    loginButton: 'Logga in med BankID',
    sharedDevice: 'Använder du en delad dator? Logga ut och stäng webbläsaren när du är klar.',
    requiredNote: 'Fält markerade med * är obligatoriska.',
    reqMulti: '(obligatoriskt, välj minst ett)',
    next: 'Nästa', back: 'Tillbaka', edit: 'Ändra', dash: '–',
    errorSummaryTitle: 'Det finns fel i formuläret',
    fixFields: 'Några uppgifter behöver rättas. Se markeringarna vid fälten.',
    reqText: (label) => `Fyll i ${lcFirst(label)}.`,
    reqChoice: 'Välj ett svar.',
    reqMulti1: 'Välj minst ett alternativ.',
    intBad: (min, max) => `Skriv ett heltal mellan ${min} och ${max}.`,
    consentMissing: 'Du behöver kryssa i rutan för att kunna skicka anmälan.',
    reachMissing: 'Skriv ett telefonnummer eller en e-postadress, så att vi kan nå dig. Du väljer själv vilka uppgifter du lämnar.',
    consentTitle: 'Samtycke',
    unitClosed: 'tar inte emot anmälningar via e-tjänsten',
    unitRegistered: 'Du har redan gjort en anmälan hit.',
    unitRegisteredLink: 'Se den på Mina sidor',
    contactPrefilled: 'Förnamn och efternamn är hämtade från din e-legitimation. Kontrollera dem och fyll i resten.',
    contactProtected: 'Du har skyddade personuppgifter. Därför hämtas inga uppgifter om dig automatiskt och inget är ifyllt. Du väljer själv vilka kontaktuppgifter du vill lämna.',
    hintPostal: 'Fem siffror, till exempel 831 30.',
    hintPhone: 'Till exempel 070-123 45 67.',
    hintEmail: 'Hit skickar vi en bekräftelse på anmälan.',
    formFailed: 'Formuläret kunde inte hämtas. Ladda om sidan och försök igen.',
    sending: 'Skickar anmälan …',
    receiptIds: 'Ärendenummer',
    receiptRecord: (unit, id) => `${unit}: ${id}`,
    receiptSent: (when) => `Skickad ${when}.`,
    receiptMail: (email) => `Vi skickar en bekräftelse till ${email}.`,
    receiptMailNone: 'Du angav ingen e-postadress, så vi skickar ingen bekräftelse.',
    receiptPrint: 'Skriv ut en kopia',
    receiptMine: 'Gå till Mina sidor',
    receiptWhat: 'Det här skickade du',
    receiptCopy: 'Anmälan är krypterad så att bara mottagaren kan läsa den. Varken du eller vi kan visa innehållet igen i e-tjänsten, så skriv ut eller spara en kopia nu om du vill ha den.',
    receiptDone: 'Anmälan är skickad.',
  },
  en: {
    navMine: 'My pages', navLabel: 'E-services',
    stepsLabel: 'Steps of the registration', stepLogin: 'Log in', stepReceipt: 'Receipt',
    stepOf: (n, of, name) => `Step ${n} of ${of}: ${name}`,
    loginTitle: 'Log in with e-ID',
    loginButton: 'Log in with BankID',
    sharedDevice: 'Using a shared computer? Log out and close the browser when you are done.',
    requiredNote: 'Fields marked with * are required.',
    reqMulti: '(required, choose at least one)',
    next: 'Next', back: 'Back', edit: 'Change', dash: '–',
    errorSummaryTitle: 'There is a problem with the form',
    fixFields: 'Some details need correcting. See the notes by the fields.',
    reqText: (label) => `Enter the ${lcFirst(label)}.`,
    reqChoice: 'Choose an answer.',
    reqMulti1: 'Choose at least one.',
    intBad: (min, max) => `Enter a whole number from ${min} to ${max}.`,
    consentMissing: 'You need to tick the box to send the registration.',
    reachMissing: 'Enter a phone number or an e-mail address so that we can reach you. You choose which details to give.',
    consentTitle: 'Consent',
    unitClosed: 'does not take registrations through the e-service',
    unitRegistered: 'You have already registered here.',
    unitRegisteredLink: 'See it on My pages',
    contactPrefilled: 'Your first name and surname come from your e-ID. Check them and fill in the rest.',
    contactProtected: 'You have protected personal data. So nothing about you is fetched automatically and nothing is filled in. You choose which contact details you give.',
    hintPostal: 'Five digits, for example 831 30.',
    hintPhone: 'For example 070-123 45 67.',
    hintEmail: 'We send a confirmation of the registration here.',
    formFailed: 'The form could not be fetched. Reload the page and try again.',
    sending: 'Sending the registration …',
    receiptIds: 'Reference numbers',
    receiptRecord: (unit, id) => `${unit}: ${id}`,
    receiptSent: (when) => `Sent ${when}.`,
    receiptMail: (email) => `We are sending a confirmation to ${email}.`,
    receiptMailNone: 'You gave no e-mail address, so we send no confirmation.',
    receiptPrint: 'Print a copy',
    receiptMine: 'Go to My pages',
    receiptWhat: 'What you sent',
    receiptCopy: 'The registration is encrypted so that only its recipient can read it. Neither you nor we can show its content again in the e-service, so print or save a copy now if you want one.',
    receiptDone: 'The registration has been sent.',
  },
};

/**
 * t(key, ...args) for a form page: the page's dict over the form's labels
 * (schemaTexts) over INTEREST_TEXTS over the booking pages' COMMON texts.
 */
export function interestTranslator(kind, dict) {
  const s = schemaTexts(kind);
  return translator({
    sv: { ...INTEREST_TEXTS.sv, ...s.sv, ...dict.sv },
    en: { ...INTEREST_TEXTS.en, ...s.en, ...dict.en },
  });
}

function setPath(obj, path, value) {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== 'object') o[k] = {};
    o = o[k];
  }
  o[keys[keys.length - 1]] = value;
}

const checkedIn = (name) => [...document.querySelectorAll(`input[name="${name}"]`)].filter((i) => i.checked && !i.disabled);

/**
 * Reads the answers of a form's groups (all when groupIds is absent) from the page, by
 * the fields' ids. Empty fields are left out. Returns {answers, bad}: bad holds the
 * paths whose text is not a whole number where one is asked for (left out of answers).
 */
export function readAnswers(kind, groupIds) {
  const answers = {};
  const bad = {};
  for (const f of fieldsOf(kind, groupIds)) {
    const id = idOf(f.path);
    let v;
    if (f.type === 'radio') {
      const c = checkedIn(id)[0];
      v = c ? c.value : undefined;
    } else if (f.type === 'multi' || f.type === 'units') {
      v = checkedIn(id).map((i) => i.value);
      if (!v.length) v = undefined;
    } else {
      const e = $(id);
      if (!e) continue;
      v = e.value.trim() || undefined;
      if (v !== undefined && f.type === 'int') {
        const digits = v.replace(/\s+/g, '');
        if (/^\d{1,4}$/.test(digits)) v = Number(digits);
        else { bad[f.path] = true; v = undefined; }
      }
    }
    if (v !== undefined) setPath(answers, f.path, v);
  }
  return { answers, bad };
}

/** Fills the fields of a form from answers (a draft): what answers lack is left as it is. */
export function fillAnswers(kind, answers) {
  if (!answers || typeof answers !== 'object') return;
  for (const f of fieldsOf(kind)) {
    const v = getPath(answers, f.path);
    if (v === undefined || v === null) continue;
    const id = idOf(f.path);
    if (f.type === 'radio' || f.type === 'multi' || f.type === 'units') {
      const want = [].concat(v).map(String);
      for (const i of document.querySelectorAll(`input[name="${id}"]`)) {
        if (!i.disabled) i.checked = want.includes(i.value);
      }
    } else {
      const e = $(id);
      if (e && !e.disabled) e.value = String(v);
    }
  }
}

/** Empties every field inside root. */
export function clearInputs(root) {
  for (const f of root.querySelectorAll('input, textarea, select')) {
    if (f.type === 'checkbox' || f.type === 'radio') f.checked = false;
    else if (f.tagName === 'SELECT') f.selectedIndex = 0;
    else if (f.type !== 'button' && f.type !== 'submit') f.value = '';
  }
}

/**
 * The required fields left empty and the numbers out of range in groupIds, as
 * {path: message}; bad is readAnswers' paths that are not whole numbers. With
 * protected identity (GET /api/eid/me "protected") the fields marked protectedOptional
 * may be left out, but one of phone and e-mail is needed (as the server checks).
 */
export function checkAnswers(kind, groupIds, answers, bad, t, isProtected = false) {
  const errs = {};
  const fields = fieldsOf(kind, groupIds);
  for (const f of fields) {
    const v = getPath(answers, f.path);
    const required = f.required && !(isProtected && f.protectedOptional);
    if (f.type === 'int' && (bad[f.path] || (typeof v === 'number' && (v < f.min || v > f.max)))) {
      errs[f.path] = t('intBad', f.min, f.max);
    } else if (required && (v === undefined || (Array.isArray(v) && !v.length))) {
      if (f.type === 'multi' || f.type === 'units') errs[f.path] = t('reqMulti1');
      else if (f.type === 'radio' || f.type === 'unit' || f.type === 'select') errs[f.path] = t('reqChoice');
      else errs[f.path] = t('reqText', t('f:' + f.path));
    }
  }
  if (isProtected && fields.some((f) => f.path === 'contact.phone')
    && getPath(answers, 'contact.phone') === undefined && getPath(answers, 'contact.email') === undefined) {
    errs['contact.phone'] = t('reachMissing');
  }
  return errs;
}

/**
 * Marks the protectedOptional fields as required or not: with protected identity their
 * inputs lose "required" and their labels the " *".
 */
export function markProtected(kind, isProtected) {
  for (const f of fieldsOf(kind)) {
    if (!f.protectedOptional) continue;
    const input = $(idOf(f.path));
    if (input) input.required = !!f.required && !isProtected;
    const star = document.querySelector(`label[for="${idOf(f.path)}"] .req`);
    if (star) star.hidden = !!isProtected;
  }
}

/** The element that carries a field path's error: [data-path], else that of the nearest parent path. */
export function targetOf(path) {
  const parts = String(path).split('.');
  while (parts.length) {
    const e = document.querySelector(`[data-path="${CSS.escape(parts.join('.'))}"]`);
    if (e) return e;
    parts.pop();
  }
  return null;
}

/** What to focus for a field: the field, or a group's first enabled choice. */
export function focusTarget(e) {
  if (!e) return null;
  if (e.tagName === 'FIELDSET') return e.querySelector('input:not(:disabled), select:not(:disabled), textarea:not(:disabled)') || e;
  return e;
}

let summaryGoTo = null;

/** Hides the error summary and every field's error. */
export function clearErrors(root = $('main')) {
  clearFieldErrors(root);
  $('error-summary').hidden = true;
  $('error-summary-list').replaceChildren();
  $('error-summary-intro').textContent = '';
}

/**
 * Shows errors ({path: message}, messages as text or {sv, en}) next to their fields
 * (#<id>-error, aria-invalid) and in the error summary at the top (#error-summary),
 * each linking to its field; a message for a path the page has no field for is listed
 * without a link. goTo(element) is called when a link is followed (the page shows the
 * step with the field), then the field is focused. The summary gets the focus.
 * Returns the element of the first error in page order, or null.
 */
export function showErrors(errors, { t, kind, intro = '', goTo = () => {} }) {
  clearErrors();
  summaryGoTo = goTo;
  const order = fieldsOf(kind).map((f) => f.path).concat(['consent']);
  const rank = (p) => {
    const i = order.findIndex((o) => p === o || p.startsWith(o + '.'));
    return i < 0 ? order.length : i;
  };
  const items = [];
  let first = null;
  for (const path of Object.keys(errors).sort((a, b) => rank(a) - rank(b))) {
    const message = text(errors[path]);
    const target = targetOf(path);
    if (target && target.id) {
      setFieldError(target.id, message);
      const label = t.has('f:' + path) ? t('f:' + path) : (t.has('f:' + target.dataset.path) ? t('f:' + target.dataset.path) : '');
      const a = el('a', { href: '#' + focusTarget(target).id, 'data-target': target.id, text: label ? `${label} – ${message}` : message });
      items.push(el('li', {}, a));
      if (!first) first = target;
    } else {
      items.push(el('li', { text: message }));
    }
  }
  $('error-summary-intro').textContent = intro || t('fixFields');
  $('error-summary-list').replaceChildren(...items);
  $('error-summary').hidden = false;
  if (first) goTo(first);
  focusOn($('error-summary'));
  return first;
}

/**
 * Clears the errors of the fields inside root (a step the citizen has just put right)
 * and their lines in the error summary, which is hidden when none is left.
 */
export function clearErrorsIn(root) {
  clearFieldErrors(root);
  for (const li of [...$('error-summary-list').children]) {
    const a = li.querySelector('a[data-target]');
    const target = a && $(a.dataset.target);
    if (target && root.contains(target)) li.remove();
  }
  if (!$('error-summary-list').children.length) clearErrors();
}

/** Wires the error summary's links: show the field's step, then focus the field. */
export function wireErrorSummary() {
  $('error-summary-list').addEventListener('click', (e) => {
    const a = e.target.closest('a[data-target]');
    if (!a) return;
    e.preventDefault();
    const target = $(a.dataset.target);
    if (!target) return;
    if (summaryGoTo) summaryGoTo(target);
    const f = focusTarget(target);
    f.focus({ preventScroll: true });
    f.scrollIntoView({ block: 'center' });
  });
}

/**
 * The answers as definition lists grouped like the form (sections with h3); with
 * onEdit(groupId), each group gets a "change" button (#edit-<group>).
 */
export function answersView(kind, answers, units, t, { onEdit, idPrefix = 'sum' } = {}) {
  return describe(kind, answers, lang, units).map((g) => {
    const hid = `${idPrefix}-${g.id}-title`;
    const dl = el('dl', { class: 'facts' }, g.rows.map((r) => el('div', { class: 'fact' },
      el('dt', { text: r.label }), el('dd', { class: 'pre', text: r.value === '' ? t('dash') : r.value }))));
    const parts = [el('h3', { id: hid, text: g.title }), dl];
    if (onEdit && g.id !== 'other-answers') {
      const b = el('button', { id: 'edit-' + g.id, type: 'button', class: 'btn btn-link', 'aria-describedby': hid, text: t('edit') });
      b.addEventListener('click', () => onEdit(g.id));
      parts.push(b);
    }
    return el('section', { class: 'summary-block', 'aria-labelledby': hid }, parts);
  });
}

/** A text with blank lines as paragraphs. */
export function paragraphs(s) {
  return String(s || '').split(/\n\s*\n/).filter((p) => p.trim()).map((p) => el('p', { class: 'pre', text: p.trim() }));
}

/** The receipt's list of records: "Östersund: FH-7K2M-Q9XD", the id in <strong>. */
export function recordsList(records, units, t) {
  return (Array.isArray(records) ? records : []).map((r) => {
    const u = units.find((x) => x.code === r.unit);
    const name = r.unit_name || (u && u.name) || r.unit || '';
    return el('li', { 'data-id': r.id }, `${name}: `, el('strong', { class: 'record-id', text: String(r.id || '') }));
  });
}

/** Whether field path is one of kind's. */
export const knownField = (kind, path) => !!fieldAt(kind, path);
