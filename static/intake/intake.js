// Parentline intake view for social services: the list of cases (metadata only), and
// opening a case, which is decrypted here in the browser with the reader's own key file.
// The private key and every decrypted case live in this module's variables only: nothing
// is written to storage, and nothing of a case's content is ever sent back to the server.
// An ES module; the staff session and helpers come from /staff.js; every visible string is in DICT.

import { hpkeOpen } from './hpke.js';
import { readKeyFile, KeyFileError } from './keyfile.js';
import {
  $, withStaffTexts, translator, applyStaticLang, otherLang, el, fetchJSON, showAlert, hasRole, showView as showStaffView,
  showUser, showLoginMessage, wireLogin, logout, startSession, announce,
} from '/staff.js';

const REFRESH_MS = 30000;
const SUITE = 'HPKE-P256-SHA256-AES128GCM';
const STATUSES = ['received', 'forwarded', 'closed'];

const DICT = withStaffTexts({
  sv: {
    docTitle: 'Föräldrachatten – mottagning',
    brand: 'Föräldrachatten – socialtjänstens mottagning',
    loginIntro: 'För socialtjänstens mottagning. Logga in med ditt personliga konto.',
    deniedTitle: 'Du saknar behörighet',
    deniedText: 'Mottagningen är bara för konton med rollen mottagning (intake). Be en administratör om behörighet om du behöver den.',
    intakeTitle: 'Ärenden till socialtjänsten', keyTitle: 'Din nyckel',
    keyIntro: 'Ärendena är krypterade. Bara den som har en av mottagningens nyckelfiler kan läsa dem. Nyckeln läses in här i webbläsaren och skickas aldrig till servern. Den glöms när du laddar om sidan, stänger fliken eller loggar ut.',
    keyFile: 'Din nyckelfil (stannar i webbläsaren, skickas aldrig)', keyForget: 'Glöm nyckeln',
    keyNone: 'Ingen nyckel är inläst. Du ser listan, men kan inte läsa ärendena.',
    keyLoaded: (id) => `Nyckeln är inläst (nyckel-id ${id}). Den finns bara i den här fliken.`,
    keyForgotten: 'Nyckeln är glömd.', keyReading: 'Läser nyckelfilen…',
    keyTooBig: 'Filen är för stor för att vara en nyckelfil.',
    keyBad: 'Filen är ingen giltig nyckelfil. Välj filen intake-….jwk som du fick när nyckeln skapades.',
    keyNoCrypto: 'Webbläsaren kan inte dekryptera här. Öppna sidan över https i en aktuell webbläsare.',
    casesTitle: 'Ärenden', refresh: 'Uppdatera',
    casesCaption: 'Ärenden – bara referens, typ, status och tid, inget innehåll',
    colReference: 'Referens', colKind: 'Typ', colStatus: 'Status', colReceived: 'Mottaget', colAction: 'Åtgärd',
    casesEmpty: 'Inga ärenden just nu.', casesFailed: 'Kunde inte hämta ärendena. Försöker igen strax.',
    updated: (time) => `Uppdaterad ${time}. Listan uppdateras var 30:e sekund.`,
    open: 'Öppna', openLabel: (ref) => `Öppna ärende ${ref}`,
    kind_consented: 'Samtycke', kind_mandatory: 'Orosanmälan',
    status_new: 'Ny', status_received: 'Mottagen', status_forwarded: 'Vidarebefordrad',
    status_closed: 'Avslutad', status_withdrawn: 'Återkallad',
    caseTitle: (ref) => `Ärende ${ref}`, caseClose: 'Stäng ärendet', caseLoading: 'Hämtar ärendet…',
    caseDecrypting: 'Dekrypterar…', caseNotFound: 'Ärendet finns inte längre.',
    caseFailed: 'Ärendet kunde inte hämtas. Försök igen.',
    caseNeedsKey: 'Läs in din nyckelfil ovan för att läsa ärendet.',
    caseNotForKey: (id) => `Ärendet är inte krypterat till din nyckel (nyckel-id ${id}). Någon annan i mottagningen måste öppna det.`,
    caseBadSuite: 'Ärendet är krypterat på ett sätt som den här sidan inte kan läsa.',
    caseDecryptFailed: 'Ärendet kunde inte dekrypteras med din nyckel. Kontrollera att du valt rätt nyckelfil.',
    caseNoContent: 'Ärendet har inget innehåll att visa.',
    withdrawnTitle: 'Återkallat av föräldern',
    withdrawnText: 'Föräldern har återkallat sitt samtycke. Det som samtycket ensamt gav stöd för är raderat, så innehållet visas inte.',
    metaReference: 'Referens', metaKind: 'Typ', metaStatus: 'Status', metaReceived: 'Mottaget',
    metaCreated: 'Skapat',
    secDetails: 'Uppgifter från föräldern', secSummary: 'Rådgivarens sammanfattning', secReport: 'Orosanmälan',
    secConsent: 'Samtycke', secOther: 'Övrigt',
    d_name: 'Namn', d_contact: 'Telefon eller e-post', d_personnummer: 'Personnummer',
    d_child: 'Barnets förnamn och ålder', d_help: 'Hjälp som föräldern vill ha',
    r_what: 'Vad föräldern berättade', r_why: 'Varför det finns oro', r_identifying: 'Identifierande uppgifter',
    r_parent_told: 'Har föräldern fått veta', r_how_told: 'Hur / varför inte', r_author: 'Skriven av',
    r_approved_by: 'Godkänd av', r_approved_at: 'Godkänd', r_created: 'Skriven',
    told_yes: 'Ja', told_no: 'Nej', told_not_safe: 'Nej – det är inte säkert för barnet',
    c_text: 'Texten föräldern godkände', c_version: 'Textversion', c_accepted_at: 'Samtycke givet',
    c_scope: 'Omfattning', c_shared_with: 'Lämnas till', c_retention_days: 'Sparas (dagar)',
    yes: 'Ja', no: 'Nej', none: '–',
    statusTitle: 'Ändra ärendets status', statusReceived: 'Bekräfta mottagen',
    statusForwarded: 'Markera som vidarebefordrad', statusClosed: 'Avsluta ärendet',
    statusSaving: 'Sparar status…', statusSaved: (s) => `Status ändrad: ${s}.`,
    statusFailed: 'Statusen kunde inte ändras. Försök igen.',
  },
  en: {
    docTitle: 'Parent chat – intake',
    brand: 'Parent chat – social services intake',
    loginIntro: 'For the social services intake. Log in with your personal account.',
    deniedTitle: 'You do not have access',
    deniedText: 'The intake view is only for accounts with the intake role. Ask an administrator if you need access.',
    intakeTitle: 'Cases for social services', keyTitle: 'Your key',
    keyIntro: 'The cases are encrypted. Only someone holding one of the intake’s key files can read them. The key is read here in the browser and never sent to the server. It is forgotten when you reload the page, close the tab or log out.',
    keyFile: 'Your key file (stays in the browser, never sent)', keyForget: 'Forget the key',
    keyNone: 'No key is loaded. You can see the list but cannot read the cases.',
    keyLoaded: (id) => `The key is loaded (key id ${id}). It exists only in this tab.`,
    keyForgotten: 'The key has been forgotten.', keyReading: 'Reading the key file…',
    keyTooBig: 'The file is too large to be a key file.',
    keyBad: 'The file is not a valid key file. Choose the intake-….jwk file you got when the key was made.',
    keyNoCrypto: 'This browser cannot decrypt here. Open the page over https in a current browser.',
    casesTitle: 'Cases', refresh: 'Refresh',
    casesCaption: 'Cases – reference, kind, status and time only, no content',
    colReference: 'Reference', colKind: 'Kind', colStatus: 'Status', colReceived: 'Received', colAction: 'Action',
    casesEmpty: 'No cases right now.', casesFailed: 'Could not fetch the cases. Trying again shortly.',
    updated: (time) => `Updated ${time}. The list refreshes every 30 seconds.`,
    open: 'Open', openLabel: (ref) => `Open case ${ref}`,
    kind_consented: 'Consent', kind_mandatory: 'Mandatory report',
    status_new: 'New', status_received: 'Received', status_forwarded: 'Forwarded',
    status_closed: 'Closed', status_withdrawn: 'Withdrawn',
    caseTitle: (ref) => `Case ${ref}`, caseClose: 'Close the case', caseLoading: 'Fetching the case…',
    caseDecrypting: 'Decrypting…', caseNotFound: 'The case no longer exists.',
    caseFailed: 'The case could not be fetched. Please try again.',
    caseNeedsKey: 'Load your key file above to read the case.',
    caseNotForKey: (id) => `The case is not encrypted to your key (key id ${id}). Someone else at the intake must open it.`,
    caseBadSuite: 'The case is encrypted in a way this page cannot read.',
    caseDecryptFailed: 'The case could not be decrypted with your key. Check that you chose the right key file.',
    caseNoContent: 'The case has no content to show.',
    withdrawnTitle: 'Withdrawn by the parent',
    withdrawnText: 'The parent has withdrawn their consent. What the consent alone justified has been deleted, so no content is shown.',
    metaReference: 'Reference', metaKind: 'Kind', metaStatus: 'Status', metaReceived: 'Received',
    metaCreated: 'Created',
    secDetails: 'Details from the parent', secSummary: 'The counsellor’s summary', secReport: 'Mandatory report',
    secConsent: 'Consent', secOther: 'Other',
    d_name: 'Name', d_contact: 'Phone or e-mail', d_personnummer: 'Personal identity number',
    d_child: 'The child’s first name and age', d_help: 'Help the parent wants',
    r_what: 'What the parent said', r_why: 'Why there is concern', r_identifying: 'Identifying details',
    r_parent_told: 'Has the parent been told', r_how_told: 'How / why not', r_author: 'Written by',
    r_approved_by: 'Approved by', r_approved_at: 'Approved', r_created: 'Written',
    told_yes: 'Yes', told_no: 'No', told_not_safe: 'No – it is not safe for the child',
    c_text: 'The text the parent agreed to', c_version: 'Text version', c_accepted_at: 'Consent given',
    c_scope: 'Scope', c_shared_with: 'Shared with', c_retention_days: 'Kept (days)',
    yes: 'Yes', no: 'No', none: '–',
    statusTitle: 'Change the case’s status', statusReceived: 'Confirm received',
    statusForwarded: 'Mark as forwarded', statusClosed: 'Close the case',
    statusSaving: 'Saving the status…', statusSaved: (s) => `Status changed: ${s}.`,
    statusFailed: 'The status could not be changed. Please try again.',
  },
});

