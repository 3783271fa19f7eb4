// The e-ID demo page (/eid/, "Mina sidor"): log in with login(), then the session
// bar with its logout button and inactivity warning.
import { login } from './eid.js';
import { sessionBar, me } from './session.js';

const TEXTS = {
  sv: {
    docTitle: 'Logga in med e-legitimation – Mina sidor',
    skip: 'Hoppa till innehållet', brand: 'Mina sidor', title: 'Mina sidor',
    outTitle: 'Logga in', outText: 'Logga in med BankID för att se dina bokningar och anmälningar.',
    start: 'Logga in med BankID',
    inTitle: 'Du är inloggad', inText: 'Här kommer dina bokningar och anmälningar att visas.',
    otherLang: 'English', otherHref: '?lang=en', otherCode: 'en',
  },
  en: {
    docTitle: 'Log in with e-ID – My pages',
    skip: 'Skip to content', brand: 'My pages', title: 'My pages',
    outTitle: 'Log in', outText: 'Log in with BankID to see your bookings and registrations.',
    start: 'Log in with BankID',
    inTitle: 'You are logged in', inText: 'Your bookings and registrations will be shown here.',
    otherLang: 'Svenska', otherHref: '?lang=sv', otherCode: 'sv',
  },
};

const lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'sv';
const t = TEXTS[lang];
document.documentElement.lang = lang;
document.title = t.docTitle;
for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t[e.dataset.i18n];
const langLink = document.getElementById('lang');
langLink.textContent = t.otherLang;
langLink.href = t.otherHref;
langLink.lang = t.otherCode;
langLink.hreflang = t.otherCode;

const outView = document.getElementById('out-view');
const inView = document.getElementById('in-view');
const session = document.getElementById('session');

async function show() {
  let m = null;
  try { m = await me(); } catch { m = null; }
  if (m) {
    outView.hidden = true;
    inView.hidden = false;
    await sessionBar(session, {
      lang,
      loginUrl: location.pathname + location.search,
      onLoggedOut: () => { inView.hidden = true; },
    });
  } else {
    inView.hidden = true;
    outView.hidden = false;
  }
}

document.getElementById('start').addEventListener('click', (e) => {
  e.currentTarget.hidden = true;
  login(document.getElementById('eid'), {
    lang,
    onDone: (outcome) => {
      if (outcome === 'complete') {
        document.getElementById('eid').replaceChildren();
        show().then(() => document.getElementById('in-title').focus());
      }
    },
  });
});

show();
