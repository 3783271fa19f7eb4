// Parentline administration (/admin/): staff accounts and their roles, the topic list,
// the chat's opening hours and closed days, the canned answers and the audit trail.
// Admins see all five; a supervisor without the admin role sees the opening hours and
// the canned answers; anyone else is told they lack access (the server checks every
// call again). An ES module; the staff session and helpers come from
// /staff.js; every visible string is in DICT. Nothing is stored in the browser.

import {
  $, withStaffTexts, translator, applyStaticLang, otherLang, el, fetchJSON, showAlert, hasRole, rolesOf,
  showView as showStaffView, showUser, showLoginMessage, wireLogin, logout, startSession, announce,
} from '/staff.js';

const TZ = 'Europe/Stockholm';
const AUDIT_ROWS = 200; // shown at most; the server gives up to 1000
const AUDIT_DAYS = 30; // the default range, ending today
const SCOPE_RE = /^[a-z0-9._-]{1,40}$/;
const TOPIC_ID_RE = /^[a-z0-9_]{1,40}$/;
const MAX_LABEL = 80;
const MAX_CANNED_TITLE = 80;
const MAX_CANNED_TEXT = 4096; // bytes, as the server counts
const MAX_NOTE = 60; // a closed day's note, in characters (chat/hours.Closure)
const MAX_CLOSURES = 100; // closed days at most (chat/hours.MaxClosures)
const TIME_RE = /^(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/; // a time input's value; seconds are dropped

// The audit trail's actions (audit/audit.go), in the order the filter offers them.
const AUDIT_ACTIONS = [
  'user_added', 'user_changed', 'user_disabled', 'user_enabled', 'user_password_set', 'user_deleted',
  'created', 'approved', 'opened', 'acknowledged', 'forwarded', 'closed', 'withdrawn', 'deleted', 'report_rejected',
  'chat_followed', 'chat_taken_over',
  'interest_submitted', 'interest_opened', 'interest_status', 'interest_deleted', 'interest_withdrawn',
  'interest_consent_withdrawn', 'interest_corrected', 'interest_purged',
  'interest_refused_foreign_unit', 'interest_refused_unknown_id', 'interest_refused_not_owner',
  'hours_changed',
];

const DICT = withStaffTexts({
  sv: {
    docTitle: 'Föräldrachatten – administration',
    brand: 'Föräldrachatten – administration',
    loginIntro: 'För administratörer och arbetsledare. Logga in med ditt personliga konto.',
    deniedTitle: 'Du saknar behörighet',
    deniedText: 'Administrationen är bara för konton med rollen administratör eller arbetsledare. Be en administratör om behörighet om du behöver den.',
    adminTitle: 'Administration', navTitle: 'Avsnitt på sidan',
    close: 'Stäng', cancel: 'Avbryt', saveChanges: 'Spara ändringar', edit: 'Ändra',
    summaryTitle: 'Det gick inte att spara', summaryShow: 'Det gick inte att visa loggen',
    failed: (status) => `Det gick inte (felkod ${status}). Försök igen.`,
    forbidden: 'Du har inte längre behörighet till det här. Sidan visar nu det du har behörighet till.',
    colStatus: 'Status', colAction: 'Åtgärd',

    // accounts
    accountsTitle: 'Konton', accountsCaption: 'Alla personalkonton',
    colUsername: 'Användarnamn', colName: 'Namn', colRoles: 'Roller', colCreated: 'Skapat',
    you: '(du)', enabled: 'Aktivt', disabled: 'Avstängt',
    editLabel: (u) => `Ändra kontot ${u}`,
    accountsFailed: 'Kunde inte hämta kontona. Ladda om sidan för att försöka igen.',
    rolesFailed: 'Kunde inte hämta rollerna. Ladda om sidan för att försöka igen.',
    editTitle: (u) => `Konto: ${u}`, editTitleSelf: (u) => `Konto: ${u} (du)`,
    selfNote: 'Det här är ditt eget konto. Du kan inte stänga av det, ta bort det eller ta bort din egen roll som administratör.',
    editFormTitle: 'Namn och roller', displayName: 'Visningsnamn', roles: 'Roller',
    scopedTitle: 'Roller med område', scopePrefix: 'Typ av roll', scopeValue: 'Område', scopeAdd: 'Lägg till rollen',
    scopedNone: 'Inga roller med område.',
    scopeRemove: 'Ta bort', scopeRemoveLabel: (r) => `Ta bort rollen ${r}`,
    scopeAdded: (r) => `Rollen ${r} är tillagd. Spara för att den ska gälla.`,
    scopeRemoved: (r) => `Rollen ${r} är borttagen. Spara för att ändringen ska gälla.`,
    scopeInvalid: 'Skriv området med 1–40 tecken: små bokstäver a–z, siffror, punkt, understreck eller bindestreck.',
    scopeDuplicate: 'Kontot har redan den rollen.',
    stateTitle: 'Kontots status',
    stateEnabled: 'Kontot är aktivt och kan logga in.',
    stateDisabled: 'Kontot är avstängt. Personen kan inte logga in.',
    disable: 'Stäng av kontot', enable: 'Aktivera kontot',
    deleteAccount: 'Ta bort kontot',
    passwordTitle: 'Nytt lösenord', passwordNew: 'Nytt lösenord',
    passwordNewHint: 'Minst 10 tecken. Kontots alla inloggningar avslutas när lösenordet byts.',
    passwordSave: 'Byt lösenord',
    newTitle: 'Nytt konto', username: 'Användarnamn',
    usernameHint: '2–64 tecken: små bokstäver a–z, siffror, punkt, understreck eller bindestreck.',
    nameHint: 'Föräldrarna ser det i chatten, och kollegor i konsolen. Ett förnamn räcker. Högst 60 tecken.',
    passwordInitial: 'Första lösenord',
    passwordHint: 'Minst 10 tecken. Ge lösenordet till personen på ett säkert sätt.',
    newSubmit: 'Skapa kontot',
    usernameMissing: 'Fyll i ett användarnamn.', nameMissing: 'Fyll i ett visningsnamn.',
    rolesMissing: 'Välj minst en roll.', passwordMissing: 'Fyll i ett lösenord med minst 10 tecken.',
    errExists: 'Det finns redan ett konto med det användarnamnet.',
    errNoUser: 'Kontot finns inte längre. Listan är uppdaterad.',
    errSelf: 'Du kan inte stänga av eller ta bort ditt eget konto, eller ta bort din egen roll som administratör. Be en annan administratör om det behövs.',
    errLastAdmin: 'Det här är den sista aktiva administratören. Ge först någon annan rollen administratör.',
    errTooLarge: 'Uppgifterna är för stora.',
    created: (u) => `Kontot ${u} är skapat.`,
    saved: (u) => `Ändringarna för ${u} är sparade.`,
    disabledDone: (u) => `Kontot ${u} är avstängt. Personens inloggningar är avslutade.`,
    enabledDone: (u) => `Kontot ${u} är aktiverat igen.`,
    passwordDone: (u) => `Lösenordet för ${u} är bytt. Kontots inloggningar är avslutade.`,
    deletedDone: (u) => `Kontot ${u} är borttaget.`,
    deleteAccountTitle: 'Ta bort kontot?',
    deleteAccountText: (u, n) => `Kontot ${u} (${n}) tas bort för gott och personen loggas ut. Det går inte att ångra. Vill du bara hindra inloggning, stäng av kontot i stället.`,
    deleteAccountConfirm: (u) => `Ta bort ${u}`,

    // topics
    topicsTitle: 'Ämnen',
    topicsIntro: 'Ämnena som rådgivarna märker en avslutad chatt med. Ett ämne tas aldrig bort, eftersom statistiken hänvisar till det; det inaktiveras.',
    topicsCaption: 'Alla ämnen, aktiva och inaktiva',
    colTopicId: 'Kod', colSv: 'Svenska', colEn: 'Engelska',
    topicActive: 'Aktivt', topicInactive: 'Inaktivt',
    topicActivate: 'Aktivera', topicDeactivate: 'Inaktivera',
    topicEditLabel: (id) => `Ändra ämnet ${id}`,
    topicActivateLabel: (id) => `Aktivera ämnet ${id}`, topicDeactivateLabel: (id) => `Inaktivera ämnet ${id}`,
    topicEditTitle: (id) => `Ändra ämnet ${id}`,
    topicNewTitle: 'Nytt ämne', topicId: 'Kod',
    topicIdHint: 'Används i statistiken och kan inte ändras. 1–40 tecken: a–z, 0–9 och understreck, till exempel skarmtid.',
    labelSv: 'Namn på svenska', labelEn: 'Namn på engelska', topicAdd: 'Lägg till ämnet',
    topicIdInvalid: 'Skriv koden med 1–40 tecken: små bokstäver a–z, siffror och understreck.',
    topicExists: 'Det finns redan ett ämne med den koden.',
    labelMissing: 'Fyll i ett namn.', labelTooLong: `Namnet får vara högst ${MAX_LABEL} tecken.`,
    labelControl: 'Namnet får inte innehålla radbrytningar eller andra styrtecken.',
    topicsFailed: 'Kunde inte hämta ämnena. Ladda om sidan för att försöka igen.',
    topicAdded: (l) => `Ämnet ${l} är tillagt.`, topicSaved: (l) => `Ämnet ${l} är sparat.`,
    topicActivated: (l) => `Ämnet ${l} är aktiverat. Rådgivarna kan välja det igen.`,
    topicDeactivated: (l) => `Ämnet ${l} är inaktiverat. Rådgivarna kan inte längre välja det.`,

    // canned answers
    cannedTitle: 'Standardsvar',
    cannedIntro: 'Färdiga svar som rådgivarna kan infoga i en chatt. Varje svar finns på ett språk.',
    cannedLang: 'Visa standardsvar på', langSv: 'Svenska', langEn: 'Engelska',
    cannedEmpty: 'Det finns inga standardsvar på det här språket.',
    cannedNew: (l) => `Nytt standardsvar på ${l === 'en' ? 'engelska' : 'svenska'}`,
    cannedEditTitle: (title) => `Ändra standardsvaret ${title}`,
    cannedTitleLabel: 'Rubrik', cannedTitleHint: 'Syns bara för rådgivaren. Högst 80 tecken.',
    cannedTextLabel: 'Text', cannedTextHint: 'Det som skickas till föräldern. Högst 4096 byte (å, ä och ö räknas som två).',
    cannedAdd: 'Lägg till standardsvaret',
    cannedEditLabel: (title) => `Ändra ${title}`, cannedDelete: 'Ta bort', cannedDeleteLabel: (title) => `Ta bort ${title}`,
    cannedTitleMissing: 'Fyll i en rubrik.', cannedTitleTooLong: `Rubriken får vara högst ${MAX_CANNED_TITLE} tecken.`,
    cannedTitleControl: 'Rubriken ska vara en rad utan styrtecken.',
    cannedTextMissing: 'Fyll i texten.', cannedTextTooLong: (n) => `Texten är ${n} byte; högst ${MAX_CANNED_TEXT} får plats.`,
    cannedFailed: 'Kunde inte hämta standardsvaren. Försök igen.',
    cannedGone: 'Standardsvaret finns inte längre. Listan är uppdaterad.',
    cannedAdded: (title) => `Standardsvaret ${title} är tillagt.`, cannedSaved: (title) => `Standardsvaret ${title} är sparat.`,
    cannedDeleted: (title) => `Standardsvaret ${title} är borttaget.`,
    cannedShowing: (l, n) => `Visar ${n} standardsvar på ${l === 'en' ? 'engelska' : 'svenska'}.`,
    deleteCannedTitle: 'Ta bort standardsvaret?',
    deleteCannedText: (title) => `Standardsvaret ${title} tas bort för alla rådgivare. Det går inte att ångra.`,
    deleteCannedConfirm: 'Ta bort standardsvaret',

    // opening hours
    hoursTitle: 'Öppettider',
    hoursIntro: 'När föräldrar kan chatta, i svensk tid. En ändring gäller direkt när du har sparat, för alla föräldrar och rådgivare.',
    hoursAlways: 'Alltid öppet',
    hoursAlwaysHint: 'Chatten är öppen dygnet runt alla dagar, utom de stängda dagarna nedan.',
    hoursWeekly: 'Öppettider per veckodag',
    hoursWeeklyHint: 'En dag utan tider är stängd. En dag kan ha flera tider. Välj 00:00 som sluttid för att ha öppet till midnatt.',
    day1: 'Måndag', day2: 'Tisdag', day3: 'Onsdag', day4: 'Torsdag', day5: 'Fredag', day6: 'Lördag', day7: 'Söndag',
    dayIn: ['måndag', 'tisdag', 'onsdag', 'torsdag', 'fredag', 'lördag', 'söndag'],
    dayClosed: 'Stängt',
    intervalLabel: (n) => `Tid ${n}`, timeFrom: 'Från', timeTo: 'Till',
    intervalAdd: 'Lägg till tid', intervalAddLabel: (day) => `Lägg till tid på ${day}`,
    hoursRemove: 'Ta bort', intervalRemoveLabel: (n, day) => `Ta bort tid ${n} på ${day}`,
    intervalRemoved: (day) => `Tiden på ${day} är borttagen. Spara för att ändringen ska gälla.`,
    closedTitle: 'Stängda dagar',
    closedHint: 'Hela dagar då chatten är stängd fast den annars skulle vara öppen, till exempel helgdagar. Föräldrarna ser datumet och anteckningen i chatten.',
    closedEmpty: 'Inga stängda dagar.',
    closedRowLabel: (n) => `Stängd dag ${n}`, closedDate: 'Datum', closedNote: 'Anteckning till föräldrarna (frivillig)',
    closedAdd: 'Lägg till stängd dag', closedRemoveLabel: (n) => `Ta bort stängd dag ${n}`,
    closedRemoved: 'Den stängda dagen är borttagen. Spara för att ändringen ska gälla.',
    hoursSave: 'Spara öppettiderna',
    hoursSaved: 'Öppettiderna är sparade.',
    hoursFailed: 'Kunde inte hämta öppettiderna. Ladda om sidan för att försöka igen.',
    hoursSourceFlag: 'Från serverns start-inställning (--hours). Ingen har ändrat öppettiderna här ännu.',
    hoursSourceSaved: (by, when) => `Senast ändrad av ${by}, ${when}.`,
    hoursSourceSavedAt: (when) => `Senast ändrad ${when}.`,
    timeMissing: 'Fyll i en tid, till exempel 09:00.',
    timeOrder: 'Sluttiden måste vara efter starttiden.',
    closedDateInvalid: 'Fyll i datumet som ÅÅÅÅ-MM-DD.',
    closedDuplicate: 'Det datumet finns redan bland de stängda dagarna.',
    closedNoteTooLong: `Anteckningen får vara högst ${MAX_NOTE} tecken.`,
    closedNoteControl: 'Anteckningen ska vara en rad utan styrtecken.',
    closedTooMany: `Det får vara högst ${MAX_CLOSURES} stängda dagar. Ta bort några som har passerat.`,

    // audit
    auditTitle: 'Granskningslogg',
    auditIntro: 'Vem gjorde vad och när, med ärendets eller kontots referens. Loggen innehåller aldrig innehåll ur chattar eller ärenden.',
    auditFilter: 'Filtrera granskningsloggen', auditFrom: 'Från och med', auditTo: 'Till och med',
    auditAction: 'Händelse', auditAll: 'Alla händelser', auditShow: 'Visa',
    auditCaption: 'Händelser, senaste först',
    colTime: 'Tid', colActor: 'Vem', colEvent: 'Händelse', colReference: 'Referens',
    auditVerified: 'Granskningsloggen är hel: ingen post har ändrats eller tagits bort.',
    auditBroken: 'Varning: granskningsloggen går inte att verifiera. En post kan ha ändrats eller tagits bort. Kontakta driften.',
    auditCount: (n) => (n === 0 ? 'Inga händelser i det urvalet.' : n === 1 ? 'Visar 1 händelse.' : `Visar ${n} händelser.`),
    auditCountCut: (shown, n) => `Visar de ${shown} senaste av ${n} händelser. Välj ett kortare datumintervall för att se äldre.`,
    auditFailed: 'Kunde inte hämta granskningsloggen. Försök igen.',
    auditDateOrder: 'Slutdatumet kan inte vara före startdatumet.',
    auditDateInvalid: 'Skriv datumet som ÅÅÅÅ-MM-DD.',
    actorParent: 'förälder (anonym)', actorRetention: 'gallringen',
    action_user_added: 'Konto skapat', action_user_changed: 'Konto ändrat (namn eller roller)',
    action_user_disabled: 'Konto avstängt', action_user_enabled: 'Konto aktiverat',
    action_user_password_set: 'Lösenord bytt', action_user_deleted: 'Konto borttaget',
    action_created: 'Ärende skapat', action_approved: 'Orosanmälan godkänd', action_opened: 'Ärende öppnat',
    action_acknowledged: 'Ärende mottaget', action_forwarded: 'Ärende vidarebefordrat', action_closed: 'Ärende avslutat',
    action_withdrawn: 'Samtycke återkallat', action_deleted: 'Ärende raderat', action_report_rejected: 'Orosanmälan avvisad',
    action_chat_followed: 'Chatt följd av arbetsledare', action_chat_taken_over: 'Chatt övertagen',
    action_interest_submitted: 'Intresseanmälan inskickad', action_interest_opened: 'Intresseanmälan öppnad',
    action_interest_status: 'Intresseanmälans status ändrad', action_interest_deleted: 'Intresseanmälan raderad',
    action_interest_withdrawn: 'Intresseanmälan återtagen', action_interest_consent_withdrawn: 'Samtycke till intresseanmälan återkallat',
    action_interest_corrected: 'Kontaktuppgifter rättade', action_interest_purged: 'Intresseanmälan gallrad',
    action_interest_refused_foreign_unit: 'Nekad: annan enhets anmälningar',
    action_interest_refused_unknown_id: 'Nekad: okänd anmälan', action_interest_refused_not_owner: 'Nekad: någon annans anmälan',
    action_hours_changed: 'Öppettider ändrade',
  },
  en: {
    docTitle: 'Parent chat – administration',
    brand: 'Parent chat – administration',
    loginIntro: 'For administrators and supervisors. Log in with your personal account.',
    deniedTitle: 'You do not have access',
    deniedText: 'The administration is only for accounts with the administrator or supervisor role. Ask an administrator for access if you need it.',
    adminTitle: 'Administration', navTitle: 'Sections of the page',
    close: 'Close', cancel: 'Cancel', saveChanges: 'Save changes', edit: 'Edit',
    summaryTitle: 'Could not save', summaryShow: 'Could not show the trail',
    failed: (status) => `That did not work (error code ${status}). Please try again.`,
    forbidden: 'You no longer have access to this. The page now shows what you have access to.',
    colStatus: 'Status', colAction: 'Action',

    accountsTitle: 'Accounts', accountsCaption: 'All staff accounts',
    colUsername: 'User name', colName: 'Name', colRoles: 'Roles', colCreated: 'Created',
    you: '(you)', enabled: 'Active', disabled: 'Disabled',
    editLabel: (u) => `Edit the account ${u}`,
    accountsFailed: 'Could not load the accounts. Reload the page to try again.',
    rolesFailed: 'Could not load the roles. Reload the page to try again.',
    editTitle: (u) => `Account: ${u}`, editTitleSelf: (u) => `Account: ${u} (you)`,
    selfNote: 'This is your own account. You cannot disable it, delete it or remove your own administrator role.',
    editFormTitle: 'Name and roles', displayName: 'Display name', roles: 'Roles',
    scopedTitle: 'Roles for an area', scopePrefix: 'Kind of role', scopeValue: 'Area', scopeAdd: 'Add the role',
    scopedNone: 'No roles for an area.',
    scopeRemove: 'Remove', scopeRemoveLabel: (r) => `Remove the role ${r}`,
    scopeAdded: (r) => `The role ${r} is added. Save for it to take effect.`,
    scopeRemoved: (r) => `The role ${r} is removed. Save for the change to take effect.`,
    scopeInvalid: 'Write the area with 1–40 characters: lower-case letters a–z, digits, full stop, underscore or hyphen.',
    scopeDuplicate: 'The account already has that role.',
    stateTitle: 'Account status',
    stateEnabled: 'The account is active and can log in.',
    stateDisabled: 'The account is disabled. The person cannot log in.',
    disable: 'Disable the account', enable: 'Enable the account',
    deleteAccount: 'Delete the account',
    passwordTitle: 'New password', passwordNew: 'New password',
    passwordNewHint: 'At least 10 characters. All of the account’s sessions end when the password is changed.',
    passwordSave: 'Change the password',
    newTitle: 'New account', username: 'User name',
    usernameHint: '2–64 characters: lower-case letters a–z, digits, full stop, underscore or hyphen.',
    nameHint: 'Parents see it in the chat, and colleagues in the console. A first name is enough. At most 60 characters.',
    passwordInitial: 'First password',
    passwordHint: 'At least 10 characters. Give the password to the person in a safe way.',
    newSubmit: 'Create the account',
    usernameMissing: 'Enter a user name.', nameMissing: 'Enter a display name.',
    rolesMissing: 'Choose at least one role.', passwordMissing: 'Enter a password of at least 10 characters.',
    errExists: 'There is already an account with that user name.',
    errNoUser: 'The account no longer exists. The list is updated.',
    errSelf: 'You cannot disable or delete your own account, or remove your own administrator role. Ask another administrator if it is needed.',
    errLastAdmin: 'This is the last active administrator. First give someone else the administrator role.',
    errTooLarge: 'The details are too large.',
    created: (u) => `The account ${u} is created.`,
    saved: (u) => `The changes for ${u} are saved.`,
    disabledDone: (u) => `The account ${u} is disabled. The person’s sessions have ended.`,
    enabledDone: (u) => `The account ${u} is enabled again.`,
    passwordDone: (u) => `The password of ${u} is changed. The account’s sessions have ended.`,
    deletedDone: (u) => `The account ${u} is deleted.`,
    deleteAccountTitle: 'Delete the account?',
    deleteAccountText: (u, n) => `The account ${u} (${n}) is deleted for good and the person is logged out. This cannot be undone. To only stop them logging in, disable the account instead.`,
    deleteAccountConfirm: (u) => `Delete ${u}`,

    topicsTitle: 'Topics',
    topicsIntro: 'The topics counsellors tag a closed chat with. A topic is never deleted, because the statistics refer to it; it is deactivated.',
    topicsCaption: 'All topics, active and inactive',
    colTopicId: 'Code', colSv: 'Swedish', colEn: 'English',
    topicActive: 'Active', topicInactive: 'Inactive',
    topicActivate: 'Activate', topicDeactivate: 'Deactivate',
    topicEditLabel: (id) => `Edit the topic ${id}`,
    topicActivateLabel: (id) => `Activate the topic ${id}`, topicDeactivateLabel: (id) => `Deactivate the topic ${id}`,
    topicEditTitle: (id) => `Edit the topic ${id}`,
    topicNewTitle: 'New topic', topicId: 'Code',
    topicIdHint: 'Used in the statistics; it cannot be changed. 1–40 characters: a–z, 0–9 and underscore, for example screen_time.',
    labelSv: 'Name in Swedish', labelEn: 'Name in English', topicAdd: 'Add the topic',
    topicIdInvalid: 'Write the code with 1–40 characters: lower-case letters a–z, digits and underscore.',
    topicExists: 'There is already a topic with that code.',
    labelMissing: 'Enter a name.', labelTooLong: `The name may be at most ${MAX_LABEL} characters.`,
    labelControl: 'The name must not contain line breaks or other control characters.',
    topicsFailed: 'Could not load the topics. Reload the page to try again.',
    topicAdded: (l) => `The topic ${l} is added.`, topicSaved: (l) => `The topic ${l} is saved.`,
    topicActivated: (l) => `The topic ${l} is activated. Counsellors can choose it again.`,
    topicDeactivated: (l) => `The topic ${l} is deactivated. Counsellors can no longer choose it.`,

    cannedTitle: 'Canned answers',
    cannedIntro: 'Ready-made answers counsellors can insert in a chat. Each answer is in one language.',
    cannedLang: 'Show canned answers in', langSv: 'Swedish', langEn: 'English',
    cannedEmpty: 'There are no canned answers in this language.',
    cannedNew: (l) => `New canned answer in ${l === 'en' ? 'English' : 'Swedish'}`,
    cannedEditTitle: (title) => `Edit the canned answer ${title}`,
    cannedTitleLabel: 'Title', cannedTitleHint: 'Only the counsellor sees it. At most 80 characters.',
    cannedTextLabel: 'Text', cannedTextHint: 'What is sent to the parent. At most 4096 bytes (å, ä and ö count as two).',
    cannedAdd: 'Add the canned answer',
    cannedEditLabel: (title) => `Edit ${title}`, cannedDelete: 'Delete', cannedDeleteLabel: (title) => `Delete ${title}`,
    cannedTitleMissing: 'Enter a title.', cannedTitleTooLong: `The title may be at most ${MAX_CANNED_TITLE} characters.`,
    cannedTitleControl: 'The title must be one line without control characters.',
    cannedTextMissing: 'Enter the text.', cannedTextTooLong: (n) => `The text is ${n} bytes; at most ${MAX_CANNED_TEXT} fit.`,
    cannedFailed: 'Could not load the canned answers. Please try again.',
    cannedGone: 'The canned answer no longer exists. The list is updated.',
    cannedAdded: (title) => `The canned answer ${title} is added.`, cannedSaved: (title) => `The canned answer ${title} is saved.`,
    cannedDeleted: (title) => `The canned answer ${title} is deleted.`,
    cannedShowing: (l, n) => `Showing ${n} canned answers in ${l === 'en' ? 'English' : 'Swedish'}.`,
    deleteCannedTitle: 'Delete the canned answer?',
    deleteCannedText: (title) => `The canned answer ${title} is deleted for all counsellors. This cannot be undone.`,
    deleteCannedConfirm: 'Delete the canned answer',

    hoursTitle: 'Opening hours',
    hoursIntro: 'When parents can chat, in Swedish time. A change takes effect as soon as you save, for all parents and counsellors.',
    hoursAlways: 'Always open',
    hoursAlwaysHint: 'The chat is open around the clock every day, except on the closed days below.',
    hoursWeekly: 'Opening hours by weekday',
    hoursWeeklyHint: 'A day without times is closed. A day can have several times. Choose 00:00 as the end time to stay open until midnight.',
    day1: 'Monday', day2: 'Tuesday', day3: 'Wednesday', day4: 'Thursday', day5: 'Friday', day6: 'Saturday', day7: 'Sunday',
    dayIn: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
    dayClosed: 'Closed',
    intervalLabel: (n) => `Time ${n}`, timeFrom: 'From', timeTo: 'To',
    intervalAdd: 'Add a time', intervalAddLabel: (day) => `Add a time on ${day}`,
    hoursRemove: 'Remove', intervalRemoveLabel: (n, day) => `Remove time ${n} on ${day}`,
    intervalRemoved: (day) => `The time on ${day} is removed. Save for the change to take effect.`,
    closedTitle: 'Closed days',
    closedHint: 'Whole days when the chat is closed although it would otherwise be open, such as public holidays. Parents see the date and the note in the chat.',
    closedEmpty: 'No closed days.',
    closedRowLabel: (n) => `Closed day ${n}`, closedDate: 'Date', closedNote: 'Note for parents (optional)',
    closedAdd: 'Add a closed day', closedRemoveLabel: (n) => `Remove closed day ${n}`,
    closedRemoved: 'The closed day is removed. Save for the change to take effect.',
    hoursSave: 'Save the opening hours',
    hoursSaved: 'The opening hours are saved.',
    hoursFailed: 'Could not load the opening hours. Reload the page to try again.',
    hoursSourceFlag: 'From the server’s start setting (--hours). Nobody has changed the opening hours here yet.',
    hoursSourceSaved: (by, when) => `Last changed by ${by}, ${when}.`,
    hoursSourceSavedAt: (when) => `Last changed ${when}.`,
    timeMissing: 'Enter a time, for example 09:00.',
    timeOrder: 'The end time must be after the start time.',
    closedDateInvalid: 'Enter the date as YYYY-MM-DD.',
    closedDuplicate: 'That date is already among the closed days.',
    closedNoteTooLong: `The note may be at most ${MAX_NOTE} characters.`,
    closedNoteControl: 'The note must be one line without control characters.',
    closedTooMany: `There may be at most ${MAX_CLOSURES} closed days. Remove some that have passed.`,

    auditTitle: 'Audit trail',
    auditIntro: 'Who did what and when, with the reference of the case or account. The trail never holds anything from chats or cases.',
    auditFilter: 'Filter the audit trail', auditFrom: 'From', auditTo: 'To (inclusive)',
    auditAction: 'Event', auditAll: 'All events', auditShow: 'Show',
    auditCaption: 'Events, newest first',
    colTime: 'Time', colActor: 'Who', colEvent: 'Event', colReference: 'Reference',
    auditVerified: 'The audit trail is intact: no entry has been changed or removed.',
    auditBroken: 'Warning: the audit trail cannot be verified. An entry may have been changed or removed. Contact operations.',
    auditCount: (n) => (n === 0 ? 'No events in that selection.' : n === 1 ? 'Showing 1 event.' : `Showing ${n} events.`),
    auditCountCut: (shown, n) => `Showing the latest ${shown} of ${n} events. Choose a shorter date range to see older ones.`,
    auditFailed: 'Could not load the audit trail. Please try again.',
    auditDateOrder: 'The end date cannot be before the start date.',
    auditDateInvalid: 'Write the date as YYYY-MM-DD.',
    actorParent: 'parent (anonymous)', actorRetention: 'the retention job',
    action_user_added: 'Account created', action_user_changed: 'Account changed (name or roles)',
    action_user_disabled: 'Account disabled', action_user_enabled: 'Account enabled',
    action_user_password_set: 'Password changed', action_user_deleted: 'Account deleted',
    action_created: 'Case created', action_approved: 'Report approved', action_opened: 'Case opened',
    action_acknowledged: 'Case received', action_forwarded: 'Case forwarded', action_closed: 'Case closed',
    action_withdrawn: 'Consent withdrawn', action_deleted: 'Case deleted', action_report_rejected: 'Report rejected',
    action_chat_followed: 'Chat followed by a supervisor', action_chat_taken_over: 'Chat taken over',
    action_interest_submitted: 'Registration of interest sent', action_interest_opened: 'Registration of interest opened',
    action_interest_status: 'Registration status changed', action_interest_deleted: 'Registration of interest deleted',
    action_interest_withdrawn: 'Registration of interest withdrawn', action_interest_consent_withdrawn: 'Consent to a registration withdrawn',
    action_interest_corrected: 'Contact details corrected', action_interest_purged: 'Registration of interest purged',
    action_interest_refused_foreign_unit: 'Refused: another unit’s registrations',
    action_interest_refused_unknown_id: 'Refused: unknown registration', action_interest_refused_not_owner: 'Refused: someone else’s registration',
    action_hours_changed: 'Opening hours changed',
  },
});

let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'sv';
const t = translator(DICT, () => lang);
const has = (key) => key in DICT[lang] || key in DICT.sv;

/** A {sv, en} text from the server in the page language (or the text itself). */
const loc = (v) => (v && typeof v === 'object' ? String(v[lang] || v.sv || v.en || '') : String(v || ''));

const S = {
  me: null,
  admin: false,
  roles: null, // {plain: [{role, label}], scoped: [{prefix, label, hint}]} from /api/users/roles
  accounts: [],
  editing: '', // the username whose panel is open
  topics: [],
  topicEditing: '',
  cannedLang: 'sv',
  canned: [],
  cannedEditing: null, // the answer being edited
  audit: null, // {entries, verified}
  hours: null, // the saved setting from GET/PUT /api/hours: {always, weekly, closed, source, updated_at, updated_by}
  hoursDraft: null, // the form: {always, days: [[{from, to}] × 7, Monday first], closed: [{date, note}]}
  errors: new Map(), // form → its shown errors, re-rendered on a language switch
  scoped: { new: [], edit: [] }, // the scoped roles in each role editor
  dialog: null, // {run, back}: the open confirmation
  status: {}, // section → () => text of its last result
};

// ---- HTTP ------------------------------------------------------------------------------------

/** JSON request to our own server, never from the HTTP cache, with the page language. */
const api = (method, path, body) => fetchJSON(method,
  path.includes('lang=') ? path : path + (path.includes('?') ? '&' : '?') + 'lang=' + lang, body, { cache: 'no-store' });

/**
 * api() for the page's own calls: null (and the login shown) when the session is gone;
 * a 403 re-reads who we are, so the page shows what the account may still do;
 * {ok: false, status: 0} when the server cannot be reached.
 */
async function call(method, path, body) {
  let res;
  try {
    res = await api(method, path, body);
  } catch {
    return { ok: false, status: 0, data: null };
  }
  if (res.status === 401 && S.me) { showLogin(t('sessionExpired')); return null; }
  if (res.status === 403) { recheck(); return null; }
  return res;
}

let rechecking = false;

/** After a 403: reads who we are again and, if the roles changed, shows what they allow now. */
async function recheck() {
  if (rechecking) return;
  rechecking = true;
  try {
    const res = await api('GET', '/api/me');
    if (res.status === 401) { showLogin(t('sessionExpired')); return; }
    if (!res.ok || !res.data) { showAlert(t('failed', 403)); return; }
    if (rolesOf(res.data).join(',') === rolesOf(S.me).join(',')) { showAlert(t('failed', 403)); return; }
    showAlert(t('forbidden'));
    enter(res.data);
  } catch {
    showAlert(t('network'));
  } finally {
    rechecking = false;
  }
}

const enc = encodeURIComponent;

/** What a failed answer means, in the page's words for the codes it knows. */
function failText(res) {
  if (!res || res.status === 0) return t('network');
  const code = res.data && res.data.code;
  const known = { self: 'errSelf', last_admin: 'errLastAdmin', no_user: 'errNoUser', exists: 'errExists', too_large: 'errTooLarge' };
  if (known[code]) return t(known[code]);
  return (res.data && res.data.error) || t('failed', res.status);
}

/**
 * The errors of a failed answer for showErrors: the server's per-field messages
 * ({sv, en}) on the fields named in fieldIds, anything else as one message.
 */
function serverErrors(res, fieldIds) {
  const out = [];
  const d = (res && res.data) || {};
  if (d.fields && typeof d.fields === 'object') {
    for (const [name, msg] of Object.entries(d.fields)) {
      out.push({ id: fieldIds[name] || null, text: () => loc(msg) });
    }
  }
  if (d.code === 'exists' && fieldIds.username) out.push({ id: fieldIds.username, text: () => t('errExists') });
  if (!out.length) out.push({ id: null, text: () => failText(res) });
  return out;
}

// ---- formatting -----------------------------------------------------------------------------

const locale = () => (lang === 'sv' ? 'sv-SE' : 'en-GB');

function fmtDate(v) {
  const d = new Date(v);
  if (!v || isNaN(d.getTime())) return v ? String(v) : '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: TZ }).format(d);
}

function fmtTime(v) {
  const d = new Date(v);
  if (!v || isNaN(d.getTime())) return v ? String(v) : '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'medium', timeZone: TZ }).format(d);
}

/** A moment as date and minute, e.g. "14 maj 2026 10:22". */
function fmtWhen(v) {
  const d = new Date(v);
  if (!v || isNaN(d.getTime())) return v ? String(v) : '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeStyle: 'short', timeZone: TZ }).format(d);
}

/** YYYY-MM-DD of a day in Stockholm. */
const isoDay = (d) => new Intl.DateTimeFormat('sv-SE', { timeZone: TZ }).format(d);

/** A role as people read it: "Rådgivare", or "Familjehem: 2380" for a scoped one. */
function roleLabel(role) {
  const r = String(role);
  const roles = S.roles || { plain: [], scoped: [] };
  const plain = roles.plain.find((p) => p.role === r);
  if (plain) return loc(plain.label) || r;
  const i = r.indexOf(':');
  if (i > 0) {
    const scoped = roles.scoped.find((p) => p.prefix === r.slice(0, i));
    if (scoped) return `${loc(scoped.label)}: ${r.slice(i + 1)}`;
  }
  return r;
}

const hasControl = (s) => [...s].some((c) => { const n = c.codePointAt(0); return n < 32 || (n >= 127 && n < 160); });

// ---- results and errors ----------------------------------------------------------------------

/** Shows a section's result next to it and says it in the live region. */
function setStatus(section, text) {
  S.status[section] = text;
  renderStatus(section);
  if (text) announce(text());
}

function renderStatus(section) {
  const p = $(section + '-status');
  if (p) p.textContent = S.status[section] ? S.status[section]() : '';
}

/** Removes a form's errors: the messages, aria-invalid and the summary. */
function clearErrors(form) {
  S.errors.delete(form);
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  for (const e of form.querySelectorAll('.field-error')) e.textContent = '';
  const summary = form.querySelector('.error-summary');
  summary.hidden = true;
  summary.querySelector('ul').replaceChildren();
}

/**
 * Shows errors ([{id, text, quiet}]; text a function, id the field or fieldset, or null
 * for the form as a whole; quiet ones are not repeated in the summary) next to their
 * fields and in the form's summary, which takes the focus; with focus 'field' the
 * first invalid field (in the page's order) takes it instead; with focus false nothing
 * does (a language switch re-rendering them).
 */
function showErrors(form, errors, focus = true) {
  clearErrors(form);
  S.errors.set(form, errors);
  const items = [];
  for (const e of errors) {
    const text = e.text();
    const field = e.id ? $(e.id) : null;
    if (!field) { items.push(el('li', { text })); continue; }
    field.setAttribute('aria-invalid', 'true');
    const msg = $(e.id + '-error');
    if (msg && !msg.textContent.includes(text)) msg.textContent = msg.textContent ? msg.textContent + ' ' + text : text;
    if (e.quiet) continue;
    const target = firstControl(field);
    const a = el('a', { href: '#' + target.id, text });
    a.addEventListener('click', (ev) => { ev.preventDefault(); target.focus(); });
    items.push(el('li', {}, [a]));
  }
  const summary = form.querySelector('.error-summary');
  summary.querySelector('ul').replaceChildren(...items);
  summary.hidden = false;
  if (focus === 'field') {
    const first = form.querySelector('[aria-invalid="true"]');
    (first ? firstControl(first) : summary).focus();
  } else if (focus) {
    summary.focus();
  }
}

/** The element that takes the focus for a field: the field, or a fieldset's first control. */
function firstControl(field) {
  return (field.matches('fieldset') && field.querySelector('input, select, textarea, button')) || field;
}

function rerenderErrors() {
  for (const [form, errors] of [...S.errors]) showErrors(form, errors, false);
}

/** Disables a form's buttons while fn runs. */
async function busy(form, fn) {
  const buttons = [...form.querySelectorAll('button')];
  for (const b of buttons) b.disabled = true;
  try {
    return await fn();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** Re-renders a container and puts the focus back on the element with the same data-focus. */
function keepFocus(container, render) {
  const key = container.contains(document.activeElement) && document.activeElement.dataset ? document.activeElement.dataset.focus : '';
  render();
  if (!key) return;
  const again = [...container.querySelectorAll('[data-focus]')].find((e) => e.dataset.focus === key);
  if (again) again.focus();
}

// ---- views, language, session ----------------------------------------------------------------

const showView = (name) => showStaffView(name, 'admin');

function applyLang() {
  applyStaticLang(t, lang);
  const url = new URL(location.href);
  if (lang === 'en') url.searchParams.set('lang', 'en'); else url.searchParams.delete('lang');
  history.replaceState(null, '', url);
  if (!S.me) return;
  renderAccounts();
  renderRoleEditor('new');
  renderRoleEditor('edit');
  renderEdit();
  renderTopics();
  renderTopicEdit();
  if (S.hoursDraft) { syncHours(); renderHours(); }
  renderCanned();
  renderCannedForm();
  renderAuditActions();
  renderAudit();
  for (const section of Object.keys(S.status)) renderStatus(section);
  rerenderErrors();
}

function showLogin(message) {
  resetAll();
  showView('login');
  showLoginMessage(message);
}

/** Forgets everything of the last session and empties the forms. */
function resetAll() {
  S.me = null;
  S.admin = false;
  S.accounts = [];
  S.topics = [];
  S.canned = [];
  S.audit = null;
  S.hours = null;
  S.hoursDraft = null;
  S.status = {};
  S.editing = '';
  S.topicEditing = '';
  S.cannedEditing = null;
  S.scoped = { new: [], edit: [] };
  if ($('delete-dialog').open) { S.dialog = null; $('delete-dialog').close(); }
  for (const form of document.querySelectorAll('#admin-view form')) {
    form.reset();
    clearErrors(form);
  }
  for (const id of ['accounts-table', 'topics-table', 'audit-table']) $(id).tBodies[0].replaceChildren();
  $('canned-list').replaceChildren();
  for (let d = 1; d <= 7; d++) $('hours-day-' + d + '-list').replaceChildren();
  $('hours-closed-list').replaceChildren();
  $('hours-form').hidden = true;
  $('hours-source').hidden = true;
  $('account-edit').hidden = true;
  $('topic-edit').hidden = true;
  $('audit-verified').hidden = true;
  for (const id of ['accounts', 'topics', 'hours', 'canned', 'audit']) {
    $(id + '-status').textContent = '';
    $(id + '-error').textContent = '';
  }
}

function enter(me) {
  S.me = me;
  showUser(me);
  S.admin = hasRole(me, 'admin');
  const editor = S.admin || hasRole(me, 'supervisor');
  if (!editor) { showView('denied'); return; }
  showView('admin');
  const sections = { accounts: S.admin, topics: S.admin, hours: true, canned: true, audit: S.admin };
  for (const [name, on] of Object.entries(sections)) {
    $(name + '-section').hidden = !on;
    $('nav-' + name + '-item').hidden = !on;
  }
  $('admin-nav').hidden = Object.values(sections).filter(Boolean).length < 2;
  if (S.admin) {
    loadAccounts();
    loadTopics();
    if (!$('audit-from').value) $('audit-from').value = isoDay(new Date(Date.now() - AUDIT_DAYS * 86400000));
    if (!$('audit-to').value) $('audit-to').value = isoDay(new Date());
    renderAuditActions();
    loadAudit(false);
  }
  loadHours();
  renderCannedForm();
  loadCanned(false);
}

async function onLogout() {
  await logout(api);
  showAlert('');
  showLogin('');
}

// ---- accounts ------------------------------------------------------------------------------

/** GET /api/users/roles (once) and GET /api/users. */
async function loadAccounts() {
  if (!S.roles) {
    const res = await call('GET', '/api/users/roles');
    if (!res) return;
    if (res.ok && res.data && Array.isArray(res.data.plain)) {
      S.roles = { plain: res.data.plain, scoped: Array.isArray(res.data.scoped) ? res.data.scoped : [] };
      renderRoleEditor('new');
      renderRoleEditor('edit');
    } else {
      $('accounts-error').textContent = t('rolesFailed');
    }
  }
  const res = await call('GET', '/api/users');
  if (!res) return;
  if (!res.ok || !Array.isArray(res.data)) { $('accounts-error').textContent = t('accountsFailed'); return; }
  if (S.roles) $('accounts-error').textContent = '';
  S.accounts = res.data;
  renderAccounts();
  if (S.editing && !current()) closeEdit(false);
  else renderEdit();
}

const current = () => S.accounts.find((a) => a.username === S.editing) || null;
const isSelf = (a) => !!a && !!S.me && a.username === S.me.username;

/** Puts a changed account (the server's answer) into the list. */
function putAccount(a) {
  if (!a || !a.username) return;
  const i = S.accounts.findIndex((x) => x.username === a.username);
  if (i >= 0) S.accounts[i] = a; else S.accounts.push(a);
  S.accounts.sort((x, y) => (x.username < y.username ? -1 : x.username > y.username ? 1 : 0));
}

function renderAccounts() {
  const body = $('accounts-table').tBodies[0];
  keepFocus(body, () => body.replaceChildren(...S.accounts.map((a) => {
    const btn = el('button', {
      type: 'button', class: 'btn btn-small', text: t('edit'), 'aria-label': t('editLabel', a.username),
      'data-focus': 'edit:' + a.username,
    });
    btn.addEventListener('click', () => openEdit(a.username));
    const roles = (Array.isArray(a.roles) ? a.roles : []).map(roleLabel).join(', ');
    return el('tr', { 'data-user': a.username, class: a.disabled ? 'is-disabled' : false }, [
      el('th', { scope: 'row', 'data-label': t('colUsername') }, [el('span', {}, [
        el('span', { class: 'mono', text: a.username }), isSelf(a) ? el('span', { class: 'you', text: ' ' + t('you') }) : null])]),
      el('td', { 'data-label': t('colName'), text: a.name || '' }),
      el('td', { 'data-label': t('colRoles'), class: 'roles-cell', text: roles }),
      el('td', { 'data-label': t('colStatus'), class: a.disabled ? 'state state-off' : 'state', text: t(a.disabled ? 'disabled' : 'enabled') }),
      el('td', { 'data-label': t('colCreated'), text: fmtDate(a.created) }),
      el('td', { 'data-label': t('colAction') }, [btn]),
    ]);
  })));
}

// The role editors: 'new' (the new-account form) and 'edit' (the open account).
const ROLE_UI = {
  new: {
    group: () => $('new-roles'), plain: () => $('new-roles-plain'), list: () => $('new-scoped-list'),
    prefix: () => $('new-scope-prefix'), value: () => $('new-scope-value'), hint: () => $('new-scope-hint'),
    add: () => $('new-scope-add'), valueId: 'new-scope-value', groupId: 'new-roles', form: () => $('new-form'),
  },
  edit: {
    group: () => $('edit-roles'), plain: () => $('edit-roles-plain'), list: () => $('edit-scoped-list'),
    prefix: () => $('edit-scope-prefix'), value: () => $('edit-scope-value'), hint: () => $('edit-scope-hint'),
    add: () => $('edit-scope-add'), valueId: 'edit-scope-value', groupId: 'edit-roles', form: () => $('edit-form'),
  },
};

/** The plain roles ticked in an editor. */
function checkedRoles(which) {
  return [...ROLE_UI[which].plain().querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
}

/** Builds an editor's checkboxes, scoped list and prefix choice, keeping what is ticked. */
function renderRoleEditor(which, roles) {
  const ui = ROLE_UI[which];
  const ticked = new Set(roles ? roles : checkedRoles(which));
  const plain = S.roles ? S.roles.plain : [];
  ui.plain().replaceChildren(...plain.map((p) => {
    const id = which + '-role-' + p.role;
    return el('div', { class: 'check-inline' }, [
      el('input', { type: 'checkbox', id, value: p.role, name: which + '-role', checked: ticked.has(p.role) }),
      el('label', { for: id, text: loc(p.label) || p.role }),
    ]);
  }));
  const prefix = ui.prefix();
  const chosen = prefix.value;
  const scoped = S.roles ? S.roles.scoped : [];
  prefix.replaceChildren(...scoped.map((p) => el('option', { value: p.prefix, text: loc(p.label) || p.prefix })));
  if (chosen && scoped.some((p) => p.prefix === chosen)) prefix.value = chosen;
  renderScopeHint(which);
  renderScopedList(which);
}

function renderScopeHint(which) {
  const ui = ROLE_UI[which];
  const p = S.roles && S.roles.scoped.find((x) => x.prefix === ui.prefix().value);
  ui.hint().textContent = p ? loc(p.hint) : '';
}

function renderScopedList(which) {
  const ui = ROLE_UI[which];
  const list = ui.list();
  keepFocus(list, () => {
    if (!S.scoped[which].length) { list.replaceChildren(el('li', { class: 'muted', text: t('scopedNone') })); return; }
    list.replaceChildren(...S.scoped[which].map((role) => {
      const btn = el('button', {
        type: 'button', class: 'btn btn-small', text: t('scopeRemove'), 'aria-label': t('scopeRemoveLabel', roleLabel(role)),
        'data-focus': 'remove:' + role,
      });
      btn.addEventListener('click', () => {
        S.scoped[which] = S.scoped[which].filter((r) => r !== role);
        renderScopedList(which);
        ui.add().focus();
        announce(t('scopeRemoved', roleLabel(role)));
      });
      return el('li', {}, [el('span', { text: roleLabel(role) }), btn]);
    }));
  });
}

/**
 * Adds the scope typed in an editor as prefix:scope. Returns false (with the error
 * by the field, in errors when given, otherwise shown at once) when it is not valid.
 */
function addScope(which, errors) {
  const ui = ROLE_UI[which];
  const scope = ui.value().value.trim().toLowerCase();
  const prefix = ui.prefix().value;
  let problem = '';
  if (!prefix || !SCOPE_RE.test(scope)) problem = 'scopeInvalid';
  const role = prefix + ':' + scope;
  if (!problem && S.scoped[which].includes(role)) problem = 'scopeDuplicate';
  if (problem) {
    const err = { id: ui.valueId, text: () => t(problem) };
    if (errors) errors.push(err); else showErrors(ui.form(), [err]);
    return false;
  }
  S.scoped[which].push(role);
  ui.value().value = '';
  renderScopedList(which);
  if (!errors) {
    const msg = $(ui.valueId + '-error');
    msg.textContent = '';
    ui.value().removeAttribute('aria-invalid');
    announce(t('scopeAdded', roleLabel(role)));
  }
  return true;
}

/** Every role an editor holds; a scope typed but not yet added is added (or an error). */
function collectRoles(which, errors) {
  const ui = ROLE_UI[which];
  if (ui.value().value.trim() !== '') addScope(which, errors);
  const roles = [...checkedRoles(which), ...S.scoped[which]];
  if (!roles.length && !errors.length) errors.push({ id: ui.groupId, text: () => t('rolesMissing') });
  return roles;
}

/** Sets an editor to roles (the scoped ones into its list). */
function setRoles(which, roles) {
  const list = Array.isArray(roles) ? roles.map(String) : [];
  S.scoped[which] = list.filter((r) => r.includes(':'));
  ROLE_UI[which].value().value = '';
  renderRoleEditor(which, list.filter((r) => !r.includes(':')));
}

/** POST /api/users. */
async function createAccount(e) {
  e.preventDefault();
  const form = $('new-form');
  const errors = [];
  const username = $('new-username').value.trim();
  const name = $('new-name').value.trim();
  const password = $('new-password').value;
  if (!username) errors.push({ id: 'new-username', text: () => t('usernameMissing') });
  if (!name) errors.push({ id: 'new-name', text: () => t('nameMissing') });
  const roles = collectRoles('new', errors);
  if (!password) errors.push({ id: 'new-password', text: () => t('passwordMissing') });
  if (errors.length) { showErrors(form, errors); return; }
  clearErrors(form);
  const res = await busy(form, () => call('POST', '/api/users', { username, name, roles, password }));
  if (!res) return;
  if (!res.ok) {
    showErrors(form, serverErrors(res, { username: 'new-username', name: 'new-name', roles: 'new-roles', password: 'new-password' }));
    return;
  }
  const made = res.data && res.data.username ? res.data : { username, name, roles, disabled: false, created: new Date().toISOString() };
  putAccount(made);
  renderAccounts();
  form.reset();
  setRoles('new', []);
  setStatus('accounts', () => t('created', made.username));
  refreshAudit();
  $('new-username').focus();
}

function openEdit(username) {
  S.editing = username;
  const a = current();
  if (!a) return;
  $('account-edit').hidden = false;
  for (const f of [$('edit-form'), $('password-form')]) { f.reset(); clearErrors(f); }
  $('edit-name').value = a.name || '';
  setRoles('edit', a.roles);
  $('edit-action-error').textContent = '';
  renderEdit();
  $('account-edit-title').focus();
}

function closeEdit(focus = true) {
  const username = S.editing;
  S.editing = '';
  $('account-edit').hidden = true;
  for (const f of [$('edit-form'), $('password-form')]) { f.reset(); clearErrors(f); }
  if (!focus) return;
  const btn = [...$('accounts-table').querySelectorAll('[data-focus]')].find((b) => b.dataset.focus === 'edit:' + username);
  (btn || $('accounts-title')).focus();
}

/** The open account's texts and which of its actions are offered. */
function renderEdit() {
  const a = current();
  if (!a) return;
  const self = isSelf(a);
  $('account-edit-title').textContent = t(self ? 'editTitleSelf' : 'editTitle', a.username);
  $('account-edit-self').hidden = !self;
  $('edit-state').textContent = t(a.disabled ? 'stateDisabled' : 'stateEnabled');
  $('edit-toggle').textContent = t(a.disabled ? 'enable' : 'disable');
  $('edit-toggle').hidden = self;
  $('edit-delete').hidden = self;
}

/** PUT /api/users/{username} with the name and the roles. */
async function saveEdit(e) {
  e.preventDefault();
  const a = current();
  if (!a) return;
  const form = $('edit-form');
  const errors = [];
  const name = $('edit-name').value.trim();
  if (!name) errors.push({ id: 'edit-name', text: () => t('nameMissing') });
  const roles = collectRoles('edit', errors);
  if (errors.length) { showErrors(form, errors); return; }
  clearErrors(form);
  const res = await busy(form, () => call('PUT', '/api/users/' + enc(a.username), { name, roles }));
  if (!res) return;
  if (!res.ok) {
    if (res.status === 404) { loadAccounts(); }
    showErrors(form, serverErrors(res, { name: 'edit-name', roles: 'edit-roles' }));
    return;
  }
  putAccount(res.data && res.data.username ? res.data : { ...a, name, roles });
  renderAccounts();
  setRoles('edit', current().roles);
  renderEdit();
  setStatus('accounts', () => t('saved', a.username));
  refreshAudit();
}

/** PUT /api/users/{username} {"disabled"}: disable or enable. */
async function toggleAccount() {
  const a = current();
  if (!a || isSelf(a)) return;
  const disabled = !a.disabled;
  const errP = $('edit-action-error');
  errP.textContent = '';
  const btn = $('edit-toggle');
  btn.disabled = true;
  const res = await call('PUT', '/api/users/' + enc(a.username), { disabled });
  btn.disabled = false;
  if (!res) return;
  if (!res.ok) {
    errP.textContent = failText(res);
    if (res.status === 404) loadAccounts();
    return;
  }
  putAccount(res.data && res.data.username ? res.data : { ...a, disabled });
  renderAccounts();
  renderEdit();
  btn.focus();
  setStatus('accounts', () => t(disabled ? 'disabledDone' : 'enabledDone', a.username));
  refreshAudit();
}

/** POST /api/users/{username}/password. */
async function setPassword(e) {
  e.preventDefault();
  const a = current();
  if (!a) return;
  const form = $('password-form');
  const password = $('password-new').value;
  if (!password) { showErrors(form, [{ id: 'password-new', text: () => t('passwordMissing') }]); return; }
  clearErrors(form);
  const res = await busy(form, () => call('POST', '/api/users/' + enc(a.username) + '/password', { password }));
  if (!res) return;
  if (!res.ok) {
    showErrors(form, serverErrors(res, { password: 'password-new' }));
    if (res.status === 404) loadAccounts();
    return;
  }
  form.reset();
  setStatus('accounts', () => t('passwordDone', a.username));
  refreshAudit();
}

function askDeleteAccount() {
  const a = current();
  if (!a || isSelf(a)) return;
  $('edit-action-error').textContent = '';
  openDialog({
    title: t('deleteAccountTitle'), text: t('deleteAccountText', a.username, a.name || a.username),
    confirm: t('deleteAccountConfirm', a.username), back: $('edit-delete'),
    run: () => deleteAccount(a.username),
  });
}

/** DELETE /api/users/{username}. */
async function deleteAccount(username) {
  const res = await call('DELETE', '/api/users/' + enc(username));
  if (!res) return;
  if (!res.ok && res.status !== 404) {
    $('edit-action-error').textContent = failText(res);
    $('edit-delete').focus();
    return;
  }
  S.accounts = S.accounts.filter((a) => a.username !== username);
  closeEdit(false);
  renderAccounts();
  $('accounts-title').focus();
  setStatus('accounts', () => t(res.ok ? 'deletedDone' : 'errNoUser', username));
  refreshAudit();
}

// ---- the confirmation dialog --------------------------------------------------------------------

/** Opens the modal confirmation; the focus starts on "Avbryt" and returns to back. */
function openDialog({ title, text, confirm, back, run }) {
  S.dialog = { run, back };
  $('delete-dialog-title').textContent = title;
  $('delete-dialog-text').textContent = text;
  $('delete-confirm').textContent = confirm;
  $('delete-dialog').showModal();
  $('delete-cancel').focus();
}

async function confirmDialog() {
  const d = S.dialog;
  S.dialog = null;
  $('delete-dialog').close();
  if (d) await d.run();
}

function onDialogClose() {
  // Cancelled (the button or Escape): back to where the user was.
  const d = S.dialog;
  S.dialog = null;
  if (d && d.back && !d.back.closest('[hidden]')) d.back.focus();
}

// ---- topics --------------------------------------------------------------------------------------

async function loadTopics() {
  const res = await call('GET', '/api/topics/all');
  if (!res) return;
  if (!res.ok || !Array.isArray(res.data)) { $('topics-error').textContent = t('topicsFailed'); return; }
  $('topics-error').textContent = '';
  S.topics = res.data;
  renderTopics();
}

const topicLabel = (tp) => (tp && tp.labels ? tp.labels[lang] || tp.labels.sv || tp.id : '');

function putTopic(tp) {
  if (!tp || !tp.id) return;
  const i = S.topics.findIndex((x) => x.id === tp.id);
  if (i >= 0) S.topics[i] = tp; else S.topics.push(tp);
  S.topics.sort((a, b) => (a.order - b.order) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function renderTopics() {
  const body = $('topics-table').tBodies[0];
  keepFocus(body, () => body.replaceChildren(...S.topics.map((tp) => {
    const edit = el('button', {
      type: 'button', class: 'btn btn-small', text: t('edit'), 'aria-label': t('topicEditLabel', tp.id), 'data-focus': 'edit:' + tp.id,
    });
    edit.addEventListener('click', () => openTopicEdit(tp.id));
    const toggle = el('button', {
      type: 'button', class: 'btn btn-small', text: t(tp.active ? 'topicDeactivate' : 'topicActivate'),
      'aria-label': t(tp.active ? 'topicDeactivateLabel' : 'topicActivateLabel', tp.id), 'data-focus': 'toggle:' + tp.id,
    });
    toggle.addEventListener('click', () => toggleTopic(tp.id));
    const labels = tp.labels || {};
    return el('tr', { 'data-topic': tp.id, class: tp.active ? false : 'is-disabled' }, [
      el('th', { scope: 'row', 'data-label': t('colTopicId') }, [el('span', { class: 'mono', text: tp.id })]),
      el('td', { 'data-label': t('colSv') }, [el('span', { lang: 'sv', text: labels.sv || '' })]),
      el('td', { 'data-label': t('colEn') }, [el('span', { lang: 'en', text: labels.en || '' })]),
      el('td', { 'data-label': t('colStatus'), class: tp.active ? 'state' : 'state state-off', text: t(tp.active ? 'topicActive' : 'topicInactive') }),
      el('td', { 'data-label': t('colAction') }, [el('div', { class: 'inline' }, [edit, toggle])]),
    ]);
  })));
}

/** The errors of two label fields (sv, en). */
function labelErrors(svId, enId) {
  const errors = [];
  for (const id of [svId, enId]) {
    const v = $(id).value.trim();
    if (!v) errors.push({ id, text: () => t('labelMissing') });
    else if ([...v].length > MAX_LABEL) errors.push({ id, text: () => t('labelTooLong') });
    else if (hasControl(v)) errors.push({ id, text: () => t('labelControl') });
  }
  return errors;
}

/** POST /api/topics. */
async function addTopic(e) {
  e.preventDefault();
  const form = $('topic-form');
  const id = $('topic-id').value.trim();
  const errors = [];
  if (!TOPIC_ID_RE.test(id)) errors.push({ id: 'topic-id', text: () => t('topicIdInvalid') });
  else if (S.topics.some((tp) => tp.id === id)) errors.push({ id: 'topic-id', text: () => t('topicExists') });
  errors.push(...labelErrors('topic-sv', 'topic-en'));
  if (errors.length) { showErrors(form, errors); return; }
  clearErrors(form);
  const labels = { sv: $('topic-sv').value.trim(), en: $('topic-en').value.trim() };
  const res = await busy(form, () => call('POST', '/api/topics', { id, labels }));
  if (!res) return;
  if (!res.ok) {
    showErrors(form, [res.status === 409 ? { id: 'topic-id', text: () => t('topicExists') } : { id: null, text: () => failText(res) }]);
    return;
  }
  const tp = res.data && res.data.id ? res.data : { id, labels, active: true, order: 0 };
  putTopic(tp);
  renderTopics();
  form.reset();
  setStatus('topics', () => t('topicAdded', topicLabel(tp)));
  $('topic-id').focus();
}

function openTopicEdit(id) {
  const tp = S.topics.find((x) => x.id === id);
  if (!tp) return;
  S.topicEditing = id;
  const form = $('topic-edit-form');
  clearErrors(form);
  $('topic-edit-sv').value = (tp.labels && tp.labels.sv) || '';
  $('topic-edit-en').value = (tp.labels && tp.labels.en) || '';
  $('topic-edit').hidden = false;
  renderTopicEdit();
  $('topic-edit-sv').focus();
}

function renderTopicEdit() {
  if (S.topicEditing) $('topic-edit-title').textContent = t('topicEditTitle', S.topicEditing);
}

function closeTopicEdit(focus = true) {
  const id = S.topicEditing;
  S.topicEditing = '';
  $('topic-edit').hidden = true;
  clearErrors($('topic-edit-form'));
  if (!focus) return;
  const btn = [...$('topics-table').querySelectorAll('[data-focus]')].find((b) => b.dataset.focus === 'edit:' + id);
  (btn || $('topics-title')).focus();
}

/** PUT /api/topics/{id} with the labels (other languages' labels kept). */
async function saveTopicEdit(e) {
  e.preventDefault();
  const tp = S.topics.find((x) => x.id === S.topicEditing);
  if (!tp) return;
  const form = $('topic-edit-form');
  const errors = labelErrors('topic-edit-sv', 'topic-edit-en');
  if (errors.length) { showErrors(form, errors); return; }
  clearErrors(form);
  const labels = { ...(tp.labels || {}), sv: $('topic-edit-sv').value.trim(), en: $('topic-edit-en').value.trim() };
  const res = await busy(form, () => call('PUT', '/api/topics/' + enc(tp.id), { labels }));
  if (!res) return;
  if (!res.ok) { showErrors(form, [{ id: null, text: () => failText(res) }]); return; }
  const saved = res.data && res.data.id ? res.data : { ...tp, labels };
  putTopic(saved);
  renderTopics();
  closeTopicEdit(true);
  setStatus('topics', () => t('topicSaved', topicLabel(saved)));
}

/** PUT /api/topics/{id} {"active"}. */
async function toggleTopic(id) {
  const tp = S.topics.find((x) => x.id === id);
  if (!tp) return;
  const active = !tp.active;
  $('topics-error').textContent = '';
  const res = await call('PUT', '/api/topics/' + enc(id), { active });
  if (!res) return;
  if (!res.ok) { $('topics-error').textContent = failText(res); return; }
  const saved = res.data && res.data.id ? res.data : { ...tp, active };
  putTopic(saved);
  renderTopics();
  setStatus('topics', () => t(active ? 'topicActivated' : 'topicDeactivated', topicLabel(saved)));
}

// ---- opening hours ------------------------------------------------------------------------------------

// The form's fields have ids by position: hours-d{day}-t{n}-from|to|remove (day 1 = Monday,
// n from 0) and hours-closed-{n}-date|note|remove; each field's message is its id + '-error'.
const ivId = (d, i, part) => `hours-d${d}-t${i}-${part}`;
const cdId = (i, part) => `hours-closed-${i}-${part}`;
const dayIn = (d) => t('dayIn')[d - 1];

/** A time as the server writes it ("24:00" ends a day) → a time input's value ("00:00"). */
const toInput = (v) => (String(v || '') === '24:00' ? '00:00' : String(v || ''));

/** A time input's value as "HH:MM", or '' when it is not a time. */
function clockOf(v) {
  const m = TIME_RE.exec(String(v || '').trim());
  if (!m || +m[1] > 23 || +m[2] > 59) return '';
  return m[1] + ':' + m[2];
}

/** The form's model of a setting: each span spread over its days' rows, each day's times in order. */
function draftOf(setting) {
  const days = [[], [], [], [], [], [], []];
  for (const sp of Array.isArray(setting.weekly) ? setting.weekly : []) {
    if (!sp || !Array.isArray(sp.days)) continue;
    for (const d of sp.days) {
      if (d >= 1 && d <= 7) days[d - 1].push({ from: String(sp.from || ''), to: toInput(sp.to) });
    }
  }
  for (const list of days) list.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const closed = (Array.isArray(setting.closed) ? setting.closed : [])
    .filter((c) => c && typeof c.date === 'string')
    .map((c) => ({ date: c.date, note: typeof c.note === 'string' ? c.note : '' }));
  return { always: setting.always === true, days, closed };
}

/** GET /api/hours. */
async function loadHours() {
  const res = await call('GET', '/api/hours');
  if (!res) return;
  if (!res.ok || !res.data || typeof res.data !== 'object' || Array.isArray(res.data)) {
    $('hours-error').textContent = t('hoursFailed');
    return;
  }
  $('hours-error').textContent = '';
  useHours(res.data);
}

/** Shows a setting the server gave (loaded or saved) in the form, dropping any edits. */
function useHours(setting) {
  S.hours = setting;
  S.hoursDraft = draftOf(setting);
  clearErrors($('hours-form'));
  $('hours-form').hidden = false;
  renderHours();
}

/** Reads what the form's fields hold into S.hoursDraft (before it is re-rendered or sent). */
function syncHours() {
  const draft = S.hoursDraft;
  if (!draft) return;
  draft.always = $('hours-always').checked;
  for (let d = 1; d <= 7; d++) {
    draft.days[d - 1].forEach((iv, i) => {
      const from = document.getElementById(ivId(d, i, 'from'));
      const to = document.getElementById(ivId(d, i, 'to'));
      if (from) iv.from = from.value;
      if (to) iv.to = to.value;
    });
  }
  draft.closed.forEach((c, i) => {
    const date = document.getElementById(cdId(i, 'date'));
    const note = document.getElementById(cdId(i, 'note'));
    if (date) c.date = date.value;
    if (note) c.note = note.value;
  });
}

/** The whole form from S.hoursDraft, and the line that says where the hours come from. */
function renderHours() {
  renderHoursSource();
  const draft = S.hoursDraft;
  if (!draft) return;
  $('hours-always').checked = draft.always;
  $('hours-weekly').hidden = draft.always;
  for (let d = 1; d <= 7; d++) renderHoursDay(d);
  renderClosed();
}

function renderHoursSource() {
  const s = S.hours;
  const p = $('hours-source');
  p.hidden = !s;
  if (!s) return;
  if (s.source !== 'saved') p.textContent = t('hoursSourceFlag');
  else if (s.updated_by) p.textContent = t('hoursSourceSaved', s.updated_by, fmtWhen(s.updated_at));
  else p.textContent = t('hoursSourceSavedAt', fmtWhen(s.updated_at));
}

/** One weekday's times (or "Stängt") and its add button. */
function renderHoursDay(d) {
  const times = S.hoursDraft.days[d - 1];
  const list = $('hours-day-' + d + '-list');
  list.replaceChildren(...times.map((iv, i) => intervalRow(d, i, iv)));
  list.hidden = times.length === 0;
  $('hours-day-' + d + '-closed').hidden = times.length > 0;
  $('hours-day-' + d + '-add').setAttribute('aria-label', t('intervalAddLabel', dayIn(d)));
}

/** A labelled input with its message line under it (attrs: the input's other attributes). */
function hoursField(cls, id, label, attrs) {
  return el('div', { class: cls }, [
    el('label', { for: id, text: label }),
    el('input', { id, ...attrs, 'aria-describedby': id + '-error' }),
    el('p', { id: id + '-error', class: 'field-error' }),
  ]);
}

function intervalRow(d, i, iv) {
  const remove = el('button', {
    type: 'button', id: ivId(d, i, 'remove'), class: 'btn btn-small', text: t('hoursRemove'),
    'aria-label': t('intervalRemoveLabel', i + 1, dayIn(d)),
  });
  remove.addEventListener('click', () => removeInterval(d, i));
  return el('div', { class: 'hours-interval', role: 'group', 'aria-label': t('intervalLabel', i + 1) }, [
    hoursField('field', ivId(d, i, 'from'), t('timeFrom'), { type: 'time', value: iv.from }),
    hoursField('field', ivId(d, i, 'to'), t('timeTo'), { type: 'time', value: iv.to }),
    remove,
  ]);
}

function renderClosed() {
  const list = $('hours-closed-list');
  const closed = S.hoursDraft.closed;
  list.replaceChildren(...closed.map((c, i) => closedRow(i, c)));
  list.hidden = closed.length === 0;
  $('hours-closed-empty').hidden = closed.length > 0;
}

function closedRow(i, c) {
  const date = cdId(i, 'date');
  const note = cdId(i, 'note');
  const remove = el('button', {
    type: 'button', id: cdId(i, 'remove'), class: 'btn btn-small', text: t('hoursRemove'), 'aria-label': t('closedRemoveLabel', i + 1),
  });
  remove.addEventListener('click', () => removeClosed(i));
  return el('div', { class: 'hours-closure', role: 'group', 'aria-label': t('closedRowLabel', i + 1) }, [
    hoursField('field hours-date', date, t('closedDate'), { type: 'date', value: c.date }),
    hoursField('field hours-note', note, t('closedNote'),
      { type: 'text', value: c.note, maxlength: String(MAX_NOTE), autocomplete: 'off' }),
    remove,
  ]);
}

/** After a re-render that kept every field's id: the errors shown again on the new fields. */
function keepHoursErrors() {
  const form = $('hours-form');
  const errors = S.errors.get(form);
  if (errors) showErrors(form, errors, false);
}

function onHoursAlways() {
  syncHours();
  $('hours-weekly').hidden = S.hoursDraft ? S.hoursDraft.always : $('hours-always').checked;
}

function addInterval(d) {
  if (!S.hoursDraft) return;
  syncHours();
  const times = S.hoursDraft.days[d - 1];
  times.push({ from: '', to: '' });
  renderHoursDay(d);
  keepHoursErrors();
  $(ivId(d, times.length - 1, 'from')).focus();
}

function removeInterval(d, i) {
  syncHours();
  S.hoursDraft.days[d - 1].splice(i, 1);
  clearErrors($('hours-form')); // the fields after it have moved up: their ids name other times now
  renderHoursDay(d);
  $('hours-day-' + d + '-add').focus();
  announce(t('intervalRemoved', dayIn(d)));
}

function addClosed() {
  if (!S.hoursDraft) return;
  syncHours();
  S.hoursDraft.closed.push({ date: '', note: '' });
  renderClosed();
  keepHoursErrors();
  $(cdId(S.hoursDraft.closed.length - 1, 'date')).focus();
}

function removeClosed(i) {
  syncHours();
  S.hoursDraft.closed.splice(i, 1);
  clearErrors($('hours-form'));
  renderClosed();
  $('hours-closed-add').focus();
  announce(t('closedRemoved'));
}

/**
 * The PUT body from the form, checked as the server will: {body, errors, spans}.
 * Times with the same from and to become one span over their days (spans[n]: the
 * [day, index] of span n's fields), which maps the server's paths weekly.N.* back to
 * the fields; closed day N is row N.
 */
function collectHours() {
  const draft = S.hoursDraft;
  const errors = [];
  const weekly = [];
  const spans = [];
  if (!draft.always) {
    const byTime = new Map();
    for (let d = 1; d <= 7; d++) {
      draft.days[d - 1].forEach((iv, i) => {
        const from = clockOf(iv.from);
        const to = clockOf(iv.to);
        if (!from) errors.push({ id: ivId(d, i, 'from'), text: () => t('timeMissing') });
        if (!to) errors.push({ id: ivId(d, i, 'to'), text: () => t('timeMissing') });
        if (!from || !to) return;
        const end = to === '00:00' ? '24:00' : to;
        if (end <= from) { errors.push({ id: ivId(d, i, 'to'), text: () => t('timeOrder') }); return; }
        const key = from + '-' + end;
        if (!byTime.has(key)) {
          byTime.set(key, { span: { days: [], from, to: end }, fields: [] });
          weekly.push(byTime.get(key).span);
          spans.push(byTime.get(key).fields);
        }
        const g = byTime.get(key);
        if (!g.span.days.includes(d)) g.span.days.push(d);
        g.fields.push([d, i]);
      });
    }
  }
  const closed = [];
  const seen = new Set();
  if (draft.closed.length > MAX_CLOSURES) errors.push({ id: 'hours-closed', text: () => t('closedTooMany') });
  draft.closed.forEach((c, i) => {
    const date = String(c.date || '').trim();
    const note = String(c.note || '').trim();
    if (!DAY_RE.test(date)) errors.push({ id: cdId(i, 'date'), text: () => t('closedDateInvalid') });
    else if (seen.has(date)) errors.push({ id: cdId(i, 'date'), text: () => t('closedDuplicate') });
    seen.add(date);
    if ([...note].length > MAX_NOTE) errors.push({ id: cdId(i, 'note'), text: () => t('closedNoteTooLong') });
    else if (hasControl(note)) errors.push({ id: cdId(i, 'note'), text: () => t('closedNoteControl') });
    closed.push({ date, note });
  });
  return { body: { always: draft.always, weekly, closed }, errors, spans };
}

/**
 * A failed PUT's errors on the fields: a 422's {"fields": {PATH: TEXT}} by the fields
 * PATH names (weekly, weekly.N.days|from|to, closed, closed.N.date|note; N counts the
 * spans and closed days as sent), in the page's order; anything else as one message.
 */
function hoursServerErrors(res, spans) {
  const out = [];
  const d = (res && res.data) || {};
  if (res.status === 422 && d.fields && typeof d.fields === 'object') {
    for (const [path, msg] of Object.entries(d.fields)) {
      const text = () => loc(msg);
      const m = /^(always|weekly|closed)(?:\.(\d+)\.(days|from|to|date|note))?$/.exec(path);
      let ids = [];
      if (m && !m[2]) ids = ['hours-' + m[1]];
      else if (m && m[1] === 'weekly' && m[3] === 'days') ids = [...new Set((spans[+m[2]] || []).map(([day]) => 'hours-day-' + day))];
      else if (m && m[1] === 'weekly' && (m[3] === 'from' || m[3] === 'to')) ids = (spans[+m[2]] || []).map(([day, i]) => ivId(day, i, m[3]));
      else if (m && m[1] === 'closed' && (m[3] === 'date' || m[3] === 'note')) ids = [cdId(+m[2], m[3])];
      ids = ids.filter((id) => document.getElementById(id));
      if (!ids.length) out.push({ id: null, text });
      ids.forEach((id, k) => out.push({ id, text, quiet: k > 0 }));
    }
  }
  if (!out.length) out.push({ id: null, text: () => failText(res) });
  const order = (e) => (e.id ? document.getElementById(e.id) : null);
  return out.sort((a, b) => {
    const x = order(a);
    const y = order(b);
    if (!x || !y) return (x ? 1 : 0) - (y ? 1 : 0);
    return x === y ? 0 : x.compareDocumentPosition(y) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  });
}

/** PUT /api/hours with the form; errors by their fields, the first of them focused. */
async function saveHours(e) {
  e.preventDefault();
  if (!S.hoursDraft) return;
  syncHours();
  const form = $('hours-form');
  const { body, errors, spans } = collectHours();
  if (errors.length) { setStatus('hours', null); showErrors(form, errors, 'field'); return; }
  clearErrors(form);
  const res = await busy(form, () => call('PUT', '/api/hours', body));
  if (!res) return;
  if (!res.ok) {
    setStatus('hours', null);
    showErrors(form, hoursServerErrors(res, spans), 'field');
    return;
  }
  if (res.data && typeof res.data === 'object' && typeof res.data.always === 'boolean') useHours(res.data);
  else await loadHours();
  setStatus('hours', () => t('hoursSaved'));
  if (!form.contains(document.activeElement)) $('hours-save').focus(); // the disabled button lost it
  refreshAudit();
}

// ---- canned answers ---------------------------------------------------------------------------------

/** GET /api/canned?lang=… for the chosen language. */
async function loadCanned(say) {
  const l = S.cannedLang;
  const res = await call('GET', '/api/canned?lang=' + l);
  if (!res || l !== S.cannedLang) return;
  if (!res.ok || !Array.isArray(res.data)) { $('canned-error').textContent = t('cannedFailed'); return; }
  $('canned-error').textContent = '';
  S.canned = res.data;
  renderCanned();
  if (say) announce(t('cannedShowing', l, S.canned.length));
}

function renderCanned() {
  const list = $('canned-list');
  keepFocus(list, () => list.replaceChildren(...S.canned.map((a) => {
    const edit = el('button', {
      type: 'button', class: 'btn btn-small', text: t('edit'), 'aria-label': t('cannedEditLabel', a.title), 'data-focus': 'edit:' + a.id,
    });
    edit.addEventListener('click', () => editCanned(a.id));
    const del = el('button', {
      type: 'button', class: 'btn btn-small btn-danger', text: t('cannedDelete'), 'aria-label': t('cannedDeleteLabel', a.title),
      'data-focus': 'delete:' + a.id,
    });
    del.addEventListener('click', () => askDeleteCanned(a.id, del));
    return el('li', { class: 'canned-item', 'data-id': a.id, lang: a.lang || S.cannedLang }, [
      el('h3', { class: 'canned-item-title', text: a.title }),
      el('p', { class: 'pre', text: a.text }),
      el('div', { class: 'inline', lang: lang }, [edit, del]),
    ]);
  })));
  $('canned-empty').hidden = S.canned.length > 0;
}

function renderCannedForm() {
  const a = S.cannedEditing;
  $('canned-form-title').textContent = a ? t('cannedEditTitle', a.title) : t('cannedNew', S.cannedLang);
  $('canned-save').textContent = a ? t('saveChanges') : t('cannedAdd');
  $('canned-cancel').hidden = !a;
  const l = a ? a.lang : S.cannedLang;
  $('canned-title-input').lang = l;
  $('canned-text').lang = l;
}

function editCanned(id) {
  const a = S.canned.find((x) => x.id === id);
  if (!a) return;
  S.cannedEditing = a;
  const form = $('canned-form');
  clearErrors(form);
  $('canned-title-input').value = a.title;
  $('canned-text').value = a.text;
  renderCannedForm();
  $('canned-title-input').focus();
}

function stopEditingCanned(focus) {
  const a = S.cannedEditing;
  S.cannedEditing = null;
  const form = $('canned-form');
  form.reset();
  clearErrors(form);
  renderCannedForm();
  if (focus && a) {
    const btn = [...$('canned-list').querySelectorAll('[data-focus]')].find((b) => b.dataset.focus === 'edit:' + a.id);
    (btn || $('canned-title')).focus();
  }
}

/** POST /api/canned, or PUT /api/canned/{id} when editing. */
async function saveCanned(e) {
  e.preventDefault();
  const form = $('canned-form');
  const title = $('canned-title-input').value.trim();
  const text = $('canned-text').value.trim();
  const errors = [];
  if (!title) errors.push({ id: 'canned-title-input', text: () => t('cannedTitleMissing') });
  else if ([...title].length > MAX_CANNED_TITLE) errors.push({ id: 'canned-title-input', text: () => t('cannedTitleTooLong') });
  else if (hasControl(title)) errors.push({ id: 'canned-title-input', text: () => t('cannedTitleControl') });
  const bytes = new TextEncoder().encode(text).length;
  if (!text) errors.push({ id: 'canned-text', text: () => t('cannedTextMissing') });
  else if (bytes > MAX_CANNED_TEXT) errors.push({ id: 'canned-text', text: () => t('cannedTextTooLong', bytes) });
  if (errors.length) { showErrors(form, errors); return; }
  clearErrors(form);
  const editing = S.cannedEditing;
  const res = await busy(form, () => (editing
    ? call('PUT', '/api/canned/' + enc(editing.id), { title, text })
    : call('POST', '/api/canned', { lang: S.cannedLang, title, text })));
  if (!res) return;
  if (!res.ok) {
    if (res.status === 404 && editing) {
      stopEditingCanned(false);
      loadCanned(false);
      showErrors(form, [{ id: null, text: () => t('cannedGone') }]);
      return;
    }
    showErrors(form, [{ id: null, text: () => failText(res) }]);
    return;
  }
  const saved = (res.data && res.data.title) || title;
  stopEditingCanned(false);
  await loadCanned(false);
  setStatus('canned', () => t(editing ? 'cannedSaved' : 'cannedAdded', saved));
  $('canned-title-input').focus();
}

function askDeleteCanned(id, back) {
  const a = S.canned.find((x) => x.id === id);
  if (!a) return;
  openDialog({
    title: t('deleteCannedTitle'), text: t('deleteCannedText', a.title), confirm: t('deleteCannedConfirm'), back,
    run: () => deleteCanned(a),
  });
}

/** DELETE /api/canned/{id}. */
async function deleteCanned(a) {
  const res = await call('DELETE', '/api/canned/' + enc(a.id));
  if (!res) return;
  if (!res.ok && res.status !== 404) { $('canned-error').textContent = failText(res); $('canned-title').focus(); return; }
  if (S.cannedEditing && S.cannedEditing.id === a.id) stopEditingCanned(false);
  await loadCanned(false);
  $('canned-title').focus();
  setStatus('canned', () => (res.ok ? t('cannedDeleted', a.title) : t('cannedGone')));
}

function onCannedLang() {
  const chosen = document.querySelector('input[name="canned-lang"]:checked');
  const l = chosen && chosen.value === 'en' ? 'en' : 'sv';
  if (l === S.cannedLang) return;
  S.cannedLang = l;
  S.canned = [];
  stopEditingCanned(false);
  renderCanned();
  setStatus('canned', null);
  loadCanned(true);
}

// ---- audit trail -------------------------------------------------------------------------------------

function renderAuditActions() {
  const sel = $('audit-action');
  const chosen = sel.value;
  sel.replaceChildren(el('option', { value: '', text: t('auditAll') }),
    ...AUDIT_ACTIONS.map((a) => el('option', { value: a, text: t('action_' + a) })));
  sel.value = AUDIT_ACTIONS.includes(chosen) ? chosen : '';
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** GET /api/audit with the form's range and action; say announces the result. */
async function loadAudit(say) {
  const form = $('audit-form');
  const from = $('audit-from').value;
  const to = $('audit-to').value;
  const errors = [];
  if (from && !DAY_RE.test(from)) errors.push({ id: 'audit-from', text: () => t('auditDateInvalid') });
  if (to && !DAY_RE.test(to)) errors.push({ id: 'audit-to', text: () => t('auditDateInvalid') });
  if (!errors.length && from && to && to < from) errors.push({ id: 'audit-to', text: () => t('auditDateOrder') });
  if (errors.length) { showErrors(form, errors, say); return; }
  clearErrors(form);
  const q = new URLSearchParams();
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  if ($('audit-action').value) q.set('action', $('audit-action').value);
  q.set('lang', lang);
  const res = await call('GET', '/api/audit?' + q);
  if (!res) return;
  if (!res.ok || !res.data || !Array.isArray(res.data.entries)) {
    $('audit-error').textContent = res.status === 400 && res.raw ? res.raw.trim() : t('auditFailed');
    return;
  }
  $('audit-error').textContent = '';
  S.audit = { entries: res.data.entries, verified: res.data.verified === true };
  renderAudit();
  if (say) setStatus('audit', () => auditCountText());
  else { S.status.audit = () => auditCountText(); renderStatus('audit'); }
}

/** Reloads the trail after a change the server audited, without announcing it. */
function refreshAudit() {
  if (S.admin) loadAudit(false);
}

function auditCountText() {
  if (!S.audit) return '';
  const n = S.audit.entries.length;
  return n > AUDIT_ROWS ? t('auditCountCut', AUDIT_ROWS, n) : t('auditCount', n);
}

function actorLabel(actor) {
  if (actor === 'parent') return t('actorParent');
  if (actor === 'retention') return t('actorRetention');
  return actor;
}

function renderAudit() {
  const v = $('audit-verified');
  if (!S.audit) { v.hidden = true; return; }
  v.hidden = false;
  v.textContent = t(S.audit.verified ? 'auditVerified' : 'auditBroken');
  v.classList.toggle('is-broken', !S.audit.verified);
  $('audit-table').hidden = S.audit.entries.length === 0;
  $('audit-table').tBodies[0].replaceChildren(...S.audit.entries.slice(0, AUDIT_ROWS).map((e) => el('tr', { 'data-action': e.action }, [
    el('td', { 'data-label': t('colTime'), text: fmtTime(e.at) }),
    el('td', { 'data-label': t('colActor'), text: actorLabel(e.actor) }),
    el('td', { 'data-label': t('colEvent'), text: has('action_' + e.action) ? t('action_' + e.action) : e.action }),
    el('td', { 'data-label': t('colReference') }, [el('span', { class: 'mono', text: e.reference || '' })]),
  ])));
}

// ---- wiring -----------------------------------------------------------------------------------------

function wire() {
  $('lang').addEventListener('click', () => { lang = otherLang(lang); applyLang(); });
  wireLogin({ t, api, onLogin: (me) => { showAlert(''); enter(me); } });
  $('logout').addEventListener('click', onLogout);

  // In-page navigation: the section's heading takes the focus.
  for (const name of ['accounts', 'topics', 'hours', 'canned', 'audit']) {
    $('nav-' + name).addEventListener('click', (e) => {
      e.preventDefault();
      $(name + '-section').scrollIntoView();
      $(name + '-title').focus();
    });
  }

  $('new-form').addEventListener('submit', createAccount);
  $('edit-form').addEventListener('submit', saveEdit);
  $('password-form').addEventListener('submit', setPassword);
  $('account-edit-close').addEventListener('click', () => closeEdit(true));
  $('edit-toggle').addEventListener('click', toggleAccount);
  $('edit-delete').addEventListener('click', askDeleteAccount);
  for (const which of ['new', 'edit']) {
    const ui = ROLE_UI[which];
    ui.prefix().addEventListener('change', () => renderScopeHint(which));
    ui.add().addEventListener('click', () => { if (addScope(which)) ui.value().focus(); });
    ui.value().addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); if (addScope(which)) ui.value().focus(); }
    });
  }

  $('delete-confirm').addEventListener('click', confirmDialog);
  $('delete-cancel').addEventListener('click', () => $('delete-dialog').close());
  $('delete-dialog').addEventListener('close', onDialogClose);

  $('topic-form').addEventListener('submit', addTopic);
  $('topic-edit-form').addEventListener('submit', saveTopicEdit);
  $('topic-edit-cancel').addEventListener('click', () => closeTopicEdit(true));

  $('hours-form').addEventListener('submit', saveHours);
  $('hours-always').addEventListener('change', onHoursAlways);
  for (let d = 1; d <= 7; d++) $('hours-day-' + d + '-add').addEventListener('click', () => addInterval(d));
  $('hours-closed-add').addEventListener('click', addClosed);

  $('canned-form').addEventListener('submit', saveCanned);
  $('canned-cancel').addEventListener('click', () => stopEditingCanned(true));
  $('canned-lang-sv').addEventListener('change', onCannedLang);
  $('canned-lang-en').addEventListener('change', onCannedLang);

  $('audit-form').addEventListener('submit', (e) => { e.preventDefault(); loadAudit(true); });
}

async function main() {
  wire();
  applyLang();
  renderRoleEditor('new');
  renderRoleEditor('edit');
  await startSession({ t, api, onReady: enter, onLogin: showLogin });
}

main();
