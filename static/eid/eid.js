// Parentline e-ID: logging in and signing with BankID (or the built-in test
// provider) in any page. An ES module with no dependencies and no external
// fetches; it talks only to this server's /api/eid/ routes.
//
//   import { login, sign } from '/eid/eid.js';
//   const flow = login(document.getElementById('eid'), { lang: 'sv' });
//   const outcome = await flow.done; // 'complete', 'failed' or 'cancelled'
//
// login() starts a login order itself; sign() shows an order that a page's
// own handler started on the server (eid.Service.StartSign) and gave the
// page its id. Both render into the container: the animated QR code
// (reloaded every second), the "open BankID on this device" link, the
// current message (a polite live region), a cancel button and, with the
// test provider, a TEST banner with a link to the test device page.
//
// Swedish by default; { lang: 'en' } for English. Styles: /eid/eid.css.

const TEXTS = {
  sv: {
    loginTitle: 'Logga in med BankID',
    signTitle: 'Skriv under med BankID',
    qrHelp: 'Öppna BankID-appen i mobilen, välj QR-ikonen och skanna QR-koden.',
    qrAlt: 'QR-kod för BankID. Skanna den med BankID-appen i en annan enhet.',
    autostart: 'Öppna BankID på den här enheten',
    cancel: 'Avbryt',
    retry: 'Försök igen',
    starting: 'Startar …',
    loggedIn: 'Du är inloggad.',
    signed: 'Du har skrivit under.',
    cancelled: 'Åtgärden avbröts.',
    network: 'Kunde inte nå servern. Kontrollera anslutningen; vi försöker igen.',
    testBanner: 'TEST – inte riktig e-legitimation.',
    testText: 'Det här är testleverantören: ingen riktig BankID används och inget som görs här är giltigt.',
    testDevice: 'Agera som mobilen på testsidan',
    newTab: '(öppnas i en ny flik)',
  },
  en: {
    loginTitle: 'Log in with BankID',
    signTitle: 'Sign with BankID',
    qrHelp: 'Open the BankID app on your phone, select the QR icon and scan the QR code.',
    qrAlt: 'QR code for BankID. Scan it with the BankID app on another device.',
    autostart: 'Open BankID on this device',
    cancel: 'Cancel',
    retry: 'Try again',
    starting: 'Starting …',
    loggedIn: 'You are logged in.',
    signed: 'You have signed.',
    cancelled: 'Action cancelled.',
    network: 'Could not reach the server. Check the connection; we will try again.',
    testBanner: 'TEST – not a real e-ID.',
    testText: 'This is the test provider: no real BankID is used and nothing done here is valid.',
    testDevice: 'Act as the phone on the test page',
    newTab: '(opens in a new tab)',
  },
};

const POLL_MS = 2000;
const QR_MS = 1000;

let seq = 0;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

function langOf(opts) {
  return opts && opts.lang === 'en' ? 'en' : 'sv';
}

async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data = null;
  if ((res.headers.get('Content-Type') || '').startsWith('application/json')) {
    try { data = await res.json(); } catch { data = null; }
  }
  return { status: res.status, ok: res.ok, data: data || {} };
}

