// Parentline counsellor console: log in, take chats from the queue, answer several
// parents at once, transfer, tag topics on close; supervisors also see an overview.
// An ES module; the staff session and helpers come from /staff.js; every visible string is in DICT.

import {
  $, withStaffTexts, translator, applyStaticLang, otherLang, el, fetchJSON, hasRole, showUser, showLoginMessage,
  wireLogin, logout, startSession, announce,
} from '/staff.js';

const MAX_CHARS = 4000;
const MAX_BYTES = 4096;
const TYPING_SEND_MS = 2000;
const TYPING_SHOW_MS = 4000;
const STALE_AFTER_READY_MS = 3000;
const PENDING_POLL_MS = 10000;
const CONSENT_ERROR_WINDOW_MS = 5000; // an error frame this soon after consent_request answers it
const MAX_SUMMARY = 2000;

const DICT = withStaffTexts({
  sv: {
    docTitle: 'Föräldrachatten – konsol', brand: 'Föräldrachatten – konsol',
    available: 'Tillgänglig',
    load: (n, max) => `${n} av ${max} chattar`, dismiss: 'Stäng',
    loginIntro: 'För personal på Föräldrawebben. Logga in med ditt personliga konto.',
    noRole: 'Ditt konto har inte behörighet till chattkonsolen.', consoleTitle: 'Chattkonsol',
    connecting: 'Ansluter…', reconnecting: 'Anslutningen bröts. Återansluter…', queueTitle: 'Kö',
    takeNext: 'Ta nästa', take: 'Ta',
    takeLabel: (aud, waited, urgent) => `Ta chatten: ${urgent ? 'akut, ' : ''}${aud}, har väntat ${waited}`,
    queueEmpty: 'Ingen väntar just nu.', waited: (w) => `väntat ${w}`, myChats: 'Mina chattar',
    noChats: 'Du har inga chattar just nu.', unread: (n) => n === 1 ? '1 oläst' : `${n} olästa`, isNew: 'Ny',
    state_active: 'Pågår', state_left: 'Föräldern har lämnat — välj ämne och avsluta',
    state_closing: 'Avslutas…', noChatSelected: 'Ingen chatt vald',
    chooseChat: 'Ta en chatt från kön eller välj en av dina chattar.',
    chatWith: (p) => `Chatt med ${p}`, meta: (aud, l) => `Målgrupp: ${aud} · Språk: ${l}`,
    transferredFrom: (n) => ` · Överförd från ${n}`, aud_young: 'Yngre barn',
    aud_teen: 'Äldre barn och tonåringar', lang_sv: 'svenska', lang_en: 'engelska', parent: 'Förälder',
    saysParent: 'Föräldern: ', saysYou: 'Du: ', sending: 'Skickar…', notSent: 'Inte skickat',
    typing: 'Föräldern skriver…', replyLabel: 'Ditt svar',
    replyHint: 'Enter skickar, Skift + Enter ger ny rad.', send: 'Skicka',
    tooLong: `Meddelandet är för långt (högst ${MAX_CHARS} tecken).`,
    notConnected: 'Inte ansluten just nu. Försök igen om en stund.',
    cannedLabel: 'Färdiga svar (infogas i svaret)', cannedPick: 'Välj ett färdigt svar…',
    cannedNone: 'Inga färdiga svar', cannedFailed: 'Kunde inte hämta färdiga svar',
    transferLabel: 'För över till kollega', transferPick: 'Välj kollega…', transferNone: 'Ingen ledig kollega',
    transfer: 'För över', colleague: (name, n, max) => `${name} (${n}/${max})`, closeChat: 'Avsluta chatt',
    topicsLegend: 'Vilka ämnen handlade chatten om? (för den anonyma statistiken)',
    topicsHint: 'Välj minst ett ämne för att kunna avsluta.', topicsLoading: 'Hämtar ämnen…',
    topicsFailed: 'Kunde inte hämta ämnena. Försök igen.', closeConfirm: 'Avsluta och spara ämnen',
    cancel: 'Avbryt', overview: 'Översikt', ovChats: 'Pågående chattar och kö',
    ovCounselors: 'Rådgivare inloggade',
    ovState: 'Läge', ovAudience: 'Målgrupp', ovCounselor: 'Rådgivare', ovDuration: 'Tid',
    ovName: 'Namn', ovAvailable: 'Tillgänglig', ovLoad: 'Chattar',
    ov_waiting: 'Väntar', ov_active: 'Pågår', ov_wrapup: 'Avslutas',
    ovNoChats: 'Inga chattar just nu.', ovNoCounselors: 'Ingen rådgivare är inloggad.', yes: 'Ja', no: 'Nej',
    annNewQueue: (aud) => `En förälder väntar i kön: ${aud}.`,
    annQueueMany: (n) => `${n} nya föräldrar väntar i kön.`, annNewChat: (p, aud) => `Ny chatt: ${p}, ${aud}.`,
    annTransferred: (p, from) => `Chatten med ${p} har förts över till dig från ${from}.`,
    annMessage: (p) => `Nytt meddelande från ${p}.`,
    annParentLeft: (p) => `${p} har lämnat chatten. Välj ämne och avsluta.`,
    annClosed: (p) => `Chatten med ${p} är avslutad och ämnena är sparade.`,
    annTransferredAway: (p) => `Chatten med ${p} har förts över.`,
    annGone: (p) => `Chatten med ${p} finns inte längre.`, err_bad_json: 'Servern förstod inte meddelandet.',
    err_unknown_type: 'Servern känner inte igen åtgärden.',
    err_too_large: 'Meddelandet är för stort och skickades inte.', err_empty: 'Meddelandet är tomt.',
    err_too_fast: 'Du skickar för snabbt. Meddelandet skickades inte.',
    err_bad_state: 'Det går inte att göra just nu.', err_bad_request: 'Förfrågan var ogiltig.',
    err_not_your_chat: 'Chatten är inte din.', err_no_topic: 'Välj minst ett giltigt ämne.',
    err_queue_empty: 'Ingen väntar i kön.', err_taken: 'Chatten har redan tagits eller avslutats.',
    err_at_capacity: 'Du har redan så många chattar du får ha samtidigt.',
    err_unavailable: 'Kollegan kan inte ta emot chatten just nu.', err_closed: 'Chatten är stängd just nu.',
    // concern for a child
    concern: 'Oro för barn', concernTitle: 'Oro för ett barn', concernClose: 'Stäng vägledningen',
    guidanceLoading: 'Hämtar vägledning…',
    guidanceFailed: 'Vägledningen kunde inte hämtas. Vid akut fara för ett barn: ring 112.',
    guidanceDuty: 'Anmälningsplikten', guidancePaths: 'Två vägar', guidanceEmergency: 'Akut',
    guidanceSocial: 'Socialtjänsten', path_consented: 'Med samtycke', path_mandatory: 'Orosanmälan',
    emergency112: 'Akut fara',
    consentTitle: 'Med förälderns samtycke',
    consentIntro: 'Föräldern får en tydlig fråga i chatten och väljer själv om och vilka uppgifter som lämnas till socialtjänsten. Säger föräldern nej sparas ingenting.',
    consentSummaryLabel: 'Kort sammanfattning av varför – följer med ärendet om föräldern samtycker',
    consentSummaryHint: 'Föräldern ser inte sammanfattningen. Högst 2 000 tecken.',
    consentRequest: 'Be om samtycke', consentSummaryMissing: 'Skriv en kort sammanfattning av varför.',
    consentSummaryLong: 'Sammanfattningen får vara högst 2 000 tecken.',
    consentWaiting: 'Väntar på förälderns svar…',
    consentAlreadyOpen: 'Du har redan frågat om samtycke i den här chatten. Vänta på förälderns svar.',
    consentNotLive: 'Föräldern är inte kvar i chatten, så det går inte att fråga om samtycke.',
    consentAccepted: (ref) => `Föräldern samtyckte. Ärendet är skickat till socialtjänsten: ${ref}.`,
    consentAcceptedNoRef: 'Föräldern samtyckte. Ärendet är skickat till socialtjänsten.',
    consentDeclined: 'Föräldern tackade nej till samtycke. Inget har sparats.',
    consentAskedNote: 'Du frågade föräldern om samtycke.',
    annConsentAccepted: (p, ref) => `${p} samtyckte. Ärende ${ref}.`,
    annConsentDeclined: (p) => `${p} tackade nej till samtycke. Inget har sparats.`,
    reportTitle: 'Orosanmälan (utan samtycke)',
    reportIntro: 'När föräldern har berättat vem hen eller barnet är och du misstänker att ett barn far illa gäller anmälningsplikten, med eller utan samtycke. En arbetsledare godkänner anmälan innan den skickas.',
    reportOpen: 'Skriv orosanmälan',
    reportMemory: 'Utkastet sparas inte förrän en arbetsledare har godkänt det. Fram till dess finns det bara i minnet – startas tjänsten om innan godkännandet försvinner det.',
    reportRequiredNote: 'Fält märkta med * måste fyllas i.',
    reportWhat: 'Vad föräldern berättade', reportWhy: 'Varför du är orolig för barnet',
    reportIdentifying: 'Uppgifter som föräldern gav om vem de är',
    reportIdentifyingHint: 'Till exempel namn, personnummer, adress eller skola – bara det föräldern själv har skrivit i chatten.',
    reportTold: 'Har föräldern fått veta att du gör en orosanmälan?', toldYes: 'Ja', toldNo: 'Nej',
    toldNotSafe: 'Nej – det är inte säkert för barnet',
    reportHow: 'Hur föräldern fick veta, eller varför inte',
    reportSubmit: 'Skicka till arbetsledare för godkännande',
    reportWhatMissing: 'Skriv vad föräldern berättade.', reportWhyMissing: 'Skriv varför du är orolig.',
    reportToldMissing: 'Välj om föräldern har fått veta.',
    reportSending: 'Skickar…',
    reportSent: 'Skickad till en arbetsledare för godkännande. Utkastet finns bara i minnet tills det är godkänt.',
    reportFailed: 'Anmälan kunde inte skickas. Försök igen.',
    pendingTitle: 'Orosanmälningar att godkänna',
    pendingIntro: 'Läs hela anmälan. Godkänner du skickas den krypterad till socialtjänstens mottagning. Du kan inte godkänna en anmälan du själv har skrivit.',
    pendingEmpty: 'Inga orosanmälningar väntar på godkännande.',
    pendingFailed: 'Kunde inte hämta anmälningarna som väntar. Försöker igen strax.',
    pendingHeading: (who) => `Orosanmälan från ${who}`, pendingUnknownAuthor: 'en rådgivare',
    pendingWritten: (when) => `Skriven ${when}`, pendingOwn: 'Du har skrivit den här anmälan. En annan arbetsledare måste godkänna den.',
    fieldWhat: 'Vad föräldern berättade', fieldWhy: 'Varför det finns oro', fieldIdentifying: 'Identifierande uppgifter',
    fieldTold: 'Har föräldern fått veta', fieldHow: 'Hur / varför inte', fieldChat: 'Chatt',
    told_yes: 'Ja', told_no: 'Nej', told_not_safe: 'Nej – det är inte säkert för barnet',
    approve: 'Godkänn och skicka', reject: 'Skicka tillbaka',
    rejectReason: 'Varför skickas anmälan tillbaka? Författaren får se skälet.',
    rejectConfirm: 'Skicka tillbaka med skälet', rejectReasonMissing: 'Skriv ett skäl.',
    approveLabel: (who) => `Godkänn och skicka orosanmälan från ${who}`,
    rejectLabel: (who) => `Skicka tillbaka orosanmälan från ${who}`,
    approved: (ref) => `Godkänd och skickad till socialtjänsten. Ärende ${ref}.`,
    approvedNoRef: 'Godkänd och skickad till socialtjänsten.',
    rejected: 'Anmälan är skickad tillbaka till den som skrev den.',
    actionFailed: 'Det gick inte. Försök igen.', working: 'Arbetar…',
    caseNoticesTitle: 'Besked',
    case_new: (ref) => `Ärende ${ref} är registrerat.`,
    case_received: (ref) => `Ärende ${ref} har tagits emot av socialtjänsten.`,
    case_forwarded: (ref) => `Ärende ${ref} har skickats vidare av socialtjänsten.`,
    case_closed: (ref) => `Ärende ${ref} är avslutat hos socialtjänsten.`,
    case_withdrawn: (ref) => `Ärende ${ref} har återkallats av föräldern.`,
    case_other: (ref, st) => `Ärende ${ref} har fått status ${st}.`,
    reportApprovedNotice: (ref) => `Din orosanmälan är godkänd och skickad till socialtjänsten. Ärende ${ref}.`,
    reportRejectedNotice: (reason) => `Din orosanmälan skickades tillbaka av arbetsledaren.${reason ? ' Skäl: ' + reason : ''}`,
    // triage and internal notes
    urgent: 'Akut', urgentReason: (r) => `Akut: ${r}`, urgentTake: 'akut',
    prioritize: 'Prioritera', unprioritize: 'Ta bort prioritet',
    prioritizeLabel: (aud, waited) => `Prioritera chatten: ${aud}, har väntat ${waited}`,
    unprioritizeLabel: (aud, waited) => `Ta bort prioritet för chatten: ${aud}, har väntat ${waited}`,
    firstLine: 'Förälderns första rad: ', annUrgentQueue: (aud, r) => `Akut: en förälder väntar i kön, ${aud}. ${r}`,
    notesTitle: 'Interna anteckningar (syns aldrig för föräldern)', notesEmpty: 'Inga anteckningar ännu.',
    noteLabel: 'Ny anteckning',
    noteHint: 'Bara personal som har eller följer chatten ser anteckningarna. De försvinner med chatten.',
    noteAdd: 'Lägg till anteckning', noteBy: (n) => `${n}: `, noteTooLong: `Anteckningen är för lång (högst ${MAX_CHARS} tecken).`,
    // supervision: following a colleague's chat, hints, take-over
    ovFollowers: 'Följs av', ovAction: 'Åtgärd', ovToday: 'I dag', ovDebrief: 'I avlastning',
    follow: 'Följ', followShow: 'Visa',
    followLabel: (co, aud) => `Följ chatten hos ${co}: ${aud}`,
    followShowLabel: (co, aud) => `Visa chatten hos ${co} som du följer: ${aud}`,
    followTitle: 'Chattar du följer',
    followIntro: 'Du läser med i tysthet. Föräldern kan inte se att du följer en chatt; rådgivaren som har chatten ser det.',
    followEmpty: 'Du följer ingen chatt. Välj Följ vid en pågående chatt i översikten.',
    followHeading: (co, p) => `${co} chattar med ${p}`,
    followInvisible: (co) => `Föräldern kan inte se dig och får inte veta att du följer chatten. ${co} ser att du följer.`,
    followParentGone: 'Föräldern har lämnat chatten.', saysCounselor: (n) => `${n}: `,
    followNotesTitle: 'Tips och anteckningar (syns aldrig för föräldern)',
    hintFrom: (n) => `Tips från ${n}: `, newHint: 'Nytt tips',
    hintLabel: (co) => `Tips till ${co}`,
    hintHelp: 'Tipset syns bara för rådgivaren och andra som följer chatten – aldrig för föräldern.',
    hintSend: 'Skicka tips till rådgivaren', hintEmpty: 'Skriv ett tips först.', noteEmpty: 'Skriv en anteckning först.',
    hintTooLong: `Tipset är för långt (högst ${MAX_CHARS} tecken).`,
    unfollow: 'Sluta följa', unfollowLabel: (co, p) => `Sluta följa chatten mellan ${co} och ${p}`,
    takeOver: 'Ta över chatten', takeOverLabel: (co, p) => `Ta över chatten mellan ${co} och ${p}`,
    takeOverText: (me, co) => `Föräldern får se att en ny rådgivare, ${me}, tar över chatten. ${co} lämnar chatten och får veta att du har tagit över.`,
    takeOverConfirm: 'Ja, ta över chatten', takingOver: 'Tar över…',
    followEnded_unfollowed: (co, p) => `Du följer inte längre chatten mellan ${co} och ${p}.`,
    followEnded_closed: (co, p) => `Chatten mellan ${co} och ${p} är avslutad.`,
    followEnded_taken_over: (co, p) => `Chatten mellan ${co} och ${p} har tagits över av en annan arbetsledare.`,
    followEnded_requeued: (co, p) => `Chatten med ${p} har gått tillbaka till kön, eftersom ${co} tappade anslutningen.`,
    followEnded_other: (co, p) => `Du följer inte längre chatten mellan ${co} och ${p}.`,
    annFollowing: (co, p) => `Du följer nu chatten mellan ${co} och ${p}.`,
    annFollowMoved: (co, p) => `Chatten med ${p} har förts över till ${co}. Du följer den fortfarande.`,
    followersNote: (names) => `${names} följer chatten`,
    annFollowers: (names, p) => `${names} följer nu chatten med ${p}.`,
    annHint: (from, p, text) => `Tips från ${from} i chatten med ${p}: ${text}`,
    noticeTakenOver: (p) => `En arbetsledare har tagit över chatten med ${p}. Föräldern chattar nu med arbetsledaren.`,
    // wellbeing
    debrief: 'Avlastning', debriefHint: 'Under avlastning får du inga nya chattar.',
    debriefState: 'I avlastning – tar inte emot chattar', today: (n, cap) => `Chattar i dag: ${n} av ${cap}`,
    takeNoteDebrief: 'Du är i avlastning och tar inte emot chattar. Slå av Avlastning när du är redo igen.',
    takeNoteCap: (cap) => `Du har tagit ${cap} chattar i dag, så många som du får. Tack för i dag!`,
    closeHeavy: 'Det här var ett tungt samtal (föreslå paus)',
    breakTitle: 'Dags för en paus?',
    breakConcern: 'Det där var ett tungt samtal. Ta gärna en stund för dig själv innan nästa chatt – och prata med en kollega eller arbetsledare om du vill.',
    breakLong: (m) => `Du har chattat i ${m} minuter i sträck. Ta gärna en paus innan nästa chatt, sträck på dig och drick lite vatten.`,
    breakInDebrief: 'Du är i avlastning och får inga nya chattar.',
    breakDebrief: 'Gå till avlastning (debrief)',
    wellbeingConcern: (n) => `${n} kan behöva en paus efter ett tungt samtal.`,
    wellbeingLong: (n) => `${n} kan behöva en paus efter ett långt samtal.`,
    colleagueDebrief: (name) => `${name} (i avlastning)`,
    err_in_debrief: 'Du är i avlastning och tar inte emot chattar. Slå av Avlastning för att ta en chatt.',
    err_daily_cap: 'Du har tagit så många chattar i dag som du får.',
    err_store_failed: 'Det gick inte att spara. Inget har gjorts – försök igen.',
  },
  en: {
    docTitle: 'Parent chat – console', brand: 'Parent chat – console',
    available: 'Available', load: (n, max) => `${n} of ${max} chats`,
    dismiss: 'Dismiss',
    loginIntro: 'For staff of the Parent web. Log in with your personal account.',
    noRole: 'Your account is not allowed to use the chat console.', consoleTitle: 'Chat console',
    connecting: 'Connecting…', reconnecting: 'Connection lost. Reconnecting…', queueTitle: 'Queue',
    takeNext: 'Take next', take: 'Take',
    takeLabel: (aud, waited, urgent) => `Take the chat: ${urgent ? 'urgent, ' : ''}${aud}, waited ${waited}`,
    queueEmpty: 'Nobody is waiting right now.', waited: (w) => `waited ${w}`, myChats: 'My chats',
    noChats: 'You have no chats right now.', unread: (n) => `${n} unread`, isNew: 'New', state_active: 'Active',
    state_left: 'The parent has left — choose topics and close', state_closing: 'Closing…',
    noChatSelected: 'No chat selected',
    chooseChat: 'Take a chat from the queue or choose one of your chats.',
    chatWith: (p) => `Chat with ${p}`, meta: (aud, l) => `Audience: ${aud} · Language: ${l}`,
    transferredFrom: (n) => ` · Transferred from ${n}`, aud_young: 'Younger children',
    aud_teen: 'Older children and teenagers', lang_sv: 'Swedish', lang_en: 'English', parent: 'Parent',
    saysParent: 'The parent: ', saysYou: 'You: ', sending: 'Sending…', notSent: 'Not sent',
    typing: 'The parent is typing…', replyLabel: 'Your reply',
    replyHint: 'Enter sends, Shift + Enter adds a new line.', send: 'Send',
    tooLong: `The message is too long (at most ${MAX_CHARS} characters).`,
    notConnected: 'Not connected right now. Try again in a moment.',
    cannedLabel: 'Canned answers (inserted into the reply)', cannedPick: 'Choose a canned answer…',
    cannedNone: 'No canned answers', cannedFailed: 'Could not fetch canned answers',
    transferLabel: 'Transfer to a colleague', transferPick: 'Choose a colleague…',
    transferNone: 'No colleague is free', transfer: 'Transfer',
    colleague: (name, n, max) => `${name} (${n}/${max})`, closeChat: 'Close chat',
    topicsLegend: 'Which topics was the chat about? (for the anonymous statistics)',
    topicsHint: 'Choose at least one topic to be able to close.', topicsLoading: 'Fetching topics…',
    topicsFailed: 'Could not fetch the topics. Please try again.', closeConfirm: 'Close and save topics',
    cancel: 'Cancel', overview: 'Overview', ovChats: 'Live chats and queue', ovCounselors: 'Counsellors online',
    ovState: 'State', ovAudience: 'Audience', ovCounselor: 'Counsellor', ovDuration: 'Time',
    ovName: 'Name', ovAvailable: 'Available', ovLoad: 'Chats',
    ov_waiting: 'Waiting', ov_active: 'Active', ov_wrapup: 'Wrap-up',
    ovNoChats: 'No chats right now.', ovNoCounselors: 'No counsellor is online.', yes: 'Yes', no: 'No',
    annNewQueue: (aud) => `A parent is waiting in the queue: ${aud}.`,
    annQueueMany: (n) => `${n} new parents are waiting in the queue.`,
    annNewChat: (p, aud) => `New chat: ${p}, ${aud}.`,
    annTransferred: (p, from) => `The chat with ${p} was transferred to you from ${from}.`,
    annMessage: (p) => `New message from ${p}.`,
    annParentLeft: (p) => `${p} has left the chat. Choose topics and close.`,
    annClosed: (p) => `The chat with ${p} is closed and its topics are saved.`,
    annTransferredAway: (p) => `The chat with ${p} has been transferred.`,
    annGone: (p) => `The chat with ${p} no longer exists.`,
    err_bad_json: 'The server did not understand the message.',
    err_unknown_type: 'The server does not know that action.',
    err_too_large: 'The message is too large and was not sent.', err_empty: 'The message is empty.',
    err_too_fast: 'You are sending too quickly. The message was not sent.',
    err_bad_state: 'That is not possible right now.', err_bad_request: 'The request was not valid.',
    err_not_your_chat: 'That chat is not yours.', err_no_topic: 'Choose at least one valid topic.',
    err_queue_empty: 'Nobody is waiting in the queue.',
    err_taken: 'The chat has already been taken or has ended.',
    err_at_capacity: 'You already hold as many chats as you may at once.',
    err_unavailable: 'The colleague cannot take the chat right now.',
    err_closed: 'The chat is closed right now.',
    concern: 'Concern for a child', concernTitle: 'Concern for a child', concernClose: 'Close the guidance',
    guidanceLoading: 'Fetching the guidance…',
    guidanceFailed: 'The guidance could not be fetched. If a child is in acute danger: call 112.',
    guidanceDuty: 'The duty to report', guidancePaths: 'Two paths', guidanceEmergency: 'Emergency',
    guidanceSocial: 'Social services', path_consented: 'With consent', path_mandatory: 'Mandatory report',
    emergency112: 'Acute danger',
    consentTitle: 'With the parent’s consent',
    consentIntro: 'The parent gets a clear question in the chat and decides whether, and which, details are passed to social services. If the parent says no, nothing is saved.',
    consentSummaryLabel: 'A short summary of why – goes with the case if the parent consents',
    consentSummaryHint: 'The parent does not see the summary. At most 2,000 characters.',
    consentRequest: 'Ask for consent', consentSummaryMissing: 'Write a short summary of why.',
    consentSummaryLong: 'The summary may be at most 2,000 characters.',
    consentWaiting: 'Waiting for the parent’s answer…',
    consentAlreadyOpen: 'You have already asked for consent in this chat. Wait for the parent’s answer.',
    consentNotLive: 'The parent is no longer in the chat, so you cannot ask for consent.',
    consentAccepted: (ref) => `The parent consented. The case has been sent to social services: ${ref}.`,
    consentAcceptedNoRef: 'The parent consented. The case has been sent to social services.',
    consentDeclined: 'The parent declined consent. Nothing has been saved.',
    consentAskedNote: 'You asked the parent for consent.',
    annConsentAccepted: (p, ref) => `${p} consented. Case ${ref}.`,
    annConsentDeclined: (p) => `${p} declined consent. Nothing has been saved.`,
    reportTitle: 'Mandatory report (without consent)',
    reportIntro: 'When the parent has said who they or the child are and you suspect that a child is being harmed, the duty to report applies, with or without consent. A supervisor approves the report before it is sent.',
    reportOpen: 'Write a mandatory report',
    reportMemory: 'The draft is not saved until a supervisor has approved it. Until then it exists only in memory – if the service restarts before approval, it is lost.',
    reportRequiredNote: 'Fields marked with * are required.',
    reportWhat: 'What the parent said', reportWhy: 'Why you are concerned for the child',
    reportIdentifying: 'Details the parent gave about who they are',
    reportIdentifyingHint: 'For example name, personal identity number, address or school – only what the parent wrote in the chat.',
    reportTold: 'Has the parent been told that you are reporting?', toldYes: 'Yes', toldNo: 'No',
    toldNotSafe: 'No – it is not safe for the child',
    reportHow: 'How the parent was told, or why not',
    reportSubmit: 'Send to a supervisor for approval',
    reportWhatMissing: 'Write what the parent said.', reportWhyMissing: 'Write why you are concerned.',
    reportToldMissing: 'Choose whether the parent has been told.',
    reportSending: 'Sending…',
    reportSent: 'Sent to a supervisor for approval. The draft exists only in memory until it is approved.',
    reportFailed: 'The report could not be sent. Please try again.',
    pendingTitle: 'Mandatory reports to approve',
    pendingIntro: 'Read the whole report. If you approve it, it is sent encrypted to the social services intake. You cannot approve a report you wrote yourself.',
    pendingEmpty: 'No mandatory reports are waiting for approval.',
    pendingFailed: 'Could not fetch the reports waiting for approval. Trying again shortly.',
    pendingHeading: (who) => `Mandatory report from ${who}`, pendingUnknownAuthor: 'a counsellor',
    pendingWritten: (when) => `Written ${when}`, pendingOwn: 'You wrote this report. Another supervisor must approve it.',
    fieldWhat: 'What the parent said', fieldWhy: 'Why there is concern', fieldIdentifying: 'Identifying details',
    fieldTold: 'Has the parent been told', fieldHow: 'How / why not', fieldChat: 'Chat',
    told_yes: 'Yes', told_no: 'No', told_not_safe: 'No – it is not safe for the child',
    approve: 'Approve and send', reject: 'Send back',
    rejectReason: 'Why is the report sent back? The author will see the reason.',
    rejectConfirm: 'Send back with the reason', rejectReasonMissing: 'Write a reason.',
    approveLabel: (who) => `Approve and send the mandatory report from ${who}`,
    rejectLabel: (who) => `Send back the mandatory report from ${who}`,
    approved: (ref) => `Approved and sent to social services. Case ${ref}.`,
    approvedNoRef: 'Approved and sent to social services.',
    rejected: 'The report has been sent back to its author.',
    actionFailed: 'That did not work. Please try again.', working: 'Working…',
    caseNoticesTitle: 'Notices',
    case_new: (ref) => `Case ${ref} is registered.`,
    case_received: (ref) => `Case ${ref} has been received by social services.`,
    case_forwarded: (ref) => `Case ${ref} has been forwarded by social services.`,
    case_closed: (ref) => `Case ${ref} has been closed by social services.`,
    case_withdrawn: (ref) => `Case ${ref} has been withdrawn by the parent.`,
    case_other: (ref, st) => `Case ${ref} now has the status ${st}.`,
    reportApprovedNotice: (ref) => `Your mandatory report has been approved and sent to social services. Case ${ref}.`,
    reportRejectedNotice: (reason) => `Your mandatory report was sent back by the supervisor.${reason ? ' Reason: ' + reason : ''}`,
    urgent: 'Urgent', urgentReason: (r) => `Urgent: ${r}`, urgentTake: 'urgent',
    prioritize: 'Prioritise', unprioritize: 'Remove priority',
    prioritizeLabel: (aud, waited) => `Prioritise the chat: ${aud}, waited ${waited}`,
    unprioritizeLabel: (aud, waited) => `Remove priority from the chat: ${aud}, waited ${waited}`,
    firstLine: 'The parent’s first line: ', annUrgentQueue: (aud, r) => `Urgent: a parent is waiting in the queue, ${aud}. ${r}`,
    notesTitle: 'Internal notes (never shown to the parent)', notesEmpty: 'No notes yet.',
    noteLabel: 'New note',
    noteHint: 'Only staff who hold or follow the chat see the notes. They are gone with the chat.',
    noteAdd: 'Add note', noteBy: (n) => `${n}: `, noteTooLong: `The note is too long (at most ${MAX_CHARS} characters).`,
    ovFollowers: 'Followed by', ovAction: 'Action', ovToday: 'Today', ovDebrief: 'In debrief',
    follow: 'Follow', followShow: 'Show',
    followLabel: (co, aud) => `Follow the chat held by ${co}: ${aud}`,
    followShowLabel: (co, aud) => `Show the chat held by ${co} that you follow: ${aud}`,
    followTitle: 'Chats you follow',
    followIntro: 'You read along silently. The parent cannot see that you follow a chat; the counsellor holding it can.',
    followEmpty: 'You follow no chat. Choose Follow beside a live chat in the overview.',
    followHeading: (co, p) => `${co} chatting with ${p}`,
    followInvisible: (co) => `The parent cannot see you and is not told that you follow the chat. ${co} can see that you follow.`,
    followParentGone: 'The parent has left the chat.', saysCounselor: (n) => `${n}: `,
    followNotesTitle: 'Hints and notes (never shown to the parent)',
    hintFrom: (n) => `Hint from ${n}: `, newHint: 'New hint',
    hintLabel: (co) => `Hint for ${co}`,
    hintHelp: 'Only the counsellor and others following the chat see the hint – never the parent.',
    hintSend: 'Send hint to the counsellor', hintEmpty: 'Write a hint first.', noteEmpty: 'Write a note first.',
    hintTooLong: `The hint is too long (at most ${MAX_CHARS} characters).`,
    unfollow: 'Stop following', unfollowLabel: (co, p) => `Stop following the chat between ${co} and ${p}`,
    takeOver: 'Take over the chat', takeOverLabel: (co, p) => `Take over the chat between ${co} and ${p}`,
    takeOverText: (me, co) => `The parent will see that a new counsellor, ${me}, takes over the chat. ${co} leaves the chat and is told that you took over.`,
    takeOverConfirm: 'Yes, take over the chat', takingOver: 'Taking over…',
    followEnded_unfollowed: (co, p) => `You no longer follow the chat between ${co} and ${p}.`,
    followEnded_closed: (co, p) => `The chat between ${co} and ${p} has been closed.`,
    followEnded_taken_over: (co, p) => `The chat between ${co} and ${p} was taken over by another supervisor.`,
    followEnded_requeued: (co, p) => `The chat with ${p} went back to the queue because ${co} lost the connection.`,
    followEnded_other: (co, p) => `You no longer follow the chat between ${co} and ${p}.`,
    annFollowing: (co, p) => `You now follow the chat between ${co} and ${p}.`,
    annFollowMoved: (co, p) => `The chat with ${p} was transferred to ${co}. You still follow it.`,
    followersNote: (names, n) => `${names} ${n === 1 ? 'is' : 'are'} following the chat`,
    annFollowers: (names, p, n) => `${names} ${n === 1 ? 'is' : 'are'} now following the chat with ${p}.`,
    annHint: (from, p, text) => `Hint from ${from} in the chat with ${p}: ${text}`,
    noticeTakenOver: (p) => `A supervisor has taken over the chat with ${p}. The parent now chats with the supervisor.`,
    debrief: 'Debrief', debriefHint: 'While in debrief you get no new chats.',
    debriefState: 'In debrief – not taking chats', today: (n, cap) => `Chats today: ${n} of ${cap}`,
    takeNoteDebrief: 'You are in debrief and not taking chats. Switch Debrief off when you are ready again.',
    takeNoteCap: (cap) => `You have taken ${cap} chats today, as many as you may. Thank you for today!`,
    closeHeavy: 'This was a heavy conversation (suggest a break)',
    breakTitle: 'Time for a break?',
    breakConcern: 'That was a heavy conversation. Take a moment for yourself before the next chat – and talk to a colleague or a supervisor if you like.',
    breakLong: (m) => `You have been chatting for ${m} minutes in a row. Take a break before the next chat, stretch and have some water.`,
    breakInDebrief: 'You are in debrief and get no new chats.',
    breakDebrief: 'Go to debrief',
    wellbeingConcern: (n) => `${n} may need a break after a heavy conversation.`,
    wellbeingLong: (n) => `${n} may need a break after a long conversation.`,
    colleagueDebrief: (name) => `${name} (in debrief)`,
    err_in_debrief: 'You are in debrief and not taking chats. Switch Debrief off to take a chat.',
    err_daily_cap: 'You have taken as many chats today as you may.',
    err_store_failed: 'It could not be saved. Nothing was done – please try again.',
  },
});

