// Parentline booking e-service, /boka/medsokande?t=TOKEN: the co-applicant's page. First
// the shared-device warning (with a logout of whoever is logged in on this device), then an
// e-ID login of the co-applicant's own, then the whole booking with "Signera ärende" at the
// bottom (or "Avböj", after a confirmation). The token stays in this page's address and
// variables; nothing is stored in the browser.

import { login, sign } from '/eid/eid.js';
import { logout } from '/eid/session.js';
import {
  $, lang, translator, applyLang, api, errorText, fmtDateTime, meetingList, announce, focusOn,
  citizen, showSessionBar,
} from '/boka/common.js';

const DICT = {
  sv: {
    docTitle: 'Signera bokningen som medsökande – Familjerådgivningen',
    navLabel: 'E-tjänster', navBook: 'Boka tid', navMine: 'Mina sidor',
    title: 'Signera bokningen som medsökande',
    lead: 'Du har angetts som medsökande i en bokning av tid hos Familjerådgivningen i Östersunds kommun.',
    warningTitle: 'Använder ni samma dator eller telefon?',
    warningText: 'Om du och sökande använder samma dator, surfplatta eller mobiltelefon måste sökande logga ut innan du loggar in och signerar. Logga in med ditt eget BankID – inte sökandes.',
    warningSame: 'Om samma person står som både sökande och medsökande kommer tiden att avbokas, och sökande får boka en ny tid.',
    currentWho: (name) => `${name} är inloggad på den här enheten just nu.`,
    currentSomeone: 'Någon är inloggad på den här enheten just nu.',
    currentText: 'Är det inte du som är inloggad? Logga ut först, så att du kan logga in med ditt eget BankID.',
    logoutCurrent: 'Logga ut', logoutCurrentName: (name) => `Logga ut ${name}`,
    continueCurrent: 'Det är jag som är inloggad – fortsätt',
    loggedOutNow: 'Du är utloggad. Logga nu in med ditt eget BankID.',
    warningOk: 'Jag förstår – logga in med mitt eget BankID',
    loginTitle: 'Logga in med ditt eget BankID',
    loginText: 'Legitimera dig först med BankID. Sedan visas bokningen, och längst ned kan du signera den.',
    invitationTitle: 'Bokningen du ombeds signera',
    invIntro: (name) => `${name} har bokat en tid hos Familjerådgivningen och angett dig som medsökande.`,
    invIntroNoName: 'Sökande har bokat en tid hos Familjerådgivningen och angett dig som medsökande.',
    invDeadline: (when) => `Du har till ${when} på dig att signera. Annars släpps tiden och kan bokas av någon annan.`,
    dApplicant: 'Sökande',
    signsTitle: 'Det här signerar du',
    textTitle: 'Texten du signerar med BankID',
    signsText: 'Genom att signera bekräftar du att du vill boka tiden hos Familjerådgivningen tillsammans med sökande. Bokningen gäller först när ni båda har signerat med var sitt BankID.',
    feeText: 'Om ni lämnar återbud, uteblir från eller ombokar tiden senare än 48 timmar innan mötet, behöver ni ändå betala samtalsavgiften på 200 kronor.',
    privacyText: 'Ditt namn och personnummer från BankID sparas med bokningen. Uppgifterna raderas 30 dagar efter mötet.',
    cosign: 'Signera ärende', cosignAgain: 'Signera ärende igen', decline: 'Avböj',
    declineTitle: 'Vill du avböja bokningen?',
    declineText: 'Om du avböjer släpps tiden och kan bokas av någon annan. Sökande får ett mejl om det.',
    declineYes: 'Ja, avböj bokningen', declineNo: 'Nej, gå tillbaka',
    signPreparing: 'Förbereder signeringen …', signSending: 'Du har signerat. Skickar …',
    signStopped: 'Du har inte signerat. Du kan signera när du vill innan tiden går ut.',
    slow: 'Det tar längre tid än vanligt. Försök igen om en stund.',
    doneTitle: 'Bokningen är klar', doneText: 'Tack! Ni har båda signerat och tiden är bokad.',
    doneMail: 'Ni får var sitt mejl med ”bekräftelse på att ärendet skickats in”.',
    seeMine: 'Se bokningen på Mina sidor',
    declinedTitle: 'Du har avböjt bokningen',
    declinedText: 'Tiden är släppt och kan bokas av någon annan. Sökande får ett mejl om det.',
    sameTitle: 'Bokningen är avbokad',
    sameDefault: 'Samma person kan inte stå som både sökande och medsökande. Därför har tiden avbokats.',
    sameMore: 'Tiden är släppt och kan bokas av någon annan.',
    invalidTitle: 'Länken gäller inte',
    invalidDefault: 'Länken gäller inte längre. Den kan redan ha använts, tiden för att signera kan ha gått ut, eller bokningen kan ha avbokats. Sökande kan boka en ny tid.',
    invalidMissing: 'Länken är inte komplett. Öppna länken i mejlet igen, hela vägen.',
  },
  en: {
    docTitle: 'Sign the booking as co-applicant – Family Counselling',
    navLabel: 'E-services', navBook: 'Book a time', navMine: 'My pages',
    title: 'Sign the booking as co-applicant',
    lead: 'You have been named as co-applicant in a booking with Family Counselling, Östersund municipality.',
    warningTitle: 'Do you share a computer or phone?',
    warningText: 'If you and the applicant use the same computer, tablet or mobile phone, the applicant must log out before you log in and sign. Log in with your own BankID – not the applicant’s.',
    warningSame: 'If the same person is both applicant and co-applicant, the time will be cancelled and the applicant will have to book a new one.',
    currentWho: (name) => `${name} is logged in on this device right now.`,
    currentSomeone: 'Someone is logged in on this device right now.',
    currentText: 'Is it not you who is logged in? Log out first, so that you can log in with your own BankID.',
    logoutCurrent: 'Log out', logoutCurrentName: (name) => `Log out ${name}`,
    continueCurrent: 'It is me who is logged in – continue',
    loggedOutNow: 'You are logged out. Now log in with your own BankID.',
    warningOk: 'I understand – log in with my own BankID',
    loginTitle: 'Log in with your own BankID',
    loginText: 'First identify yourself with BankID. Then the booking is shown, and at the bottom you can sign it.',
    invitationTitle: 'The booking you are asked to sign',
    invIntro: (name) => `${name} has booked a time with Family Counselling and named you as co-applicant.`,
    invIntroNoName: 'The applicant has booked a time with Family Counselling and named you as co-applicant.',
    invDeadline: (when) => `You have until ${when} to sign. Otherwise the time is released and someone else can book it.`,
    dApplicant: 'Applicant',
    signsTitle: 'What you sign',
    textTitle: 'The text you sign with BankID',
    signsText: 'By signing you confirm that you want to book the time with Family Counselling together with the applicant. The booking is valid only once both of you have signed, each with your own BankID.',
    feeText: 'If you cancel, do not come, or move the time later than 48 hours before the meeting, you still have to pay the session fee of 200 kronor.',
    privacyText: 'Your name and personal identity number from BankID are kept with the booking. They are deleted 30 days after the meeting.',
    cosign: 'Sign case (Signera ärende)', cosignAgain: 'Sign case again', decline: 'Decline',
    declineTitle: 'Do you want to decline the booking?',
    declineText: 'If you decline, the time is released and someone else can book it. The applicant is told by e-mail.',
    declineYes: 'Yes, decline the booking', declineNo: 'No, go back',
    signPreparing: 'Preparing the signing …', signSending: 'You have signed. Sending …',
    signStopped: 'You have not signed. You can sign whenever you like before the time runs out.',
    slow: 'This is taking longer than usual. Please try again in a moment.',
    doneTitle: 'The booking is complete', doneText: 'Thank you! Both of you have signed and the time is booked.',
    doneMail: 'You each get an e-mail with “bekräftelse på att ärendet skickats in” (confirmation that the case has been submitted).',
    seeMine: 'See the booking on My pages',
    declinedTitle: 'You have declined the booking',
    declinedText: 'The time is released and someone else can book it. The applicant is told by e-mail.',
    sameTitle: 'The booking is cancelled',
    sameDefault: 'The same person cannot be both applicant and co-applicant, so the time has been cancelled.',
    sameMore: 'The time is released and someone else can book it.',
    invalidTitle: 'The link is not valid',
    invalidDefault: 'The link is no longer valid. It may already have been used, the time to sign may have run out, or the booking may have been cancelled. The applicant can book a new time.',
    invalidMissing: 'The link is incomplete. Open the link in the e-mail again, all of it.',
  },
};