let lang = 'sv';

/**
 * The page's state. key: {jwk, id} once a key file is read (memory only).
 * open: the case being shown: {reference, kind, status, received, envelope, plain}.
 */
const S = {
  me: null, key: null, cases: [], casesLoaded: false, casesAt: 0, refreshTimer: 0,
  open: null, openSeq: 0, message: null,
};

const t = translator(DICT, () => lang);

const has = (key) => Object.prototype.hasOwnProperty.call(DICT.sv, key);
const kindLabel = (k) => (has('kind_' + k) ? t('kind_' + k) : String(k || t('none')));
const statusLabel = (s) => (has('status_' + s) ? t('status_' + s) : String(s || t('none')));

function fmtTime(v) {
  const d = new Date(v || '');
  if (!v || isNaN(d.getTime())) return v ? String(v) : '';
  return new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', {
    dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Stockholm',
  }).format(d);
}

// ---- HTTP ----------------------------------------------------------------------------

/** JSON request to our own server, never from the HTTP cache; see fetchJSON. */
const api = (method, path, body) => fetchJSON(method, path, body, { cache: 'no-store' });

// ---- language -----------------------------------------------------------------------------

function applyLang() {
  applyStaticLang(t, lang);
  renderKeyStatus();
  renderCases();
  renderCase();
}

