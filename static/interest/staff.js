// Parentline interest registrations, the staff view: a municipality's foster-care staff
// (/familjehem/personal/, role foster:<municipality code>) or a district's programme
// coordinator (/foraldrastod/samordnare/, role coordinator:<district>) — the page's
// The page's path says which (/familjehem/personal/ or /foraldrastod/samordnare/). The list shows metadata only; "Öppna" fetches one
// record (the server audits it) and decrypts it here in the browser with the reader's
// own key file, like the intake view (/intake/): the registration with reference = the
// record id, each contact correction with reference = id + "/correction/" + N.
//
// The private key and every decrypted registration live in this module's variables only:
// nothing is written to storage, and nothing decrypted is ever sent back to the server.
// An ES module; the staff session and helpers come from /staff.js; every visible string
// is in DICT (Swedish and English); the answers' labels come from /interest/schema.js.

import { hpkeOpen } from '/intake/hpke.js';
import { readKeyFile, KeyFileError } from '/intake/keyfile.js';
import {
  $, withStaffTexts, translator, applyStaticLang, otherLang, el, fetchJSON, showAlert,
  showView as showStaffView, showUser, showLoginMessage, wireLogin, logout, startSession, announce,
} from '/staff.js';
import { describe, SCHEMA } from '/interest/schema.js';

const KIND = location.pathname.startsWith('/foraldrastod/') ? 'programme' : 'foster';
const ROLE_PREFIX = KIND === 'foster' ? 'foster' : 'coordinator';
const API = '/api/interest/' + KIND;
const REFRESH_MS = 30000;
const SUITE = 'HPKE-P256-SHA256-AES128GCM';
const INFO_PREFIX = 'parentline case v1 '; // consent.Info: the HPKE info binding a sealed text to its reference

const KIND_TEXTS = {
  foster: {
    sv: {
      docTitle: 'Familjehem – intresseanmälningar', brand: 'Familjehem – intresseanmälningar',
      loginIntro: 'För kommunens familjehemssekreterare. Logga in med ditt personliga konto.',
      deniedText: 'Den här sidan är för kommunernas familjehemssekreterare. Du behöver rollen foster:<kommunkod> (till exempel foster:2380 för Östersund) för den kommun vars anmälningar du ska läsa. Be en administratör om behörighet.',
      viewTitle: 'Intresseanmälningar – familjehem', unitTitle: 'Kommun', unitPick: 'Välj kommun', colLabel: 'Etikett',
      role: (code) => `foster:${code}`,
    },
    en: {
      docTitle: 'Foster care – registrations of interest', brand: 'Foster care – registrations of interest',
      loginIntro: 'For the municipality’s foster care staff. Log in with your personal account.',
      deniedText: 'This page is for the municipalities’ foster care staff. You need the role foster:<municipality code> (for example foster:2380 for Östersund) for the municipality whose registrations you are to read. Ask an administrator for access.',
      viewTitle: 'Registrations of interest – foster care', unitTitle: 'Municipality', unitPick: 'Choose a municipality', colLabel: 'Label',
      role: (code) => `foster:${code}`,
    },
  },
  programme: {
    sv: {
      docTitle: 'Föräldrastöd – intresseanmälningar', brand: 'Föräldrastöd ABC och Komet – samordnare',
      loginIntro: 'För stadsdelarnas samordnare av föräldrastöd. Logga in med ditt personliga konto.',
      deniedText: 'Den här sidan är för stadsdelarnas samordnare av föräldrastöd. Du behöver rollen coordinator:<stadsdel> (till exempel coordinator:kungsholmen) för den stadsdel vars anmälningar du ska läsa. Be en administratör om behörighet.',
      viewTitle: 'Intresseanmälningar – ABC och Komet', unitTitle: 'Stadsdel', unitPick: 'Välj stadsdel', colLabel: 'Program',
      role: (code) => `coordinator:${code}`,
    },
    en: {
      docTitle: 'Parenting support – registrations of interest', brand: 'Parenting programmes ABC and Komet – coordinators',
      loginIntro: 'For the districts’ parenting-programme coordinators. Log in with your personal account.',
      deniedText: 'This page is for the districts’ parenting-programme coordinators. You need the role coordinator:<district> (for example coordinator:kungsholmen) for the district whose registrations you are to read. Ask an administrator for access.',
      viewTitle: 'Registrations of interest – ABC and Komet', unitTitle: 'City district', unitPick: 'Choose a district', colLabel: 'Programme',
      role: (code) => `coordinator:${code}`,
    },
  },
};