const t = translator(DICT);
const STEPS = ['warning', 'login', 'invitation', 'done', 'declined', 'same', 'invalid'];
const TOKEN = new URLSearchParams(location.search).get('t') || '';
const TRIES = 30;
const WAIT_MS = 1000;

const S = { me: null, bar: null, busy: false, flow: null, invitation: null };
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function showStep(name, { focus = true } = {}) {
  for (const s of STEPS) $('step-' + s).hidden = s !== name;
  if (focus) focusOn($(name + '-title'));
}

function invalid(message) {
  stopFlow();
  $('invalid-text').textContent = message || t('invalidDefault');
  showStep('invalid');
}

function stopFlow() {
  if (S.flow) S.flow.stop();
  S.flow = null;
}

// ---- the warning and whoever is logged in now ------------------------------------------------

async function showWarning({ focus = true } = {}) {
  const m = await citizen();
  if (m === undefined) {
    $('page-alert').textContent = t('network');
  }
  S.me = m || null;
  if (S.me) {
    if (!S.bar) S.bar = await showSessionBar(onLoggedOut);
    const name = !S.me.protected && S.me.name ? S.me.name : '';
    $('current-who').textContent = name ? t('currentWho', name) : t('currentSomeone');
    $('logout-current').textContent = name ? t('logoutCurrentName', name) : t('logoutCurrent');
    $('current-session').hidden = false;
    $('warning-ok').hidden = true;
  } else {
    $('current-session').hidden = true;
    $('warning-ok').hidden = false;
  }
  showStep('warning', { focus });
}