let lang = 'sv';

/**
 * The console's state. chats: id -> {id, parent, audience, lang, transferredFrom,
 * messages: [{from, text, id?, pending?, failed?}], unread, isNew, state: 'active'|'left'|'closing',
 * typingUntil, draft, stale, concern}. concern: the chat's concern state, see newConcern().
 */
const S = {
  me: null, supervisor: false, ws: null, wsWanted: false, retry: 0, retryTimer: 0, connState: '',
  available: false, load: { chats: 0, max: 0 }, queue: [], queueSeen: new Set(),
  chats: new Map(), selected: null, colleagues: [], overview: null, overviewAt: 0,
  topics: null, topicsLang: '', canned: new Map(), cannedBase: null, cannedResult: null,
  acceptPending: false, seq: 0, lastTypingSent: new Map(), typingTimer: 0, staleTimer: 0,
  guidance: new Map(), // lang -> guidance object | 'loading' | 'failed'
  consentSent: null,   // {chat, at, prev}: a consent_request that may still be refused
  reportBusy: false,
  pending: [], pendingTimer: 0, pendingLoaded: false, pendingBusy: new Set(),
  notices: [],         // case notices: {id, text: () => string}
  noticeSeq: 0,
  myName: '',
  // supervision: id -> followed chat, see following(); never a chat in S.chats
  follows: new Map(), followPending: '', takeOverPending: '', followStatus: null,
  // wellbeing
  debrief: false, today: 0, dailyCap: 0, breakInfo: null, // breakInfo: {reason, minutes}
};