// ---- login and session ------------------------------------------------------------------------

const showView = (name) => showStaffView(name, 'intake');

/** Back to the login; the key and any open case are forgotten. */
function showLogin(message) {
  stopRefresh();
  S.me = null;
  forgetAll();
  showView('login');
  showLoginMessage(message);
}

function enter(me) {
  S.me = me;
  showUser(me);
  if (!hasRole(me, 'intake')) { showView('denied'); return; }
  showView('intake');
  renderKeyStatus();
  loadCases();
  stopRefresh();
  S.refreshTimer = setInterval(loadCases, REFRESH_MS);
}

function stopRefresh() {
  clearInterval(S.refreshTimer);
  S.refreshTimer = 0;
}

async function onLogout() {
  forgetAll();
  await logout(api);
  showAlert('');
  showLogin('');
}

/** The key and the open case leave memory (as far as a page can make them). */
function forgetAll() {
  S.key = null;
  S.cases = [];
  S.casesLoaded = false;
  closeCase(false);
  $('key-file').value = '';
  $('key-error').textContent = '';
  $('cases-table').tBodies[0].replaceChildren();
  renderKeyStatus();
}

// ---- the key file ---------------------------------------------------------------------------

/**
 * Reads the chosen key file (keyfile.js: a P-256 private key, checked by importing it)
 * and keeps it in memory only. The file input is cleared afterwards, so the page holds
 * no reference to the file.
 */