const DICT = withStaffTexts({
  sv: {
    deniedTitle: 'Du saknar behörighet',
    unitShow: 'Visa anmälningar', unitOne: (name, code) => `${name} (${code})`,
    keyTitle: 'Din nyckel',
    keyIntro: 'Anmälningarna är krypterade. Bara den som har en av enhetens nyckelfiler kan läsa dem. Nyckeln läses in här i webbläsaren och skickas aldrig till servern. Den glöms när du laddar om sidan, stänger fliken eller loggar ut.',
    keyFile: 'Din nyckelfil (stannar i webbläsaren, skickas aldrig)', keyForget: 'Glöm nyckeln',
    keyNone: 'Ingen nyckel är inläst. Du ser listan, men kan inte läsa anmälningarna.',
    keyLoaded: (id) => `Nyckeln är inläst (nyckel-id ${id}). Den finns bara i den här fliken.`,
    keyFits: (name) => `Den är en av nycklarna för ${name}.`,
    keyNotUnit: (name) => `Obs! Den är inte en av nycklarna för ${name}; anmälningarna dit går inte att läsa med den.`,
    keyForgotten: 'Nyckeln är glömd.', keyReading: 'Läser nyckelfilen…',
    keyTooBig: 'Filen är för stor för att vara en nyckelfil.',
    keyBad: 'Filen är ingen giltig nyckelfil. Välj den .jwk-fil du fick när nyckeln skapades.',
    keyNoCrypto: 'Webbläsaren kan inte dekryptera här. Öppna sidan över https i en aktuell webbläsare.',
    recordsTitle: 'Anmälningar', refresh: 'Uppdatera',
    recordsCaption: 'Anmälningar – bara ärendenummer, status och tider, inget innehåll',
    recordsCaptionUnit: (name) => `Anmälningar till ${name} – bara ärendenummer, status och tider, inget innehåll`,
    colId: 'Ärendenummer', colStatus: 'Status', colReceived: 'Inkom', colDeleteAfter: 'Raderas', colConsent: 'Samtycke', colAction: 'Åtgärd',
    recordsEmpty: 'Inga anmälningar just nu.', recordsFailed: 'Kunde inte hämta anmälningarna. Försöker igen strax.',
    foreignUnit: (role) => `Du saknar rollen ${role} och kan inte se de anmälningarna.`,
    updated: (time) => `Uppdaterad ${time}. Listan uppdateras var 30:e sekund.`,
    open: 'Öppna', openLabel: (id) => `Öppna anmälan ${id}`,
    consentGiven: 'Givet', consentWithdrawn: (when) => `Återkallat ${when}`,
    recordTitle: (id) => `Anmälan ${id}`, recordClose: 'Stäng anmälan', recordLoading: 'Hämtar anmälan…',
    decrypting: 'Dekrypterar…', recordNotFound: 'Anmälan finns inte längre.',
    recordFailed: 'Anmälan kunde inte hämtas. Försök igen.',
    needsKey: 'Läs in din nyckelfil ovan för att läsa anmälan.',
    notForKey: (id) => `Anmälan är inte krypterad till din nyckel (nyckel-id ${id}). Någon annan på enheten måste öppna den.`,
    badSuite: 'Anmälan är krypterad på ett sätt som den här sidan inte kan läsa.',
    decryptFailed: 'Anmälan kunde inte dekrypteras med din nyckel. Kontrollera att du valt rätt nyckelfil.',
    mismatch: 'Det dekrypterade innehållet hör inte till den här anmälan och visas inte.',
    noContent: 'Anmälan har inget innehåll att visa.',
    withdrawnText: (when) => `Sökanden återkallade sitt samtycke ${when}. Anmälan finns kvar eftersom den ingår i en pågående bedömning; använd inte längre de uppgifter som samtycket gällde.`,
    metaId: 'Ärendenummer', metaUnit: 'Enhet', metaLabel: 'Etikett', metaStatus: 'Status', metaReceived: 'Inkom',
    metaStatusAt: 'Status ändrad', metaDeleteAfter: 'Raderas', metaConsent: 'Samtycke',
    consentMeta: (version, given) => `${version}, givet ${given}`,
    secApplicant: 'Sökande', secConsent: 'Samtycke',
    a_personnummer: 'Personnummer', a_name: 'Namn enligt e-legitimationen', a_submitted: 'Skickad', a_unit: 'Skickad till',
    protectedNote: 'Sökanden har skyddade personuppgifter. Namnet från e-legitimationen visas inte; hantera anmälan enligt rutinen för skyddade personuppgifter.',
    protectedName: 'Visas inte (skyddade personuppgifter)',
    c_text: 'Texten sökanden godkände', c_version: 'Textversion', c_given: 'Samtycke givet',
    contactCorrected: 'Kontaktuppgifterna har rättats – se Rättade kontaktuppgifter nedan.',
    correctionsTitle: 'Rättade kontaktuppgifter',
    correctionsIntro: 'Sökanden har rättat sina kontaktuppgifter på Mina sidor. Den senaste rättelsen gäller.',
    correctionAt: (when) => `Rättad ${when}`, correctionLatest: 'Senaste – gäller nu',
    correctionFailed: (n) => `Rättelse ${n} kunde inte dekrypteras med din nyckel.`,
    none: '–', yes: 'Ja', no: 'Nej',
    actionsTitle: 'Status och radering', statusLabel: 'Status', statusSave: 'Spara status',
    statusSaving: 'Sparar status…', statusSaved: (s) => `Status ändrad: ${s}.`,
    statusFailed: 'Statusen kunde inte ändras. Försök igen.',
    deleteButton: 'Radera anmälan', deleteTitle: 'Radera anmälan?',
    deleteText: (id) => `Anmälan ${id} raderas för gott, med sitt krypterade innehåll och sina rättelser. Det går inte att ångra.`,
    deleteConfirm: 'Radera', deleteCancel: 'Avbryt',
    deleted: (id) => `Anmälan ${id} är raderad.`, deleteFailed: 'Anmälan kunde inte raderas. Försök igen.',
  },
  en: {
    deniedTitle: 'You do not have access',
    unitShow: 'Show registrations', unitOne: (name, code) => `${name} (${code})`,
    keyTitle: 'Your key',
    keyIntro: 'The registrations are encrypted. Only someone holding one of the unit’s key files can read them. The key is read here in the browser and never sent to the server. It is forgotten when you reload the page, close the tab or log out.',
    keyFile: 'Your key file (stays in the browser, never sent)', keyForget: 'Forget the key',
    keyNone: 'No key is loaded. You can see the list but cannot read the registrations.',
    keyLoaded: (id) => `The key is loaded (key id ${id}). It exists only in this tab.`,
    keyFits: (name) => `It is one of the keys of ${name}.`,
    keyNotUnit: (name) => `Note: it is not one of the keys of ${name}; the registrations there cannot be read with it.`,
    keyForgotten: 'The key has been forgotten.', keyReading: 'Reading the key file…',
    keyTooBig: 'The file is too large to be a key file.',
    keyBad: 'The file is not a valid key file. Choose the .jwk file you got when the key was made.',
    keyNoCrypto: 'This browser cannot decrypt here. Open the page over https in a current browser.',
    recordsTitle: 'Registrations', refresh: 'Refresh',
    recordsCaption: 'Registrations – reference, status and times only, no content',
    recordsCaptionUnit: (name) => `Registrations to ${name} – reference, status and times only, no content`,
    colId: 'Reference', colStatus: 'Status', colReceived: 'Received', colDeleteAfter: 'Deleted', colConsent: 'Consent', colAction: 'Action',
    recordsEmpty: 'No registrations right now.', recordsFailed: 'Could not fetch the registrations. Trying again shortly.',
    foreignUnit: (role) => `You lack the role ${role} and cannot see those registrations.`,
    updated: (time) => `Updated ${time}. The list refreshes every 30 seconds.`,
    open: 'Open', openLabel: (id) => `Open registration ${id}`,
    consentGiven: 'Given', consentWithdrawn: (when) => `Withdrawn ${when}`,
    recordTitle: (id) => `Registration ${id}`, recordClose: 'Close the registration', recordLoading: 'Fetching the registration…',
    decrypting: 'Decrypting…', recordNotFound: 'The registration no longer exists.',
    recordFailed: 'The registration could not be fetched. Please try again.',
    needsKey: 'Load your key file above to read the registration.',
    notForKey: (id) => `The registration is not encrypted to your key (key id ${id}). Someone else at the unit must open it.`,
    badSuite: 'The registration is encrypted in a way this page cannot read.',
    decryptFailed: 'The registration could not be decrypted with your key. Check that you chose the right key file.',
    mismatch: 'The decrypted content does not belong to this registration and is not shown.',
    noContent: 'The registration has no content to show.',
    withdrawnText: (when) => `The applicant withdrew their consent ${when}. The registration is kept because it is part of an ongoing assessment; no longer use the information the consent covered.`,
    metaId: 'Reference', metaUnit: 'Unit', metaLabel: 'Label', metaStatus: 'Status', metaReceived: 'Received',
    metaStatusAt: 'Status changed', metaDeleteAfter: 'Deleted', metaConsent: 'Consent',
    consentMeta: (version, given) => `${version}, given ${given}`,
    secApplicant: 'Applicant', secConsent: 'Consent',
    a_personnummer: 'Personal identity number', a_name: 'Name from the e-ID', a_submitted: 'Sent', a_unit: 'Sent to',
    protectedNote: 'The applicant has protected personal data. The name from the e-ID is not shown; handle the registration by the routine for protected personal data.',
    protectedName: 'Not shown (protected personal data)',
    c_text: 'The text the applicant accepted', c_version: 'Text version', c_given: 'Consent given',
    contactCorrected: 'The contact details have been corrected – see Corrected contact details below.',
    correctionsTitle: 'Corrected contact details',
    correctionsIntro: 'The applicant has corrected their contact details on My pages. The latest correction applies.',
    correctionAt: (when) => `Corrected ${when}`, correctionLatest: 'Latest – applies now',
    correctionFailed: (n) => `Correction ${n} could not be decrypted with your key.`,
    none: '–', yes: 'Yes', no: 'No',
    actionsTitle: 'Status and deletion', statusLabel: 'Status', statusSave: 'Save status',
    statusSaving: 'Saving the status…', statusSaved: (s) => `Status changed: ${s}.`,
    statusFailed: 'The status could not be changed. Please try again.',
    deleteButton: 'Delete the registration', deleteTitle: 'Delete the registration?',
    deleteText: (id) => `Registration ${id} is deleted for good, with its encrypted content and its corrections. This cannot be undone.`,
    deleteConfirm: 'Delete', deleteCancel: 'Cancel',
    deleted: (id) => `Registration ${id} has been deleted.`, deleteFailed: 'The registration could not be deleted. Please try again.',
  },
});
for (const l of ['sv', 'en']) Object.assign(DICT[l], KIND_TEXTS[KIND][l]);