/** Translates key in the console language; function entries get args. */
const t = translator(DICT, () => lang);

function audienceLabel(a) { return DICT.sv['aud_' + a] ? t('aud_' + a) : String(a || '–'); }
function langLabel(l) { return DICT.sv['lang_' + l] ? t('lang_' + l) : String(l || '–'); }

/** Seconds as m:ss or h:mm:ss. */
function fmtDuration(sec) {
  sec = Math.max(0, Math.floor(sec));
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = String(sec % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function utf8Length(s) { return new TextEncoder().encode(s).length; }

// ---- language ----------------------------------------------------------------

/** Applies the dictionary to the static page (data-i18n) and re-renders the rest. */
function applyLang() {
  applyStaticLang(t, lang, { title: false });
  renderAll();
}

function setLang(l) {
  lang = l;
  for (const w of S.follows.values()) w.rebuild = true; // the transcripts' speaker labels
  applyLang();
  if (!$('close-form').hidden) loadTopics(true);
  if (!$('concern-panel').hidden) loadGuidance();
  $('pending-status').textContent = ''; // a past outcome, said once in the old language
}

// ---- HTTP --------------------------------------------------------------------------

/** JSON request to our own server; returns {ok, status, data, raw, headers}; see fetchJSON. */
const api = (method, path, body) => fetchJSON(method, path, body);

// ---- banners and announcements -----------------------------------------------------

/** Shows text in the role=alert banner. */
function showAlert(text) {
  $('alert-box').classList.add('is-shown');
  $('alert-close').hidden = false;
  $('alert').textContent = text;
}

function clearAlert() {
  $('alert').textContent = '';
  $('alert-box').classList.remove('is-shown');
  $('alert-close').hidden = true;
}

/** Shows an error frame: our own words for a known code, else the server's message. */
function showErrorFrame(f) {
  const key = 'err_' + f.code;
  showAlert(f.code && key in DICT.sv ? t(key) : String(f.message || f.code || ''));
}

function setConn(state) {
  S.connState = state;
  $('conn').textContent = state ? t(state) : '';
}

// ---- login and session ------------------------------------------------------------------

function showLogin(message) {
  S.wsWanted = false;
  disconnect();
  stopPendingPolling();
  resetSession();
  $('console-view').hidden = true;
  $('session-info').hidden = true;
  $('login-view').hidden = false;
  setConn('');
  document.title = t('docTitle');
  showLoginMessage(message);
}

/** Shows the console for the account me ({username, name, roles}) and connects. */
function showConsole(me) {
  S.me = me;
  S.supervisor = hasRole(me, 'supervisor');
  $('login-view').hidden = true;
  $('console-view').hidden = false;
  $('session-info').hidden = false;
  showUser(me);
  renderAll();
  if (!hasRole(me, 'counselor', 'supervisor')) {
    showAlert(t('noRole'));
    return;
  }
  S.wsWanted = true;
  connect();
  if (S.supervisor) startPendingPolling();
}

function resetSession() {
  Object.assign(S, {
    me: null, supervisor: false, available: false, load: { chats: 0, max: 0 }, queue: [], selected: null,
    colleagues: [], overview: null, acceptPending: false, consentSent: null, reportBusy: false,
    pending: [], pendingLoaded: false, notices: [], myName: '',
    followPending: '', takeOverPending: '', followStatus: null,
    debrief: false, today: 0, dailyCap: 0, breakInfo: null,
  });
  S.queueSeen.clear();
  S.chats.clear();
  S.follows.clear();
  $('follow-list').replaceChildren();
  renderBreak();
  renderNotices();
  S.pendingBusy.clear();
  $('pending-list').replaceChildren();
  closeConcern(false);
}

async function onLogout() {
  S.wsWanted = false;
  disconnect();
  await logout();
  clearAlert();
  showLogin('');
}

// ---- WebSocket -------------------------------------------------------------------------------

/** Opens /ws/counselor on this host; frames go to the handlers. */
function connect() {
  clearTimeout(S.retryTimer);
  if (S.ws) return;
  setConn(S.retry ? 'reconnecting' : 'connecting');
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/counselor';
  let ws;
  try { ws = new WebSocket(url); } catch { scheduleReconnect(); return; }
  S.ws = ws;
  ws.addEventListener('message', (e) => {
    if (S.ws !== ws) return;
    let f;
    try { f = JSON.parse(e.data); } catch { return; }
    if (f && typeof f.type === 'string' && Object.hasOwn(handlers, f.type)) handlers[f.type](f);
  });
  ws.addEventListener('close', () => {
    if (S.ws !== ws) return;
    S.ws = null;
    if (S.wsWanted) scheduleReconnect();
  });
}

function disconnect() {
  clearTimeout(S.retryTimer);
  const ws = S.ws;
  S.ws = null;
  if (ws) try { ws.close(1000); } catch { /* closed already */ }
}

/** Reconnects after 1, 2, 4, 8, 10, 10… s; a lost session sends us to the login. */
function scheduleReconnect() {
  clearTimeout(S.retryTimer);
  const delay = Math.min(1000 * 2 ** S.retry, 10000);
  S.retry++;
  setConn('reconnecting');
  renderControls();
  S.retryTimer = setTimeout(async () => {
    try {
      const res = await api('GET', '/api/me');
      if (res.status === 401) { S.wsWanted = false; showLogin(t('sessionExpired')); return; }
    } catch { /* server unreachable: the socket attempt below fails and we try again */ }
    if (S.wsWanted) connect();
  }, delay);
}

function isOpen() { return S.ws && S.ws.readyState === WebSocket.OPEN; }

/** Sends a frame; false (and an alert) when not connected. */
function send(frame) {
  if (!isOpen()) { showAlert(t('notConnected')); return false; }
  S.ws.send(JSON.stringify(frame));
  return true;
}

// ---- frame handlers ------------------------------------------------------------------------------

const handlers = {
  ready(f) {
    S.retry = 0;
    setConn('');
    S.available = !!f.available;
    S.load = { chats: S.chats.size, max: Number(f.max_chats) || S.load.max };
    if (f.name) { $('me-name').textContent = f.name; S.myName = String(f.name); }
    if (f.supervisor) { S.supervisor = true; startPendingPolling(); }
    // Chats we hold or follow are announced again now; those that are not have been lost.
    for (const c of S.chats.values()) c.stale = true;
    for (const w of S.follows.values()) w.stale = true;
    clearTimeout(S.staleTimer);
    S.staleTimer = setTimeout(dropStale, STALE_AFTER_READY_MS);
    renderAll();
  },
  queue(f) {
    const now = Date.now();
    const waiting = Array.isArray(f.waiting) ? f.waiting : [];
    const fresh = waiting.filter((w) => !S.queueSeen.has(w.chat));
    S.queue = waiting.map((w) => ({
      chat: String(w.chat), audience: w.audience, since: now - (Number(w.waited_seconds) || 0) * 1000,
      urgent: w.urgent === true, reason: String(w.reason || ''), reasonEn: String(w.reason_en || ''),
    }));
    S.queueSeen = new Set(waiting.map((w) => w.chat));
    if (fresh.length === 1 && fresh[0].urgent === true) {
      announce(t('annUrgentQueue', audienceLabel(fresh[0].audience), queueReason(S.queue.find((q) => q.chat === String(fresh[0].chat)))));
    } else if (fresh.length === 1) announce(t('annNewQueue', audienceLabel(fresh[0].audience)));
    else if (fresh.length > 1) announce(t('annQueueMany', fresh.length));
    renderQueue();
  },
  chat_started(f) {
    const id = String(f.chat);
    // A chat we followed and now hold (taken over, or transferred to us): the follow view goes.
    if (S.follows.has(id)) removeFollow(id, null);
    let c = S.chats.get(id);
    const known = !!c;
    if (!c) {
      c = { id, messages: [], notes: [], followers: [], unread: 0, newHint: false, isNew: true, state: 'active', typingUntil: 0, draft: '', noteDraft: '', noteSent: '', concern: newConcern() };
      S.chats.set(id, c);
    }
    Object.assign(c, {
      parent: String(f.parent || t('parent')), audience: f.audience, lang: f.lang === 'en' ? 'en' : 'sv',
      transferredFrom: f.transferred_from ? String(f.transferred_from) : (c.transferredFrom || ''), stale: false,
    });
    // The triage of the chat: the parent's first line and why it was urgent (kept over a reconnect).
    if (typeof f.first === 'string' && f.first) c.first = f.first;
    if (!known || 'urgent' in f) {
      c.urgent = f.urgent === true;
      c.reason = c.urgent ? String(f.reason || '') : '';
      c.reasonEn = c.urgent ? String(f.reason_en || '') : '';
    }
    if (f.parent_gone) c.state = 'left';
    if (!known) {
      announce(f.transferred_from ? t('annTransferred', c.parent, c.transferredFrom) : t('annNewChat', c.parent, audienceLabel(c.audience)));
      const tookOver = S.takeOverPending === id;
      if (tookOver) S.takeOverPending = '';
      if (S.acceptPending || tookOver || !S.selected) {
        const focusReply = S.acceptPending || tookOver;
        S.acceptPending = false;
        select(id, focusReply);
        renderOverview();
        return;
      }
    }
    renderChats();
    if (S.selected === id) renderChat();
    if (!known) renderOverview();
  },
  history(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) { followHistory(f); return; }
    const msgs = Array.isArray(f.messages) ? f.messages : [];
    const notes = c.messages.filter((m) => m.from === 'system');
    c.messages = msgs.map((m) => ({ from: m.from === 'counselor' ? 'counselor' : 'parent', text: String(m.text || '') }))
      .concat(notes);
    if (Array.isArray(f.notes)) c.notes = f.notes.map(noteOf);
    if (S.selected === c.id) { renderTranscript(); renderNotes(); }
  },
  msg(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) { followMsg(f); return; }
    const text = String(f.text || '');
    if (f.from === 'counselor') {
      const mine = f.id !== undefined && c.messages.find((m) => m.pending && m.id === String(f.id));
      if (mine) mine.pending = false;
      else c.messages.push({ from: 'counselor', text });
    } else {
      c.messages.push({ from: 'parent', text });
      c.typingUntil = 0;
      if (S.selected !== c.id) {
        c.unread++;
        announce(t('annMessage', c.parent));
      }
    }
    renderChats();
    if (S.selected === c.id) { renderTranscript(); renderTyping(); }
  },
  typing(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) return;
    c.typingUntil = Date.now() + TYPING_SHOW_MS;
    if (S.selected === c.id) renderTyping();
    clearTimeout(S.typingTimer);
    S.typingTimer = setTimeout(renderTyping, TYPING_SHOW_MS + 50);
  },
  chat_ended(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) { followEnded(f); return; }
    if (f.reason === 'taken_over') {
      const who = c.parent;
      removeChat(c.id);
      addNotice(() => t('noticeTakenOver', who));
      return;
    }
    if (f.reason === 'closed' || f.reason === 'transferred') {
      announce(t(f.reason === 'closed' ? 'annClosed' : 'annTransferredAway', c.parent));
      removeChat(c.id);
      return;
    }
    c.state = 'left';
    c.typingUntil = 0;
    // An unanswered consent request ends with the parent's chat.
    if (c.concern && c.concern.consent === 'waiting') c.concern.consent = 'none';
    announce(t('annParentLeft', c.parent));
    renderChats();
    if (S.selected === c.id) renderChat();
  },
  status(f) {
    S.available = !!f.available;
    S.load = { chats: Number(f.chats) || 0, max: Number(f.max_chats) || S.load.max };
    S.debrief = f.debrief === true;
    S.today = Number(f.today) || 0;
    S.dailyCap = Number(f.daily_cap) || 0;
    renderHeader();
    renderControls();
    renderBreak();
  },
  colleagues(f) {
    S.colleagues = Array.isArray(f.counselors) ? f.counselors : [];
    renderTransfer();
  },
  following(f) { onFollowing(f); },
  follow_ended(f) {
    const id = String(f.chat || '');
    const w = S.follows.get(id);
    if (!w) return;
    const reason = ['unfollowed', 'closed', 'taken_over', 'requeued'].includes(f.reason) ? f.reason : 'other';
    const co = w.counselor;
    const p = w.parent;
    removeFollow(id, () => t('followEnded_' + reason, co, p));
  },
  followers(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) return;
    const names = Array.isArray(f.names) ? f.names.map(String) : [];
    const added = names.filter((n) => !c.followers.includes(n));
    c.followers = names;
    if (added.length) announce(t('annFollowers', listOf(added), c.parent, added.length));
    if (S.selected === c.id) renderFollowers(c);
  },
  hint(f) {
    const id = String(f.chat);
    const c = S.chats.get(id);
    if (!c) { followNote(f, 'hint'); return; }
    const n = { from: String(f.from || ''), text: String(f.text || ''), kind: 'hint' };
    c.notes.push(n);
    if (S.selected === c.id) renderNotes();
    else { c.newHint = true; renderChats(); }
    announce(t('annHint', n.from, c.parent, n.text));
  },
  break_suggested(f) {
    const reason = f.reason === 'long' ? 'long' : 'concern';
    S.breakInfo = { reason, minutes: Math.max(0, Number(f.minutes) || 0) };
    renderBreak();
    announce(t('breakTitle') + ' ' + breakText());
  },
  wellbeing(f) {
    const name = String(f.counselor || '');
    if (!name) return;
    const long = f.reason === 'long';
    addNotice(() => t(long ? 'wellbeingLong' : 'wellbeingConcern', name));
  },
  overview(f) {
    S.supervisor = true;
    S.overview = { chats: Array.isArray(f.chats) ? f.chats : [], counselors: Array.isArray(f.counselors) ? f.counselors : [] };
    S.overviewAt = Date.now();
    renderOverview();
  },
  note(f) {
    const c = S.chats.get(String(f.chat));
    if (!c) { followNote(f, ''); return; }
    const text = String(f.text || '');
    c.notes.push({ from: String(f.from || ''), text, kind: '' });
    if (c.noteSent && c.noteSent === text) {
      c.noteSent = '';
      c.noteDraft = '';
      if (S.selected === c.id && $('note-text').value === text) $('note-text').value = '';
    }
    if (S.selected === c.id) renderNotes();
  },
  consent_result(f) { onConsentResult(f); },
  case_status(f) {
    const ref = String(f.reference || '');
    const status = String(f.status || '');
    if (!ref) return;
    addNotice(() => (DICT.sv['case_' + status] && status !== 'other' ? t('case_' + status, ref) : t('case_other', ref, status)));
  },
  report_approved(f) {
    const ref = String(f.reference || '');
    addNotice(() => t('reportApprovedNotice', ref || '–'));
  },
  report_rejected(f) {
    const reason = String(f.reason || '');
    addNotice(() => t('reportRejectedNotice', reason));
  },
  report_decided(f) {
    if (f.outcome === 'approved') handlers.report_approved(f);
    else if (f.outcome === 'rejected') handlers.report_rejected(f);
  },
  error(f) {
    if (consentRefused(f)) return;
    showErrorFrame(f);
    const code = String(f.code || '');
    if (['queue_empty', 'taken', 'at_capacity', 'in_debrief', 'daily_cap'].includes(code)) S.acceptPending = false;
    if (['taken', 'store_failed', 'bad_state', 'not_your_chat'].includes(code)) {
      S.followPending = '';
      const w = S.follows.get(S.takeOverPending);
      S.takeOverPending = '';
      if (w && w.takingOver) { w.takingOver = false; renderFollows(); }
    }
    if (['too_fast', 'too_large', 'empty'].includes(code)) failOldestPending();
    if (code === 'no_topic' || code === 'not_your_chat' || code === 'bad_request') {
      for (const c of S.chats.values()) if (c.state === 'closing') c.state = 'left';
      renderChats();
      renderChat();
    }
  },
};

