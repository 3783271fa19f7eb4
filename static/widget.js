/*
 * Parentline chat widget: the anonymous parent chat, embedded on a
 * municipality's page with one tag: <script src="https://HOST/widget.js" defer></script>
 *
 * Optional attributes on that tag: data-lang="sv|en", data-exit-url="https://…".
 * Privacy: the widget sets no cookie and stores nothing but the newest resume
 * token, in sessionStorage under "parentline.resume". All its DOM lives in
 * #parentline-widget; every class starts with "pl-".
 *
 * Launcher: /api/status says "launcher":"always" (the chat launcher is always
 * shown) or "staffed": while nobody is on duty the widget shows no way to start
 * a chat, only a small "the chat is closed" button that opens the opening hours
 * and the other ways to get help, and it asks /api/status again now and then
 * until someone is. A parent with a chat running always gets the launcher.
 */
(function () {
  'use strict';

  if (document.getElementById('parentline-widget')) return; // loaded twice

  const KEY = 'parentline.resume';
  const MAX_CHARS = 4000;
  const MAX_BYTES = 4096;
  const MAX_FIRST = 300; // the optional first line ("Vad vill du prata om?")
  const TYPING_SEND_MS = 2000;
  const TYPING_SHOW_MS = 4000;
  const RESUME_WINDOW_MS = 120000;
  const STATUS_POLL_MS = 30000;      // re-ask /api/status this often while nobody is on duty ("staffed" mode)
  const STATUS_POLL_MAX_MS = 300000; // … backing off to this after failed fetches
  const STATUS_GAP_MS = 2000;        // at least this long between fetches on focus or visibility
  const STATUS_TIMEOUT_MS = 10000;   // a status fetch that takes longer is given up
  const FIRST_STATUS_MS = 3000;      // show the launcher after this long if the first status has not come
  const MAX_CLOSED_DAYS = 5;         // upcoming closed days listed under the opening hours

  /** The tag that loaded us; currentScript works for classic (also deferred) scripts. */
  const SCRIPT = document.currentScript ||
    Array.from(document.scripts).find((s) => /\/widget\.js(\?|#|$)/.test(s.src)) || null;
  const ORIGIN = originOf(SCRIPT);
  const WS_URL = ORIGIN.replace(/^http/, 'ws') + '/ws/parent';
  const EXIT_URL = safeUrl(SCRIPT && SCRIPT.dataset.exitUrl, ['http:', 'https:']) || ORIGIN + '/neutral';

  const DICT = {
    sv: {
      launcher: 'Chatta med oss', launcherActive: 'Öppna chatten',
      unread: (n) => n === 1 ? '1 nytt meddelande' : n + ' nya meddelanden',
      title: 'Föräldrachatten', otherLang: 'English', otherLangCode: 'en', minimise: 'Minimera chatten',
      exit: 'Lämna sidan snabbt',
      smallprint: 'Snabbt ut: tryck Esc två gånger eller använd knappen ”Lämna sidan snabbt”. Då stängs chatten och du kommer till en neutral sida.',
      anonTitle: 'Du är anonym',
      anon: 'Du är anonym. Du behöver inte berätta vem du är eller lämna några uppgifter. Chatten sparas inte – vi räknar bara anonymt vilka ämnen föräldrar frågar om. En arbetsledare kan läsa med i chatten för att hålla kvaliteten på rådgivningen uppe. Om du berättar vem du är och vi blir oroliga för att ett barn far illa, är vi enligt lag skyldiga att göra en orosanmälan till socialtjänsten.',
      audience: 'Vilken del gäller din fråga?', young: 'Yngre barn', teen: 'Äldre barn och tonåringar',
      start: 'Starta chatten',
      firstLabel: 'Vad vill du prata om?', firstOptional: '(frivilligt)',
      firstHint: 'Skriv gärna en rad om vad det gäller. Det hjälper rådgivaren att se om det är bråttom. Det sparas inte.',
      firstCount: (n) => n + ' av ' + MAX_FIRST + ' tecken',
      firstTooLong: 'Texten är för lång. Den får vara högst ' + MAX_FIRST + ' tecken.',
      chooseAudience: 'Välj vilken del din fråga gäller innan du startar chatten.',
      statusLoading: 'Hämtar chattens öppettider…',
      statusOpen: 'Chatten är öppen. Välkommen att skriva till oss!',
      statusUnstaffed: 'Ingen rådgivare är ledig just nu. Du kan ställa dig i kö ändå, eller vända dig till någon av kontakterna nedan.',
      statusClosed: 'Chatten är stängd just nu.',
      closedBtn: 'Chatten är stängd just nu',
      closedUnstaffed: 'Ingen rådgivare är ledig just nu, så det går inte att chatta. Försök gärna igen senare, eller vänd dig till någon av kontakterna nedan.',
      statusFailed: 'Vi kunde inte hämta chattens öppettider just nu. Du kan ändå försöka starta chatten.',
      hours: 'Öppettider', nextOpen: (d) => 'Chatten öppnar igen ' + d + '.',
      closedDay: (d, note) => 'Stängt ' + d + (note ? ' (' + note + ')' : ''),
      contacts: 'Behöver du prata med någon nu?', everyDay: 'alla dagar', allDay: 'dygnet runt',
      days: ['mån', 'tis', 'ons', 'tor', 'fre', 'lör', 'sön'], connecting: 'Ansluter…',
      reconnecting: 'Återansluter…', queuePos: (n) => 'Du är nummer ' + n + ' i kön.',
      queueWait: 'Vänta kvar, en rådgivare svarar så snart som möjligt. Du kan minimera chatten under tiden.',
      eta: (m) => 'Beräknad väntetid: cirka ' + m + ' min.',
      queueUnstaffed: 'Ingen rådgivare är ledig just nu, så det kan dröja. Om du behöver hjälp direkt kan du vända dig till:',
      queueUnstaffedShort: 'Ingen rådgivare är ledig just nu, så det kan dröja.', queueIn: 'Du står i kön.',
      leaveQueue: 'Lämna kön', with: (name) => 'Du chattar med ' + name,
      withUnknown: 'Du chattar med en rådgivare', joinedNote: (name) => name + ' har anslutit till chatten.',
      transferNote: (name) => 'Du chattar nu med ' + name + '.', log: 'Meddelanden', you: 'Du: ',
      counselorSays: (name) => name + ': ', counselor: 'Rådgivaren', typing: (name) => name + ' skriver…',
      sending: 'Skickar…', notSent: 'Inte skickat', inputLabel: 'Skriv ditt meddelande',
      inputHint: 'Enter skickar, Skift + Enter ger ny rad.', count: (n) => n + ' av ' + MAX_CHARS + ' tecken',
      send: 'Skicka', end: 'Avsluta chatten',
      endQuestion: 'Vill du avsluta chatten? Det ni har skrivit försvinner.',
      endYes: 'Ja, avsluta', endNo: 'Nej, fortsätt', endedTitle: 'Chatten är avslutad',
      ended_counselor_closed: 'Rådgivaren har avslutat chatten.',
      ended_parent_ended: 'Du har avslutat chatten.',
      ended_timeout: 'Chatten avslutades eftersom det har varit tyst en längre stund.',
      ended_lost: 'Anslutningen bröts och chatten kunde inte återupptas.',
      ended_other: 'Chatten har avslutats.',
      endedNote: 'Tack för att du hörde av dig. Inget av det ni skrev sparas.',
      newChat: 'Starta en ny chatt',
      tooLong: 'Meddelandet är för långt. Det får vara högst ' + MAX_CHARS + ' tecken.',
      notConnected: 'Chatten är inte ansluten just nu. Vänta en stund och försök igen.',
      connectFailed: 'Det gick inte att ansluta till chatten. Försök igen om en stund.',
      err_too_fast: 'Du skickar meddelanden för snabbt. Meddelandet skickades inte – vänta en stund och försök igen.',
      err_too_large: 'Meddelandet är för långt och skickades inte.',
      err_empty: 'Meddelandet är tomt.', err_closed: 'Chatten är stängd just nu.',
      err_invalid_token: 'Den tidigare chatten finns inte längre. Du kan starta en ny chatt.',
      err_already_connected: 'Chatten är öppen i ett annat fönster. Vi försöker igen strax…',
      err_bad_state: 'Det gick inte just nu. Försök igen.',
      err_bad_request: 'Något blev fel i förfrågan. Försök igen.',
      cTitle: 'Fråga om samtycke',
      cIntro: (unit) => 'Rådgivaren frågar om du vill att dina uppgifter lämnas vidare till ' + (unit || 'socialtjänsten') + ', så att du och din familj kan få mer stöd. Du väljer själv. Säger du nej fortsätter chatten anonymt och inget sparas.',
      cFormTitle: 'Det här vill jag lämna',
      cReqNote: 'Allt är frivilligt. Om du samtycker behöver du fylla i fältet märkt med *, så att socialtjänsten kan kontakta dig.',
      cOptional: '(frivilligt)', cName: 'Ditt namn', cContact: 'Telefon eller e-post',
      cContactHint: 'Behövs bara om du samtycker – så att socialtjänsten kan nå dig.',
      cPnr: 'Personnummer', cPnrHint: 'Skriv som ÅÅÅÅMMDD-NNNN. Samordningsnummer går också bra.',
      cChild: 'Barnets förnamn och ålder', cChildHint: 'Till exempel: Sara, 7 år.',
      cHelp: 'Vilken hjälp vill du ha?',
      cAccept: 'Jag samtycker och skickar', cDecline: 'Nej tack – fortsätt anonymt', cSending: 'Skickar…',
      cContactMissing: 'Skriv ett telefonnummer eller en e-postadress om du vill samtycka.',
      cContactBad: 'Det ser inte ut som ett telefonnummer eller en e-postadress. Skriv till exempel 070-123 45 67 eller namn@exempel.se.',
      cPnrBad: 'Personnumret stämmer inte. Skriv det som ÅÅÅÅMMDD-NNNN, eller lämna fältet tomt.',
      cTooLong: 'Texten är för lång. Den får vara högst 500 tecken.',
      cEscHint: 'Svara med någon av knapparna. Vill du lämna sidan snabbt trycker du Esc en gång till direkt.',
      cFailed: 'Det gick inte att skicka svaret. Försök igen.',
      cReceiptTitle: 'Tack – ditt samtycke är registrerat',
      cSaveCode: 'Spara koden – den visas bara nu', cReference: 'Referens', cCode: 'Kod för återkallelse',
      cWithdrawBefore: 'Om du ångrar dig kan du återkalla ditt samtycke på ',
      cWithdrawAfter: ' Där behöver du referensen och koden.', cNewWindow: ' (öppnas i ett nytt fönster)',
      cDone: 'Jag har sparat koden',
      cDeclinedNote: 'Du valde att vara anonym. Inget har sparats.',
      cAcceptedNote: 'Du har gett ditt samtycke. Chatten fortsätter som vanligt.',
      cVoidNote: 'Frågan om samtycke stängdes eftersom chatten avslutades.',
    },
    en: {
      launcher: 'Chat with us', launcherActive: 'Open the chat',
      unread: (n) => n === 1 ? '1 new message' : n + ' new messages',
      title: 'Parent chat', otherLang: 'Svenska', otherLangCode: 'sv', minimise: 'Minimise the chat',
      exit: 'Leave this page quickly',
      smallprint: 'Quick exit: press Esc twice or use the “Leave this page quickly” button. The chat closes and you are taken to a neutral page.',
      anonTitle: 'You are anonymous',
      anon: 'You are anonymous. You do not have to say who you are or give any details. The chat is not saved – we only count, anonymously, which topics parents ask about. A supervisor may read along in the chat to keep the quality of the counselling up. If you tell us who you are and we become worried that a child is being harmed, the law requires us to report our concern to social services.',
      audience: 'Which part is your question about?', young: 'Younger children',
      teen: 'Older children and teenagers', start: 'Start the chat',
      firstLabel: 'What would you like to talk about?', firstOptional: '(optional)',
      firstHint: 'You are welcome to write a line about what it concerns. It helps a counsellor see if it is urgent. It is not saved.',
      firstCount: (n) => n + ' of ' + MAX_FIRST + ' characters',
      firstTooLong: 'The text is too long. It may be at most ' + MAX_FIRST + ' characters.',
      chooseAudience: 'Choose which part your question is about before you start the chat.',
      statusLoading: 'Fetching the chat’s opening hours…',
      statusOpen: 'The chat is open. You are welcome to write to us!',
      statusUnstaffed: 'No counsellor is free right now. You can still join the queue, or contact one of the services below.',
      statusClosed: 'The chat is closed right now.',
      closedBtn: 'The chat is closed right now',
      closedUnstaffed: 'No counsellor is free right now, so the chat is not available. Please try again later, or contact one of the services below.',
      statusFailed: 'We could not fetch the chat’s opening hours right now. You can still try to start the chat.',
      hours: 'Opening hours', nextOpen: (d) => 'The chat opens again ' + d + '.',
      closedDay: (d, note) => 'Closed ' + d + (note ? ' (' + note + ')' : ''),
      contacts: 'Do you need to talk to someone now?', everyDay: 'every day', allDay: 'around the clock',
      days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], connecting: 'Connecting…',
      reconnecting: 'Reconnecting…', queuePos: (n) => 'You are number ' + n + ' in the queue.',
      queueWait: 'Please wait, a counsellor will answer as soon as possible. You can minimise the chat meanwhile.',
      eta: (m) => 'Estimated wait: about ' + m + ' min.',
      queueUnstaffed: 'No counsellor is free right now, so it may take a while. If you need help straight away, you can contact:',
      queueUnstaffedShort: 'No counsellor is free right now, so it may take a while.', queueIn: 'You are in the queue.',
      leaveQueue: 'Leave the queue', with: (name) => 'You are chatting with ' + name,
      withUnknown: 'You are chatting with a counsellor', joinedNote: (name) => name + ' has joined the chat.',
      transferNote: (name) => 'You are now chatting with ' + name + '.',
      log: 'Messages', you: 'You: ', counselorSays: (name) => name + ': ', counselor: 'The counsellor',
      typing: (name) => name + ' is typing…', sending: 'Sending…', notSent: 'Not sent',
      inputLabel: 'Write your message', inputHint: 'Enter sends, Shift + Enter adds a new line.',
      count: (n) => n + ' of ' + MAX_CHARS + ' characters', send: 'Send', end: 'End the chat',
      endQuestion: 'Do you want to end the chat? What you have written will be gone.',
      endYes: 'Yes, end it', endNo: 'No, continue', endedTitle: 'The chat has ended',
      ended_counselor_closed: 'The counsellor has ended the chat.',
      ended_parent_ended: 'You have ended the chat.',
      ended_timeout: 'The chat ended because it has been quiet for a long time.',
      ended_lost: 'The connection was lost and the chat could not be resumed.',
      ended_other: 'The chat has ended.',
      endedNote: 'Thank you for getting in touch. Nothing you wrote is saved.',
      newChat: 'Start a new chat',
      tooLong: 'The message is too long. It may be at most ' + MAX_CHARS + ' characters.',
      notConnected: 'The chat is not connected right now. Wait a moment and try again.',
      connectFailed: 'Could not connect to the chat. Please try again in a moment.',
      err_too_fast: 'You are sending messages too quickly. The message was not sent – wait a moment and try again.',
      err_too_large: 'The message is too long and was not sent.', err_empty: 'The message is empty.',
      err_closed: 'The chat is closed right now.',
      err_invalid_token: 'The previous chat no longer exists. You can start a new chat.',
      err_already_connected: 'The chat is open in another window. Trying again shortly…',
      err_bad_state: 'That did not work just now. Please try again.',
      err_bad_request: 'Something was wrong with the request. Please try again.',
      cTitle: 'A question about consent',
      cIntro: (unit) => 'The counsellor is asking whether you want your details passed on to ' + (unit || 'social services') + ', so that you and your family can get more support. It is your choice. If you say no, the chat continues anonymously and nothing is saved.',
      cFormTitle: 'What I want to give',
      cReqNote: 'Everything is optional. If you consent, please fill in the field marked with *, so that social services can contact you.',
      cOptional: '(optional)', cName: 'Your name', cContact: 'Phone or e-mail',
      cContactHint: 'Needed only if you consent – so that social services can reach you.',
      cPnr: 'Personal identity number (personnummer)',
      cPnrHint: 'Write it as YYYYMMDD-NNNN (ÅÅÅÅMMDD-NNNN). A coordination number also works.',
      cChild: 'The child’s first name and age', cChildHint: 'For example: Sara, 7 years.',
      cHelp: 'What help would you like?',
      cAccept: 'I consent and send', cDecline: 'No thank you – stay anonymous', cSending: 'Sending…',
      cContactMissing: 'Write a phone number or an e-mail address if you want to consent.',
      cContactBad: 'That does not look like a phone number or an e-mail address. Write, for example, 070-123 45 67 or name@example.com.',
      cPnrBad: 'The personal identity number is not valid. Write it as YYYYMMDD-NNNN, or leave the field empty.',
      cTooLong: 'The text is too long. It may be at most 500 characters.',
      cEscHint: 'Please answer with one of the buttons. To leave this page quickly, press Esc once more straight away.',
      cFailed: 'Your answer could not be sent. Please try again.',
      cReceiptTitle: 'Thank you – your consent is registered',
      cSaveCode: 'Save the code – it is shown only now', cReference: 'Reference', cCode: 'Withdrawal code',
      cWithdrawBefore: 'If you change your mind, you can withdraw your consent at ',
      cWithdrawAfter: ' You will need the reference and the code.', cNewWindow: ' (opens in a new window)',
      cDone: 'I have saved the code',
      cDeclinedNote: 'You chose to stay anonymous. Nothing has been saved.',
      cAcceptedNote: 'You have given your consent. The chat continues as before.',
      cVoidNote: 'The question about consent was closed because the chat ended.',
    },
  };

  let lang = SCRIPT && DICT[SCRIPT.dataset.lang] ? SCRIPT.dataset.lang : 'sv';

  // ---- state -------------------------------------------------------------
  /** phase: 'intro' | 'queued' | 'chatting' | 'ended'; conn: 'idle' | 'connecting' | 'open' | 'reconnecting' */
  const st = {
    phase: 'intro', conn: 'idle', panelOpen: false, status: null, statusState: 'none',
    position: 0, staffed: true, eta: null, counselor: '', endReason: '', unread: 0,
    lastTypingSent: 0, dropSince: 0, attempt: 0, seq: 0, chatLang: '',
    /** The launcher mode from the last status read ('' = not known yet), whether the first
     *  status has come (or been waited for long enough), the closed card's disclosure,
     *  and how many background fetches in a row failed (the poll backs off). */
    mode: '', statusSettled: false, closedOpen: false, statusFails: 0,
    /** An open consent request: {id, stage: 'ask' | 'accepting' | 'declining' | 'receipt'}, or null. */
    consent: null,
  };
  let ws = null;
  let memToken = null; // fallback when sessionStorage is unavailable
  let reconnectTimer = 0;
  let typingTimer = 0;
  let lastEscape = 0;
  let statusFetch = null; // the /api/status fetch in flight, shared by every caller
  let statusFg = false;   // someone who shows its failure waits for that fetch
  let statusAt = 0;       // when the last fetch started
  let pollTimer = 0;
  let wakeTimer = 0;
  const pending = new Map(); // client id -> bubble element
  const ui = {};

  // ---- small helpers -----------------------------------------------------
  function originOf(script) {
    try { return new URL(script.src, location.href).origin; } catch (e) { return location.origin; }
  }

  /** Parses u and returns it only when its scheme is one of protocols. */
  function safeUrl(u, protocols) {
    if (!u) return '';
    try {
      const url = new URL(u, location.href);
      return protocols.includes(url.protocol) ? url.href : '';
    } catch (e) { return ''; }
  }

  /** Translates key in the current language; function entries get args. */
  function tr(key, ...args) {
    const v = key in DICT[lang] ? DICT[lang][key] : DICT.sv[key];
    if (typeof v === 'function') return v(...args);
    return v === undefined ? key : v;
  }

  const bound = new Map(); // element -> [key, args] for live language switching
  const boundAttrs = [];   // [element, attribute, key]

  /** Sets el's text to tr(key, ...args) and remembers it for a language switch. */
  function setT(el, key, ...args) {
    bound.set(el, [key, args]);
    el.textContent = tr(key, ...args);
    return el;
  }

  /**
   * Creates an element. attrs: t = text key (or [key, ...args]), 't:ATTR' = attribute
   * from a key, text = literal text, class, and plain attributes (true = present).
   */
  function h(tag, attrs, children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === 't') setT(el, ...[].concat(v));
      else if (k.startsWith('t:')) { boundAttrs.push([el, k.slice(2), v]); el.setAttribute(k.slice(2), tr(v)); }
      else if (k === 'text') el.textContent = v;
      else if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of [].concat(children || [])) if (c) el.append(c);
    return el;
  }

  function show(el, on) { el.hidden = !on; }

  function utf8Length(s) { return new TextEncoder().encode(s).length; }

  // ---- the resume token (the only thing the widget stores) ----------------
  function getToken() {
    try { return sessionStorage.getItem(KEY) || memToken; } catch (e) { return memToken; }
  }
  function saveToken(t) {
    memToken = t;
    try { sessionStorage.setItem(KEY, t); } catch (e) { /* storage blocked: memory only */ }
  }
  function dropToken() {
    memToken = null;
    try { sessionStorage.removeItem(KEY); } catch (e) { /* nothing stored */ }
  }

  // ---- DOM -----------------------------------------------------------------
  /** Builds the whole widget once; views are shown and hidden by render(). */
  function build() {
    ui.exit = h('button', { type: 'button', id: 'pl-exit', class: 'pl-exit', t: 'exit' });
    ui.launcherText = h('span', { t: 'launcher' });
    ui.badge = h('span', { class: 'pl-badge', hidden: true });
    ui.launcher = h('button', {
      type: 'button', id: 'pl-launcher', class: 'pl-launcher', 'aria-expanded': 'false', 'aria-controls': 'pl-panel',
    }, [h('span', { class: 'pl-launcher-icon', 'aria-hidden': 'true' }), ui.launcherText, ui.badge]);
    // "staffed" mode while nobody is on duty: a small disclosure with the hours and contacts.
    ui.closedBtn = h('button', {
      type: 'button', id: 'pl-closed-btn', class: 'pl-closedbtn', 'aria-expanded': 'false',
      'aria-controls': 'pl-closed-panel', hidden: true,
    }, [h('span', { class: 'pl-closed-icon', 'aria-hidden': 'true' }), h('span', { t: 'closedBtn' })]);
    ui.closedLang = h('button', { type: 'button', id: 'pl-closed-lang', class: 'pl-btn pl-closed-lang' });
    ui.closedInfo = h('div', { id: 'pl-closed-info', class: 'pl-closed-info' });
    ui.closedPanel = h('div', {
      id: 'pl-closed-panel', class: 'pl-closedpanel', role: 'group', 'aria-labelledby': 'pl-closed-title', hidden: true,
    }, [
      h('div', { class: 'pl-closed-head' }, [h('h2', { id: 'pl-closed-title', class: 'pl-closed-title', t: 'title' }), ui.closedLang]),
      ui.closedInfo,
    ]);
    ui.dock = h('div', { class: 'pl-dock' }, [ui.exit, ui.closedBtn, ui.launcher, ui.closedPanel]);

    ui.title = h('h2', { id: 'pl-title', class: 'pl-title', tabindex: '-1', t: 'title' });
    ui.lang = h('button', { type: 'button', id: 'pl-lang', class: 'pl-hbtn' });
    ui.min = h('button', { type: 'button', id: 'pl-min', class: 'pl-hbtn pl-min', 't:aria-label': 'minimise' },
      [h('span', { class: 'pl-min-icon', 'aria-hidden': 'true' })]);
    ui.exitSlot = h('div', { class: 'pl-exit-slot' });
    const head = h('div', { class: 'pl-head' }, [
      h('div', { class: 'pl-headrow' }, [ui.title, h('div', { class: 'pl-headbtns' }, [ui.lang, ui.min])]),
      ui.exitSlot,
    ]);

    ui.conn = h('p', { id: 'pl-conn', class: 'pl-conn', role: 'status' });

    // Intro: status, anonymity notice, audience choice, start.
    ui.status = h('div', { id: 'pl-status', class: 'pl-status', role: 'status' });
    ui.young = h('input', { type: 'radio', id: 'pl-audience-young', name: 'pl-audience', value: 'young' });
    ui.teen = h('input', { type: 'radio', id: 'pl-audience-teen', name: 'pl-audience', value: 'teen' });
    ui.start = h('button', { type: 'button', id: 'pl-start', class: 'pl-btn pl-primary', t: 'start' });
    ui.first = h('textarea', {
      id: 'pl-first', class: 'pl-input pl-first', rows: '2', maxlength: String(MAX_FIRST),
      autocomplete: 'off', 'aria-describedby': 'pl-first-hint pl-first-count',
    });
    ui.firstCount = h('p', { id: 'pl-first-count', class: 'pl-count', 'aria-live': 'polite' });
    ui.intro = h('div', { id: 'pl-intro', class: 'pl-view' }, [
      ui.status,
      h('div', { class: 'pl-anon' }, [h('h3', { class: 'pl-h3', t: 'anonTitle' }), h('p', { t: 'anon' })]),
      h('fieldset', { class: 'pl-audience' }, [
        h('legend', { t: 'audience' }),
        h('label', { class: 'pl-choice', for: 'pl-audience-young' }, [ui.young, h('span', { t: 'young' })]),
        h('label', { class: 'pl-choice', for: 'pl-audience-teen' }, [ui.teen, h('span', { t: 'teen' })]),
      ]),
      h('div', { class: 'pl-firstfield' }, [
        h('label', { for: 'pl-first', class: 'pl-label' }, [
          h('span', { t: 'firstLabel' }), ' ', h('span', { class: 'pl-c-optional', t: 'firstOptional' }),
        ]),
        h('p', { id: 'pl-first-hint', class: 'pl-hint', t: 'firstHint' }),
        ui.first,
        ui.firstCount,
      ]),
      ui.start,
    ]);

    // Queue.
    ui.queue = h('p', { id: 'pl-queue', class: 'pl-queue', role: 'status', tabindex: '-1' });
    ui.eta = h('p', { class: 'pl-eta' });
    ui.queueNotice = h('div', { id: 'pl-queue-notice', class: 'pl-notice' });
    ui.leave = h('button', { type: 'button', id: 'pl-leave', class: 'pl-btn', t: 'leaveQueue' });
    ui.queueView = h('div', { id: 'pl-queueview', class: 'pl-view' }, [
      ui.queue, h('p', { t: 'queueWait' }), ui.eta, ui.queueNotice, ui.leave,
    ]);

    // Chat: who, the log, typing.
    ui.with = h('p', { id: 'pl-with', class: 'pl-with' });
    ui.log = h('div', { id: 'pl-log', class: 'pl-log', role: 'log', 'aria-live': 'polite', 't:aria-label': 'log', tabindex: '0' });
    ui.typing = h('p', { id: 'pl-typing', class: 'pl-typing', hidden: true });
    ui.chatView = h('div', { id: 'pl-chat', class: 'pl-view pl-chatview' }, [ui.with, ui.log, ui.typing]);

    // Ended.
    ui.endedTitle = h('h3', { class: 'pl-h3', tabindex: '-1', t: 'endedTitle' });
    ui.endedReason = h('p', { id: 'pl-ended-reason' });
    ui.newChat = h('button', { type: 'button', id: 'pl-new', class: 'pl-btn pl-primary', t: 'newChat' });
    ui.endedView = h('div', { id: 'pl-ended', class: 'pl-view pl-endedview' }, [
      ui.endedTitle, ui.endedReason, h('p', { t: 'endedNote' }), ui.newChat,
    ]);

    ui.error = h('div', { id: 'pl-error', class: 'pl-alert', role: 'alert' });

    // Compose.
    ui.input = h('textarea', { id: 'pl-input', class: 'pl-input', rows: '3', 'aria-describedby': 'pl-hint pl-count' });
    ui.count = h('p', { id: 'pl-count', class: 'pl-count' });
    ui.send = h('button', { type: 'submit', id: 'pl-send', class: 'pl-btn pl-primary', t: 'send' });
    ui.end = h('button', { type: 'button', id: 'pl-end', class: 'pl-btn', t: 'end' });
    ui.endYes = h('button', { type: 'button', id: 'pl-end-yes', class: 'pl-btn pl-danger', t: 'endYes' });
    ui.endNo = h('button', { type: 'button', id: 'pl-end-no', class: 'pl-btn', t: 'endNo' });
    ui.endConfirm = h('div', {
      id: 'pl-end-confirm', class: 'pl-confirm', role: 'group', 'aria-labelledby': 'pl-end-q', hidden: true,
    }, [h('p', { id: 'pl-end-q', t: 'endQuestion' }), h('div', { class: 'pl-actions' }, [ui.endYes, ui.endNo])]);
    ui.compose = h('form', { id: 'pl-compose', class: 'pl-compose', novalidate: true }, [
      h('label', { for: 'pl-input', class: 'pl-label', t: 'inputLabel' }),
      ui.input,
      h('p', { id: 'pl-hint', class: 'pl-hint', t: 'inputHint' }),
      ui.count,
      h('div', { class: 'pl-actions' }, [ui.send, ui.end]),
      ui.endConfirm,
    ]);

    ui.body = h('div', { class: 'pl-body' }, [ui.conn, ui.intro, ui.queueView, ui.chatView, ui.endedView, ui.error, ui.compose]);
    ui.smallprint = h('p', { class: 'pl-smallprint', t: 'smallprint' });
    ui.head = head;
    buildConsent();
    ui.panel = h('section', {
      id: 'pl-panel', class: 'pl-panel', role: 'dialog', 'aria-labelledby': 'pl-title', hidden: true,
    }, [head, ui.body, ui.smallprint, ui.cDialog]);

    ui.root = h('div', { id: 'parentline-widget', class: 'pl-root', lang, hidden: true }, [ui.dock, ui.panel]);
    document.body.append(ui.root);
    wire();
  }

  /** One labelled field of the consent form, with its hint and its error message. */
  function consentField(id, labelKey, opts) {
    const o = opts || {};
    const hint = o.hint ? h('p', { id: id + '-hint', class: 'pl-hint', t: o.hint }) : null;
    const err = h('p', { id: id + '-err', class: 'pl-c-err' });
    const describedBy = [hint && hint.id, err.id].filter(Boolean).join(' ');
    const input = h(o.textarea ? 'textarea' : 'input', {
      id, class: 'pl-input pl-c-input' + (o.textarea ? '' : ' pl-c-line'), type: o.textarea ? null : 'text',
      rows: o.textarea ? '3' : null, maxlength: '500', autocomplete: o.autocomplete || 'off',
      inputmode: o.inputmode || null, spellcheck: o.spellcheck === false ? 'false' : null,
      'aria-describedby': describedBy, 'aria-required': o.required ? 'true' : null,
    });
    const label = h('label', { for: id, class: 'pl-label' }, [
      h('span', { t: labelKey }), ' ',
      o.required ? h('span', { class: 'pl-c-star', 'aria-hidden': 'true', text: '*' })
        : h('span', { class: 'pl-c-optional', t: 'cOptional' }),
    ]);
    ui.cFields.push({ input, err });
    return h('div', { class: 'pl-c-field' }, [label, hint, input, err]);
  }

  /**
   * The consent dialog: a modal inside the panel, covering it. It has its own
   * quick-exit button because everything behind it is inert while it is open.
   */
  function buildConsent() {
    ui.cFields = [];
    ui.cTitle = h('h3', { id: 'pl-c-title', class: 'pl-c-title', tabindex: '-1', t: 'cTitle' });
    ui.cExit = h('button', { type: 'button', id: 'pl-c-exit', class: 'pl-exit pl-c-exit', t: 'exit' });
    ui.cIntro = h('p', { id: 'pl-c-intro', class: 'pl-c-intro', t: ['cIntro', ''] });
    ui.cText = h('div', { id: 'pl-c-text', class: 'pl-c-text' });
    const fields = [
      consentField('pl-c-name', 'cName', { autocomplete: 'name' }),
      consentField('pl-c-contact', 'cContact', { hint: 'cContactHint', required: true, spellcheck: false }),
      consentField('pl-c-pnr', 'cPnr', { hint: 'cPnrHint', inputmode: 'numeric', spellcheck: false }),
      consentField('pl-c-child', 'cChild', { hint: 'cChildHint' }),
      consentField('pl-c-help', 'cHelp', { textarea: true }),
    ];
    [ui.cName, ui.cContact, ui.cPnr, ui.cChild, ui.cHelp] = ui.cFields.map((f) => f.input);
    ui.cError = h('p', { id: 'pl-c-error', class: 'pl-alert', role: 'alert' });
    ui.cStatus = h('p', { id: 'pl-c-status', class: 'pl-hint', role: 'status' });
    ui.cEscHint = h('p', { id: 'pl-c-esc', class: 'pl-c-esc', role: 'status' });
    ui.cAccept = h('button', { type: 'submit', id: 'pl-c-accept', class: 'pl-btn pl-primary', t: 'cAccept' });
    ui.cDecline = h('button', { type: 'button', id: 'pl-c-decline', class: 'pl-btn', t: 'cDecline' });
    ui.cForm = h('form', { id: 'pl-c-form', class: 'pl-c-form', novalidate: true, 'aria-labelledby': 'pl-c-form-title' }, [
      h('h4', { id: 'pl-c-form-title', class: 'pl-c-h4', t: 'cFormTitle' }),
      h('p', { id: 'pl-c-req', class: 'pl-c-req', t: 'cReqNote' }),
      ...fields,
      ui.cError,
      ui.cStatus,
      h('div', { class: 'pl-actions pl-c-actions' }, [ui.cAccept, ui.cDecline]),
    ]);
    ui.cAsk = h('div', { id: 'pl-c-ask', class: 'pl-c-view' }, [
      ui.cIntro, ui.cText, ui.cForm,
    ]);

    ui.cRef = h('dd', { id: 'pl-c-ref', class: 'pl-c-code' });
    ui.cCode = h('dd', { id: 'pl-c-code', class: 'pl-c-code' });
    ui.cLink = h('a', { id: 'pl-c-link', class: 'pl-link', href: ORIGIN + '/consent/', target: '_blank', rel: 'noopener noreferrer' }, [
      h('span', { text: ORIGIN + '/consent/' }), h('span', { class: 'pl-sr', t: 'cNewWindow' }),
    ]);
    ui.cDone = h('button', { type: 'button', id: 'pl-c-done', class: 'pl-btn pl-primary', t: 'cDone' });
    ui.cReceipt = h('div', { id: 'pl-c-receipt', class: 'pl-c-receipt' }, [
      h('p', { id: 'pl-c-save', class: 'pl-c-save', t: 'cSaveCode' }),
      h('dl', { class: 'pl-c-dl' }, [
        h('dt', { t: 'cReference' }), ui.cRef,
        h('dt', { t: 'cCode' }), ui.cCode,
      ]),
      h('p', {}, [h('span', { t: 'cWithdrawBefore' }), ui.cLink, h('span', { text: '.' }), h('span', { t: 'cWithdrawAfter' })]),
    ]);
    ui.cReceiptView = h('div', { id: 'pl-c-receipt-view', class: 'pl-c-view', hidden: true }, [ui.cReceipt, ui.cDone]);

    ui.cDialog = h('div', {
      id: 'pl-consent', class: 'pl-consent', role: 'dialog', 'aria-modal': 'true',
      'aria-labelledby': 'pl-c-title', 'aria-describedby': 'pl-c-intro', hidden: true,
    }, [
      h('div', { class: 'pl-c-head' }, [ui.cTitle, ui.cExit, ui.cEscHint]),
      h('div', { class: 'pl-c-body' }, [ui.cAsk, ui.cReceiptView]),
    ]);
  }

  function wire() {
    ui.launcher.addEventListener('click', () => openPanel(true));
    ui.closedBtn.addEventListener('click', () => setClosedOpen(!st.closedOpen));
    ui.closedLang.addEventListener('click', () => setLang(lang === 'sv' ? 'en' : 'sv'));
    document.addEventListener('visibilitychange', onWake);
    window.addEventListener('focus', onWake);
    ui.min.addEventListener('click', closePanel);
    ui.exit.addEventListener('click', quickExit);
    ui.lang.addEventListener('click', () => setLang(lang === 'sv' ? 'en' : 'sv'));
    ui.start.addEventListener('click', startChat);
    ui.leave.addEventListener('click', endChat);
    ui.newChat.addEventListener('click', newChat);
    ui.compose.addEventListener('submit', (e) => { e.preventDefault(); sendMessage(); });
    ui.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendMessage(); }
    });
    ui.input.addEventListener('input', onInput);
    ui.first.addEventListener('input', updateFirstCount);
    // Keep the input in view when an on-screen keyboard opens.
    ui.input.addEventListener('focus', () => ui.input.scrollIntoView({ block: 'nearest' }));
    if (window.visualViewport) {
      const fit = () => {
        ui.panel.style.setProperty('--pl-vh', window.visualViewport.height + 'px');
        if (document.activeElement === ui.input) ui.input.scrollIntoView({ block: 'nearest' });
      };
      window.visualViewport.addEventListener('resize', fit);
      fit();
    }
    ui.end.addEventListener('click', () => { show(ui.endConfirm, true); ui.endNo.focus(); });
    ui.endNo.addEventListener('click', () => { show(ui.endConfirm, false); ui.end.focus(); });
    ui.endYes.addEventListener('click', () => { show(ui.endConfirm, false); endChat(); });
    for (const r of [ui.young, ui.teen]) r.addEventListener('change', clearError);
    window.addEventListener('keydown', onKey, true);
    ui.cExit.addEventListener('click', quickExit);
    ui.cForm.addEventListener('submit', (e) => { e.preventDefault(); answerConsent(true); });
    ui.cDecline.addEventListener('click', () => answerConsent(false));
    ui.cDone.addEventListener('click', closeReceipt);
    ui.cDialog.addEventListener('keydown', trapTab);
    for (const f of ui.cFields) f.input.addEventListener('input', () => { if (f.input.hasAttribute('aria-invalid')) validateConsentField(f.input); });
  }

  // ---- language --------------------------------------------------------------
  /** Switches every text in the widget to l, live. */
  function setLang(l) {
    lang = l;
    ui.root.lang = l;
    for (const [el, [key, args]] of bound) {
      if (!el.isConnected) bound.delete(el);
      else el.textContent = tr(key, ...args);
    }
    for (const [el, attr, key] of boundAttrs) el.setAttribute(attr, tr(key));
    renderStatus();
    renderQueueNotice();
    render();
  }

  // ---- panel -------------------------------------------------------------------
  /** Opens the chat panel; focus moves into it. */
  function openPanel(focus) {
    st.panelOpen = true;
    st.closedOpen = false;
    st.unread = 0;
    ui.exitSlot.append(ui.exit);
    show(ui.panel, true);
    show(ui.dock, false);
    ui.launcher.setAttribute('aria-expanded', 'true');
    if (st.phase === 'intro' && st.conn === 'idle') refreshStatus();
    render();
    if (focus) focusPhase();
  }

  /** Closes the panel back to the launcher (or the closed card) and returns focus there. */
  function closePanel() {
    st.panelOpen = false;
    ui.dock.prepend(ui.exit);
    show(ui.panel, false);
    show(ui.dock, true);
    ui.launcher.setAttribute('aria-expanded', 'false');
    render();
    (ui.launcher.hidden ? ui.closedBtn : ui.launcher).focus();
  }

  /** Opens or closes the closed card's hours and contacts; opening also freshens them. */
  function setClosedOpen(on, focusButton) {
    st.closedOpen = on;
    render();
    if (focusButton) ui.closedBtn.focus();
    if (on) refreshStatus(true);
  }

  /** Puts focus on the main element of the current phase. */
  function focusPhase() {
    if (!st.panelOpen) return;
    if (st.consent) { ui.cTitle.focus(); return; }
    const target = {
      intro: ui.title, queued: ui.queue, chatting: ui.input, ended: ui.endedTitle,
    }[st.phase];
    if (target && !target.closest('[hidden]') && !target.disabled) target.focus();
    else ui.title.focus();
  }

  /** Changes phase; focus follows when it was in the panel (or nowhere). */
  function setPhase(p) {
    if (st.phase === p) { render(); return; }
    st.phase = p;
    render();
    const a = document.activeElement;
    if (ui.cDialog.contains(a)) return;
    if (st.panelOpen && (!a || a === document.body || ui.panel.contains(a))) focusPhase();
  }

  // ---- quick exit ----------------------------------------------------------------
  /** Ends the chat (fire and forget), forgets the token and leaves for the neutral page. */
  function quickExit() {
    const sock = ws;
    ws = null;
    clearTimeout(reconnectTimer);
    if (sock) {
      try { if (sock.readyState === WebSocket.OPEN) sock.send(JSON.stringify({ type: 'end' })); } catch (e) { /* leaving anyway */ }
      try { sock.close(1000); } catch (e) { /* leaving anyway */ }
    }
    dropToken();
    ui.log.replaceChildren();
    ui.input.value = '';
    ui.first.value = '';
    wipeConsent();
    location.replace(EXIT_URL);
  }

  /** Escape twice within 1 s: quick exit. Once: close the panel. */
  function onKey(e) {
    if ((e.key !== 'Escape' && e.key !== 'Esc') || e.isComposing) return;
    const now = Date.now();
    if (now - lastEscape < 1000) { e.preventDefault(); quickExit(); return; }
    lastEscape = now;
    const a = document.activeElement;
    if (st.consent && st.panelOpen && (!a || a === document.body || ui.root.contains(a))) {
      // The consent dialog is answered only with its buttons; Escape does not dismiss it.
      e.preventDefault();
      setT(ui.cEscHint, 'cEscHint');
      return;
    }
    if (st.panelOpen && (!a || a === document.body || ui.root.contains(a))) { e.preventDefault(); closePanel(); }
    else if (!st.panelOpen && st.closedOpen && (!a || a === document.body || ui.root.contains(a))) {
      e.preventDefault();
      setClosedOpen(false, true);
    }
  }

  // ---- status ----------------------------------------------------------------------
  /**
   * Fetches /api/status (no cookies) and shows it. Callers share the fetch in
   * flight. background: a poll or a wake-up, whose failure keeps the last good
   * status on screen instead of reporting it.
   */
  function refreshStatus(background) {
    if (!background) statusFg = true;
    if (statusFetch) return statusFetch;
    if (st.statusState !== 'ok') st.statusState = 'loading';
    renderStatus();
    clearTimeout(pollTimer);
    pollTimer = 0;
    statusAt = Date.now();
    statusFetch = fetchStatus().then((s) => {
      st.status = s;
      st.statusState = 'ok';
      st.mode = s.launcher === 'staffed' ? 'staffed' : 'always';
      st.statusFails = 0;
    }, () => {
      st.statusFails++;
      if (statusFg || st.statusState !== 'ok') st.statusState = 'failed';
    }).then(() => {
      statusFetch = null;
      statusFg = false;
      st.statusSettled = true;
      renderStatus();
      renderQueueNotice();
      render();
    });
    return statusFetch;
  }

  /** One GET /api/status, given up after STATUS_TIMEOUT_MS. */
  async function fetchStatus() {
    const ctl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = setTimeout(() => { if (ctl) ctl.abort(); }, STATUS_TIMEOUT_MS);
    try {
      const res = await fetch(ORIGIN + '/api/status', { credentials: 'omit', cache: 'no-store', signal: ctl ? ctl.signal : undefined });
      if (!res.ok) throw new Error('status ' + res.status);
      const s = await res.json();
      if (!s || typeof s !== 'object') throw new Error('status: not an object');
      return s;
    } finally {
      clearTimeout(timer);
    }
  }

  /** No chat in this page or in sessionStorage: the parent has not started one. */
  function noChat() { return st.phase === 'intro' && st.conn === 'idle' && !getToken(); }

  /** "staffed" mode, nobody on duty and no chat running: no chat launcher, the closed card instead. */
  function gated() {
    const s = st.status;
    return st.mode === 'staffed' && st.statusState === 'ok' && !!s && s.staffed === false && noChat();
  }

  /** While gated and the page is visible, asks /api/status again every STATUS_POLL_MS (backing off on failures). */
  function updatePolling() {
    if (!gated() || document.visibilityState === 'hidden') {
      clearTimeout(pollTimer);
      pollTimer = 0;
      return;
    }
    if (pollTimer || statusFetch) return;
    const delay = Math.min(STATUS_POLL_MS * 2 ** st.statusFails, STATUS_POLL_MAX_MS);
    pollTimer = setTimeout(() => { pollTimer = 0; refreshStatus(true); }, delay);
  }

  /**
   * The page became visible or got focus: in "staffed" mode, with no chat
   * running, the status is asked for again (at most once per STATUS_GAP_MS),
   * so the launcher comes and goes with the people on duty.
   */
  function onWake() {
    if (document.visibilityState === 'hidden') { updatePolling(); return; }
    if (st.mode !== 'staffed' || !noChat() || wakeTimer) return;
    const wait = Math.max(0, statusAt + STATUS_GAP_MS - Date.now());
    wakeTimer = setTimeout(() => { wakeTimer = 0; refreshStatus(true); }, wait);
  }

  function renderStatus() {
    const s = st.status;
    let parts;
    if ((st.statusState === 'loading' || st.statusState === 'none') && !s) parts = [h('p', { text: tr('statusLoading') })];
    else if (st.statusState === 'failed' || !s) parts = [h('p', { text: tr('statusFailed') })];
    else if (!s.open || s.staffed === false) parts = offDutyParts(s);
    else parts = [h('p', { text: tr('statusOpen') })];
    ui.status.className = 'pl-status' + (s && st.statusState === 'ok' && (!s.open || s.staffed === false) ? ' pl-status-warn' : '');
    replaceIfChanged(ui.status, parts);
    replaceIfChanged(ui.closedInfo, s ? offDutyParts(s) : []);
  }

  /** Closed, or nobody free: why, and the hours and other ways to get help (the intro and the closed card). */
  function offDutyParts(s) {
    const parts = [];
    if (!s.open) {
      parts.push(h('p', { class: 'pl-strong', text: tr('statusClosed') }));
      const next = formatWhen(s.next_open, s.timezone);
      if (next) parts.push(h('p', { text: tr('nextOpen', next) }));
    } else {
      parts.push(h('p', { class: 'pl-strong', text: tr(st.mode === 'staffed' ? 'closedUnstaffed' : 'statusUnstaffed') }));
    }
    return [...parts, ...hoursBlock(s.hours, s.closed_days), ...contactsBlock(s.contacts)];
  }

  /**
   * Puts nodes into el only when that changes what el shows: a poll must not take
   * focus out of a link or make a screen reader read the same status again.
   */
  function replaceIfChanged(el, nodes) {
    const next = h('div', {}, nodes);
    if (next.innerHTML !== el.innerHTML) el.replaceChildren(...next.childNodes);
  }

  function renderQueueNotice() {
    if (st.staffed) { ui.queueNotice.replaceChildren(); return; }
    const s = st.status || {};
    const contacts = contactsBlock(s.contacts, false);
    ui.queueNotice.replaceChildren(h('p', { text: tr(contacts.length ? 'queueUnstaffed' : 'queueUnstaffedShort') }),
      ...contacts, ...hoursBlock(s.hours, s.closed_days));
  }

  /** The opening hours and, under them, the upcoming closed days (both may be missing). */
  function hoursBlock(hours, closedDays) {
    const lines = formatHours(hours);
    const closed = formatClosedDays(closedDays);
    if (!lines.length && !closed.length) return [];
    const parts = [h('p', { class: 'pl-subhead', text: tr('hours') })];
    if (lines.length) parts.push(h('ul', { class: 'pl-hours' }, lines.map((l) => h('li', { text: l }))));
    if (closed.length) parts.push(h('ul', { class: 'pl-hours pl-closures' }, closed.map((l) => h('li', { text: l }))));
    return parts;
  }

  /**
   * Turns /api/status's closed_days ([{date:"YYYY-MM-DD", note}], from today) into
   * lines like "Stängt 24 december (julafton)": the date in the widget's language,
   * as a day in Europe/Stockholm; at most MAX_CLOSED_DAYS of them.
   */
  function formatClosedDays(days) {
    const lines = [];
    for (const c of Array.isArray(days) ? days : []) {
      if (lines.length === MAX_CLOSED_DAYS) break;
      const m = c && /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(c.date || ''));
      if (!m) continue;
      // Noon UTC is the same calendar day in Stockholm, summer or winter.
      const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], 12));
      if (isNaN(d.getTime())) continue;
      const opts = { day: 'numeric', month: 'long' };
      const locale = lang === 'sv' ? 'sv-SE' : 'en-GB';
      let when;
      try { when = new Intl.DateTimeFormat(locale, { ...opts, timeZone: 'Europe/Stockholm' }).format(d); } catch (e) {
        when = new Intl.DateTimeFormat(locale, { ...opts, timeZone: 'UTC' }).format(d);
      }
      lines.push(tr('closedDay', when, typeof c.note === 'string' ? c.note.trim() : ''));
    }
    return lines;
  }

  /** The alternative contacts as a list, links where they have an href; heading optional. */
  function contactsBlock(contacts, heading = true) {
    if (!Array.isArray(contacts) || !contacts.length) return [];
    const items = contacts.map((c) => {
      const label = (c.label && (c.label[lang] || c.label.sv)) || '';
      const href = safeUrl(c.href, ['tel:', 'mailto:', 'sms:', 'https:', 'http:']);
      const value = String(c.value || '');
      return h('li', {}, [
        label ? h('span', { class: 'pl-contact-label', text: label + ': ' }) : null,
        href ? h('a', { href, class: 'pl-link', text: value }) : h('span', { text: value }),
      ]);
    });
    const list = h('ul', { class: 'pl-contacts' }, items);
    return heading ? [h('p', { class: 'pl-subhead', text: tr('contacts') }), list] : [list];
  }

  /**
   * Turns [{days:[1..7],from,to}] into lines like "mån–fre 09:00–16:00"; entries
   * with the same times are merged and consecutive days grouped.
   */
  function formatHours(hours) {
    const groups = new Map();
    for (const e of Array.isArray(hours) ? hours : []) {
      if (!e || !Array.isArray(e.days)) continue;
      const k = e.from + '|' + e.to;
      if (!groups.has(k)) groups.set(k, { from: String(e.from), to: String(e.to), days: new Set() });
      for (const d of e.days) if (d >= 1 && d <= 7) groups.get(k).days.add(Math.floor(d));
    }
    const lines = [];
    for (const g of groups.values()) {
      const days = [...g.days].sort((a, b) => a - b);
      if (days.length) lines.push([days[0], dayRanges(days) + ' ' + timeRange(g.from, g.to)]);
    }
    return lines.sort((a, b) => a[0] - b[0]).map((l) => l[1]);
  }

  function dayRanges(days) {
    if (days.length === 7) return tr('everyDay');
    const names = tr('days');
    const parts = [];
    for (let i = 0; i < days.length;) {
      let j = i;
      while (j + 1 < days.length && days[j + 1] === days[j] + 1) j++;
      parts.push(j > i ? names[days[i] - 1] + '–' + names[days[j] - 1] : names[days[i] - 1]);
      i = j + 1;
    }
    return parts.join(', ');
  }

  function timeRange(from, to) {
    if (from === '00:00' && (to === '24:00' || to === '23:59' || to === '00:00')) return tr('allDay');
    return from + '–' + to;
  }

  /**
   * An RFC 3339 time as weekday, date and time in the service's time zone (the one
   * the opening hours are given in), or the reader's own when that is unknown.
   */
  function formatWhen(iso, timeZone) {
    const d = new Date(iso || '');
    if (!iso || isNaN(d.getTime())) return '';
    const opts = { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' };
    const locale = lang === 'sv' ? 'sv-SE' : 'en-GB';
    try { return new Intl.DateTimeFormat(locale, { ...opts, timeZone: timeZone || undefined }).format(d); } catch (e) {
      return new Intl.DateTimeFormat(locale, opts).format(d); // unknown zone name
    }
  }

  // ---- rendering ---------------------------------------------------------------------
  /** Shows and hides views and refreshes the texts that depend on state. */
  function render() {
    const { phase, conn } = st;
    const closed = st.statusState === 'ok' && st.status && st.status.open === false;
    show(ui.intro, phase === 'intro');
    show(ui.queueView, phase === 'queued');
    show(ui.chatView, phase === 'chatting' || (phase === 'ended' && ui.log.childElementCount > 0));
    show(ui.endedView, phase === 'ended');
    show(ui.compose, phase === 'chatting');
    ui.start.disabled = closed || gated() || conn === 'connecting';

    const connKey = conn === 'connecting' ? 'connecting' : conn === 'reconnecting' ? 'reconnecting' : '';
    if (connKey) setT(ui.conn, connKey); else { bound.delete(ui.conn); ui.conn.textContent = ''; }
    show(ui.conn, !!connKey);

    if (st.position > 0) setT(ui.queue, 'queuePos', st.position); else setT(ui.queue, 'queueIn');
    if (st.eta > 0) setT(ui.eta, 'eta', Math.max(1, Math.round(st.eta / 60))); else { bound.delete(ui.eta); ui.eta.textContent = ''; }
    show(ui.eta, st.eta > 0);
    if (st.counselor) setT(ui.with, 'with', st.counselor); else setT(ui.with, 'withUnknown');
    if (phase === 'ended') setT(ui.endedReason, 'ended_' + (DICT.sv['ended_' + st.endReason] ? st.endReason : 'other'));
    if (!ui.typing.hidden) setT(ui.typing, 'typing', st.counselor || tr('counselor'));

    const live = conn === 'open';
    ui.send.disabled = !live;

    const active = phase === 'queued' || phase === 'chatting';
    setT(ui.launcherText, active ? 'launcherActive' : 'launcher');
    if (st.unread > 0) setT(ui.badge, 'unread', st.unread);
    show(ui.badge, st.unread > 0);
    for (const b of [ui.lang, ui.closedLang]) {
      setT(b, 'otherLang');
      b.setAttribute('lang', tr('otherLangCode'));
    }
    renderDock();
    updateCount();
    updateFirstCount();
    updatePolling();
  }

  /**
   * The dock under a closed panel: the quick exit always; the chat launcher, or,
   * when gated, the closed card. The launcher waits for the first status (or
   * FIRST_STATUS_MS) so it does not flash up in "staffed" mode. Focus on a control
   * that goes away moves to the one that takes its place.
   */
  function renderDock() {
    const g = gated();
    const had = document.activeElement;
    const inCard = ui.closedBtn.contains(had) || ui.closedPanel.contains(had);
    const launcher = !g && (st.statusSettled || !noChat());
    if (!g) st.closedOpen = false;
    show(ui.launcher, launcher);
    show(ui.closedBtn, g);
    show(ui.closedPanel, g && st.closedOpen);
    ui.closedBtn.setAttribute('aria-expanded', String(g && st.closedOpen));
    if (st.panelOpen) return;
    if (inCard && launcher) ui.launcher.focus();
    else if (had === ui.launcher && g) ui.closedBtn.focus();
  }

  /** The first line's counter: always shown, so the limit is known before it is reached. */
  function updateFirstCount() {
    const n = [...ui.first.value].length;
    setT(ui.firstCount, 'firstCount', n);
    ui.firstCount.classList.toggle('pl-over', n > MAX_FIRST);
    if ((bound.get(ui.error) || [])[0] === 'firstTooLong' && n <= MAX_FIRST) clearError();
  }

  function updateCount() {
    const n = [...ui.input.value].length;
    setT(ui.count, 'count', n);
    ui.count.classList.toggle('pl-over', n > MAX_CHARS);
    show(ui.count, n > MAX_CHARS - 500);
  }

  function showError(key, fallback) {
    const text = key && (key in DICT.sv) ? tr(key) : (fallback || tr('connectFailed'));
    if (key && key in DICT.sv) setT(ui.error, key); else { bound.delete(ui.error); ui.error.textContent = text; }
  }

  function clearError() { bound.delete(ui.error); ui.error.textContent = ''; }

  // ---- the log ---------------------------------------------------------------------------
  /**
   * Appends a message bubble. own = the parent's; id marks a pending one
   * that waits for its acknowledgement.
   */
  function addBubble(own, text, id) {
    const who = h('span', { class: 'pl-sr' });
    if (own) setT(who, 'you'); else setT(who, 'counselorSays', st.counselor || tr('counselor'));
    const meta = h('span', { class: 'pl-meta' });
    const bubble = h('div', { class: 'pl-msg ' + (own ? 'pl-own' : 'pl-their') }, [
      who, h('span', { class: 'pl-text', text }), meta,
    ]);
    if (id) {
      bubble.classList.add('pl-pending');
      setT(meta, 'sending');
      pending.set(id, bubble);
    }
    ui.log.append(bubble);
    scrollLog();
    return bubble;
  }

  function addSystem(key, ...args) {
    ui.log.append(h('p', { class: 'pl-system', t: [key, ...args] }));
    scrollLog();
  }

  function scrollLog() { ui.log.scrollTop = ui.log.scrollHeight; }

  function markSent(bubble) {
    bubble.classList.remove('pl-pending');
    const meta = bubble.querySelector('.pl-meta');
    bound.delete(meta);
    meta.textContent = '';
  }

  /** The server refused the oldest message still waiting for its acknowledgement. */
  function failOldestPending() {
    const first = pending.entries().next();
    if (first.done) return;
    const [id, bubble] = first.value;
    pending.delete(id);
    bubble.classList.remove('pl-pending');
    bubble.classList.add('pl-failed');
    setT(bubble.querySelector('.pl-meta'), 'notSent');
  }

  function clearLog() {
    pending.clear();
    ui.log.replaceChildren();
  }

  function showTyping() {
    clearTimeout(typingTimer);
    show(ui.typing, true);
    setT(ui.typing, 'typing', st.counselor || tr('counselor'));
    typingTimer = setTimeout(hideTyping, TYPING_SHOW_MS);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    show(ui.typing, false);
  }

  // ---- socket ---------------------------------------------------------------------------------
  function isOpen() { return ws && ws.readyState === WebSocket.OPEN && st.conn === 'open'; }

  function sendFrame(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Opens /ws/parent and sends first() as the first frame once open;
   * first is a function so a resume reads the newest token.
   */
  function connect(first, conn) {
    closeSocket();
    st.conn = conn;
    render();
    let sock;
    try { sock = new WebSocket(WS_URL); } catch (e) { ws = null; onDrop(); return; }
    ws = sock;
    sock.addEventListener('open', () => { if (ws === sock) sock.send(JSON.stringify(first())); });
    sock.addEventListener('message', (e) => {
      if (ws !== sock) return;
      let f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      if (f && typeof f.type === 'string' && Object.prototype.hasOwnProperty.call(handlers, f.type)) handlers[f.type](f);
    });
    sock.addEventListener('close', () => { if (ws === sock) { ws = null; onDrop(); } });
  }

  /** Closes the socket on purpose: no reconnect follows. */
  function closeSocket() {
    const sock = ws;
    ws = null;
    clearTimeout(reconnectTimer);
    if (sock) try { sock.close(1000); } catch (e) { /* already closed */ }
  }

  function resumeFrame() { return { type: 'resume', resume: getToken() }; }

  /** Closes the socket on purpose and forgets any reconnect in progress. */
  function goIdle() {
    closeSocket();
    Object.assign(st, { conn: 'idle', dropSince: 0, attempt: 0 });
  }

  /** The chat is over (reason: an ended reason, or 'lost'): the token is void. */
  function finish(reason) {
    goIdle();
    dropToken();
    hideTyping();
    show(ui.endConfirm, false);
    voidConsent();
    st.endReason = reason;
    setPhase('ended');
  }

  /** Back to the intro with an error (errKey), the token forgotten and the status refetched. */
  function toIntro(errKey) {
    goIdle();
    dropToken();
    voidConsent();
    if (errKey) showError(errKey);
    setPhase('intro');
    refreshStatus();
  }

  /** The socket went away without us asking: resume with backoff, or give up. */
  function onDrop() {
    if (getToken() && (st.phase === 'queued' || st.phase === 'chatting' || st.conn !== 'open')) scheduleReconnect();
    else if (st.phase !== 'ended') toIntro('connectFailed');
    else { st.conn = 'idle'; render(); }
  }

  /** Tries to resume after 1, 2, 4, 8, 10, 10… s, for up to two minutes after the drop. */
  function scheduleReconnect(fixedDelay) {
    clearTimeout(reconnectTimer);
    if (!st.dropSince) st.dropSince = Date.now();
    if (Date.now() - st.dropSince > RESUME_WINDOW_MS) { finish('lost'); return; }
    const delay = fixedDelay || Math.min(1000 * 2 ** st.attempt, 10000);
    st.attempt++;
    st.conn = 'reconnecting';
    render();
    reconnectTimer = setTimeout(() => connect(resumeFrame, 'reconnecting'), delay);
  }

  /** Frame handlers, by type. */
  const handlers = {
    welcome(f) {
      if (typeof f.resume === 'string' && f.resume) saveToken(f.resume);
      ui.first.value = ''; // the first line went with hello; the page keeps no copy
      Object.assign(st, { conn: 'open', dropSince: 0, attempt: 0 });
      clearError();
      setPhase(f.state === 'chatting' ? 'chatting' : f.state === 'queued' ? 'queued' : (st.phase === 'chatting' ? 'chatting' : 'queued'));
    },
    queued(f) {
      st.position = Number(f.position) || 1;
      st.staffed = f.staffed !== false;
      st.eta = typeof f.eta_seconds === 'number' ? f.eta_seconds : null;
      if (!st.staffed && !st.status) refreshStatus();
      renderQueueNotice();
      setPhase('queued');
    },
    joined(f) {
      const first = st.phase !== 'chatting';
      const name = String(f.counselor || '') || tr('counselor');
      const changed = st.counselor && st.counselor !== name;
      st.counselor = name;
      if (first) addSystem('joinedNote', name);
      else if (changed) addSystem('transferNote', name);
      if ((first || changed) && !st.panelOpen) st.unread++;
      hideTyping();
      setPhase('chatting');
    },
    history(f) {
      clearLog();
      for (const m of Array.isArray(f.messages) ? f.messages : []) addBubble(m.from === 'parent', String(m.text || ''));
      setPhase('chatting');
    },
    msg(f) {
      const text = String(f.text || '');
      if (f.from === 'parent') {
        const b = f.id !== undefined && pending.get(String(f.id));
        if (b) { pending.delete(String(f.id)); markSent(b); } else addBubble(true, text);
        return;
      }
      hideTyping();
      addBubble(false, text);
      if (!st.panelOpen) { st.unread++; render(); }
    },
    typing() { if (st.phase === 'chatting') showTyping(); },
    consent_request(f) {
      if (typeof f.id !== 'string' || !f.id) return;
      openConsent(f);
    },
    consent_receipt(f) { showReceipt(String(f.reference || ''), String(f.withdrawal_code || '')); },
    consent_declined() {
      if (!st.consent || st.consent.stage === 'receipt') return;
      closeConsent();
      addSystem('cDeclinedNote');
    },
    ended(f) { finish(String(f.reason || '')); },
    closed(f) {
      if (f.reason === 'shutting_down') { closeSocket(); scheduleReconnect(); } // keep the token
      else toIntro('err_closed');
    },
    error(f) {
      const code = String(f.code || '');
      if (st.consent && (st.consent.stage === 'accepting' || st.consent.stage === 'declining')) {
        consentRefused(code, String(f.message || ''));
        return;
      }
      showError(code ? 'err_' + code : '', String(f.message || ''));
      if (code === 'invalid_token') { clearLog(); toIntro('err_invalid_token'); }
      else if (code === 'already_connected') { closeSocket(); scheduleReconnect(2000); }
      else if (code === 'too_fast' || code === 'too_large' || code === 'empty') failOldestPending();
      else if (code === 'closed') toIntro('err_closed');
    },
  };

  // ---- consent to escalate (orosanmälan with the parent's consent) ----------------------
  const MAX_DETAIL = 500;

  /** Shows or hides the consent dialog; while it is open the rest of the panel is inert. */
  function setConsentOpen(on) {
    show(ui.cDialog, on);
    for (const el of [ui.head, ui.body, ui.smallprint]) el.inert = on;
  }

  /** A counsellor asked for consent: the dialog opens with the text exactly as given. */
  function openConsent(f) {
    const fresh = !st.consent;
    st.consent = { id: f.id, stage: 'ask' };
    ui.cText.textContent = String(f.text || '');
    setT(ui.cIntro, 'cIntro', typeof f.shared_with === 'string' ? f.shared_with : '');
    if (st.chatLang) ui.cText.setAttribute('lang', st.chatLang); else ui.cText.removeAttribute('lang');
    resetConsentForm();
    show(ui.cAsk, true);
    show(ui.cReceiptView, false);
    setT(ui.cTitle, 'cTitle');
    setConsentOpen(true);
    if (!st.panelOpen) {
      if (fresh) st.unread++;
      render();
      return;
    }
    ui.cTitle.focus();
  }

  function resetConsentForm() {
    for (const f of ui.cFields) {
      f.input.value = '';
      markField(f.input, '');
    }
    clearConsentMessages();
    setConsentBusy(false);
  }

  function clearConsentMessages() {
    for (const el of [ui.cError, ui.cStatus, ui.cEscHint]) { bound.delete(el); el.textContent = ''; }
  }

  /** While an answer is on its way the buttons say so and ignore further presses. */
  function setConsentBusy(busy) {
    for (const b of [ui.cAccept, ui.cDecline]) {
      if (busy) b.setAttribute('aria-disabled', 'true'); else b.removeAttribute('aria-disabled');
    }
    if (busy) setT(ui.cStatus, 'cSending'); else { bound.delete(ui.cStatus); ui.cStatus.textContent = ''; }
  }

  /** Closes the dialog (the chat continues underneath) and gives focus back to the chat. */
  function closeConsent() {
    const hadFocus = ui.cDialog.contains(document.activeElement);
    st.consent = null;
    setConsentOpen(false);
    resetConsentForm();
    ui.cText.textContent = '';
    wipeReceipt();
    render();
    if (hadFocus && st.panelOpen) {
      if (st.phase === 'chatting' && !ui.input.disabled) ui.input.focus(); else focusPhase();
    }
  }

  /** The chat ended or was lost: an unanswered request is void; a receipt stays until read. */
  function voidConsent() {
    if (!st.consent || st.consent.stage === 'receipt') return;
    closeConsent();
    addSystem('cVoidNote');
  }

  function wipeReceipt() {
    ui.cRef.textContent = '';
    ui.cCode.textContent = '';
  }

  /** Quick exit: nothing of the dialog may remain on the page. */
  function wipeConsent() {
    st.consent = null;
    for (const f of ui.cFields) f.input.value = '';
    ui.cText.textContent = '';
    wipeReceipt();
    setConsentOpen(false);
  }

  /** The parent answers. Accepting validates first; every detail is optional but a contact. */
  function answerConsent(accept) {
    const c = st.consent;
    if (!c || c.stage !== 'ask') return;
    clearConsentMessages();
    let frame = { type: 'consent', id: c.id, accept: false };
    if (accept) {
      const bad = ui.cFields.map((f) => validateConsentField(f.input, true)).filter(Boolean);
      if (bad.length) { bad[0].focus(); return; }
      const details = {};
      const keys = ['name', 'contact', 'personnummer', 'child', 'help'];
      ui.cFields.forEach((f, i) => {
        const v = f.input.value.trim();
        if (v) details[keys[i]] = v;
      });
      frame = { type: 'consent', id: c.id, accept: true, details };
    }
    if (!isOpen()) { setT(ui.cError, 'notConnected'); return; }
    sendFrame(frame);
    c.stage = accept ? 'accepting' : 'declining';
    setConsentBusy(true);
  }

  /**
   * Checks one field and shows its message beside it; returns the input when it
   * is wrong. forAccept: the contact is required (only when consenting).
   */
  function validateConsentField(input, forAccept) {
    const v = input.value.trim();
    let key = '';
    if ([...v].length > MAX_DETAIL) key = 'cTooLong';
    else if (input === ui.cContact) {
      if (!v) key = forAccept || input.hasAttribute('aria-invalid') ? 'cContactMissing' : '';
      else if (!validContact(v)) key = 'cContactBad';
    } else if (input === ui.cPnr && v && !validPersonnummer(v)) key = 'cPnrBad';
    markField(input, key);
    return key ? input : null;
  }

  /** Sets or clears a field's error message (aria-invalid, and the message it describes). */
  function markField(input, key) {
    const f = ui.cFields.find((x) => x.input === input);
    if (key) {
      input.setAttribute('aria-invalid', 'true');
      setT(f.err, key);
    } else {
      input.removeAttribute('aria-invalid');
      bound.delete(f.err);
      f.err.textContent = '';
    }
  }

  /** A phone number (7–15 digits, spaces and hyphens, an optional leading +) or an e-mail
   *  address: the same rule the server applies. */
  function validContact(v) {
    if (v.includes('@')) return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);
    const digits = v.replace(/\D/g, '').length;
    return /^\+?[0-9 \-]+$/.test(v) && digits >= 7 && digits <= 15;
  }

  /**
   * A personnummer or samordningsnummer: YYMMDD or YYYYMMDD, an optional - or +,
   * four digits. The last ten digits pass Luhn, the month and day exist (the day
   * is 60 more in a samordningsnummer) and the birth number is not 000.
   */
  function validPersonnummer(v) {
    const m = /^(\d{6}|\d{8})[-+]?(\d{4})$/.exec(v);
    if (!m) return false;
    const ten = (m[1] + m[2]).slice(-10);
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      let d = Number(ten[i]) * (i % 2 === 0 ? 2 : 1);
      if (d > 9) d -= 9;
      sum += d;
    }
    if (sum % 10 !== 0) return false;
    const month = Number(ten.slice(2, 4));
    let day = Number(ten.slice(4, 6));
    if (day > 60) day -= 60;
    if (month < 1 || month > 12 || day < 1) return false;
    const year = m[1].length === 8 ? Number(m[1].slice(0, 4)) : null;
    const leap = year === null ? Number(ten.slice(0, 2)) % 4 === 0 : (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
    return day <= days && ten.slice(6, 9) !== '000';
  }

  /**
   * The server refused the answer. A refused consent shows the server's words
   * next to the form so the parent can correct it or decline; a refused decline
   * means there is nothing open to decline, so the dialog closes.
   */
  function consentRefused(code, message) {
    const c = st.consent;
    const declining = c.stage === 'declining';
    c.stage = 'ask';
    setConsentBusy(false);
    const text = message || (DICT.sv['err_' + code] ? tr('err_' + code) : tr('cFailed'));
    if (declining) {
      closeConsent();
      showError('', text);
      return;
    }
    bound.delete(ui.cError);
    ui.cError.textContent = text;
  }

  /** The consent is recorded: the reference and withdrawal code are shown once. */
  function showReceipt(reference, code) {
    st.consent = { id: st.consent ? st.consent.id : '', stage: 'receipt' };
    resetConsentForm();
    ui.cText.textContent = '';
    ui.cRef.textContent = reference;
    ui.cCode.textContent = code;
    ui.cLink.href = ORIGIN + '/consent/' + (lang === 'en' ? '?lang=en' : '');
    show(ui.cAsk, false);
    show(ui.cReceiptView, true);
    setT(ui.cTitle, 'cReceiptTitle');
    setConsentOpen(true);
    if (!st.panelOpen) { st.unread++; render(); return; }
    ui.cTitle.focus();
  }

  function closeReceipt() {
    const chatting = st.phase === 'chatting';
    closeConsent();
    if (chatting) addSystem('cAcceptedNote');
  }

  /** Keeps Tab inside the dialog (aria-modal): from the last control to the first and back. */
  function trapTab(e) {
    if (e.key !== 'Tab') return;
    const items = [...ui.cDialog.querySelectorAll('a[href], button, input, textarea, select, [tabindex]:not([tabindex="-1"])')]
      .filter((el) => !el.disabled && !el.closest('[hidden]') && el.getClientRects().length > 0);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const a = document.activeElement;
    if (e.shiftKey && (a === first || a === ui.cTitle || !items.includes(a))) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && a === last) { e.preventDefault(); first.focus(); }
  }

  // ---- user actions ---------------------------------------------------------------------------
  /** Validates the audience choice and opens a new chat with hello. */
  function startChat() {
    const chosen = ui.young.checked ? 'young' : ui.teen.checked ? 'teen' : '';
    if (!chosen) { showError('chooseAudience'); ui.young.focus(); return; }
    const first = ui.first.value.trim();
    if ([...first].length > MAX_FIRST) { showError('firstTooLong'); ui.first.focus(); return; }
    clearError();
    dropToken();
    clearLog();
    Object.assign(st, { counselor: '', position: 0, staffed: true, eta: null, dropSince: 0, attempt: 0 });
    const helloLang = lang;
    st.chatLang = helloLang;
    const hello = { type: 'hello', audience: chosen, lang: helloLang };
    if (first) hello.first = first;
    connect(() => hello, 'connecting');
  }

  /** Leaves the queue or ends the chat; the server answers with ended. */
  function endChat() {
    if (!sendFrame({ type: 'end' })) finish('parent_ended');
  }

  function newChat() {
    clearLog();
    clearError();
    Object.assign(st, { counselor: '', endReason: '' });
    ui.young.checked = ui.teen.checked = false;
    ui.first.value = '';
    setPhase('intro');
    refreshStatus();
  }

  /** Sends the textarea as a message, refusing locally what the server would refuse. */
  function sendMessage() {
    const text = ui.input.value;
    if (!text.trim()) return;
    if ([...text].length > MAX_CHARS || utf8Length(text) > MAX_BYTES) { showError('tooLong'); return; }
    if (!isOpen()) { showError('notConnected'); return; }
    const id = 'm' + (++st.seq) + '-' + Date.now().toString(36);
    sendFrame({ type: 'msg', text, id });
    addBubble(true, text, id);
    ui.input.value = '';
    clearError();
    updateCount();
  }

  function onInput() {
    updateCount();
    if ((bound.get(ui.error) || [])[0] === 'tooLong' && [...ui.input.value].length <= MAX_CHARS) clearError();
    const now = Date.now();
    if (st.phase === 'chatting' && isOpen() && ui.input.value.trim() && now - st.lastTypingSent >= TYPING_SEND_MS) {
      st.lastTypingSent = now;
      sendFrame({ type: 'typing' });
    }
  }

  // ---- start ------------------------------------------------------------------------------------------
  /** Shows the widget once its style sheet is in (or failed), then resumes a stored chat. */
  function ready() {
    if (!ui.root.hidden) return;
    ui.root.hidden = false;
    render();
    if (getToken()) {
      openPanel(true);
      connect(resumeFrame, 'connecting');
    }
  }

  function init() {
    build();
    renderStatus();
    render();
    refreshStatus(true); // the launcher mode; in "staffed" mode whether anyone is on duty
    setTimeout(() => { if (!st.statusSettled) { st.statusSettled = true; render(); } }, FIRST_STATUS_MS);
    const href = ORIGIN + '/widget.css';
    const link = h('link', { rel: 'stylesheet', href });
    link.addEventListener('load', ready);
    link.addEventListener('error', ready);
    document.head.append(link);
    setTimeout(ready, 3000);
  }

  if (document.body) init();
  else document.addEventListener('DOMContentLoaded', init);
})();