async function onKeyFile() {
  const input = $('key-file');
  const file = input.files && input.files[0];
  const err = $('key-error');
  err.textContent = '';
  if (!file) return;
  $('key-status').textContent = t('keyReading');
  try {
    S.key = await readKeyFile(file);
  } catch (e) {
    err.textContent = t(e instanceof KeyFileError ? e.code : 'keyBad');
    renderKeyStatus();
    return;
  } finally {
    input.value = '';
  }
  renderKeyStatus();
  if (S.open && !S.open.plain && S.open.envelope) decryptOpen();
}

function forgetKey() {
  S.key = null;
  if (S.open) { S.open.plain = null; renderCase(); }
  renderKeyStatus();
  $('key-status').textContent = t('keyForgotten');
  $('key-file').focus();
}

function renderKeyStatus() {
  $('key-status').textContent = S.key ? t('keyLoaded', S.key.id) : t('keyNone');
  $('key-status').classList.toggle('is-loaded', !!S.key);
  $('key-forget').hidden = !S.key;
}

// ---- the case list ------------------------------------------------------------------------------

/** GET /api/cases: metadata only. */
async function loadCases() {
  let res;
  try {
    res = await api('GET', '/api/cases');
  } catch {
    $('cases-error').textContent = t('casesFailed');
    return;
  }
  if (!S.me) return;
  if (res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (res.status === 403) { stopRefresh(); showView('denied'); return; }
  const list = Array.isArray(res.data) ? res.data : res.data && Array.isArray(res.data.cases) ? res.data.cases : null;
  if (!res.ok || !list) { $('cases-error').textContent = t('casesFailed'); return; }
  $('cases-error').textContent = '';
  S.cases = list.filter((c) => c && c.reference).map((c) => ({ ...c, reference: String(c.reference) }));
  S.casesLoaded = true;
  S.casesAt = Date.now();
  const open = S.open && S.cases.find((c) => c.reference === S.open.reference);
  if (open && open.status !== S.open.status) {
    S.open.status = open.status;
    if (open.status === 'withdrawn') S.open.plain = null;
    renderCase();
  }
  renderCases();
}

/** The table, keyed by reference so focus on an "Öppna" button survives a refresh. */
function renderCases() {
  const body = $('cases-table').tBodies[0];
  const existing = new Map([...body.rows].map((tr) => [tr.dataset.ref, tr]));
  S.cases.forEach((c, i) => {
    let tr = existing.get(c.reference);
    if (!tr) {
      const btn = el('button', { type: 'button', class: 'btn btn-small open-case', 'data-ref': c.reference });
      btn.addEventListener('click', () => openCase(c.reference));
      tr = el('tr', { 'data-ref': c.reference }, [
        el('th', { scope: 'row', class: 'ref' }), el('td', { class: 'kind' }), el('td', { class: 'status' }),
        el('td', { class: 'received' }), el('td', {}, [btn]),
      ]);
    }
    existing.delete(c.reference);
    tr.cells[0].textContent = c.reference;
    tr.cells[1].textContent = kindLabel(c.kind);
    tr.cells[2].textContent = statusLabel(c.status);
    tr.cells[2].className = 'status status-' + String(c.status || '').replace(/[^a-z_]/g, '');
    tr.cells[3].textContent = fmtTime(c.received);
    const btn = tr.querySelector('button');
    btn.textContent = t('open');
    btn.setAttribute('aria-label', t('openLabel', c.reference));
    tr.classList.toggle('is-open', !!S.open && S.open.reference === c.reference);
    if (body.rows[i] !== tr) body.insertBefore(tr, body.rows[i] || null);
  });
  for (const tr of existing.values()) {
    if (tr.contains(document.activeElement)) $('cases-title').focus();
    tr.remove();
  }
  $('cases-empty').hidden = !S.casesLoaded || S.cases.length > 0;
  $('cases-updated').textContent = S.casesAt ? t('updated', new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', { timeStyle: 'short' }).format(S.casesAt)) : '';
}

// ---- one case ----------------------------------------------------------------------------------------

/** GET /api/cases/{ref} (audited as opened by the server) and decrypt it here. */
async function openCase(ref) {
  const seq = ++S.openSeq;
  S.open = { reference: ref, kind: '', status: '', received: '', envelope: null, plain: null, loading: true };
  S.message = null;
  $('case-view').hidden = false;
  renderCase();
  renderCases();
  $('case-title').focus();
  let res;
  try {
    res = await api('GET', '/api/cases/' + encodeURIComponent(ref));
  } catch {
    res = null;
  }
  if (seq !== S.openSeq) return;
  S.open.loading = false;
  if (res && res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (!res || !res.ok || !res.data) {
    S.message = () => (res && res.status === 404 ? t('caseNotFound') : (res && res.data && res.data.error) || t(res ? 'caseFailed' : 'network'));
    renderCase();
    return;
  }
  const d = res.data;
  Object.assign(S.open, {
    reference: String(d.reference || ref), kind: d.kind, status: d.status, received: d.received,
    envelope: d.envelope && typeof d.envelope === 'object' ? d.envelope : null,
  });
  renderCase();
  if (S.open.status !== 'withdrawn') decryptOpen();
}

function fromBase64(s) {
  const bin = atob(String(s || '').replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Decrypts the open case for the loaded key: the recipient entry with our key_id. */
async function decryptOpen() {
  const c = S.open;
  if (!c || c.status === 'withdrawn') return;
  S.message = null;
  if (!c.envelope) { S.message = () => t('caseNoContent'); renderCase(); return; }
  if (!S.key) { S.message = () => t('caseNeedsKey'); renderCase(); return; }
  const env = c.envelope;
  if (env.suite && env.suite !== SUITE) { S.message = () => t('caseBadSuite'); renderCase(); return; }
  const keyId = S.key.id;
  const mine = (Array.isArray(env.recipients) ? env.recipients : [])
    .find((r) => r && String(r.key_id || '').toLowerCase() === keyId);
  if (!mine) { S.message = () => t('caseNotForKey', keyId); renderCase(); return; }
  const seq = S.openSeq;
  $('case-loading').textContent = t('caseDecrypting');
  let plain;
  try {
    const info = new TextEncoder().encode('parentline case v1 ' + c.reference);
    const bytes = await hpkeOpen(S.key.jwk, fromBase64(mine.enc), fromBase64(mine.ciphertext), info);
    plain = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    plain = null;
  }
  if (seq !== S.openSeq || S.open !== c) return;
  $('case-loading').textContent = '';
  if (!plain || typeof plain !== 'object') { S.message = () => t('caseDecryptFailed'); renderCase(); return; }
  c.plain = plain;
  renderCase();
}

function closeCase(focus) {
  S.openSeq++;
  S.open = null;
  S.message = null;
  $('case-view').hidden = true;
  $('case-content').replaceChildren();
  $('case-meta').replaceChildren();
  $('case-status-msg').textContent = '';
  $('case-error').textContent = '';
  for (const tr of $('cases-table').tBodies[0].rows) tr.classList.remove('is-open');
  if (focus) $('cases-title').focus();
}

/** Any value as text or nested elements: strings, numbers, lists and objects. */
function valueNode(v, prefix) {
  if (v === null || v === undefined || v === '') return document.createTextNode(t('none'));
  if (typeof v === 'boolean') return document.createTextNode(t(v ? 'yes' : 'no'));
  if (Array.isArray(v)) {
    return el('ul', { class: 'plain-list' }, v.map((x) => el('li', {}, [valueNode(x, prefix)])));
  }
  if (typeof v === 'object') return dlOf(v, prefix || '');
  return document.createTextNode(String(v));
}

/** A description list of obj; labels come from DICT under prefix, else the key itself. */
function dlOf(obj, prefix, order) {
  const keys = Object.keys(obj);
  const sorted = order ? order.filter((k) => keys.includes(k)).concat(keys.filter((k) => !order.includes(k))) : keys;
  const dl = el('dl', { class: 'case-dl' });
  for (const k of sorted) {
    let v = obj[k];
    if (v === undefined || v === null || v === '') continue;
    if (k === 'parent_told' && has('told_' + v)) v = t('told_' + v);
    else if (k === 'scope' && Array.isArray(v)) v = v.map((x) => (typeof x === 'string' && has('d_' + x) ? t('d_' + x) : x));
    else if (/(_at|^created|^received)$/.test(k) && typeof v === 'string') v = fmtTime(v);
    dl.append(el('dt', { text: has(prefix + k) ? t(prefix + k) : k }), el('dd', {}, [valueNode(v, prefix)]));
  }
  return dl;
}

function section(titleKey, body) {
  const id = 'case-sec-' + titleKey;
  return el('section', { class: 'case-section', 'aria-labelledby': id }, [el('h3', { id, text: t(titleKey) }), body]);
}

function renderCase() {
  const c = S.open;
  if (!c) return;
  $('case-title').textContent = t('caseTitle', c.reference);
  const meta = [
    ['metaReference', c.reference], ['metaKind', c.kind ? kindLabel(c.kind) : ''],
    ['metaStatus', c.status ? statusLabel(c.status) : ''], ['metaReceived', fmtTime(c.received)],
  ];
  $('case-meta').replaceChildren(...meta.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', { text: t(k) }), el('dd', { text: v })]));
  $('case-loading').textContent = c.loading ? t('caseLoading') : '';
  const withdrawn = c.status === 'withdrawn';
  $('case-withdrawn').hidden = !withdrawn;
  if (withdrawn) c.plain = null;
  $('case-actions').hidden = c.loading || withdrawn || !c.status;
  $('case-error').textContent = S.message ? S.message() : '';
  const content = [];
  const p = !withdrawn && c.plain;
  if (p) {
    if (p.created) content.push(el('p', { class: 'muted', text: t('metaCreated') + ': ' + fmtTime(p.created) }));
    if (p.details && typeof p.details === 'object' && Object.keys(p.details).length) {
      content.push(section('secDetails', dlOf(p.details, 'd_', ['name', 'contact', 'personnummer', 'child', 'help'])));
    }
    if (p.summary) content.push(section('secSummary', el('p', { class: 'pre', text: String(p.summary) })));
    if (p.report && typeof p.report === 'object' && Object.keys(p.report).length) {
      content.push(section('secReport', dlOf(p.report, 'r_', ['what', 'why', 'identifying', 'parent_told', 'how_told'])));
    }
    if (p.consent && typeof p.consent === 'object' && Object.keys(p.consent).length) {
      const { text, ...rest } = p.consent;
      content.push(section('secConsent', el('div', {}, [
        text ? el('h4', { text: t('c_text') }) : null,
        text ? el('blockquote', { class: 'consent-text pre', text: String(text) }) : null,
        dlOf(rest, 'c_', ['version', 'accepted_at', 'scope']),
      ])));
    }
    const known = ['reference', 'kind', 'created', 'details', 'summary', 'report', 'consent'];
    const other = Object.fromEntries(Object.entries(p).filter(([k]) => !known.includes(k)));
    if (Object.keys(other).length) content.push(section('secOther', dlOf(other, '')));
  }
  $('case-content').replaceChildren(...content);
}

/** POST /api/cases/{ref}/status. */
async function setStatus(status) {
  const c = S.open;
  if (!c) return;
  const msg = $('case-status-msg');
  msg.textContent = t('statusSaving');
  $('case-error').textContent = '';
  let res;
  try {
    res = await api('POST', '/api/cases/' + encodeURIComponent(c.reference) + '/status', { status });
  } catch {
    res = null;
  }
  if (res && res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (!res || !res.ok) {
    msg.textContent = '';
    $('case-error').textContent = (res && res.data && res.data.error) || t(res ? 'statusFailed' : 'network');
    return;
  }
  const now = (res.data && res.data.status) || status;
  if (S.open === c) {
    c.status = now;
    const row = S.cases.find((x) => x.reference === c.reference);
    if (row) row.status = now;
    renderCase();
    renderCases();
    msg.textContent = t('statusSaved', statusLabel(now));
  }
  loadCases();
}

// ---- wiring -----------------------------------------------------------------------------------------

function wire() {
  $('lang').addEventListener('click', () => { lang = otherLang(lang); applyLang(); });
  wireLogin({ t, api, onLogin: (me) => { showAlert(''); enter(me); } });
  $('logout').addEventListener('click', onLogout);
  $('key-file').addEventListener('change', onKeyFile);
  $('key-forget').addEventListener('click', forgetKey);
  $('cases-refresh').addEventListener('click', async () => {
    await loadCases();
    announce($('cases-error').textContent || $('cases-updated').textContent);
  });
  $('case-close').addEventListener('click', () => closeCase(true));
  for (const s of STATUSES) $('status-' + s).addEventListener('click', () => setStatus(s));
  // Leaving the page drops the key and the case with it; nothing is cached for "back".
  window.addEventListener('pagehide', forgetAll);
  window.addEventListener('pageshow', (e) => { if (e.persisted && S.me) loadCases(); });
}

async function main() {
  wire();
  applyLang();
  await startSession({ t, api, onReady: enter, onLogin: showLogin });
}

main();