/** The session ended (the bar's logout, or idle): back to the warning; nothing of the booking stays shown. */
function onLoggedOut() {
  stopFlow();
  S.me = null;
  S.bar = null;
  S.invitation = null;
  S.busy = false;
  clearInvitation();
  $('current-session').hidden = true;
  $('warning-ok').hidden = false;
  showStep('warning', { focus: false });
  announce(t('loggedOutHidden'));
}

function clearInvitation() {
  for (const id of ['inv-meeting', 'eid-sign', 'eid-login', 'done-meeting']) $(id).replaceChildren();
  for (const id of ['inv-intro', 'inv-deadline', 'inv-text', 'invitation-alert', 'sign-status']) $(id).textContent = '';
  $('decline-panel').hidden = true;
  $('invitation-actions').hidden = false;
}

$('logout-current').addEventListener('click', async () => {
  if (S.bar) S.bar.stop();
  S.bar = null;
  try { await logout(); } catch { /* the cookie ends with the browser anyway */ }
  S.me = null;
  $('session').replaceChildren();
  $('current-session').hidden = true;
  $('warning-ok').hidden = false;
  announce(t('loggedOutNow'));
  $('warning-ok').focus();
});

$('continue-current').addEventListener('click', () => loadInvitation());

$('warning-ok').addEventListener('click', () => {
  showStep('login');
  login($('eid-login'), {
    lang,
    onDone: async (outcome) => {
      if (outcome !== 'complete') return; // eid.js offers "try again"
      $('eid-login').replaceChildren();
      S.me = await citizen();
      if (!S.me) { showWarning(); return; }
      if (!S.bar) S.bar = await showSessionBar(onLoggedOut);
      loadInvitation();
    },
  });
});

// ---- the booking ----------------------------------------------------------------------------

async function loadInvitation() {
  $('page-alert').textContent = '';
  let r;
  try {
    r = await api('GET', '/api/booking/invitation?t=' + encodeURIComponent(TOKEN));
  } catch {
    $('page-alert').textContent = t('network');
    return;
  }
  if (r.status === 401) { await showWarning(); return; }
  if (r.status === 404 || r.status === 410) { invalid(errorText(r, t('invalidDefault'))); return; }
  if (!r.ok) { $('page-alert').textContent = errorText(r, t('failed')); return; }
  S.invitation = r.data.invitation || r.data;
  renderInvitation(S.invitation);
  showStep('invitation');
}

function renderInvitation(inv) {
  const meeting = inv.meeting || inv;
  $('inv-text').textContent = inv.text || '';
  $('inv-text-block').hidden = !inv.text;
  const name = inv.applicant_name || (inv.applicant && inv.applicant.name) || '';
  $('inv-intro').textContent = name ? t('invIntro', name) : t('invIntroNoName');
  $('inv-meeting').replaceChildren(meetingList(meeting, t, name ? [[t('dApplicant'), name]] : []));
  $('inv-deadline').textContent = inv.hold_until ? t('invDeadline', fmtDateTime(inv.hold_until)) : '';
  $('inv-deadline').hidden = !inv.hold_until;
  $('cosign').textContent = t('cosign');
  $('invitation-actions').hidden = false;
  $('decline-panel').hidden = true;
  $('invitation-alert').textContent = '';
  $('sign-status').textContent = '';
  $('eid-sign').replaceChildren();
}