/** Removes chats that were not announced again after a reconnect: the server no longer has them. */
function dropStale() {
  for (const c of [...S.chats.values()]) {
    if (c.stale) { announce(t('annGone', c.parent)); removeChat(c.id); }
  }
  for (const w of [...S.follows.values()]) {
    if (w.stale) { const co = w.counselor; const p = w.parent; removeFollow(w.id, () => t('followEnded_other', co, p)); }
  }
}

/** A note or hint from a history frame. */
function noteOf(n) {
  return { from: String((n && n.from) || ''), text: String((n && n.text) || ''), kind: n && n.kind === 'hint' ? 'hint' : '' };
}

/** Names as "Sara", "Sara och Bo", "Sara, Bo och Eva" in the console's language. */
function listOf(names) {
  try {
    return new Intl.ListFormat(lang === 'sv' ? 'sv' : 'en', { style: 'long', type: 'conjunction' }).format(names);
  } catch {
    return names.join(', ');
  }
}

/** The server refused the oldest of our messages still waiting for an acknowledgement. */
function failOldestPending() {
  let oldest = null;
  for (const c of S.chats.values()) {
    for (const m of c.messages) if (m.pending && (!oldest || m.seq < oldest.m.seq)) oldest = { c, m };
  }
  if (!oldest) return;
  oldest.m.pending = false;
  oldest.m.failed = true;
  if (S.selected === oldest.c.id) renderTranscript();
}

/** Drops a chat from the list; focus that was on it goes to the next sensible place. */
function removeChat(id) {
  const a = document.activeElement;
  const wasSelected = S.selected === id;
  const focusLost = !a || a === document.body || (wasSelected && a.closest('.chat-pane')) ||
    a.closest(`#my-chats li[data-chat="${CSS.escape(id)}"]`);
  S.chats.delete(id);
  S.lastTypingSent.delete(id);
  if (wasSelected) {
    S.selected = null;
    const next = S.chats.keys().next();
    if (!next.done) select(next.value, false);
    else { renderChat(); renderChats(); }
  } else {
    renderChats();
  }
  renderControls();
  if (focusLost) {
    const to = document.querySelector('#my-chats button') || ($('take-next').disabled ? $('mychats-title') : $('take-next'));
    to.focus();
  }
}

// ---- actions ----------------------------------------------------------------------------------------

/** Makes id the selected chat; the reply draft of the previous one is kept. */
function select(id, focusReply) {
  const prev = S.chats.get(S.selected);
  if (prev) { prev.draft = $('reply').value; prev.noteDraft = $('note-text').value; saveConcernDraft(prev); }
  if (S.selected !== id) closeConcern(false);
  S.selected = id;
  const c = S.chats.get(id);
  if (c) { c.unread = 0; c.isNew = false; c.newHint = false; }
  $('reply').value = c ? c.draft : '';
  $('note-text').value = c ? c.noteDraft : '';
  S.cannedBase = S.cannedResult = null;
  $('close-form').hidden = true;
  $('close-chat').setAttribute('aria-expanded', 'false');
  for (const box of $('topics').querySelectorAll('input')) box.checked = false;
  $('close-heavy').checked = false;
  if (c) loadConcernDraft(c);
  renderChats();
  renderChat();
  if (c) loadCanned(c.lang);
  if (focusReply && c && !$('reply').disabled) $('reply').focus();
}

/** Adds an internal note to the selected chat; it is shown when the server echoes it. */
function sendNote() {
  const c = S.chats.get(S.selected);
  const box = $('note-text');
  const text = box.value.trim();
  if (!c || c.state === 'closing' || !text) return;
  if ([...text].length > MAX_CHARS || utf8Length(text) > MAX_BYTES) { showAlert(t('noteTooLong')); return; }
  if (!send({ type: 'note', chat: c.id, text })) return;
  c.noteSent = text;
  box.value = text; // trimmed, so the echo can be recognised and the box emptied
}

/** Supervisors: raises a waiting chat to the head of the queue, or lowers it back. */
function setPriority(chatId, urgent) {
  send({ type: 'priority', chat: chatId, urgent });
}

/** A queue entry's reason in the console's language (the Swedish one when there is no other). */
function queueReason(w) {
  if (!w) return '';
  return lang === 'en' && w.reasonEn ? w.reasonEn : w.reason;
}

function accept(chatId) {
  const frame = chatId ? { type: 'accept', chat: chatId } : { type: 'accept' };
  if (send(frame)) S.acceptPending = true;
}

/** Sends the reply of the selected chat; refuses locally what the server would refuse. */
function sendReply() {
  const c = S.chats.get(S.selected);
  const box = $('reply');
  const text = box.value;
  if (!c || c.state !== 'active' || !text.trim()) return;
  if ([...text].length > MAX_CHARS || utf8Length(text) > MAX_BYTES) { showAlert(t('tooLong')); return; }
  const id = 'c' + (++S.seq) + '-' + Date.now().toString(36);
  if (!send({ type: 'msg', chat: c.id, text, id })) return;
  c.messages.push({ from: 'counselor', text, id, pending: true, seq: S.seq });
  box.value = '';
  c.draft = '';
  S.cannedBase = S.cannedResult = null;
  $('canned').value = '';
  renderTranscript();
}

function onReplyInput() {
  const c = S.chats.get(S.selected);
  if (!c || c.state !== 'active' || !$('reply').value.trim() || !isOpen()) return;
  const now = Date.now();
  if (now - (S.lastTypingSent.get(c.id) || 0) < TYPING_SEND_MS) return;
  S.lastTypingSent.set(c.id, now);
  S.ws.send(JSON.stringify({ type: 'typing', chat: c.id }));
}

/**
 * Puts the chosen canned answer into the reply for editing (never sends). Choosing
 * another one straight after replaces it, so arrowing through the list does not pile up.
 */
function onCanned() {
  const c = S.chats.get(S.selected);
  const sel = $('canned');
  const list = c && S.canned.get(c.lang);
  const answer = Array.isArray(list) && list.find((a) => String(a.id) === sel.value);
  if (!answer) return;
  const box = $('reply');
  const base = S.cannedResult !== null && box.value === S.cannedResult ? S.cannedBase : box.value;
  const value = base ? base.replace(/\s*$/, '') + '\n' + answer.text : String(answer.text || '');
  S.cannedBase = base;
  S.cannedResult = value;
  box.value = value;
}

function onTransfer() {
  const c = S.chats.get(S.selected);
  const to = $('transfer-to').value;
  if (!c || !to || c.state !== 'active') return;
  send({ type: 'transfer', chat: c.id, to });
}

function openCloseForm() {
  const form = $('close-form');
  form.hidden = false;
  $('close-chat').setAttribute('aria-expanded', 'true');
  loadTopics(false).then(() => {
    const first = form.querySelector('input[name="topic"]');
    if (first && !form.hidden) first.focus();
  });
  updateCloseConfirm();
}

function cancelClose() {
  $('close-form').hidden = true;
  $('close-chat').setAttribute('aria-expanded', 'false');
  $('close-chat').focus();
}

/** Sends close with the ticked topics; the chat leaves the list on chat_ended "closed". */
function onCloseSubmit(e) {
  e.preventDefault();
  const c = S.chats.get(S.selected);
  const topics = [...document.querySelectorAll('#topics input[name="topic"]:checked')].map((i) => i.value);
  if (!c || !topics.length) return;
  const frame = { type: 'close', chat: c.id, topics };
  if ($('close-heavy').checked) frame.concern = true; // a heavy chat: the server suggests a break
  if (!send(frame)) return;
  c.state = 'closing';
  renderChats();
  renderChat();
}

function updateCloseConfirm() {
  const c = S.chats.get(S.selected);
  const any = document.querySelector('#topics input[name="topic"]:checked');
  $('close-confirm').disabled = !any || !c || c.state === 'closing';
}

// ---- data from HTTP -----------------------------------------------------------------------------------

/** GET /api/topics?lang=<console lang> into the close form, keeping ticks. */
async function loadTopics(force) {
  const box = $('topics');
  if (!force && S.topics && S.topicsLang === lang) { renderTopics(); return; }
  const checked = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
  box.replaceChildren(el('p', { class: 'muted', text: t('topicsLoading') }));
  try {
    const res = await api('GET', '/api/topics?lang=' + encodeURIComponent(lang));
    if (res.status === 401) { showLogin(t('sessionExpired')); return; }
    if (!res.ok || !Array.isArray(res.data)) throw new Error('topics');
    S.topics = res.data;
    S.topicsLang = lang;
    renderTopics(checked);
  } catch {
    box.replaceChildren(el('p', { class: 'form-error', text: t('topicsFailed') }));
  }
}

