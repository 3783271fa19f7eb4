// Parentline withdrawal page: a parent who consented in the chat withdraws that consent
// with the reference and the one-time code they were shown. Nothing is stored in the
// browser. An ES module; the language helpers come from /staff.js (nothing of the staff
// session is used here); every visible string is in DICT.

import { $, translator, applyStaticLang, otherLang } from '/staff.js';

const EXIT_URL = '/neutral';

const DICT = {
  sv: {
    docTitle: 'Återkalla ditt samtycke – Föräldrachatten', skip: 'Hoppa till innehållet',
    brand: 'Föräldrachatten', otherLang: 'English', otherLangCode: 'en', exit: 'Lämna sidan snabbt',
    title: 'Återkalla ditt samtycke',
    lead: 'Har du i Föräldrachatten samtyckt till att dina uppgifter lämnas till socialtjänsten? Här kan du ta tillbaka det samtycket. Du behöver referensen och koden som visades i chatten.',
    doesTitle: 'Det här händer när du återkallar',
    does1: 'Ärendet markeras som återkallat, och socialtjänstens mottagning ser det.',
    does2: 'Det som bara ditt samtycke gav stöd för raderas, till exempel de uppgifter du lämnade i chatten.',
    does3: 'Du behöver inte förklara varför, och det påverkar inte om du vill chatta med oss igen.',
    doesntTitle: 'Det här gör återkallelsen inte',
    doesnt1: 'Den gör inte ogjort det som redan hänt medan samtycket gällde. Har socialtjänsten redan tagit emot ärendet eller kontaktat dig, finns det kvar hos dem enligt deras regler.',
    doesnt2: 'Att ärendet har funnits och att det återkallades finns kvar i en logg – men inte vad det innehöll.',
    mandatoryNote: 'En orosanmälan kan inte återkallas. Socialtjänsten måste enligt lag ta emot den.',
    mandatoryMore: 'Om rådgivaren har gjort en orosanmälan för att ett barn kan fara illa gäller den oavsett samtycke.',
    formTitle: 'Återkalla', reference: 'Referens', referenceHint: 'Som den visades i chatten, till exempel ORO-…',
    code: 'Kod för återkallelse', submit: 'Återkalla mitt samtycke', sending: 'Skickar…',
    referenceMissing: 'Skriv referensen.', codeMissing: 'Skriv koden.',
    done: 'Ditt samtycke är återkallat. Ärendet är markerat som återkallat och det som bara ditt samtycke gav stöd för raderas. Du behöver inte göra något mer.',
    notFound: 'Vi hittade inget ärende med den referensen och koden. Kontrollera att du skrivit rätt.',
    mandatory: 'Det här ärendet är en orosanmälan. En orosanmälan kan inte återkallas – socialtjänsten måste enligt lag ta emot den.',
    tooMany: 'Du har försökt för många gånger. Vänta en stund och försök igen senare.',
    tooManyIn: (m) => `Du har försökt för många gånger. Försök igen om ${m} ${m === 1 ? 'minut' : 'minuter'}.`,
    failed: 'Det gick inte att återkalla just nu. Försök igen om en stund.',
    network: 'Kunde inte nå tjänsten. Kontrollera anslutningen och försök igen.',
    help: 'Behöver du prata med någon nu? Vid akut fara: ring 112.',
  },
  en: {
    docTitle: 'Withdraw your consent – Parent chat', skip: 'Skip to content',
    brand: 'Parent chat', otherLang: 'Svenska', otherLangCode: 'sv', exit: 'Leave this page quickly',
    title: 'Withdraw your consent',
    lead: 'Did you agree in the Parent chat that your details may be passed to social services? Here you can take that consent back. You need the reference and the code that were shown in the chat.',
    doesTitle: 'What happens when you withdraw',
    does1: 'The case is marked as withdrawn, and the social services intake sees that.',
    does2: 'What only your consent justified is deleted, for example the details you gave in the chat.',
    does3: 'You do not have to explain why, and it does not affect whether you can chat with us again.',
    doesntTitle: 'What withdrawing does not do',
    doesnt1: 'It does not undo what was already done while the consent applied. If social services have already received the case or contacted you, it stays with them under their rules.',
    doesnt2: 'That the case existed and was withdrawn stays in a log – but not what it contained.',
    mandatoryNote: 'A mandatory report of concern (orosanmälan) cannot be withdrawn. Social services must receive it by law.',
    mandatoryMore: 'If the counsellor has made a report because a child may be harmed, it applies regardless of consent.',
    formTitle: 'Withdraw', reference: 'Reference', referenceHint: 'As it was shown in the chat, for example ORO-…',
    code: 'Withdrawal code', submit: 'Withdraw my consent', sending: 'Sending…',
    referenceMissing: 'Enter the reference.', codeMissing: 'Enter the code.',
    done: 'Your consent has been withdrawn. The case is marked as withdrawn and what only your consent justified is deleted. You do not need to do anything more.',
    notFound: 'We found no case with that reference and code. Check that you typed them correctly.',
    mandatory: 'This case is a mandatory report of concern. It cannot be withdrawn – social services must receive it by law.',
    tooMany: 'You have tried too many times. Please wait a while and try again later.',
    tooManyIn: (m) => `You have tried too many times. Try again in ${m} ${m === 1 ? 'minute' : 'minutes'}.`,
    failed: 'The consent could not be withdrawn just now. Please try again in a while.',
    network: 'Could not reach the service. Check the connection and try again.',
    help: 'Do you need to talk to someone now? In acute danger: call 112.',
  },
};