// flow renders one order into container and follows it to its end. start()
// returns {order, autostart, test, test_device} or throws {message}.
function flow(container, kind, opts, start) {
  const lang = langOf(opts);
  const t = TEXTS[lang];
  const id = `eid-${++seq}`;
  let order = null;
  let pollTimer = 0;
  let qrTimer = 0;
  let stopped = false;
  let qrUsed = true;
  let lastMessage = '';
  let settle;
  // done settles with the first attempt's outcome; opts.onDone hears every
  // attempt's (a login may be retried).
  const done = new Promise((resolve) => { settle = resolve; });

  const heading = el('h2', { id: `${id}-h`, class: 'eid-title', tabindex: '-1', text: kind === 'sign' ? t.signTitle : t.loginTitle });
  const banner = el('div', { class: 'eid-test', hidden: true });
  const help = el('p', { class: 'eid-help', id: `${id}-help`, text: t.qrHelp });
  const qr = el('img', { class: 'eid-qr', alt: t.qrAlt, width: '240', height: '240', hidden: true });
  const autostart = el('a', { class: 'eid-btn eid-btn-primary eid-autostart', href: '#', hidden: true, text: t.autostart });
  const message = el('p', { class: 'eid-msg', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', id: `${id}-msg` });
  const cancel = el('button', { type: 'button', class: 'eid-btn eid-cancel', text: t.cancel });
  const retry = el('button', { type: 'button', class: 'eid-btn eid-btn-primary eid-retry', hidden: true, text: t.retry });
  const section = el('section', { class: 'eid', 'aria-labelledby': `${id}-h`, lang },
    heading, banner, help, qr,
    el('p', { class: 'eid-actions' }, autostart),
    message,
    el('p', { class: 'eid-actions' }, cancel, retry));
  container.replaceChildren(section);

  function say(text) {
    if (text && text !== lastMessage) {
      lastMessage = text;
      message.textContent = text;
    }
  }

  function showTest(deviceURL) {
    const link = el('a', { href: deviceURL, target: '_blank', rel: 'noopener' }, t.testDevice + ' ', el('span', { class: 'eid-sr', text: t.newTab }));
    banner.replaceChildren(
      el('p', {}, el('strong', { text: t.testBanner }), ' ' + t.testText),
      el('p', {}, link));
    banner.hidden = false;
  }

  function stopTimers() {
    clearTimeout(pollTimer);
    clearInterval(qrTimer);
    pollTimer = 0;
    qrTimer = 0;
  }

  function finish(outcome, text) {
    if (stopped) return;
    stopped = true;
    stopTimers();
    qr.hidden = true;
    qr.removeAttribute('src');
    autostart.hidden = true;
    help.hidden = true;
    cancel.hidden = true;
    say(text);
    if (outcome !== 'complete' && kind === 'auth') {
      retry.hidden = false;
      retry.focus();
    } else {
      heading.focus();
    }
    if (settle) {
      settle(outcome);
      settle = null;
    }
    if (typeof opts.onDone === 'function') opts.onDone(outcome);
  }

  function reloadQR() {
    if (!order || stopped) return;
    qr.src = `/api/eid/orders/${encodeURIComponent(order)}/qr.svg?t=${Date.now()}`;
  }

  async function poll() {
    if (stopped) return;
    try {
      const r = await api('GET', `/api/eid/orders/${encodeURIComponent(order)}?lang=${lang}&qr=${qrUsed ? 1 : 0}`);
      if (stopped) return;
      if (!r.ok) {
        finish('failed', r.data.error || t.network);
        return;
      }
      if (r.data.test) banner.hidden = false;
      if (r.data.state === 'complete') {
        finish('complete', kind === 'sign' ? t.signed : t.loggedIn);
        return;
      }
      if (r.data.state === 'failed') {
        finish('failed', r.data.message || t.cancelled);
        return;
      }
      say(r.data.message);
    } catch {
      say(t.network);
    }
    pollTimer = setTimeout(poll, POLL_MS);
  }

  async function begin() {
    stopped = false;
    lastMessage = '';
    retry.hidden = true;
    cancel.hidden = false;
    help.hidden = false;
    say(t.starting);
    let started;
    try {
      started = await start();
    } catch (err) {
      finish('failed', (err && err.message) || t.network);
      return;
    }
    order = started.order;
    if (started.test) showTest(started.test_device || '/eid/test/');
    if (started.autostart) {
      autostart.href = started.autostart;
      if (started.test) {
        // The test "app" is a page: open it beside this one.
        autostart.target = '_blank';
        autostart.rel = 'noopener';
        autostart.replaceChildren(t.autostart + ' ', el('span', { class: 'eid-sr', text: t.newTab }));
      }
      autostart.hidden = false;
    }
    qr.hidden = false;
    reloadQR();
    qrTimer = setInterval(reloadQR, QR_MS);
    heading.focus();
    poll();
  }

  autostart.addEventListener('click', () => { qrUsed = false; });
  qr.addEventListener('error', () => {
    // The order ended between two reloads; the next poll says how.
    qr.hidden = true;
  });
  qr.addEventListener('load', () => { if (!stopped) qr.hidden = false; });
  cancel.addEventListener('click', async () => {
    if (stopped) return;
    const current = order;
    finish('cancelled', t.cancelled);
    if (current) {
      try { await api('DELETE', `/api/eid/orders/${encodeURIComponent(current)}`); } catch { /* gone anyway */ }
    }
  });
  retry.addEventListener('click', () => {
    if (kind === 'auth') begin();
  });

  begin();
  return {
    done,
    cancel: () => cancel.click(),
    stop() { stopped = true; stopTimers(); },
  };
}

/**
 * Starts a login and shows it in container. Returns {done, cancel, stop}:
 * done resolves to 'complete' (the citizen cookie is set: the page may
 * reload or fetch /api/eid/me), 'failed' or 'cancelled'. After a failure
 * the citizen may press "try again", which starts a new order; give
 * opts.onDone(outcome) to hear of every attempt's outcome.
 */
export function login(container, opts = {}) {
  const lang = langOf(opts);
  return flow(container, 'auth', opts, async () => {
    const r = await api('POST', `/api/eid/orders?lang=${lang}`, { kind: 'auth' });
    if (r.status !== 201) throw new Error(r.data.error || TEXTS[lang].network);
    return r.data;
  });
}

/**
 * Shows the sign order orderId (started on the server for the logged-in
 * citizen, see eid.Service.StartSign) in container and follows it. Returns
 * {done, cancel, stop}: done resolves to 'complete' (the page's own handler
 * may now take the signed result), 'failed' or 'cancelled'.
 */
export function sign(container, orderId, opts = {}) {
  const lang = langOf(opts);
  return flow(container, 'sign', opts, async () => {
    // The order exists already: its first poll gives the links.
    const r = await api('GET', `/api/eid/orders/${encodeURIComponent(orderId)}?lang=${lang}`);
    if (!r.ok) throw new Error(r.data.error || TEXTS[lang].network);
    return { ...r.data, order: orderId };
  });
}