let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'sv';
const t = translator(DICT, () => lang);

/**
 * The page's state. key: {jwk, id}, the reader's private key (never stored, never
 * sent); open: the opened record, with its decrypted registration and corrections.
 */
const S = {
  me: null, units: [], unit: '', statuses: [], key: null, records: [], loaded: false, at: 0, timer: 0,
  open: null, openSeq: 0, message: null,
};

const pick = (m) => (m && typeof m === 'object' ? m[lang] || m.sv || m.en || '' : String(m || ''));
const unitOf = (code) => S.units.find((u) => u.code === code);
const unitName = (code) => (unitOf(code) ? unitOf(code).name : String(code || ''));
const statusLabel = (code) => {
  const s = S.statuses.find((x) => x.code === code);
  return s ? pick(s.label) : String(code || t('none'));
};

function fmtTime(v) {
  const d = new Date(v || '');
  if (!v || isNaN(d.getTime()) || d.getFullYear() < 1971) return '';
  return new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', {
    dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Stockholm',
  }).format(d);
}

function fmtDay(v) {
  const d = new Date(v || '');
  if (!v || isNaN(d.getTime()) || d.getFullYear() < 1971) return '';
  return new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', { dateStyle: 'medium', timeZone: 'Europe/Stockholm' }).format(d);
}