let lang = 'sv';
let lastEscape = 0;
let busy = false;
/** The message now shown, as a function so a language switch can say it again. */
const shown = { error: null, result: null };

const t = translator(DICT, () => lang);

function applyLang() {
  applyStaticLang(t, lang);
  $('w-error').textContent = shown.error ? shown.error() : '';
  $('w-result').textContent = shown.result ? shown.result() : '';
  for (const [id, key] of [['w-reference', 'referenceMissing'], ['w-code', 'codeMissing']]) {
    if ($(id).hasAttribute('aria-invalid')) $(id + '-error').textContent = t(key);
  }
}

function setError(fn) {
  shown.error = fn;
  $('w-error').textContent = fn ? fn() : '';
}

function setFieldError(id, key) {
  const input = $(id);
  $(id + '-error').textContent = key ? t(key) : '';
  if (key) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
}

/** Retry-After as whole minutes (at least 1), or 0 when absent. */
function retryMinutes(v) {
  if (!v) return 0;
  let secs = 0;
  if (/^\d+$/.test(v.trim())) secs = parseInt(v, 10);
  else if (!isNaN(Date.parse(v))) secs = (Date.parse(v) - Date.now()) / 1000;
  return secs > 0 ? Math.max(1, Math.ceil(secs / 60)) : 0;
}

/** POST /api/consent/withdraw. 404 never says which of the two was wrong. */
async function onSubmit(e) {
  e.preventDefault();
  if (busy) return;
  const reference = $('w-reference').value.trim();
  const code = $('w-code').value.trim();
  setFieldError('w-reference', reference ? '' : 'referenceMissing');
  setFieldError('w-code', code ? '' : 'codeMissing');
  setError(null);
  if (!reference || !code) { (reference ? $('w-code') : $('w-reference')).focus(); return; }
  busy = true;
  const submit = $('w-submit');
  submit.setAttribute('aria-disabled', 'true');
  submit.textContent = t('sending');
  let res = null;
  let data = null;
  try {
    res = await fetch('/api/consent/withdraw', {
      method: 'POST', credentials: 'omit', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ reference, code }),
    });
    if ((res.headers.get('Content-Type') || '').includes('json')) {
      try { data = await res.json(); } catch { data = null; }
    }
  } catch {
    res = null;
  }
  busy = false;
  submit.removeAttribute('aria-disabled');
  submit.textContent = t('submit');
  if (!res) { setError(() => t('network')); return; }
  if (res.ok) {
    $('w-code').value = '';
    $('w-form').hidden = true;
    shown.result = () => t('done');
    $('w-result').textContent = t('done');
    $('w-result').focus();
    return;
  }
  const serverText = data && typeof data.error === 'string' ? data.error : '';
  if (res.status === 404) setError(() => t('notFound'));
  else if (res.status === 409) setError(serverText ? () => serverText : () => t('mandatory'));
  else if (res.status === 429) {
    const m = retryMinutes(res.headers.get('Retry-After'));
    setError(m ? () => t('tooManyIn', m) : () => t('tooMany'));
  } else setError(serverText ? () => serverText : () => t('failed'));
}

/** Leaves for the neutral page without leaving this one in the history. */
function quickExit(e) {
  if (e) e.preventDefault();
  $('w-reference').value = '';
  $('w-code').value = '';
  location.replace(EXIT_URL);
}

function onKey(e) {
  if ((e.key !== 'Escape' && e.key !== 'Esc') || e.isComposing) return;
  const now = Date.now();
  if (now - lastEscape < 1000) { quickExit(e); return; }
  lastEscape = now;
}

function main() {
  $('lang').addEventListener('click', () => { lang = otherLang(lang); applyLang(); });
  $('w-form').addEventListener('submit', onSubmit);
  $('w-exit').addEventListener('click', quickExit);
  for (const id of ['w-reference', 'w-code']) {
    $(id).addEventListener('input', () => { if ($(id).hasAttribute('aria-invalid') && $(id).value.trim()) setFieldError(id, ''); });
  }
  window.addEventListener('keydown', onKey, true);
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked === 'en' || asked === 'sv') lang = asked;
  applyLang();
}

main();