function renderTopics(checked) {
  const box = $('topics');
  const keep = checked || new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
  box.replaceChildren(...(S.topics || []).map((tp) => {
    const id = 'topic-' + String(tp.id).replace(/[^A-Za-z0-9_-]/g, '_');
    return el('div', { class: 'check' }, [
      el('input', { type: 'checkbox', name: 'topic', value: String(tp.id), id, checked: keep.has(String(tp.id)) }),
      el('label', { for: id, text: String(tp.label || tp.id) }),
    ]);
  }));
  updateCloseConfirm();
}

/** GET /api/canned?lang=<the chat's language>, cached per language. */
async function loadCanned(chatLang) {
  if (!S.canned.has(chatLang)) {
    S.canned.set(chatLang, 'loading');
    renderCanned();
    try {
      const res = await api('GET', '/api/canned?lang=' + encodeURIComponent(chatLang));
      if (!res.ok || !Array.isArray(res.data)) throw new Error('canned');
      S.canned.set(chatLang, res.data);
    } catch {
      S.canned.delete(chatLang);
      renderCanned(true);
      return;
    }
  }
  renderCanned();
}

// ---- rendering ------------------------------------------------------------------------------------------

function renderAll() {
  renderHeader();
  renderBreak();
  renderQueue();
  renderChats();
  renderChat();
  renderFollows();
  renderOverview();
  renderPending();
  renderNotices();
  if (S.connState) setConn(S.connState);
}

function renderHeader() {
  const box = $('available');
  box.checked = S.available;
  $('debrief').checked = S.debrief;
  $('debrief-state').hidden = !S.debrief;
  $('debrief-state').textContent = S.debrief ? t('debriefState') : '';
  $('load').textContent = S.load.max ? t('load', S.load.chats, S.load.max) : '';
  $('today').hidden = !S.dailyCap;
  $('today').textContent = S.dailyCap ? t('today', S.today, S.dailyCap) : '';
  updateTitle();
}

/** The break suggestion banner's text in the console's language. */
function breakText() {
  const b = S.breakInfo;
  if (!b) return '';
  return (b.reason === 'long' ? t('breakLong', b.minutes) : t('breakConcern')) + (S.debrief ? ' ' + t('breakInDebrief') : '');
}

/** The non-modal break suggestion; it never takes the focus. */
function renderBreak() {
  const box = $('break-banner');
  box.hidden = !S.breakInfo;
  if (!S.breakInfo) return;
  $('break-text').textContent = breakText();
  const btn = $('break-debrief');
  if (S.debrief && btn === document.activeElement) $('break-close').focus();
  btn.hidden = S.debrief;
}

function closeBreak() {
  const hadFocus = $('break-banner').contains(document.activeElement);
  S.breakInfo = null;
  renderBreak();
  if (hadFocus) $('mychats-title').focus();
}

function goToDebrief() {
  if (!send({ type: 'debrief', on: true })) return;
  S.breakInfo = null;
  renderBreak();
  $('debrief').focus();
}

function updateTitle() {
  let unread = 0;
  for (const c of S.chats.values()) unread += c.unread;
  const n = unread + S.queue.length;
  document.title = (n > 0 ? `(${n}) ` : '') + t('docTitle');
}