/** "199001011234" as "19900101-1234". */
const fmtPnr = (p) => (/^\d{12}$/.test(String(p || '')) ? `${p.slice(0, 8)}-${p.slice(8)}` : String(p || ''));

/** When a record's consent was withdrawn ("" when it was not). */
const withdrawnAt = (r) => (r && r.consent && r.consent.withdrawn && fmtTime(r.consent.withdrawn)) || '';
/** When a record arrived (the contract names it "created"; "received" is accepted too). */
const receivedAt = (r) => r.created || r.received || '';

// ---- HTTP ----------------------------------------------------------------------------------

/** JSON request to our own server, never from the HTTP cache, in the page language. */
const api = (method, path, body) => fetchJSON(method, path + (path.includes('?') ? '&' : '?') + 'lang=' + lang, body, { cache: 'no-store' });

// ---- language ------------------------------------------------------------------------------

function applyLang() {
  applyStaticLang(t, lang);
  renderUnits();
  renderKeyStatus();
  renderRecords();
  renderStatuses();
  renderRecord();
}

// ---- login and session -----------------------------------------------------------------------

const showView = (name) => showStaffView(name, 'interest');

function showLogin(message) {
  stopRefresh();
  S.me = null;
  forgetAll();
  showView('login');
  showLoginMessage(message);
}

async function enter(me) {
  S.me = me;
  showUser(me);
  let res;
  try {
    res = await api('GET', API + '/staff/units');
  } catch {
    showView('interest');
    showAlert(t('network'));
    return;
  }
  if (!S.me) return;
  if (res.status === 401) { showLogin(t('sessionExpired')); return; }
  const units = Array.isArray(res.data) ? res.data.filter((u) => u && u.code) : [];
  if (res.status === 403 || (res.ok && !units.length)) { showView('denied'); return; }
  if (!res.ok) { showView('interest'); showAlert((res.data && res.data.error) || t('recordsFailed')); return; }
  showAlert('');
  S.units = units.map((u) => ({ code: String(u.code), name: String(u.name || u.code), key_ids: Array.isArray(u.key_ids) ? u.key_ids.map(String) : [] }));
  if (!unitOf(S.unit)) S.unit = S.units[0].code;
  showView('interest');
  loadStatuses();
  renderUnits();
  renderKeyStatus();
  loadRecords();
  stopRefresh();
  S.timer = setInterval(loadRecords, REFRESH_MS);
}