/** An answer that ends the invitation: same person, invalid link. Returns whether it was one. */
function ended(r) {
  if (r.status === 401) { showWarning(); return true; }
  if ((r.status === 404 || r.status === 410) && r.data.code !== 'no_order') { invalid(errorText(r, t('invalidDefault'))); return true; }
  if (r.status === 409 && r.data && r.data.code === 'same_person') {
    stopFlow();
    $('same-text').textContent = errorText(r, t('sameDefault'));
    showStep('same');
    return true;
  }
  return false;
}

function signEnded(message) {
  S.busy = false;
  S.flow = null;
  $('invitation-actions').hidden = false;
  $('cosign').disabled = false;
  $('cosign').textContent = t('cosignAgain');
  $('sign-status').textContent = message || '';
}

$('cosign').addEventListener('click', async () => {
  if (S.busy) return;
  S.busy = true;
  $('invitation-alert').textContent = '';
  $('decline-panel').hidden = true;
  $('cosign').disabled = true;
  $('sign-status').textContent = t('signPreparing');
  let r;
  try {
    r = await api('POST', '/api/booking/invitation/sign', { t: TOKEN });
  } catch {
    signEnded('');
    $('invitation-alert').textContent = t('network');
    return;
  }
  if (ended(r)) { S.busy = false; return; }
  if (!r.ok || !r.data.order) { signEnded(''); $('invitation-alert').textContent = errorText(r, t('failed')); return; }
  const order = r.data.order;
  $('invitation-actions').hidden = true;
  $('sign-status').textContent = '';
  S.flow = sign($('eid-sign'), order, { lang });
  const outcome = await S.flow.done;
  if (!S.me) return;
  if (outcome !== 'complete') { signEnded(t('signStopped')); return; }
  $('sign-status').textContent = t('signSending');
  await cosign(order);
});

async function cosign(order) {
  let r = null;
  for (let i = 0; i < TRIES; i++) {
    try {
      r = await api('POST', '/api/booking/invitation/cosign', { t: TOKEN, order });
    } catch {
      r = null;
    }
    if (!S.me) return;
    if (r && r.status !== 202) break;
    await sleep(WAIT_MS);
  }
  if (!r) { signEnded(''); $('invitation-alert').textContent = t('network'); return; }
  if (r.status === 202) { signEnded(''); $('invitation-alert').textContent = t('slow'); return; }
  if (ended(r)) { S.busy = false; return; }
  if (!r.ok) { signEnded(''); $('invitation-alert').textContent = errorText(r, t('failed')); return; }
  S.busy = false;
  S.flow = null;
  const b = (r.data && r.data.booking) || {};
  const meeting = b.meeting && b.meeting.start ? b.meeting : (S.invitation && (S.invitation.meeting || S.invitation));
  $('done-meeting').replaceChildren(meeting ? meetingList(meeting, t) : '');
  $('eid-sign').replaceChildren();
  showStep('done');
  announce(t('doneText'));
}

// ---- declining -------------------------------------------------------------------------------

$('decline').addEventListener('click', () => {
  $('decline-panel').hidden = false;
  focusOn($('decline-title'));
});
$('decline-no').addEventListener('click', () => {
  $('decline-panel').hidden = true;
  $('decline').focus();
});
$('decline-yes').addEventListener('click', async () => {
  if (S.busy) return;
  S.busy = true;
  $('decline-yes').disabled = true;
  let r;
  try {
    r = await api('POST', '/api/booking/invitation/decline', { t: TOKEN });
  } catch {
    r = null;
  }
  S.busy = false;
  $('decline-yes').disabled = false;
  if (!r) { $('invitation-alert').textContent = t('network'); return; }
  if (ended(r)) return;
  if (!r.ok) { $('invitation-alert').textContent = errorText(r, t('failed')); return; }
  showStep('declined');
});

// ---- start -------------------------------------------------------------------------------------

applyLang(t);
if (!TOKEN) invalid(t('invalidMissing'));
else showWarning({ focus: false });