/** The queue as a keyed list, so focus on a "Ta" button survives updates. */
function renderQueue() {
  const list = $('queue');
  const existing = new Map([...list.children].map((li) => [li.dataset.chat, li]));
  const now = Date.now();
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  S.queue.forEach((w, i) => {
    let li = existing.get(w.chat);
    if (!li) {
      const btn = el('button', { type: 'button', class: 'btn btn-small q-take', 'data-chat': w.chat });
      btn.addEventListener('click', () => accept(w.chat));
      const prio = el('button', { type: 'button', class: 'btn btn-small priority-toggle', 'data-chat': w.chat });
      prio.addEventListener('click', () => {
        const cur = S.queue.find((q) => q.chat === w.chat);
        if (cur) setPriority(w.chat, !cur.urgent);
      });
      li = el('li', { class: 'queue-item', 'data-chat': w.chat }, [
        el('span', { class: 'q-urgent' }, [el('span', { class: 'q-urgent-icon', 'aria-hidden': 'true', text: '!' }), el('span', { class: 'q-urgent-text' })]),
        el('span', { class: 'q-aud' }), el('span', { class: 'sr-only', text: ', ' }), el('span', { class: 'q-waited' }),
        el('span', { class: 'q-reason' }),
        el('span', { class: 'q-buttons' }, [btn, prio]),
      ]);
    }
    existing.delete(w.chat);
    const aud = audienceLabel(w.audience);
    const waited = fmtDuration((now - w.since) / 1000);
    li.classList.toggle('is-urgent', w.urgent);
    const badge = li.querySelector('.q-urgent');
    badge.hidden = !w.urgent;
    badge.querySelector('.q-urgent-text').textContent = t('urgent');
    const reason = li.querySelector('.q-reason');
    const why = w.urgent ? queueReason(w) : '';
    reason.hidden = !why;
    reason.textContent = why;
    if (why && why === w.reason && lang !== 'sv') reason.setAttribute('lang', 'sv'); else reason.removeAttribute('lang');
    li.querySelector('.q-aud').textContent = aud;
    li.querySelector('.q-waited').textContent = t('waited', waited);
    const btn = li.querySelector('.q-take');
    btn.textContent = t('take');
    btn.setAttribute('aria-label', t('takeLabel', aud, waited, w.urgent));
    const prio = li.querySelector('.priority-toggle');
    prio.hidden = !S.supervisor;
    prio.textContent = t(w.urgent ? 'unprioritize' : 'prioritize');
    prio.setAttribute('aria-label', t(w.urgent ? 'unprioritizeLabel' : 'prioritizeLabel', aud, waited));
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  // Moving an item in the list takes focus off its button; it goes back.
  if (focused && focused.isConnected && document.activeElement !== focused) focused.focus();
  for (const li of existing.values()) {
    if (li.contains(document.activeElement)) $('take-next').focus();
    li.remove();
  }
  $('queue-empty').hidden = S.queue.length > 0;
  $('queue-count').textContent = S.queue.length ? `(${S.queue.length})` : '';
  renderControls();
  updateTitle();
}

/** Updates the waited times in the queue and overview every second. */
function tick() {
  const now = Date.now();
  for (const li of $('queue').children) {
    const w = S.queue.find((q) => q.chat === li.dataset.chat);
    if (!w) continue;
    const waited = fmtDuration((now - w.since) / 1000);
    li.querySelector('.q-waited').textContent = t('waited', waited);
    li.querySelector('.q-take').setAttribute('aria-label', t('takeLabel', audienceLabel(w.audience), waited, w.urgent));
    li.querySelector('.priority-toggle').setAttribute('aria-label', t(w.urgent ? 'unprioritizeLabel' : 'prioritizeLabel', audienceLabel(w.audience), waited));
  }
  if (S.overview) {
    const extra = (now - S.overviewAt) / 1000;
    for (const td of document.querySelectorAll('#overview-chats td[data-seconds]')) {
      td.textContent = fmtDuration(Number(td.dataset.seconds) + extra);
    }
  }
}

/** "Mina chattar": one button per chat, keyed by chat id. */
function renderChats() {
  const list = $('my-chats');
  const existing = new Map([...list.children].map((li) => [li.dataset.chat, li]));
  let i = 0;
  for (const c of S.chats.values()) {
    let li = existing.get(c.id);
    if (!li) {
      const btn = el('button', { type: 'button', class: 'chat-item', 'data-chat': c.id });
      btn.addEventListener('click', () => select(c.id, true));
      li = el('li', { 'data-chat': c.id }, [btn]);
    }
    existing.delete(c.id);
    const btn = li.firstChild;
    const sep = () => el('span', { class: 'sr-only', text: ', ' });
    const badge = c.unread ? el('span', { class: 'badge', text: t('unread', c.unread) })
      : c.newHint ? el('span', { class: 'badge badge-hint', text: t('newHint') })
        : c.isNew ? el('span', { class: 'badge badge-new', text: t('isNew') }) : null;
    btn.replaceChildren(...[
      el('span', { class: 'ci-name', text: c.parent }), sep(),
      el('span', { class: 'ci-aud', text: audienceLabel(c.audience) }), sep(),
      el('span', { class: 'ci-state', text: t('state_' + c.state) }),
      badge && sep(), badge,
    ].filter(Boolean));
    btn.classList.toggle('is-selected', S.selected === c.id);
    btn.classList.toggle('has-unread', c.unread > 0 || c.isNew);
    btn.classList.toggle('is-left', c.state !== 'active');
    if (S.selected === c.id) btn.setAttribute('aria-current', 'true'); else btn.removeAttribute('aria-current');
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    i++;
  }
  for (const li of existing.values()) li.remove();
  $('mychats-empty').hidden = S.chats.size > 0;
  updateTitle();
}

/** The selected chat's pane: heading, notice, transcript and controls. */
function renderChat() {
  const c = S.chats.get(S.selected);
  $('chat-body').hidden = !c;
  $('chat-none').hidden = !!c;
  $('chat-title').textContent = c ? t('chatWith', c.parent) : t('noChatSelected');
  if (!c) { closeConcern(false); renderControls(); return; }
  $('chat-meta').textContent = t('meta', audienceLabel(c.audience), langLabel(c.lang)) +
    (c.transferredFrom ? t('transferredFrom', c.transferredFrom) : '');
  renderFollowers(c);
  renderTriage(c);
  const notice = $('chat-notice');
  notice.hidden = c.state === 'active';
  notice.textContent = c.state === 'active' ? '' : t('state_' + c.state);
  renderTranscript(true);
  renderNotes();
  renderTyping();
  renderCanned();
  renderTransfer();
  renderConcern();
  renderControls();
}

/**
 * Rebuilds the transcript. quiet: the chat was just selected, so the live
 * region is muted for the rebuild instead of reading the whole history aloud.
 */
function renderTranscript(quiet) {
  const box = $('transcript');
  const c = S.chats.get(S.selected);
  if (!c) { box.replaceChildren(); return; }
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const rows = c.messages.map((m) => {
    if (m.from === 'system') {
      return el('div', { class: 'msg msg-system' }, [el('span', { class: 'msg-text', text: m.text })]);
    }
    const own = m.from === 'counselor';
    return el('div', { class: 'msg ' + (own ? 'msg-own' : 'msg-parent') + (m.pending ? ' is-pending' : '') + (m.failed ? ' is-failed' : '') }, [
      el('span', { class: 'sr-only', text: t(own ? 'saysYou' : 'saysParent') }),
      el('span', { class: 'msg-text', text: m.text }),
      m.pending || m.failed ? el('span', { class: 'msg-meta', text: t(m.failed ? 'notSent' : 'sending') }) : null,
    ]);
  });
  // Unless the chat was just selected, update in place and append only what is new,
  // so the live region reads the new message rather than the whole history.
  const same = !quiet && box.children.length <= rows.length &&
    [...box.children].every((r, i) => r.querySelector('.msg-text').textContent === c.messages[i].text);
  if (same) {
    [...box.children].forEach((r, i) => {
      if (r.className === rows[i].className) return;
      r.className = rows[i].className;
      r.querySelector('.msg-meta')?.remove();
      const meta = rows[i].querySelector('.msg-meta');
      if (meta) r.append(meta);
    });
    box.append(...rows.slice(box.children.length));
  } else {
    box.setAttribute('aria-live', 'off');
    box.replaceChildren(...rows);
    setTimeout(() => box.setAttribute('aria-live', 'polite'), 100);
  }
  if (quiet || atBottom) box.scrollTop = box.scrollHeight;
}

/** The top of a chat: urgent with its reason, and the parent's first line, when there are any. */
function renderTriage(c) {
  fillTriage(c, $('chat-triage'), $('chat-urgent'), $('first-line'));
}

/** Fills a triage block (box, its urgent line and first line) for a held or followed chat c. */
function fillTriage(c, box, urgent, first) {
  urgent.hidden = !c.urgent;
  urgent.replaceChildren(...(c.urgent ? [
    el('span', { class: 'q-urgent' }, [el('span', { class: 'q-urgent-icon', 'aria-hidden': 'true', text: '!' }), el('span', { text: t('urgent') })]),
    c.reason ? ' ' : null,
    c.reason && lang === 'en' && c.reasonEn ? el('span', { text: c.reasonEn }) : null,
    c.reason && !(lang === 'en' && c.reasonEn) ? el('span', { text: c.reason, lang: lang !== 'sv' ? 'sv' : null }) : null,
  ].filter(Boolean) : []));
  first.hidden = !c.first;
  first.replaceChildren(...(c.first ? [
    el('span', { class: 'first-label', text: t('firstLine') }),
    el('span', { class: 'first-text', text: c.first, lang: c.lang !== lang ? c.lang : null }),
  ] : []));
  box.hidden = !c.urgent && !c.first;
}

/** Who follows the selected chat (supervision is open within the team). */
function renderFollowers(c) {
  const box = $('chat-followers');
  const names = c && Array.isArray(c.followers) ? c.followers : [];
  box.hidden = names.length === 0;
  box.replaceChildren(...(names.length ? [
    el('span', { class: 'eye-icon', 'aria-hidden': 'true' }),
    el('span', { text: t('followersNote', listOf(names), names.length) }),
  ] : []));
}

/** One note or hint as a list item; a hint is set apart and says who sent it. */
function noteItem(n) {
  const hint = n.kind === 'hint';
  return el('li', { class: 'note' + (hint ? ' note-hint' : '') }, [
    n.from ? el('span', { class: 'note-from', text: hint ? t('hintFrom', n.from) : t('noteBy', n.from) }) : null,
    el('span', { class: 'note-text', text: n.text }),
  ]);
}

/** The internal notes of the selected chat: a list apart from the transcript, never sent to the parent. */
function renderNotes() {
  const c = S.chats.get(S.selected);
  const notes = c ? c.notes : [];
  $('notes-list').replaceChildren(...notes.map(noteItem));
  $('notes-empty').hidden = notes.length > 0;
}

function renderTyping() {
  const c = S.chats.get(S.selected);
  const on = !!c && c.state === 'active' && c.typingUntil > Date.now();
  $('typing').hidden = !on;
  $('typing').textContent = on ? t('typing') : '';
}

function renderCanned(failed) {
  const sel = $('canned');
  const c = S.chats.get(S.selected);
  const list = c ? S.canned.get(c.lang) : null;
  const keep = sel.value;
  const opts = [el('option', { value: '', text: t('cannedPick') })];
  if (Array.isArray(list)) {
    if (!list.length) opts.push(el('option', { value: '', disabled: true, text: t('cannedNone') }));
    for (const a of list) opts.push(el('option', { value: String(a.id), text: String(a.title || a.text || a.id) }));
  } else if (failed === true) {
    opts.push(el('option', { value: '', disabled: true, text: t('cannedFailed') }));
  }
  sel.replaceChildren(...opts);
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
}

/** Colleagues who are available, not in debrief and below their maximum; those in debrief are shown but not offered. */
function renderTransfer() {
  const sel = $('transfer-to');
  const keep = sel.value;
  const others = S.colleagues.filter((p) => !S.me || String(p.username) !== String(S.me.username));
  const fit = others.filter((p) => p.available && !p.debrief && Number(p.chats) < Number(p.max_chats));
  const resting = others.filter((p) => p.debrief);
  sel.replaceChildren(
    el('option', { value: '', text: t(fit.length ? 'transferPick' : 'transferNone') }),
    ...fit.map((p) => el('option', { value: String(p.username), text: t('colleague', p.name || p.username, p.chats, p.max_chats) })),
    ...resting.map((p) => el('option', { value: '', disabled: true, text: t('colleagueDebrief', p.name || p.username) })),
  );
  if (fit.some((p) => String(p.username) === keep)) sel.value = keep;
  renderControls();
}

/** Enables and disables the controls for the current state. */
function renderControls() {
  const focused = document.activeElement;
  const c = S.chats.get(S.selected);
  const live = !!c && c.state === 'active';
  const online = isOpen();
  const resting = restingReason();
  $('take-next').disabled = S.queue.length === 0 || !!resting;
  for (const b of document.querySelectorAll('#queue .q-take')) b.disabled = !!resting;
  const note = $('take-note');
  const noteText = resting === 'debrief' ? t('takeNoteDebrief') : resting === 'cap' ? t('takeNoteCap', S.dailyCap) : '';
  note.hidden = !noteText;
  if (note.textContent !== noteText) note.textContent = noteText;
  $('debrief').disabled = !online;
  $('reply').disabled = !live;
  $('send').disabled = !live || !online;
  $('canned').disabled = !live;
  $('transfer-to').disabled = !live;
  $('transfer').disabled = !live || !online || !$('transfer-to').value;
  $('close-chat').disabled = !c || c.state === 'closing';
  $('concern').disabled = !c || c.state === 'closing';
  $('consent-request').disabled = !live || !online;
  $('consent-summary').disabled = !live;
  $('available').disabled = !online;
  $('note-text').disabled = !c || c.state === 'closing';
  $('note-add').disabled = !c || c.state === 'closing' || !online;
  updateCloseConfirm();
  // A control that just became disabled (the parent left while typing) hands focus on.
  if (focused && focused.disabled && focused.closest('.chat-pane')) {
    ($('close-chat').disabled ? $('chat-title') : $('close-chat')).focus();
  }
  if (focused && focused.disabled && focused.closest('#queue')) $('queue-title').focus();
}

/** Why this counsellor takes no chats now: 'debrief', 'cap' (the day's cap is reached) or ''. */
function restingReason() {
  if (S.debrief) return 'debrief';
  if (S.dailyCap > 0 && S.today >= S.dailyCap) return 'cap';
  return '';
}

/** Supervisors: every live chat and the counsellors online; colleagues' live chats can be followed. */
function renderOverview() {
  const box = $('overview');
  box.hidden = !S.supervisor || !S.me;
  if (box.hidden) return;
  const ov = S.overview || { chats: [], counselors: [] };
  const extra = S.overview ? (Date.now() - S.overviewAt) / 1000 : 0;
  // The rows are rebuilt; a focused Follow button gets the focus back.
  const a = document.activeElement;
  const focusedChat = a && a.closest && a.closest('#overview-chats') && a.dataset ? a.dataset.chat : '';
  const chatRows = ov.chats.map((c) => {
    const id = String(c.chat || '');
    const aud = audienceLabel(c.audience);
    const followers = Array.isArray(c.followers) ? c.followers.map(String) : [];
    const followable = (c.state === 'active' || c.state === 'wrapup') && !!c.counselor && !S.chats.has(id);
    let action = null;
    if (followable) {
      const following = S.follows.has(id);
      action = el('button', {
        type: 'button', class: 'btn btn-small ov-follow' + (following ? ' is-following' : ''), 'data-chat': id,
        'aria-label': t(following ? 'followShowLabel' : 'followLabel', String(c.counselor), aud),
        text: t(following ? 'followShow' : 'follow'),
      });
      action.addEventListener('click', () => (S.follows.has(id) ? focusFollow(id) : follow(id)));
    }
    return el('tr', { class: 'ov-' + c.state + (c.urgent ? ' is-urgent' : ''), 'data-chat': id }, [
      el('td', {}, [
        DICT.sv['ov_' + c.state] ? t('ov_' + c.state) : String(c.state || ''),
        c.urgent ? ' ' : null,
        c.urgent ? el('span', { class: 'q-urgent' }, [el('span', { class: 'q-urgent-icon', 'aria-hidden': 'true', text: '!' }), el('span', { text: t('urgent') })]) : null,
      ].filter(Boolean)),
      el('td', { text: aud }),
      el('td', { text: c.counselor ? String(c.counselor) : '–' }),
      el('td', { 'data-seconds': String(Number(c.seconds) || 0), text: fmtDuration((Number(c.seconds) || 0) + extra) }),
      el('td', { class: 'ov-followers', text: followers.length ? listOf(followers) : '–' }),
      el('td', {}, action ? [action] : []),
    ]);
  });
  if (!chatRows.length) chatRows.push(el('tr', {}, [el('td', { colspan: '6', class: 'muted', text: t('ovNoChats') })]));
  document.querySelector('#overview-chats tbody').replaceChildren(...chatRows);
  if (focusedChat && !document.querySelector('#overview-chats').contains(document.activeElement)) {
    const again = document.querySelector(`#overview-chats button[data-chat="${CSS.escape(focusedChat)}"]`);
    (again || $('overview-title')).focus();
  }
  const people = ov.counselors.map((p) => el('tr', { class: p.debrief ? 'is-debrief' : null }, [
    el('td', { text: String(p.name || '') }),
    el('td', { text: p.debrief ? t('ovDebrief') : t(p.available ? 'yes' : 'no') }),
    el('td', { text: String(Number(p.chats) || 0) }),
    el('td', { text: String(Number(p.today) || 0) }),
  ]));
  if (!people.length) people.push(el('tr', {}, [el('td', { colspan: '4', class: 'muted', text: t('ovNoCounselors') })]));
  document.querySelector('#overview-counselors tbody').replaceChildren(...people);
}

// ---- supervision: following a colleague's chat -------------------------------------------------------

/**
 * A followed chat: {id, counselor, parent, audience, lang, first, urgent, reason, reasonEn, parentGone,
 * messages: [{from: 'parent'|'counselor'|'system', text?, name?, key?}], notes: [{from, text, kind}],
 * hintSent, noteSent, confirming, takingOver, rebuild, stale, els}. Read-only: the supervisor
 * never writes to the parent from here; hints and notes stay on the staff side.
 */
function follow(id) {
  if (!send({ type: 'follow', chat: id })) return;
  S.followPending = id;
}

function focusFollow(id) {
  const w = S.follows.get(id);
  if (w && w.els) w.els.heading.focus();
}

/** following: the chat as it stands (again after a transfer or a reconnect); history follows. */
function onFollowing(f) {
  const id = String(f.chat || '');
  if (!id || S.chats.has(id)) return;
  let w = S.follows.get(id);
  const known = !!w;
  if (!w) {
    w = { id, messages: [], notes: [], hintSent: '', noteSent: '', confirming: false, takingOver: false, rebuild: true, els: null };
    S.follows.set(id, w);
  }
  const before = w.counselor;
  Object.assign(w, {
    counselor: String(f.counselor || ''), parent: String(f.parent || t('parent')), audience: f.audience,
    lang: f.lang === 'en' ? 'en' : 'sv', first: typeof f.first === 'string' ? f.first : '',
    urgent: f.urgent === true, reason: f.urgent === true ? String(f.reason || '') : '',
    reasonEn: f.urgent === true ? String(f.reason_en || '') : '', parentGone: f.parent_gone === true, stale: false,
  });
  if (known && before && before !== w.counselor) {
    w.confirming = false;
    announce(t('annFollowMoved', w.counselor, w.parent));
  }
  if (!known) S.followStatus = null;
  renderFollows();
  renderOverview();
  if (!known) {
    if (S.followPending === id && w.els) {
      S.followPending = '';
      w.els.heading.focus();
    } else {
      announce(t('annFollowing', w.counselor, w.parent));
    }
  }
}

function followHistory(f) {
  const w = S.follows.get(String(f.chat));
  if (!w) return;
  const msgs = Array.isArray(f.messages) ? f.messages : [];
  w.messages = msgs.map((m) => (m.from === 'counselor'
    ? { from: 'counselor', text: String(m.text || ''), name: w.counselor }
    : { from: 'parent', text: String(m.text || '') }));
  if (w.parentGone) w.messages.push({ from: 'system', key: 'followParentGone' });
  if (Array.isArray(f.notes)) w.notes = f.notes.map(noteOf);
  w.rebuild = true;
  renderFollows();
}

function followMsg(f) {
  const w = S.follows.get(String(f.chat));
  if (!w) return;
  const text = String(f.text || '');
  w.messages.push(f.from === 'counselor' ? { from: 'counselor', text, name: w.counselor } : { from: 'parent', text });
  renderFollows();
}

/** A note or hint on a followed chat; our own echo empties its box. */
function followNote(f, kind) {
  const w = S.follows.get(String(f.chat));
  if (!w) return;
  const n = { from: String(f.from || ''), text: String(f.text || ''), kind };
  w.notes.push(n);
  const sentKey = kind === 'hint' ? 'hintSent' : 'noteSent';
  const box = w.els && (kind === 'hint' ? w.els.hintText : w.els.noteText);
  if (w[sentKey] && w[sentKey] === n.text) {
    w[sentKey] = '';
    if (box && box.value.trim() === n.text) box.value = '';
  } else if (n.from && n.from !== S.myName) {
    announce(t(kind === 'hint' ? 'hintFrom' : 'noteBy', n.from) + n.text);
  }
  renderFollows();
}

/** chat_ended on a followed chat: the parent left; the holder still has to close it. */
function followEnded(f) {
  const w = S.follows.get(String(f.chat));
  if (!w || w.parentGone) return;
  w.parentGone = true;
  w.messages.push({ from: 'system', key: 'followParentGone' });
  renderFollows();
}

/** Drops a follow view; status (a function, for a language switch) is said in #follow-status. */
function removeFollow(id, status) {
  const w = S.follows.get(id);
  if (!w) return;
  const hadFocus = !!w.els && w.els.li.contains(document.activeElement);
  S.follows.delete(id);
  if (S.followPending === id) S.followPending = '';
  if (status) S.followStatus = status;
  renderFollows();
  renderOverview();
  if (hadFocus) {
    const next = document.querySelector('#follow-list .follow-heading');
    (next || $('follow-title')).focus();
  }
}

function sendFollowText(w, kind) {
  const box = kind === 'hint' ? w.els.hintText : w.els.noteText;
  const text = box.value.trim();
  if (!text) { showAlert(t(kind === 'hint' ? 'hintEmpty' : 'noteEmpty')); box.focus(); return; }
  if ([...text].length > MAX_CHARS || utf8Length(text) > MAX_BYTES) { showAlert(t(kind === 'hint' ? 'hintTooLong' : 'noteTooLong')); return; }
  if (!send({ type: kind, chat: w.id, text })) return;
  w[kind === 'hint' ? 'hintSent' : 'noteSent'] = text;
  box.value = text; // trimmed, so the echo can be recognised and the box emptied
}

function setConfirming(w, on, focus) {
  w.confirming = on;
  renderFollows();
  if (!focus) return;
  if (on) w.els.confirmText.focus(); else w.els.takeOver.focus();
}

function takeOver(w) {
  if (w.takingOver) return;
  if (!send({ type: 'take_over', chat: w.id })) return;
  S.takeOverPending = w.id;
  w.takingOver = true;
  renderFollows();
}

/** Builds the elements of one followed chat once; updateFollow fills in the texts. */
function buildFollow(w) {
  const base = 'follow-' + w.id.replace(/[^A-Za-z0-9_-]/g, '_');
  const E = {};
  E.heading = el('h3', { id: base + '-h', class: 'follow-heading', tabindex: '-1' });
  E.meta = el('p', { class: 'chat-meta' });
  E.invisible = el('p', { class: 'follow-invisible' }, [el('span', { class: 'eye-icon eye-closed', 'aria-hidden': 'true' }), el('span')]);
  E.urgent = el('p', { class: 'triage-urgent', hidden: true });
  E.first = el('p', { class: 'first-line', hidden: true });
  E.triage = el('div', { class: 'triage', hidden: true }, [E.urgent, E.first]);
  E.transcript = el('div', { class: 'transcript follow-transcript', role: 'log', 'aria-live': 'polite', 'aria-labelledby': base + '-h', tabindex: '0' });
  E.notesTitle = el('h4', { id: base + '-nt' });
  E.notesList = el('ul', { class: 'notes-list' });
  E.notesEmpty = el('p', { class: 'muted small' });
  E.hintLabel = el('label', { for: base + '-hint' });
  E.hintText = el('textarea', { id: base + '-hint', class: 'hint-text', rows: '2', 'aria-describedby': base + '-hint-help' });
  E.hintHelp = el('p', { id: base + '-hint-help', class: 'muted small' });
  E.hintSend = el('button', { type: 'submit', class: 'btn btn-primary hint-send' });
  E.hintForm = el('form', { class: 'note-form hint-form' }, [E.hintLabel, E.hintText, el('div', { class: 'reply-row' }, [E.hintHelp, E.hintSend])]);
  E.noteLabel = el('label', { for: base + '-note' });
  E.noteText = el('textarea', { id: base + '-note', class: 'follow-note-text', rows: '2' });
  E.noteAdd = el('button', { type: 'submit', class: 'btn note-add' });
  E.noteForm = el('form', { class: 'note-form' }, [E.noteLabel, E.noteText, el('div', { class: 'reply-row' }, [E.noteAdd])]);
  E.notes = el('section', { class: 'notes', 'aria-labelledby': base + '-nt' }, [E.notesTitle, E.notesList, E.notesEmpty, E.hintForm, E.noteForm]);
  E.unfollow = el('button', { type: 'button', class: 'btn unfollow' });
  E.takeOver = el('button', { type: 'button', class: 'btn btn-danger take-over', 'aria-expanded': 'false', 'aria-controls': base + '-confirm' });
  E.confirmText = el('p', { id: base + '-confirm-text', class: 'confirm-text', tabindex: '-1' });
  E.confirmYes = el('button', { type: 'button', class: 'btn btn-danger take-over-confirm' });
  E.confirmNo = el('button', { type: 'button', class: 'btn take-over-cancel' });
  E.confirm = el('div', { id: base + '-confirm', class: 'take-over-box', role: 'group', 'aria-labelledby': base + '-confirm-text', hidden: true },
    [E.confirmText, el('div', { class: 'inline' }, [E.confirmYes, E.confirmNo])]);
  E.li = el('li', { class: 'follow-item', 'data-chat': w.id }, [
    el('article', { 'aria-labelledby': base + '-h' }, [
      el('div', { class: 'follow-head' }, [E.heading, E.meta]),
      E.invisible, E.triage,
      el('div', { class: 'follow-body' }, [E.transcript, E.notes]),
      el('div', { class: 'inline follow-actions' }, [E.unfollow, E.takeOver]),
      E.confirm,
    ]),
  ]);
  E.hintForm.addEventListener('submit', (e) => { e.preventDefault(); sendFollowText(w, 'hint'); });
  E.noteForm.addEventListener('submit', (e) => { e.preventDefault(); sendFollowText(w, 'note'); });
  E.unfollow.addEventListener('click', () => send({ type: 'unfollow', chat: w.id }));
  E.takeOver.addEventListener('click', () => setConfirming(w, !w.confirming, true));
  E.confirmNo.addEventListener('click', () => setConfirming(w, false, true));
  E.confirmYes.addEventListener('click', () => takeOver(w));
  E.confirm.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); setConfirming(w, false, true); } });
  w.els = E;
  w.rebuild = true;
}