function stopRefresh() {
  clearInterval(S.timer);
  S.timer = 0;
}

async function onLogout() {
  forgetAll();
  await logout(api);
  showAlert('');
  showLogin('');
}

/** The key, the list and the open record leave memory (as far as a page can make them). */
function forgetAll() {
  S.key = null;
  S.records = [];
  S.loaded = false;
  S.units = [];
  S.unit = '';
  closeRecord(false);
  if ($('delete-dialog').open) $('delete-dialog').close();
  $('key-file').value = '';
  $('key-error').textContent = '';
  $('records-table').tBodies[0].replaceChildren();
  renderKeyStatus();
}

// ---- statuses and units ------------------------------------------------------------------------

async function loadStatuses() {
  let res;
  try {
    res = await api('GET', API + '/statuses');
  } catch {
    return;
  }
  if (res.ok && Array.isArray(res.data)) {
    S.statuses = res.data.filter((s) => s && s.code);
    renderStatuses();
    renderRecords();
    renderRecord();
  }
}

function renderStatuses() {
  const sel = $('status-select');
  const current = S.open && S.open.record ? S.open.record.status : sel.value;
  const list = S.statuses.length ? S.statuses : (current ? [{ code: current, label: current }] : []);
  sel.replaceChildren(...list.map((s) => el('option', { value: s.code, text: pick(s.label) })));
  if (current) sel.value = current;
}

function renderUnits() {
  const many = S.units.length > 1;
  $('unit-pick').hidden = !many;
  $('unit-single').hidden = many;
  $('unit-single').textContent = S.units.length === 1 ? t('unitOne', S.units[0].name, S.units[0].code) : '';
  const sel = $('unit-select');
  sel.replaceChildren(...S.units.map((u) => el('option', { value: u.code, text: t('unitOne', u.name, u.code) })));
  if (S.unit) sel.value = S.unit;
  $('records-caption').textContent = S.unit ? t('recordsCaptionUnit', unitName(S.unit)) : t('recordsCaption');
}

function showUnit() {
  const code = $('unit-select').value;
  if (!unitOf(code) || code === S.unit) { loadRecords(); return; }
  S.unit = code;
  S.records = [];
  S.loaded = false;
  closeRecord(false);
  $('records-table').tBodies[0].replaceChildren();
  renderUnits();
  renderKeyStatus();
  loadRecords().then(() => announce($('records-caption').textContent));
}

// ---- the key file --------------------------------------------------------------------------------

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
  announce($('key-status').textContent);
  if (S.open && S.open.record && !S.open.plain) decryptOpen();
}

function forgetKey() {
  S.key = null;
  if (S.open) {
    S.open.plain = null;
    S.open.corrections = [];
    S.message = null;
    renderRecord();
  }
  renderKeyStatus();
  $('key-status').textContent = t('keyForgotten');
  $('key-file').focus();
}

function renderKeyStatus() {
  let s = t('keyNone');
  if (S.key) {
    s = t('keyLoaded', S.key.id);
    const u = unitOf(S.unit);
    if (u && u.key_ids.length) s += ' ' + (u.key_ids.map((k) => k.toLowerCase()).includes(S.key.id) ? t('keyFits', u.name) : t('keyNotUnit', u.name));
  }
  $('key-status').textContent = s;
  $('key-status').classList.toggle('is-loaded', !!S.key);
  $('key-forget').hidden = !S.key;
}

// ---- the list --------------------------------------------------------------------------------------