/** One line of a followed chat's transcript: the counsellor's lines carry their name. */
function followRow(m) {
  if (m.from === 'system') return el('div', { class: 'msg msg-system' }, [el('span', { class: 'msg-text', text: t(m.key) })]);
  const co = m.from === 'counselor';
  return el('div', { class: 'msg ' + (co ? 'msg-co' : 'msg-parent') }, [
    el('span', { class: co ? 'msg-who' : 'sr-only', text: co ? t('saysCounselor', m.name) : t('saysParent') }),
    el('span', { class: 'msg-text', text: m.text }),
  ]);
}

/** New lines are appended (the log reads them); a new history or language rebuilds it quietly. */
function renderFollowTranscript(w) {
  const box = w.els.transcript;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  if (w.rebuild || box.children.length > w.messages.length) {
    w.rebuild = false;
    box.setAttribute('aria-live', 'off');
    box.replaceChildren(...w.messages.map(followRow));
    setTimeout(() => box.setAttribute('aria-live', 'polite'), 100);
    box.scrollTop = box.scrollHeight;
    return;
  }
  if (box.children.length < w.messages.length) {
    box.append(...w.messages.slice(box.children.length).map(followRow));
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Puts the texts (in the console's language) and state of one followed chat on its elements. */
function updateFollow(w) {
  const E = w.els;
  setText(E.heading, t('followHeading', w.counselor, w.parent));
  setText(E.meta, t('meta', audienceLabel(w.audience), langLabel(w.lang)));
  setText(E.invisible.lastChild, t('followInvisible', w.counselor));
  fillTriage(w, E.triage, E.urgent, E.first);
  renderFollowTranscript(w);
  setText(E.notesTitle, t('followNotesTitle'));
  E.notesList.replaceChildren(...w.notes.map(noteItem));
  E.notesEmpty.hidden = w.notes.length > 0;
  setText(E.notesEmpty, t('notesEmpty'));
  setText(E.hintLabel, t('hintLabel', w.counselor));
  setText(E.hintHelp, t('hintHelp'));
  setText(E.hintSend, t('hintSend'));
  setText(E.noteLabel, t('noteLabel'));
  setText(E.noteAdd, t('noteAdd'));
  setText(E.unfollow, t('unfollow'));
  E.unfollow.setAttribute('aria-label', t('unfollowLabel', w.counselor, w.parent));
  setText(E.takeOver, t('takeOver'));
  E.takeOver.setAttribute('aria-label', t('takeOverLabel', w.counselor, w.parent));
  E.takeOver.setAttribute('aria-expanded', String(w.confirming));
  E.confirm.hidden = !w.confirming;
  setText(E.confirmText, t('takeOverText', S.myName || (S.me && S.me.name) || '', w.counselor));
  setText(E.confirmYes, t(w.takingOver ? 'takingOver' : 'takeOverConfirm'));
  setText(E.confirmNo, t('cancel'));
  if (w.takingOver) E.confirmYes.setAttribute('aria-disabled', 'true'); else E.confirmYes.removeAttribute('aria-disabled');
}

/** Supervisors: the chats they follow, keyed by chat id so focus and drafts survive updates. */
function renderFollows() {
  const box = $('following');
  box.hidden = !S.supervisor || !S.me;
  if (box.hidden) return;
  const list = $('follow-list');
  const existing = new Map([...list.children].map((li) => [li.dataset.chat, li]));
  let i = 0;
  for (const w of S.follows.values()) {
    if (!w.els) buildFollow(w);
    existing.delete(w.id);
    if (list.children[i] !== w.els.li) list.insertBefore(w.els.li, list.children[i] || null);
    updateFollow(w);
    i++;
  }
  for (const li of existing.values()) li.remove();
  $('follow-empty').hidden = S.follows.size > 0;
  setText($('follow-count'), S.follows.size ? `(${S.follows.size})` : '');
  setText($('follow-status'), S.followStatus ? S.followStatus() : '');
}

// ---- concern for a child ------------------------------------------------------------------------------

/**
 * A chat's concern state: consent: 'none' | 'waiting' | 'accepted' | 'declined', the case
 * reference once accepted, the last refusal from the server, and the drafts of the summary
 * and the mandatory report (kept in this page only, per chat).
 */
function newConcern() {
  return {
    consent: 'none', reference: '', consentError: '', summary: '',
    report: { what: '', why: '', identifying: '', told: '', how: '' }, reportOpen: false, reportSent: false,
  };
}

const REPORT_FIELDS = [['what', 'report-what'], ['why', 'report-why'], ['identifying', 'report-identifying'], ['how', 'report-how']];

function saveConcernDraft(c) {
  if (!c || !c.concern) return;
  c.concern.summary = $('consent-summary').value;
  for (const [k, id] of REPORT_FIELDS) c.concern.report[k] = $(id).value;
  const told = document.querySelector('input[name="report-told"]:checked');
  c.concern.report.told = told ? told.value : '';
  c.concern.reportOpen = !$('report-form').hidden;
}

function loadConcernDraft(c) {
  const k = c.concern || (c.concern = newConcern());
  $('consent-summary').value = k.summary;
  for (const [key, id] of REPORT_FIELDS) $(id).value = k.report[key];
  for (const r of document.querySelectorAll('input[name="report-told"]')) r.checked = r.value === k.report.told;
  clearFieldErrors();
  $('report-error').textContent = '';
  setReportFormOpen(k.reportOpen, false);
}

function clearFieldErrors() {
  for (const id of ['consent-summary', 'report-what', 'report-why']) setFieldError(id, '');
  setToldError('');
}

/** Shows msg beside the field id (its id-error element) and marks the field invalid. */
function setFieldError(id, msg) {
  const input = $(id);
  $(id + '-error').textContent = msg;
  if (msg) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
}

function setToldError(msg) {
  $('report-told-error').textContent = msg;
  for (const r of document.querySelectorAll('input[name="report-told"]')) {
    if (msg) r.setAttribute('aria-invalid', 'true'); else r.removeAttribute('aria-invalid');
  }
}

/** The concern panel of the selected chat: consent status, report status. */
function renderConcern() {
  const c = S.chats.get(S.selected);
  const k = c && c.concern;
  const status = $('consent-status');
  let text = '';
  if (k && k.consent === 'waiting') text = t('consentWaiting');
  else if (k && k.consent === 'accepted') text = k.reference ? t('consentAccepted', k.reference) : t('consentAcceptedNoRef');
  else if (k && k.consent === 'declined') text = t('consentDeclined');
  if (status.textContent !== text) status.textContent = text;
  status.classList.toggle('is-done', !!k && (k.consent === 'accepted' || k.consent === 'declined'));
  const err = k ? k.consentError : '';
  if ($('consent-error').textContent !== err) $('consent-error').textContent = err;
  const rs = k && k.reportSent ? t('reportSent') : '';
  if ($('report-status').textContent !== rs) $('report-status').textContent = rs;
}

function openConcern() {
  const c = S.chats.get(S.selected);
  if (!c) return;
  $('concern-panel').hidden = false;
  $('concern').setAttribute('aria-expanded', 'true');
  renderConcern();
  loadGuidance();
  $('concern-title').focus();
}

/** Hides the panel; focus goes back to the button when asked. */
function closeConcern(focusButton) {
  $('concern-panel').hidden = true;
  $('concern').setAttribute('aria-expanded', 'false');
  if (focusButton) $('concern').focus();
}

/** GET /api/concern/guidance in the console's language, cached per language. */
async function loadGuidance() {
  const l = lang;
  const have = S.guidance.get(l);
  if (have && have !== 'failed') { renderGuidance(); return; }
  S.guidance.set(l, 'loading');
  renderGuidance();
  try {
    const res = await api('GET', '/api/concern/guidance?lang=' + encodeURIComponent(l));
    if (res.status === 401) { showLogin(t('sessionExpired')); return; }
    if (!res.ok || !res.data || typeof res.data !== 'object') throw new Error('guidance');
    S.guidance.set(l, res.data);
  } catch {
    S.guidance.set(l, 'failed');
  }
  if (l === lang) renderGuidance();
}

/** A tel: link for a phone number given as text (digits and a leading +). */
function telHref(value) {
  const v = String(value || '').trim();
  if (!/^\+?[\d\s\-()]{2,}$/.test(v)) return '';
  return 'tel:' + v.replace(/[^\d+]/g, '');
}

/** An href we are willing to render: tel:, mailto: and https: only. */
function safeHref(href) {
  try {
    const u = new URL(String(href || ''), location.href);
    return ['tel:', 'mailto:', 'https:'].includes(u.protocol) ? String(href) : '';
  } catch { return ''; }
}

/** Text, a list of texts, a list of {title, text}, or an object of named paths: as elements. */
function guidanceBlock(v) {
  if (v === null || v === undefined || v === '') return [];
  if (typeof v === 'string' || typeof v === 'number') {
    return String(v).split(/\n{2,}/).map((para) => el('p', { text: para }));
  }
  const item = (title, text) => el('li', {}, [
    title ? el('strong', { text: String(title) }) : null,
    title && text ? ': ' : null,
    text ? String(text) : null,
  ]);
  if (Array.isArray(v)) {
    return [el('ul', { class: 'guidance-list' }, v.map((x) => (x && typeof x === 'object'
      ? item(x.title || x.name || x.label || x.kind || '', x.text || x.description || x.body || x.what || '')
      : item('', x))))];
  }
  if (typeof v === 'object') {
    return [el('ul', { class: 'guidance-list' }, Object.entries(v).map(([key, text]) => item(
      DICT.sv['path_' + key] ? t('path_' + key) : key,
      text && typeof text === 'object' ? (text.text || text.description || '') : text,
    )))];
  }
  return [];
}

function renderGuidance() {
  const box = $('concern-guidance');
  const g = S.guidance.get(lang);
  box.setAttribute('aria-busy', g === 'loading' ? 'true' : 'false');
  if (!g || g === 'loading') { box.replaceChildren(el('p', { class: 'muted', text: t('guidanceLoading') })); return; }
  if (g === 'failed') {
    box.replaceChildren(el('p', { class: 'form-error' }, [
      t('guidanceFailed') + ' ', el('a', { href: 'tel:112', text: '112' }),
    ]));
    return;
  }
  const parts = [];
  if (g.duty) parts.push(el('h4', { text: t('guidanceDuty') }), ...guidanceBlock(g.duty));
  if (g.paths) parts.push(el('h4', { text: t('guidancePaths') }), ...guidanceBlock(g.paths));
  const contacts = [];
  for (const e of Array.isArray(g.emergency) ? g.emergency : []) {
    if (!e) continue;
    const value = String(e.value || e.phone || '');
    const href = safeHref(e.href) || telHref(value);
    const label = typeof e.label === 'object' && e.label ? (e.label[lang] || e.label.sv || '') : String(e.label || '');
    contacts.push(el('li', {}, [
      label ? el('span', { class: 'contact-label', text: label + ': ' }) : null,
      href ? el('a', { href, text: value || href.replace(/^tel:/, '') }) : el('span', { text: value }),
    ]));
  }
  const ss = g.social_services;
  if (ss && (ss.name || ss.phone)) {
    const href = telHref(ss.phone);
    contacts.push(el('li', {}, [
      el('span', { class: 'contact-label', text: String(ss.name || t('guidanceSocial')) + (ss.phone ? ': ' : '') }),
      ss.phone ? (href ? el('a', { href, text: String(ss.phone) }) : el('span', { text: String(ss.phone) })) : null,
    ]));
  }
  if (!contacts.length) contacts.push(el('li', {}, [el('span', { class: 'contact-label', text: t('emergency112') + ': ' }), el('a', { href: 'tel:112', text: '112' })]));
  parts.push(el('h4', { text: t('guidanceEmergency') }), el('ul', { class: 'guidance-contacts' }, contacts));
  box.replaceChildren(...parts);
}

/** Sends consent_request for the selected chat with the counsellor's summary. */
function onConsentSubmit(e) {
  e.preventDefault();
  const c = S.chats.get(S.selected);
  if (!c) return;
  const k = c.concern;
  const summary = $('consent-summary').value.trim();
  k.consentError = '';
  setFieldError('consent-summary', '');
  if (c.state !== 'active') { k.consentError = t('consentNotLive'); renderConcern(); return; }
  if (!summary) { setFieldError('consent-summary', t('consentSummaryMissing')); $('consent-summary').focus(); renderConcern(); return; }
  if ([...summary].length > MAX_SUMMARY) { setFieldError('consent-summary', t('consentSummaryLong')); $('consent-summary').focus(); renderConcern(); return; }
  if (k.consent === 'waiting') { k.consentError = t('consentAlreadyOpen'); renderConcern(); return; }
  if (!send({ type: 'consent_request', chat: c.id, summary })) return;
  S.consentSent = { chat: c.id, at: Date.now(), prev: k.consent, reference: k.reference };
  k.consent = 'waiting';
  k.reference = '';
  c.messages.push({ from: 'system', text: t('consentAskedNote') });
  renderTranscript();
  renderConcern();
}

/**
 * An error frame soon after our consent_request is its refusal (the server sends
 * no acknowledgement otherwise): the server's words go beside the consent button.
 */
function consentRefused(f) {
  const sent = S.consentSent;
  if (!sent || Date.now() - sent.at > CONSENT_ERROR_WINDOW_MS) return false;
  const code = String(f.code || '');
  if (!['bad_state', 'not_your_chat', 'too_large', 'bad_request', 'unknown_type'].includes(code)) return false;
  S.consentSent = null;
  const c = S.chats.get(sent.chat);
  if (!c) { showErrorFrame(f); return true; }
  c.concern.consent = sent.prev === 'waiting' ? 'none' : sent.prev;
  c.concern.reference = sent.reference;
  c.concern.consentError = String(f.message || '') || (DICT.sv['err_' + code] ? t('err_' + code) : t('actionFailed'));
  if (S.selected === c.id) renderConcern();
  else showAlert(c.concern.consentError);
  return true;
}

/** consent_result: the parent answered; shown in the chat and announced. */
function onConsentResult(f) {
  const id = String(f.chat || '');
  const accepted = f.accepted === true;
  const ref = String(f.reference || '');
  if (S.consentSent && S.consentSent.chat === id) S.consentSent = null;
  const c = S.chats.get(id);
  const who = c ? c.parent : t('parent');
  const spoken = accepted ? t('annConsentAccepted', who, ref || '–') : t('annConsentDeclined', who);
  if (!c) { addNotice(() => (accepted ? t('annConsentAccepted', who, ref || '–') : t('annConsentDeclined', who))); return; }
  c.concern.consent = accepted ? 'accepted' : 'declined';
  c.concern.reference = ref;
  c.concern.consentError = '';
  c.messages.push({ from: 'system', text: accepted ? (ref ? t('consentAccepted', ref) : t('consentAcceptedNoRef')) : t('consentDeclined') });
  if (S.selected === c.id) { renderTranscript(); renderConcern(); }
  else { c.unread++; renderChats(); }
  announce(spoken);
}

function setReportFormOpen(open, focus) {
  $('report-form').hidden = !open;
  $('report-open').setAttribute('aria-expanded', String(open));
  if (open && focus) $('report-what').focus();
}

/** POST /api/reports: the draft goes to a supervisor; it is not stored before approval. */
async function onReportSubmit(e) {
  e.preventDefault();
  const c = S.chats.get(S.selected);
  if (!c || S.reportBusy) return;
  const what = $('report-what').value.trim();
  const why = $('report-why').value.trim();
  const toldInput = document.querySelector('input[name="report-told"]:checked');
  clearFieldErrors();
  $('report-error').textContent = '';
  const bad = [];
  if (!what) { setFieldError('report-what', t('reportWhatMissing')); bad.push($('report-what')); }
  if (!why) { setFieldError('report-why', t('reportWhyMissing')); bad.push($('report-why')); }
  if (!toldInput) { setToldError(t('reportToldMissing')); bad.push($('report-told-yes')); }
  if (bad.length) { bad[0].focus(); return; }
  const body = {
    chat: c.id, what, why, identifying: $('report-identifying').value.trim(),
    parent_told: toldInput.value, how_told: $('report-how').value.trim(),
  };
  S.reportBusy = true;
  const submit = $('report-submit');
  submit.setAttribute('aria-disabled', 'true');
  $('report-status').textContent = t('reportSending');
  let res;
  try {
    res = await api('POST', '/api/reports', body);
  } catch {
    res = null;
  }
  S.reportBusy = false;
  submit.removeAttribute('aria-disabled');
  $('report-status').textContent = '';
  if (res && res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (!res || !res.ok) {
    $('report-error').textContent = (res && res.data && res.data.error) || (res ? t('reportFailed') : t('network'));
    return;
  }
  const target = S.chats.get(c.id);
  if (target) {
    target.concern.report = { what: '', why: '', identifying: '', told: '', how: '' };
    target.concern.reportOpen = false;
    target.concern.reportSent = true;
  }
  if (S.selected === c.id) {
    loadConcernDraft(c);
    renderConcern();
    $('report-open').focus();
  }
}

// ---- supervisors: mandatory reports waiting for approval --------------------------------------------------

function startPendingPolling() {
  if (S.pendingTimer || !S.me) return;
  loadPending();
  S.pendingTimer = setInterval(loadPending, PENDING_POLL_MS);
}

function stopPendingPolling() {
  clearInterval(S.pendingTimer);
  S.pendingTimer = 0;
}

/** GET /api/reports/pending (array, or an object holding one). */
async function loadPending() {
  let res;
  try {
    res = await api('GET', '/api/reports/pending');
  } catch {
    $('pending-error').textContent = t('pendingFailed');
    return;
  }
  if (!S.me) return;
  if (res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (res.status === 403) { S.supervisor = false; stopPendingPolling(); renderPending(); return; }
  const list = Array.isArray(res.data) ? res.data
    : res.data && (Array.isArray(res.data.reports) ? res.data.reports : Array.isArray(res.data.pending) ? res.data.pending : null);
  if (!res.ok || !list) { $('pending-error').textContent = t('pendingFailed'); return; }
  $('pending-error').textContent = '';
  S.pending = list.filter((r) => r && r.id !== undefined && r.id !== null).map((r) => ({ ...r, id: String(r.id) }));
  S.pendingLoaded = true;
  renderPending();
}

function authorOf(r) {
  return String(r.author_name || r.author || r.counselor || r.by || '') || t('pendingUnknownAuthor');
}

function fmtTime(v) {
  const d = new Date(v || '');
  if (!v || isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** One pending report, with its whole text and the approve / send back controls. */
function pendingItem(r) {
  const id = r.id;
  const safe = id.replace(/[^A-Za-z0-9_-]/g, '_');
  const who = authorOf(r);
  const when = fmtTime(r.created || r.created_at || r.at);
  const told = String(r.parent_told || '');
  const rows = [
    ['fieldWhat', r.what], ['fieldWhy', r.why], ['fieldIdentifying', r.identifying],
    ['fieldTold', told ? (DICT.sv['told_' + told] ? t('told_' + told) : told) : ''], ['fieldHow', r.how_told],
  ];
  if (r.chat_pseudonym || r.parent) rows.unshift(['fieldChat', r.chat_pseudonym || r.parent]);
  const dl = el('dl', { class: 'report-text' });
  for (const [key, value] of rows) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(el('dt', { text: t(key) }), el('dd', { text: String(value) }));
  }
  const own = S.me && r.author && String(r.author) === String(S.me.username);
  const approve = el('button', { type: 'button', class: 'btn btn-primary approve-report', 'data-id': id, 'aria-label': t('approveLabel', who), text: t('approve') });
  const reject = el('button', { type: 'button', class: 'btn reject-report', 'data-id': id, 'aria-expanded': 'false', 'aria-controls': 'reject-form-' + safe, 'aria-label': t('rejectLabel', who), text: t('reject') });
  const reasonId = 'reject-reason-' + safe;
  const reason = el('textarea', { id: reasonId, class: 'reject-reason', rows: '2', required: true, 'aria-describedby': reasonId + '-error' });
  const rejectForm = el('form', { id: 'reject-form-' + safe, class: 'reject-form', novalidate: true, hidden: true }, [
    el('div', { class: 'field' }, [
      el('label', { for: reasonId, text: t('rejectReason') }), reason,
      el('p', { id: reasonId + '-error', class: 'field-error' }),
    ]),
    el('div', { class: 'inline' }, [
      el('button', { type: 'submit', class: 'btn btn-danger reject-confirm', text: t('rejectConfirm') }),
      el('button', { type: 'button', class: 'btn reject-cancel', text: t('cancel') }),
    ]),
  ]);
  const headingId = 'pending-h-' + safe;
  const li = el('li', { class: 'pending-item', 'data-id': id, 'data-lang': lang }, [
    el('article', { 'aria-labelledby': headingId }, [
      el('h3', { id: headingId, text: t('pendingHeading', who) }),
      when ? el('p', { class: 'muted small', text: t('pendingWritten', when) }) : null,
      dl,
      own ? el('p', { class: 'notice', text: t('pendingOwn') }) : null,
      el('p', { class: 'form-error item-error', role: 'alert' }),
      el('div', { class: 'inline' }, [approve, reject]),
      rejectForm,
    ]),
  ]);
  approve.addEventListener('click', () => approveReport(id, li));
  reject.addEventListener('click', () => toggleReject(li, true));
  rejectForm.querySelector('.reject-cancel').addEventListener('click', () => toggleReject(li, false));
  rejectForm.addEventListener('submit', (e) => { e.preventDefault(); rejectReport(id, li); });
  return li;
}

function toggleReject(li, open) {
  const form = li.querySelector('.reject-form');
  const btn = li.querySelector('.reject-report');
  form.hidden = !open;
  btn.setAttribute('aria-expanded', String(open));
  if (open) form.querySelector('.reject-reason').focus(); else btn.focus();
}

/** The pending list, keyed by id so focus and a half-written reason survive each poll. */
function renderPending() {
  const box = $('pending-reports');
  box.hidden = !S.supervisor || !S.me;
  if (box.hidden) return;
  const list = $('pending-list');
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  S.pending.forEach((r, i) => {
    let li = existing.get(r.id);
    if (li && li.dataset.lang !== lang) {
      // A language switch: rebuild, keeping a reason being written.
      const reason = li.querySelector('.reject-reason').value;
      const open = !li.querySelector('.reject-form').hidden;
      const fresh = pendingItem(r);
      fresh.querySelector('.reject-reason').value = reason;
      fresh.querySelector('.reject-form').hidden = !open;
      fresh.querySelector('.reject-report').setAttribute('aria-expanded', String(open));
      li.replaceWith(fresh);
      li = fresh;
    }
    if (!li) li = pendingItem(r);
    existing.delete(r.id);
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  for (const [id, li] of existing) {
    if (S.pendingBusy.has(id)) continue; // an answer is on its way; it removes the item itself
    removePendingItem(li);
  }
  $('pending-empty').hidden = !S.pendingLoaded || list.children.length > 0;
  $('pending-count').textContent = list.children.length ? `(${list.children.length})` : '';
}

function removePendingItem(li) {
  const hadFocus = li.contains(document.activeElement);
  li.remove();
  if (hadFocus) {
    const next = document.querySelector('#pending-list .approve-report');
    (next || $('pending-title')).focus();
  }
}

async function pendingAction(id, li, path, body, onOk) {
  if (S.pendingBusy.has(id)) return;
  S.pendingBusy.add(id);
  const err = li.querySelector('.item-error');
  err.textContent = '';
  $('pending-status').textContent = t('working');
  let res;
  try {
    res = await api('POST', path, body);
  } catch {
    res = null;
  }
  S.pendingBusy.delete(id);
  $('pending-status').textContent = '';
  if (res && res.status === 401) { showLogin(t('sessionExpired')); return; }
  if (!res || !res.ok) {
    // 403 on one's own report, 404 when someone else already decided: the server's words.
    err.textContent = (res && res.data && res.data.error) || (res ? t('actionFailed') : t('network'));
    if (res && res.status === 404) loadPending();
    return;
  }
  S.pending = S.pending.filter((r) => r.id !== id);
  $('pending-status').textContent = onOk(res);
  removePendingItem(li);
  renderPending();
}

function approveReport(id, li) {
  pendingAction(id, li, '/api/reports/' + encodeURIComponent(id) + '/approve', undefined,
    (res) => (res.data && res.data.reference ? t('approved', String(res.data.reference)) : t('approvedNoRef')));
}

function rejectReport(id, li) {
  const box = li.querySelector('.reject-reason');
  const msg = li.querySelector('#' + CSS.escape(box.id + '-error'));
  const reason = box.value.trim();
  if (!reason) {
    msg.textContent = t('rejectReasonMissing');
    box.setAttribute('aria-invalid', 'true');
    box.focus();
    return;
  }
  msg.textContent = '';
  box.removeAttribute('aria-invalid');
  pendingAction(id, li, '/api/reports/' + encodeURIComponent(id) + '/reject', { reason }, () => t('rejected'));
}

// ---- case notices (case_status and report decisions) ---------------------------------------------------

/** Adds a dismissable notice and says it aloud. text is a function, for a language switch. */
function addNotice(text) {
  const id = ++S.noticeSeq;
  S.notices.push({ id, text });
  renderNotices();
  announce(text());
}

function renderNotices() {
  const list = $('case-notices');
  list.hidden = S.notices.length === 0;
  list.replaceChildren(...S.notices.map((n) => {
    const btn = el('button', { type: 'button', class: 'btn btn-small', text: t('dismiss'), 'aria-label': t('dismiss') + ': ' + n.text() });
    btn.addEventListener('click', () => dismissNotice(n.id));
    return el('li', { class: 'case-notice', 'data-id': String(n.id) }, [el('span', { text: n.text() }), btn]);
  }));
}

function dismissNotice(id) {
  const i = S.notices.findIndex((n) => n.id === id);
  S.notices.splice(i, 1);
  renderNotices();
  const next = document.querySelector('#case-notices button');
  (next || $('main')).focus();
}

// ---- wiring ------------------------------------------------------------------------------------------------

function wire() {
  $('lang').addEventListener('click', () => setLang(otherLang(lang)));
  wireLogin({ t, onLogin: (me) => { clearAlert(); showConsole(me); } });
  $('logout').addEventListener('click', onLogout);
  $('alert-close').addEventListener('click', clearAlert);
  $('available').addEventListener('change', (e) => {
    const on = e.target.checked;
    if (!send({ type: 'available', on })) { e.target.checked = S.available; return; }
  });
  $('debrief').addEventListener('change', (e) => {
    if (!send({ type: 'debrief', on: e.target.checked })) e.target.checked = S.debrief;
  });
  $('break-debrief').addEventListener('click', goToDebrief);
  $('break-close').addEventListener('click', closeBreak);
  $('take-next').addEventListener('click', () => accept(null));
  $('reply-form').addEventListener('submit', (e) => { e.preventDefault(); sendReply(); });
  $('reply').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendReply(); }
  });
  $('reply').addEventListener('input', onReplyInput);
  $('note-form').addEventListener('submit', (e) => { e.preventDefault(); sendNote(); });
  $('canned').addEventListener('change', onCanned);
  $('transfer-to').addEventListener('change', renderControls);
  $('transfer').addEventListener('click', onTransfer);
  $('close-chat').addEventListener('click', () => ($('close-form').hidden ? openCloseForm() : cancelClose()));
  $('close-cancel').addEventListener('click', cancelClose);
  $('close-form').addEventListener('submit', onCloseSubmit);
  $('topics').addEventListener('change', updateCloseConfirm);
  $('concern').addEventListener('click', () => ($('concern-panel').hidden ? openConcern() : closeConcern(true)));
  $('concern-close').addEventListener('click', () => closeConcern(true));
  $('consent-form').addEventListener('submit', onConsentSubmit);
  $('consent-summary').addEventListener('input', () => {
    if ($('consent-summary').hasAttribute('aria-invalid') && $('consent-summary').value.trim()) setFieldError('consent-summary', '');
  });
  $('report-open').addEventListener('click', () => {
    const open = $('report-form').hidden;
    setReportFormOpen(open, open);
    const c = S.chats.get(S.selected);
    if (c && open) { c.concern.reportSent = false; renderConcern(); }
  });
  $('report-cancel').addEventListener('click', () => { setReportFormOpen(false); $('report-open').focus(); });
  $('report-form').addEventListener('submit', onReportSubmit);
  for (const id of ['report-what', 'report-why']) {
    $(id).addEventListener('input', () => { if ($(id).value.trim()) setFieldError(id, ''); });
  }
  $('report-told-group').addEventListener('change', () => setToldError(''));
  setInterval(tick, 1000);
}

/** Entry point: GET /api/me decides between the login and the console. */
async function main() {
  wire();
  applyLang();
  await startSession({ t, onReady: showConsole, onLogin: showLogin });
}

main();