/** GET the unit's records: metadata only. */
async function loadRecords() {
  const unit = S.unit;
  if (!unit) return;
  let res;
  try {
    res = await api('GET', API + '/staff/records?unit=' + encodeURIComponent(unit));
  } catch {
    $('records-error').textContent = t('recordsFailed');
    return;
  }
  if (!S.me || unit !== S.unit) return;
  if (res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (res.status === 403) { $('records-error').textContent = t('foreignUnit', t('role', unit)); return; }
  const list = Array.isArray(res.data) ? res.data : res.data && Array.isArray(res.data.records) ? res.data.records : null;
  if (!res.ok || !list) { $('records-error').textContent = (res.data && res.data.error) || t('recordsFailed'); return; }
  $('records-error').textContent = '';
  S.records = list.filter((r) => r && r.id).map((r) => ({ ...r, id: String(r.id) }));
  S.loaded = true;
  S.at = Date.now();
  const open = S.open && S.records.find((r) => r.id === S.open.id);
  if (open && S.open.record && (open.status !== S.open.record.status || withdrawnAt(open) !== withdrawnAt(S.open.record))) {
    Object.assign(S.open.record, { status: open.status, consent: open.consent, status_at: open.status_at, delete_after: open.delete_after });
    renderRecord();
  }
  renderRecords();
}

/** The table, keyed by id so that focus on an "Öppna" button survives a refresh. */
function renderRecords() {
  const body = $('records-table').tBodies[0];
  const existing = new Map([...body.rows].map((tr) => [tr.dataset.id, tr]));
  S.records.forEach((r, i) => {
    let tr = existing.get(r.id);
    if (!tr) {
      const btn = el('button', { type: 'button', id: 'open-' + r.id, class: 'btn btn-small open-record', 'data-id': r.id });
      btn.addEventListener('click', () => openRecord(r.id));
      tr = el('tr', { 'data-id': r.id }, [
        el('th', { scope: 'row', class: 'ref' }), el('td', { class: 'label' }), el('td', { class: 'status' }),
        el('td', { class: 'received' }), el('td', { class: 'delete-after' }), el('td', { class: 'consent' }), el('td', {}, [btn]),
      ]);
    }
    existing.delete(r.id);
    const w = withdrawnAt(r);
    ['colId', 'colLabel', 'colStatus', 'colReceived', 'colDeleteAfter', 'colConsent', 'colAction']
      .forEach((k, c) => { tr.cells[c].dataset.label = t(k); });
    tr.cells[0].textContent = r.id;
    tr.cells[1].textContent = r.label || t('none');
    tr.cells[2].textContent = statusLabel(r.status);
    tr.cells[3].textContent = fmtTime(receivedAt(r));
    tr.cells[4].textContent = fmtDay(r.delete_after);
    tr.cells[5].textContent = w ? t('consentWithdrawn', w) : t('consentGiven');
    tr.cells[5].classList.toggle('is-withdrawn', !!w);
    const btn = tr.querySelector('button');
    btn.textContent = t('open');
    btn.setAttribute('aria-label', t('openLabel', r.id));
    tr.classList.toggle('is-open', !!S.open && S.open.id === r.id);
    if (body.rows[i] !== tr) body.insertBefore(tr, body.rows[i] || null);
  });
  for (const tr of existing.values()) {
    if (tr.contains(document.activeElement)) $('records-title').focus();
    tr.remove();
  }
  $('records-empty').hidden = !S.loaded || S.records.length > 0;
  $('records-updated').textContent = S.at ? t('updated', new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', { timeStyle: 'short' }).format(S.at)) : '';
}

// ---- one record ----------------------------------------------------------------------------------

/** GET one record (audited as opened by the server) and decrypt it here. */
async function openRecord(id) {
  const seq = ++S.openSeq;
  S.open = { id, record: null, plain: null, corrections: [], loading: true };
  S.message = null;
  $('record-view').hidden = false;
  $('status-msg').textContent = '';
  renderRecord();
  renderRecords();
  $('record-title').focus();
  let res;
  try {
    res = await api('GET', API + '/staff/records/' + encodeURIComponent(id));
  } catch {
    res = null;
  }
  if (seq !== S.openSeq) return;
  S.open.loading = false;
  if (res && res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (!res || !res.ok || !res.data || typeof res.data !== 'object') {
    S.message = () => (!res ? t('network') : res.status === 404 ? t('recordNotFound')
      : res.status === 403 ? t('foreignUnit', t('role', S.unit)) : (res.data && res.data.error) || t('recordFailed'));
    if (res && res.status === 404) {
      S.records = S.records.filter((r) => r.id !== id);
      renderRecords();
    }
    renderRecord();
    return;
  }
  S.open.record = { ...res.data, id: String(res.data.id || id) };
  renderStatuses();
  renderRecord();
  decryptOpen();
}

function fromBase64(s) {
  const bin = atob(String(s || '').replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Opens an envelope sealed to reference with the loaded key: {plain} (the parsed JSON),
 * or {error} (a function giving the text, so that it follows the language).
 */
async function openEnvelope(env, reference) {
  if (!env || typeof env !== 'object') return { error: () => t('noContent') };
  if (env.suite && env.suite !== SUITE) return { error: () => t('badSuite') };
  const keyId = S.key.id;
  const mine = (Array.isArray(env.recipients) ? env.recipients : [])
    .find((r) => r && String(r.key_id || '').toLowerCase() === keyId);
  if (!mine) return { error: () => t('notForKey', keyId) };
  try {
    const info = new TextEncoder().encode(INFO_PREFIX + reference);
    const bytes = await hpkeOpen(S.key.jwk, fromBase64(mine.enc), fromBase64(mine.ciphertext), info);
    const plain = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    if (!plain || typeof plain !== 'object') throw new Error('not an object');
    return { plain };
  } catch {
    return { error: () => t('decryptFailed') };
  }
}

/** Decrypts the open record and its corrections with the loaded key. */
async function decryptOpen() {
  const o = S.open;
  if (!o || !o.record) return;
  S.message = null;
  if (!o.record.envelope) { S.message = () => t('noContent'); renderRecord(); return; }
  if (!S.key) { S.message = () => t('needsKey'); renderRecord(); return; }
  const seq = S.openSeq;
  $('record-loading').textContent = t('decrypting');
  const main = await openEnvelope(o.record.envelope, o.id);
  const corrections = [];
  const list = Array.isArray(o.record.corrections) ? o.record.corrections : [];
  for (let i = 0; i < list.length; i++) {
    const c = list[i] || {};
    const r = await openEnvelope(c.envelope, `${o.id}/correction/${i + 1}`);
    const ok = r.plain && (!r.plain.id || String(r.plain.id) === o.id);
    corrections.push({ n: i + 1, at: (r.plain && r.plain.at) || c.at, contact: ok ? r.plain.contact : null });
  }
  if (seq !== S.openSeq || S.open !== o) return;
  $('record-loading').textContent = '';
  if (main.error) { S.message = main.error; renderRecord(); return; }
  if (main.plain.id && String(main.plain.id) !== o.id) { S.message = () => t('mismatch'); renderRecord(); return; }
  o.plain = main.plain;
  o.corrections = corrections;
  renderRecord();
  announce(t('recordTitle', o.id));
}

function closeRecord(focus) {
  S.openSeq++;
  S.open = null;
  S.message = null;
  $('record-view').hidden = true;
  $('record-content').replaceChildren();
  $('record-meta').replaceChildren();
  $('corrections-list').replaceChildren();
  $('record-corrections').hidden = true;
  $('status-msg').textContent = '';
  $('record-error').textContent = '';
  for (const tr of $('records-table').tBodies[0].rows) tr.classList.remove('is-open');
  if (focus) $('records-title').focus();
}

/** A description list of [label, value] rows; empty values as a dash. */
function dl(rows) {
  return el('dl', { class: 'case-dl' }, rows.flatMap(([k, v]) => [
    el('dt', { text: k }), el('dd', { text: v === '' || v === undefined || v === null ? t('none') : String(v) }),
  ]));
}

function section(id, title, body) {
  const hid = 'record-sec-' + id;
  return el('section', { class: 'case-section', 'aria-labelledby': hid }, [el('h3', { id: hid, text: title }), ...[].concat(body)]);
}

const CONTACT_FIELDS = SCHEMA[KIND].find((g) => g.id === 'contact').fields;

function renderRecord() {
  const o = S.open;
  if (!o) return;
  const r = o.record;
  $('record-title').textContent = t('recordTitle', o.id);
  const meta = r ? [
    ['metaId', r.id], ['metaUnit', r.unit_name || unitName(r.unit)], ['metaLabel', r.label || ''],
    ['metaStatus', statusLabel(r.status)], ['metaReceived', fmtTime(receivedAt(r))],
    ['metaStatusAt', fmtTime(r.status_at)], ['metaDeleteAfter', fmtDay(r.delete_after)],
    ['metaConsent', r.consent && r.consent.version ? t('consentMeta', r.consent.version, fmtTime(r.consent.given)) : ''],
  ] : [];
  $('record-meta').replaceChildren(...meta.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', { text: t(k) }), el('dd', { text: v })]));
  $('record-loading').textContent = o.loading ? t('recordLoading') : '';
  const w = withdrawnAt(r);
  $('record-withdrawn').hidden = !w;
  $('record-withdrawn').textContent = w ? t('withdrawnText', w) : '';
  $('record-actions').hidden = o.loading || !r;
  $('record-error').textContent = S.message ? S.message() : '';
  const content = [];
  const p = o.plain;
  if (p) {
    const answers = p.answers && typeof p.answers === 'object' ? p.answers : {};
    if (p.protected) content.push(el('p', { class: 'notice protected-note', text: t('protectedNote') }));
    content.push(section('applicant', t('secApplicant'), dl([
      [t('a_personnummer'), fmtPnr(p.personnummer)],
      [t('a_name'), p.protected ? t('protectedName') : p.eid_name || ''],
      [t('a_submitted'), fmtTime(p.submitted)],
      [t('a_unit'), p.unit_name || unitName(p.unit)],
    ])));
    for (const g of describe(KIND, answers, lang, S.units)) {
      const body = [dl(g.rows.map((x) => [x.label, x.value]))];
      if (g.id === 'contact' && o.corrections.length) body.unshift(el('p', { class: 'note-inline', text: t('contactCorrected') }));
      content.push(section(g.id, g.title, body));
    }
    if (p.consent && typeof p.consent === 'object') {
      content.push(section('consent', t('secConsent'), [
        el('h4', { text: t('c_text') }),
        el('blockquote', { class: 'consent-text pre', text: String(p.consent.text || '') }),
        dl([[t('c_version'), p.consent.version || ''], [t('c_given'), fmtTime(p.consent.given)]]),
      ]));
    }
  }
  $('record-content').replaceChildren(...content);
  renderCorrections(p ? o.corrections : []);
}

/** The contact corrections, newest first; the newest (the one that applies) highlighted. */
function renderCorrections(list) {
  $('record-corrections').hidden = !list.length;
  const newest = [...list].reverse();
  $('corrections-list').replaceChildren(...newest.map((c, i) => {
    const head = el('p', { class: 'correction-head' }, [
      el('strong', { text: t('correctionAt', fmtTime(c.at) || String(c.at || '')) }),
      i === 0 ? el('span', { class: 'badge-latest', text: t('correctionLatest') }) : null,
    ]);
    const body = c.contact && typeof c.contact === 'object'
      ? dl(CONTACT_FIELDS.map((f) => [pick(f.label), c.contact[f.path.split('.')[1]]]).filter(([, v]) => v !== undefined && v !== null && v !== ''))
      : el('p', { class: 'form-error', text: t('correctionFailed', c.n) });
    return el('li', { class: i === 0 ? 'correction is-latest' : 'correction', 'data-n': String(c.n) }, [head, body]);
  }));
}

// ---- status and deletion -------------------------------------------------------------------------

async function saveStatus() {
  const o = S.open;
  if (!o || !o.record) return;
  const status = $('status-select').value;
  const msg = $('status-msg');
  msg.textContent = t('statusSaving');
  $('record-error').textContent = '';
  let res;
  try {
    res = await api('POST', API + '/staff/records/' + encodeURIComponent(o.id) + '/status', { status });
  } catch {
    res = null;
  }
  if (res && res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (S.open !== o) return;
  if (!res || !res.ok) {
    msg.textContent = '';
    $('record-error').textContent = (res && res.data && res.data.error) || t(res ? 'statusFailed' : 'network');
    return;
  }
  const d = res.data && typeof res.data === 'object' ? res.data : {};
  Object.assign(o.record, { status: d.status || status, status_at: d.status_at || o.record.status_at, delete_after: d.delete_after || o.record.delete_after });
  const row = S.records.find((x) => x.id === o.id);
  if (row) Object.assign(row, { status: o.record.status, status_at: o.record.status_at, delete_after: o.record.delete_after });
  renderRecord();
  renderRecords();
  msg.textContent = t('statusSaved', statusLabel(o.record.status));
}

function askDelete() {
  if (!S.open) return;
  $('delete-dialog-text').textContent = t('deleteText', S.open.id);
  $('delete-dialog').showModal();
  $('delete-cancel').focus();
}

async function confirmDelete() {
  const o = S.open;
  $('delete-dialog').close();
  if (!o) return;
  let res;
  try {
    res = await api('DELETE', API + '/staff/records/' + encodeURIComponent(o.id));
  } catch {
    res = null;
  }
  if (res && res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (!res || (!res.ok && res.status !== 404)) {
    if (S.open === o) $('record-error').textContent = (res && res.data && res.data.error) || t(res ? 'deleteFailed' : 'network');
    $('record-delete').focus();
    return;
  }
  S.records = S.records.filter((x) => x.id !== o.id);
  if (S.open === o) closeRecord(false);
  renderRecords();
  $('records-title').focus();
  announce(res.status === 404 ? t('recordNotFound') : t('deleted', o.id));
}

// ---- wiring ---------------------------------------------------------------------------------------

function wire() {
  $('lang').addEventListener('click', () => { lang = otherLang(lang); applyLang(); });
  wireLogin({ t, api, onLogin: (me) => { showAlert(''); enter(me); } });
  $('logout').addEventListener('click', onLogout);
  $('unit-show').addEventListener('click', showUnit);
  $('key-file').addEventListener('change', onKeyFile);
  $('key-forget').addEventListener('click', forgetKey);
  $('records-refresh').addEventListener('click', async () => {
    await loadRecords();
    announce($('records-error').textContent || $('records-updated').textContent);
  });
  $('record-close').addEventListener('click', () => closeRecord(true));
  $('status-save').addEventListener('click', saveStatus);
  $('record-delete').addEventListener('click', askDelete);
  $('delete-confirm').addEventListener('click', confirmDelete);
  $('delete-cancel').addEventListener('click', () => { $('delete-dialog').close(); });
  $('delete-dialog').addEventListener('close', () => { if (S.open && !$('record-view').hidden) $('record-delete').focus(); });
  // Leaving the page drops the key and the registration with it; nothing is cached for "back".
  window.addEventListener('pagehide', forgetAll);
  window.addEventListener('pageshow', (e) => { if (e.persisted && S.me) enter(S.me); });
}

async function main() {
  wire();
  applyLang();
  await startSession({ t, api, onReady: enter, onLogin: showLogin });
}

main();
