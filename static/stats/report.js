// Parentline statistics report: log in, choose a range, a period and a grouping, and
// read the five protected reports (topics, the queue's flow, waits, hour of week, cases
// escalated to social services) as tables and SVG charts, with CSV and JSON downloads of exactly what is shown.
// An ES module; the staff session and helpers come from /staff.js; every visible string is in DICT.
//
// The page never computes new numbers from the ones it gets: no sums, no differences.
// It shows each cell as the server protected it ("exact", "perturbed" or "suppressed"),
// fills cells the server did not send with exact zeros, and draws the same cells.

import { lineChart, hBarChart, stackedBars, heatmap, marker, svg } from './charts.js';
import {
  $, withStaffTexts, translator, applyStaticLang, otherLang, el, fetchJSON, showAlert, hasRole, showView as showStaffView,
  showUser, showLoginMessage, wireLogin, logout, startSession,
} from '/staff.js';

const KINDS = ['topics', 'flow', 'waits', 'heatmap', 'escalations'];
const PERIODS = ['week', 'month', 'quarter', 'year'];
const BYS = ['topic', 'audience', 'topic,audience'];
const SOURCES = ['live', 'demo'];
const AUDIENCES = ['young', 'teen'];
const EVENTS = ['queued', 'answered', 'abandoned'];
const BUCKETS = ['lt1', '1to5', '5to15', '15to30', 'gt30'];
const ESC_KINDS = ['consented', 'mandatory']; // escalations are counted per month: no weeks
const ALL = '*'; // a dimension the report is not grouped by
const HEAT_LEVELS = 5;

// How lines look: colour class, dash and marker all differ, so colour is never alone.
const LINE_STYLES = [
  { cls: 's0', dash: null, marker: 'circle' },
  { cls: 's1', dash: '7 4', marker: 'square' },
  { cls: 's2', dash: '2 3', marker: 'triangle' },
  { cls: 's3', dash: '10 3 2 3', marker: 'diamond' },
];
const lineStyle = (i) => LINE_STYLES[i % LINE_STYLES.length];
const EVENT_STYLE = { queued: lineStyle(0), answered: lineStyle(1), abandoned: lineStyle(2) };
const ESC_STYLE = { consented: lineStyle(0), mandatory: lineStyle(1), total: { cls: 's-total', dash: '10 3 2 3', marker: 'diamond' } };
// Wait buckets: colour class and a pattern over it (see the <defs> in index.html).
const BUCKET_STYLE = {
  lt1: { cls: 'b0', pattern: null },
  '1to5': { cls: 'b1', pattern: 'pat-b1' },
  '5to15': { cls: 'b2', pattern: 'pat-b2' },
  '15to30': { cls: 'b3', pattern: 'pat-b3' },
  gt30: { cls: 'b4', pattern: 'pat-b4' },
};

const DICT = withStaffTexts({
  sv: {
    docTitle: 'Föräldrachatten – statistik', brand: 'Föräldrachatten – statistik',
    loginIntro: 'För statistiker och administratörer. Logga in med ditt personliga konto.',
    deniedTitle: 'Du saknar behörighet',
    deniedText: 'Statistiksidan är bara för konton med rollen statistiker eller administratör. Be en administratör om behörighet om du behöver den.',
    reportTitle: 'Anonym statistik över chattarnas ämnen',
    demoBanner: 'DEMODATA – inte riktiga siffror', demoTag: 'Demodata',
    methodTitle: 'Så skyddas siffrorna',
    methodIntro: 'Statistiken visar vad chattarna handlade om – aldrig vem som skrev. Inga enskilda chattar sparas, bara räknare per dag. För att ingen ska kunna räknas ut, inte ens genom att jämföra flera rapporter med varandra, skyddas varje tal:',
    methodNumber: 'Ett tal, t.ex. 12,',
    methodPerturbed: 'är justerat slumpvis med högst ±2 uppåt eller nedåt. Justeringen blir densamma varje gång, så att ingen kan ta fram det exakta talet genom att fråga flera gånger eller räkna på skillnader mellan rapporter.',
    methodSuppressed: (k) => `betyder dolt: det var färre än ${k}, och så små tal visas inte, för att skydda anonymiteten.`,
    methodZero: 'betyder exakt noll: det fanns verkligen inga.',
    methodTotals: 'Varje summa (till exempel kolumnen Totalt) är skyddad för sig. Därför stämmer delarna och summan inte alltid exakt med varandra.',
    methodPeriods: 'Rapporterna gäller alltid hela perioder: början flyttas till periodens första dag och slutet till periodens sista dag.',
    controlsTitle: 'Välj vad som ska visas', from: 'Från och med', to: 'Till och med', period: 'Period',
    p_week: 'Vecka', p_month: 'Månad', p_quarter: 'Kvartal', p_year: 'År', by: 'Gruppera efter',
    by_topic: 'Ämne', by_audience: 'Målgrupp', by_topic_audience: 'Ämne och målgrupp', source: 'Data',
    src_live: 'Riktiga data', src_demo: 'Demodata', show: 'Visa',
    errDates: 'Ange både ett från-datum och ett till-datum.',
    errOrder: 'Från-datumet får inte vara senare än till-datumet.',
    loading: 'Hämtar statistik…',
    shown: (range, per, by) => `Visar ${range}, per ${per}, grupperat efter ${by}.`,
    shownDemo: ' Obs: demodata, inte riktiga siffror.',
    failedAll: 'Statistiken kunde inte hämtas. Försök igen.',
    failedSome: 'En del av statistiken kunde inte hämtas; se felmeddelandet i avsnittet.',
    loadFailed: 'Den här delen av statistiken kunde inte hämtas. Försök igen.',
    rangeNote: (qf, qt, from, to) => `Du valde ${qf} – ${qt}. Rapporterna gäller hela perioder och visar därför ${from} – ${to}.`,
    heatRange: (from, to) => `Värmekartan gäller en hel kalendermånad, ett kvartal eller ett år: ${from} – ${to}.`,
    per_week: 'vecka', per_month: 'månad', per_quarter: 'kvartal', per_year: 'år',
    byName_topic: 'ämne', byName_audience: 'målgrupp', 'byName_topic,audience': 'ämne och målgrupp',
    secTopics: 'Ämnen', secFlow: 'Chattar i kön: startade, besvarade och lämnade', secWaits: 'Väntetid till svar',
    secHeatmap: 'När föräldrar skriver', secEscalations: 'Ärenden till socialtjänsten',
    topicsIntro: 'Hur många chattar som handlade om varje ämne. En chatt kan ha flera ämnen och räknas då en gång per ämne.',
    flowIntro: 'Hur många föräldrar som ställde sig i kön, hur många som fick svar och hur många som lämnade kön innan någon svarade.',
    waitsIntro: 'Hur länge föräldrar som fick svar väntade i kön, i tidsintervall.',
    heatmapIntro: 'Hur många föräldrar som ställde sig i kön, per veckodag och timme (svensk tid), summerat över den kalendermånad, det kvartal eller det år som rymmer det valda intervallet (för att skydda små tal kan inte godtyckliga månadsspann visas).',
    escalationsIntro: 'Hur många ärenden som gick vidare till socialtjänsten: med förälderns samtycke eller som orosanmälan. Ärendena räknas per månad.',
    escWeekNote: 'Ärendena räknas per månad, inte per vecka, så den här delen visas per månad.',
    flowByNote: 'Kön grupperas bara efter målgrupp, inte efter ämne: ämnet väljs först när chatten avslutas.',
    capTopics: (by, per) => `Chattar per ${by} och ${per}`, capFlow: (per) => `Chattar i kön per ${per}`,
    capWaits: (per) => `Besvarade chattar per väntetid och ${per}`, capHeatmap: 'Chattar per veckodag och timme',
    capEscalations: (per) => `Ärenden till socialtjänsten per ${per || 'period'}`,
    esc_consented: 'Med samtycke', esc_mandatory: 'Orosanmälan',
    colPeriod: 'Period', colTotal: 'Totalt', colWeekday: 'Veckodag',
    aud_young: 'Yngre barn', aud_teen: 'Äldre barn och tonåringar', audAll: 'Alla målgrupper', topicAll: 'Alla ämnen',
    ev_queued: 'Startade', ev_answered: 'Besvarade', ev_abandoned: 'Lämnade kön utan svar',
    b_lt1: 'Under 1 min', b_1to5: '1–5 min', b_5to15: '5–15 min', b_15to30: '15–30 min', b_gt30: 'Över 30 min',
    wd_1: 'Måndag', wd_2: 'Tisdag', wd_3: 'Onsdag', wd_4: 'Torsdag', wd_5: 'Fredag', wd_6: 'Lördag', wd_7: 'Söndag',
    wds_1: 'mån', wds_2: 'tis', wds_3: 'ons', wds_4: 'tor', wds_5: 'fre', wds_6: 'lör', wds_7: 'sön',
    hourSpan: (h) => `kl. ${h}–${h + 1}`,
    downloadCsv: 'Ladda ner CSV', downloadJson: 'Ladda ner JSON', dlTopics: ', ämnen', dlFlow: ', kön',
    dlWaits: ', väntetid', dlHeatmap: ', veckodag och timme', dlEscalations: ', ärenden till socialtjänsten', downloading: 'Hämtar filen…',
    downloaded: (name) => `Filen ${name} är nedladdad.`, downloadFailed: 'Filen kunde inte hämtas. Försök igen.',
    supTitle: (k) => `Dolt: färre än ${k}, för att skydda anonymiteten`,
    perturbedTitle: 'Justerat slumpvis med högst ±2',
    tableNote: (k) => `– betyder dolt: färre än ${k}, för att skydda anonymiteten. Övriga tal är justerade slumpvis med högst ±2, utom 0 som är exakt. Summor är skyddade var för sig och stämmer därför inte alltid med delarna.`,
    heatNote: 'Timmen är starttimmen: 09 betyder 09.00–09.59.',
    lineNote: (k) => `Ett avbrott i en linje och en ring på nollinjen betyder ett dolt värde (färre än ${k}).`,
    barNote: (k) => `– med en randig ruta betyder dolt (färre än ${k}).`,
    stackNote: (k) => `Dolda värden (färre än ${k}) är inte med i staplarna; de visas som – i tabellen.`,
    latestTitle: (p) => `Senaste perioden, ${p}`, trendTitle: 'Utveckling per period',
    trendNote: 'Ett litet diagram per ämne, alla på samma skala. Totalt har en egen skala.',
    trendNoteAud: 'Totalt har en egen skala.', perAudience: 'Per målgrupp',
    total: 'Totalt', legendSup: (k) => `Dolt (färre än ${k})`, heatLegend: 'Färgskala, antal chattar:',
    ariaSame: ' Samma siffror finns i tabellen nedan.',
    ariaLatest: (p) => `Stapeldiagram: chattar per grupp under ${p}.`,
    ariaTop: (name, v) => ` Flest: ${name}, ${v}.`,
    ariaTrend: (name, first, last) => `Linjediagram: ${name}, per period från ${first} till ${last}.`,
    ariaMax: (v, p) => ` Högst ${v}, under ${p}.`,
    ariaFlow: (aud, first, last) => `Linjediagram: startade, besvarade och lämnade chattar per period, ${aud}, från ${first} till ${last}.`,
    ariaWaits: (aud, first, last) => `Staplat stapeldiagram: besvarade chattar per väntetid och period, ${aud}, från ${first} till ${last}.`,
    ariaHeat: 'Värmekarta: chattar per veckodag och timme.',
    ariaEscalations: (first, last) => `Linjediagram: ärenden till socialtjänsten med samtycke, som orosanmälan och totalt, per period från ${first} till ${last}.`,
    ariaPeak: (day, hour, v) => ` Flest: ${day} ${hour}, ${v}.`,
    noData: 'Inga perioder i intervallet.',
  },
  en: {
    docTitle: 'Parent chat – statistics', brand: 'Parent chat – statistics',
    loginIntro: 'For statisticians and administrators. Log in with your personal account.',
    deniedTitle: 'You do not have access',
    deniedText: 'The statistics page is only for accounts with the statistician or administrator role. Ask an administrator for access if you need it.',
    reportTitle: 'Anonymous statistics on what the chats were about',
    demoBanner: 'DEMO DATA – not real figures', demoTag: 'Demo data',
    methodTitle: 'How the figures are protected',
    methodIntro: 'The statistics show what the chats were about – never who wrote. No single chat is stored, only counters per day. So that nobody can be worked out, not even by comparing several reports, every figure is protected:',
    methodNumber: 'A number, e.g. 12,',
    methodPerturbed: 'has been adjusted at random by at most ±2 up or down. The adjustment is the same every time, so that nobody can get at the exact number by asking repeatedly or by working out differences between reports.',
    methodSuppressed: (k) => `means hidden: there were fewer than ${k}, and numbers that small are not shown, to protect anonymity.`,
    methodZero: 'means exactly zero: there really were none.',
    methodTotals: 'Every sum (the Total column, for example) is protected on its own. So the parts and the sum do not always add up exactly.',
    methodPeriods: 'Reports always cover whole periods: the start is moved back to the first day of its period and the end forward to the last day of its period.',
    controlsTitle: 'Choose what to show', from: 'From', to: 'To (inclusive)', period: 'Period',
    p_week: 'Week', p_month: 'Month', p_quarter: 'Quarter', p_year: 'Year', by: 'Group by',
    by_topic: 'Topic', by_audience: 'Audience', by_topic_audience: 'Topic and audience', source: 'Data',
    src_live: 'Real data', src_demo: 'Demo data', show: 'Show',
    errDates: 'Enter both a from date and a to date.',
    errOrder: 'The from date must not be later than the to date.',
    loading: 'Fetching statistics…',
    shown: (range, per, by) => `Showing ${range}, per ${per}, grouped by ${by}.`,
    shownDemo: ' Note: demo data, not real figures.',
    failedAll: 'The statistics could not be fetched. Please try again.',
    failedSome: 'Part of the statistics could not be fetched; see the message in that section.',
    loadFailed: 'This part of the statistics could not be fetched. Please try again.',
    rangeNote: (qf, qt, from, to) => `You chose ${qf} – ${qt}. Reports cover whole periods, so they show ${from} – ${to}.`,
    heatRange: (from, to) => `The heat map covers one whole calendar month, quarter or year: ${from} – ${to}.`,
    per_week: 'week', per_month: 'month', per_quarter: 'quarter', per_year: 'year',
    byName_topic: 'topic', byName_audience: 'audience', 'byName_topic,audience': 'topic and audience',
    secTopics: 'Topics', secFlow: 'Chats in the queue: started, answered and abandoned', secWaits: 'Wait until answered',
    secHeatmap: 'When parents write', secEscalations: 'Cases escalated to social services',
    topicsIntro: 'How many chats were about each topic. A chat can have several topics and then counts once per topic.',
    flowIntro: 'How many parents joined the queue, how many were answered and how many left the queue before anyone answered.',
    waitsIntro: 'How long the parents who were answered waited in the queue, in intervals.',
    heatmapIntro: 'How many parents joined the queue, by weekday and hour (Swedish time), added up over the calendar month, quarter or year that holds the chosen range (to protect small counts, arbitrary runs of months are not offered).',
    escalationsIntro: 'How many cases were passed on to social services: with the parent\'s consent, or as a report of concern. Cases are counted per month.',
    escWeekNote: 'Cases are counted per month, not per week, so this part is shown per month.',
    flowByNote: 'The queue is only grouped by audience, not by topic: the topic is chosen when the chat is closed.',
    capTopics: (by, per) => `Chats per ${by} and ${per}`, capFlow: (per) => `Chats in the queue per ${per}`,
    capWaits: (per) => `Answered chats per wait and ${per}`, capHeatmap: 'Chats per weekday and hour',
    capEscalations: (per) => `Cases escalated to social services per ${per || 'period'}`,
    esc_consented: 'With consent', esc_mandatory: 'Report of concern',
    colPeriod: 'Period', colTotal: 'Total', colWeekday: 'Weekday',
    aud_young: 'Younger children', aud_teen: 'Older children and teenagers', audAll: 'All audiences', topicAll: 'All topics',
    ev_queued: 'Started', ev_answered: 'Answered', ev_abandoned: 'Left the queue unanswered',
    b_lt1: 'Under 1 min', b_1to5: '1–5 min', b_5to15: '5–15 min', b_15to30: '15–30 min', b_gt30: 'Over 30 min',
    wd_1: 'Monday', wd_2: 'Tuesday', wd_3: 'Wednesday', wd_4: 'Thursday', wd_5: 'Friday', wd_6: 'Saturday', wd_7: 'Sunday',
    wds_1: 'Mon', wds_2: 'Tue', wds_3: 'Wed', wds_4: 'Thu', wds_5: 'Fri', wds_6: 'Sat', wds_7: 'Sun',
    hourSpan: (h) => `${h}:00–${h + 1}:00`,
    downloadCsv: 'Download CSV', downloadJson: 'Download JSON', dlTopics: ', topics', dlFlow: ', queue',
    dlWaits: ', waits', dlHeatmap: ', weekday and hour', dlEscalations: ', cases escalated to social services', downloading: 'Fetching the file…',
    downloaded: (name) => `The file ${name} has been downloaded.`, downloadFailed: 'The file could not be fetched. Please try again.',
    supTitle: (k) => `Hidden: fewer than ${k}, to protect anonymity`,
    perturbedTitle: 'Adjusted at random by at most ±2',
    tableNote: (k) => `– means hidden: fewer than ${k}, to protect anonymity. Other numbers are adjusted at random by at most ±2, except 0, which is exact. Sums are protected on their own and so do not always match their parts.`,
    heatNote: 'The hour is the starting hour: 09 means 09:00–09:59.',
    lineNote: (k) => `A gap in a line and a ring on the zero line mean a hidden value (fewer than ${k}).`,
    barNote: (k) => `– with a striped box means hidden (fewer than ${k}).`,
    stackNote: (k) => `Hidden values (fewer than ${k}) are left out of the bars; the table shows them as –.`,
    latestTitle: (p) => `Latest period, ${p}`, trendTitle: 'Over the periods',
    trendNote: 'One small chart per topic, all on the same scale. Total has a scale of its own.',
    trendNoteAud: 'Total has a scale of its own.', perAudience: 'Per audience',
    total: 'Total', legendSup: (k) => `Hidden (fewer than ${k})`, heatLegend: 'Colour scale, number of chats:',
    ariaSame: ' The same numbers are in the table below.',
    ariaLatest: (p) => `Bar chart: chats per group in ${p}.`,
    ariaTop: (name, v) => ` Most: ${name}, ${v}.`,
    ariaTrend: (name, first, last) => `Line chart: ${name}, per period from ${first} to ${last}.`,
    ariaMax: (v, p) => ` Highest ${v}, in ${p}.`,
    ariaFlow: (aud, first, last) => `Line chart: started, answered and abandoned chats per period, ${aud}, from ${first} to ${last}.`,
    ariaWaits: (aud, first, last) => `Stacked bar chart: answered chats per wait and period, ${aud}, from ${first} to ${last}.`,
    ariaHeat: 'Heat map: chats per weekday and hour.',
    ariaEscalations: (first, last) => `Line chart: cases escalated to social services with consent, as reports of concern and in total, per period from ${first} to ${last}.`,
    ariaPeak: (day, hour, v) => ` Most: ${day} ${hour}, ${v}.`,
    noData: 'No periods in the range.',
  },
});

let lang = 'sv';

/**
 * The page's state. query: the query whose data is shown. data[kind]: {url, raw, json}
 * as fetched. errors[kind]: a message. labels[lang]: topic id -> label.
 */
const S = {
  me: null, query: null, data: {}, errors: {}, labels: {}, topicOrder: [], k: null,
  seq: 0, ctrl: null, status: null, formError: null, charts: {},
};

/** Translates key in the page language; function entries get args. */
const t = translator(DICT, () => lang);

const locale = () => (lang === 'sv' ? 'sv-SE' : 'en-GB');
const numberFormats = {};
const fmtNum = (n) => (numberFormats[lang] ??= new Intl.NumberFormat(locale())).format(n);
const arr = (v) => (Array.isArray(v) ? v : []);
const kText = () => (S.k === null ? 'k' : fmtNum(S.k));

/** A YYYY-MM-DD date as a long local date ("1 mars 2025"). */
function fmtDate(s) {
  const d = parseDate(s);
  if (!d) return String(s || '');
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC' }).format(d);
}

// ---- dates and periods -------------------------------------------------------------

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD (or longer ISO) string as a UTC Date, or null. */
function parseDate(s) {
  const head = String(s || '').slice(0, 10);
  if (!DATE_RE.test(head)) return null;
  const d = new Date(head + 'T00:00:00Z');
  return isNaN(d) || d.toISOString().slice(0, 10) !== head ? null : d;
}

const isoDate = (d) => d.toISOString().slice(0, 10);

/** The last 12 whole months before the current one, period month, by topic, live data. */
function defaultQuery(now = new Date()) {
  const y = now.getFullYear();
  const m = now.getMonth();
  return {
    from: isoDate(new Date(Date.UTC(y, m - 12, 1))), to: isoDate(new Date(Date.UTC(y, m, 0))),
    period: 'month', by: 'topic', source: 'live',
  };
}

/** The name of the period a UTC date falls in: 2026-W05, 2026-03, 2026-Q1 or 2026. */
function periodOf(d, period) {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  switch (period) {
    case 'year': return String(y);
    case 'quarter': return `${y}-Q${Math.ceil(m / 3)}`;
    case 'week': {
      const th = new Date(d); // the Thursday of the ISO week decides its year
      th.setUTCDate(th.getUTCDate() + 4 - (th.getUTCDay() || 7));
      const wy = th.getUTCFullYear();
      const week = Math.ceil(((th - Date.UTC(wy, 0, 1)) / 86400000 + 1) / 7);
      return `${wy}-W${String(week).padStart(2, '0')}`;
    }
    default: return `${y}-${String(m).padStart(2, '0')}`;
  }
}

/** Every period from..to touches, plus any the server named, in order. */
function periodsBetween(from, to, period, named) {
  const set = new Set(named);
  const a = parseDate(from);
  const b = parseDate(to);
  if (a && b) {
    for (let d = a, n = 0; d <= b && n < 20000; n++) {
      set.add(periodOf(d, period));
      d = new Date(d.getTime() + 86400000);
    }
  }
  return [...set].sort();
}

// ---- the query and the URL -------------------------------------------------------------

/** The query in the address bar, with defaults for anything missing or invalid. */
function queryFromURL() {
  const p = new URLSearchParams(location.search);
  const q = defaultQuery();
  const date = (k) => (DATE_RE.test(p.get(k) || '') && parseDate(p.get(k)) ? p.get(k) : null);
  if (date('from') && date('to') && date('from') <= date('to')) {
    q.from = p.get('from');
    q.to = p.get('to');
  }
  if (PERIODS.includes(p.get('period'))) q.period = p.get('period');
  if (BYS.includes(p.get('by'))) q.by = p.get('by');
  if (SOURCES.includes(p.get('source'))) q.source = p.get('source');
  if (p.get('lang') === 'en') lang = 'en';
  return q;
}

/** Keeps the shown query (and an English page) in the address bar, for bookmarks. */
function writeURL(q) {
  const p = new URLSearchParams();
  if (q) for (const k of ['from', 'to', 'period', 'by', 'source']) p.set(k, q[k]);
  else for (const [k, v] of new URLSearchParams(location.search)) if (k !== 'lang') p.set(k, v);
  if (lang === 'en') p.set('lang', 'en');
  const s = p.toString();
  history.replaceState(null, '', location.pathname + (s ? '?' + s : '') + location.hash);
}

function queryToForm(q) {
  for (const k of ['from', 'to', 'period', 'by', 'source']) $(k).value = q[k];
}

function formToQuery() {
  return { from: $('from').value, to: $('to').value, period: $('period').value, by: $('by').value, source: $('source').value };
}

/** The API address of one report for a query. */
function apiURL(kind, q) {
  const p = new URLSearchParams({ from: q.from, to: q.to });
  if (kind === 'escalations') {
    p.set('period', escPeriod(q)); // kept per month: no grouping, no weeks
  } else if (kind !== 'heatmap') {
    p.set('period', q.period);
    p.set('by', kind === 'topics' ? q.by : (q.by.includes('audience') ? 'audience' : 'all'));
  }
  if (q.source === 'demo') p.set('source', 'demo');
  return `/api/stats/${kind}?${p}`;
}

/** The period of the escalations report: the chosen one, or month for week (counts are kept per month). */
const escPeriod = (q) => (q.period === 'week' ? 'month' : q.period);

// ---- HTTP ----------------------------------------------------------------------------------

/** JSON request to our own server; returns {ok, status, data, raw, headers}; see fetchJSON. */
const api = (method, path, body, signal) => fetchJSON(method, path, body, { signal });

// ---- messages ---------------------------------------------------------------------------------

/** Message holders keep a function, so a language switch can say them again. */
function setStatus(fn) {
  S.status = fn;
  $('report-status').textContent = fn ? fn() : '';
}

function setFormError(fn) {
  S.formError = fn;
  $('form-error').textContent = fn ? fn() : '';
}

// ---- language -------------------------------------------------------------------------------------

/** Applies the dictionary to the static page (data-i18n) and redraws the rest. */
function applyLang() {
  applyStaticLang(t, lang);
  $('method-suppressed').textContent = t('methodSuppressed', kText());
  $('method-perturbed').textContent = t('methodPerturbed');
  if (S.status) $('report-status').textContent = S.status();
  if (S.formError) $('form-error').textContent = S.formError();
  renderReport();
}

async function setLang(l) {
  lang = l;
  writeURL(S.query);
  applyLang();
  if (S.query && !S.labels[lang]) {
    await loadTopicLabels(lang);
    renderReport();
  }
}

// ---- login and session ------------------------------------------------------------------------------

const showView = (name) => showStaffView(name, 'report');

function showLogin(message) {
  S.ctrl?.abort();
  S.me = null;
  showView('login');
  showLoginMessage(message);
}

/** Enters the page as the account me ({username, name, roles}). */
function enter(me) {
  S.me = me;
  showUser(me);
  if (!hasRole(me, 'statistician', 'admin')) {
    showView('denied');
    return;
  }
  showView('report');
  showReport(formToQuery());
}

async function onLogout() {
  await logout();
  showAlert('');
  showLogin('');
}

// ---- fetching the reports ------------------------------------------------------------------------------

/** GET /api/topics?lang=… for topic names (ids are shown for topics it does not list). */
async function loadTopicLabels(l) {
  try {
    const res = await api('GET', '/api/topics?lang=' + encodeURIComponent(l));
    if (!res.ok || !Array.isArray(res.data)) return;
    S.labels[l] = new Map(res.data.map((tp) => [String(tp.id), String(tp.label || tp.id)]));
    if (!S.topicOrder.length) S.topicOrder = res.data.map((tp) => String(tp.id));
  } catch { /* names are a nicety; ids still identify the topics */ }
}

function onSubmit(e) {
  e.preventDefault();
  const q = formToQuery();
  if (!parseDate(q.from) || !parseDate(q.to)) {
    setFormError(() => t('errDates'));
    (parseDate(q.from) ? $('to') : $('from')).focus();
    return;
  }
  if (q.from > q.to) {
    setFormError(() => t('errOrder'));
    $('from').focus();
    return;
  }
  setFormError(null);
  showReport(q);
}

/** Fetches the five reports for q at once and shows them; a newer request wins. */
async function showReport(q) {
  S.ctrl?.abort();
  const ctrl = new AbortController();
  S.ctrl = ctrl;
  const seq = ++S.seq;
  writeURL(q);
  setStatus(() => t('loading'));
  for (const kind of KINDS) {
    $(kind + '-section').setAttribute('aria-busy', 'true');
    for (const f of ['csv', 'json']) $(`download-${kind}-${f}`).disabled = true;
  }
  const labels = S.labels[lang] ? null : loadTopicLabels(lang);
  const results = await Promise.all(KINDS.map(async (kind) => {
    const url = apiURL(kind, q);
    try {
      return { kind, url, res: await api('GET', url, undefined, ctrl.signal) };
    } catch (err) {
      return { kind, url, err };
    }
  }));
  if (labels) await labels;
  if (seq !== S.seq) return; // a newer request took over
  S.ctrl = null;
  for (const kind of KINDS) $(kind + '-section').removeAttribute('aria-busy');
  if (results.some((r) => r.res?.status === 401)) { showLogin(t('sessionExpired')); return; }
  if (results.some((r) => r.res?.status === 403)) { showView('denied'); return; }
  S.query = q;
  S.k = null;
  let failed = 0;
  for (const { kind, url, res } of results) {
    if (res && res.ok && res.data && typeof res.data === 'object') {
      S.data[kind] = { url, raw: res.raw, json: res.data };
      S.errors[kind] = null;
      if (S.k === null && Number.isFinite(Number(res.data.k)) && res.data.k !== null) S.k = Number(res.data.k);
    } else {
      failed++;
      S.data[kind] = null;
      const msg = res?.data?.error ? String(res.data.error) : '';
      S.errors[kind] = () => (msg || (res ? t('loadFailed') : t('network')));
    }
  }
  $('method-suppressed').textContent = t('methodSuppressed', kText());
  renderReport();
  if (failed === KINDS.length) setStatus(() => t('failedAll'));
  else {
    setStatus(() => {
      const { from, to } = shownRange();
      const range = `${fmtDate(from)} – ${fmtDate(to)}`;
      return t('shown', range, t('per_' + q.period), t('byName_' + q.by)) + (isDemo() ? t('shownDemo') : '') +
        (failed ? ' ' + t('failedSome') : '');
    });
  }
}

/** The range the period reports cover: whole periods, as the server says (else as asked). */
function shownRange() {
  const j = S.data.topics?.json || S.data.flow?.json || S.data.waits?.json;
  const from = parseDate(j?.from) ? String(j.from).slice(0, 10) : S.query.from;
  const to = parseDate(j?.to) ? String(j.to).slice(0, 10) : S.query.to;
  return { from, to };
}

/** Whether what is shown is demo data: the responses say so, or, if they say nothing, the query. */
function isDemo() {
  const said = KINDS.map((k) => S.data[k]?.json?.source).filter(Boolean);
  return said.length ? said.includes('demo') : S.query?.source === 'demo';
}

// ---- downloads -------------------------------------------------------------------------------------------

/**
 * The file name for a download, as the server names its CSV files:
 * parentline-topics-2025-03-01-2026-02-28.csv, with -demo after the report's name for demo data.
 */
function fileName(kind, ext) {
  const j = S.data[kind]?.json || {};
  const from = parseDate(j.from) ? String(j.from).slice(0, 10) : S.query.from;
  const to = parseDate(j.to) ? String(j.to).slice(0, 10) : S.query.to;
  return `parentline-${kind}${isDemo() ? '-demo' : ''}-${from}-${to}.${ext}`;
}

/** The file name in a Content-Disposition header, if it has a plain one. */
function dispositionName(header) {
  const m = /filename="([^"/\\]+)"/.exec(header || '');
  return m ? m[1] : '';
}

/**
 * Saves what a section shows: JSON is the response as it came; CSV is the same
 * address with &format=csv (and the page's language for topic names).
 */
async function download(kind, format) {
  const d = S.data[kind];
  if (!d) return;
  let name = fileName(kind, format);
  let blob;
  if (format === 'json') {
    blob = new Blob([d.raw], { type: 'application/json' });
  } else {
    setStatus(() => t('downloading'));
    try {
      const res = await fetch(`${d.url}&format=csv&lang=${lang}`, { credentials: 'same-origin', headers: { Accept: 'text/csv' } });
      if (res.status === 401) { showLogin(t('sessionExpired')); return; }
      if (!res.ok) throw new Error('csv ' + res.status);
      blob = new Blob([await res.arrayBuffer()], { type: 'text/csv;charset=utf-8' });
      name = dispositionName(res.headers.get('Content-Disposition')) || name;
    } catch {
      setStatus(() => t('downloadFailed'));
      return;
    }
  }
  const a = el('a', { href: URL.createObjectURL(blob), download: name, class: 'sr-only', tabindex: '-1' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
  setStatus(() => t('downloaded', name));
}

// ---- cells ----------------------------------------------------------------------------------------------------

/** A cell's number for drawing: null when suppressed, 0 for a cell the server did not send. */
function cellValue(c) {
  if (!c) return 0;
  if (c.status === 'suppressed' || c.count === null || c.count === undefined) return null;
  const n = Number(c.count);
  return Number.isFinite(n) ? n : null;
}

/** A table cell for a protected number, with its status in data-status. */
function numTd(c) {
  const v = cellValue(c);
  const status = v === null ? 'suppressed' : (c ? String(c.status || 'exact') : 'exact');
  const td = el('td', { class: 'num st-' + status, 'data-status': status });
  if (v === null) td.append(el('abbr', { title: t('supTitle', kText()), text: '–' }));
  else {
    td.textContent = fmtNum(v);
    if (status === 'perturbed') td.title = t('perturbedTitle');
  }
  return td;
}

const fmtCount = (v) => (v === null ? '–' : fmtNum(v));

function audLabel(a) {
  if (a === ALL) return t('audAll');
  return DICT.sv['aud_' + a] ? t('aud_' + a) : String(a);
}

function topicLabel(id, cell) {
  if (id === ALL) return t('topicAll');
  if (cell && typeof cell.label === 'string' && cell.label) return cell.label;
  return S.labels[lang]?.get(id) || S.labels.sv?.get(id) || S.labels.en?.get(id) || String(id);
}

function orderTopics(ids) {
  const rank = new Map(S.topicOrder.map((id, i) => [id, i]));
  return [...ids].sort((a, b) => (rank.get(a) ?? 1e9) - (rank.get(b) ?? 1e9) || a.localeCompare(b));
}

function orderAudiences(ids) {
  const rank = (a) => (AUDIENCES.includes(a) ? AUDIENCES.indexOf(a) : 99);
  return [...ids].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Cells into a map key -> period -> cell. */
function gridOf(cells, keyOf) {
  const grid = new Map();
  for (const c of cells) {
    const key = keyOf(c);
    if (!grid.has(key)) grid.set(key, new Map());
    grid.get(key).set(String(c.period), c);
  }
  return grid;
}

const at = (grid, key, period) => grid.get(key)?.get(period);

// ---- tables ------------------------------------------------------------------------------------------------------

/**
 * Fills a table: head is [{label, sub?: [labels]}] (sub makes a column group with a
 * second header row), rows are [{label, cells}] with a row header each.
 */
function fillTable(table, { caption, corner, head, rows }) {
  const cap = table.querySelector('caption');
  cap.textContent = caption;
  const two = head.some((h) => h.sub);
  const cols = [el('colgroup', { span: '1' })];
  const tr1 = el('tr', {}, [el('th', { scope: 'col', rowspan: two ? '2' : null, text: corner })]);
  const tr2 = el('tr');
  for (const h of head) {
    cols.push(el('colgroup', { span: String(h.sub ? h.sub.length : 1) }));
    if (h.sub) {
      tr1.append(el('th', { scope: 'colgroup', colspan: String(h.sub.length), text: h.label }));
      for (const s of h.sub) tr2.append(el('th', { scope: 'col', text: s }));
    } else {
      tr1.append(el('th', { scope: 'col', rowspan: two ? '2' : null, text: h.label }));
    }
  }
  const tbody = el('tbody', {}, rows.map((r) => el('tr', {}, [el('th', { scope: 'row', text: r.label }), ...r.cells.map(numTd)])));
  table.replaceChildren(cap, ...cols, el('thead', {}, two ? [tr1, tr2] : [tr1]), tbody);
}

function clearTable(table) {
  table.replaceChildren(table.querySelector('caption'));
}

// ---- charts ------------------------------------------------------------------------------------------------------

/** Draws charts into their hosts at the hosts' widths, and again when the width changes. */
function mountCharts(kind, entries) {
  S.charts[kind] = entries;
  paintCharts(entries);
}

function paintCharts(entries) {
  const widths = entries.map((e) => Math.floor(e.host.clientWidth) || 600);
  entries.forEach((e, i) => {
    e.width = widths[i];
    e.host.replaceChildren(e.draw(Math.max(240, widths[i])));
  });
}

let resizeFrame = 0;
function onResize() {
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(() => {
    for (const entries of Object.values(S.charts)) {
      const stale = entries.filter((e) => Math.floor(e.host.clientWidth) !== e.width);
      if (stale.length) paintCharts(stale);
    }
  });
}

/** A figure with a visible caption and a host for one chart. */
function figure(title, cls) {
  const host = el('div', { class: 'chart-host' });
  return { fig: el('figure', { class: cls || 'fig' }, [el('figcaption', { text: title }), host]), host };
}

/** A legend swatch: a small decorative SVG. */
function swatch(children, w = 30, h = 14) {
  return svg('svg', { class: 'swatch', width: w, height: h, viewBox: `0 0 ${w} ${h}`, 'aria-hidden': 'true', focusable: 'false' }, children);
}

function lineSwatch(style) {
  return swatch(svg('g', { class: 'series ' + style.cls }, [
    svg('path', { class: 'line', d: 'M1 7L29 7', 'stroke-dasharray': style.dash || null }),
    marker(style.marker, 15, 7),
  ]));
}

function boxSwatch(cls, pattern) {
  const box = { x: 1, y: 1, width: 16, height: 12 };
  return swatch([svg('rect', { ...box, class: cls }), pattern ? svg('rect', { ...box, class: 'seg-pattern', fill: `url(#${pattern})` }) : null], 18, 14);
}

function legend(items) {
  return el('ul', { class: 'legend' }, items.map(([sw, text]) => el('li', {}, [sw, el('span', { text })])));
}

/** The highest visible value and the period it is in, for a chart's name. */
function peakOf(values, periods) {
  let best = -1;
  let at = -1;
  values.forEach((v, i) => { if (v !== null && v > best) { best = v; at = i; } });
  return at < 0 || best <= 0 ? '' : t('ariaMax', fmtNum(best), periods[at]);
}

// ---- rendering ----------------------------------------------------------------------------------------------------

function renderReport() {
  if (!S.query) return;
  const demo = isDemo();
  $('demo-banner').hidden = !demo;
  for (const e of document.querySelectorAll('.demo-tag')) e.hidden = !demo;
  const { from, to } = shownRange();
  const q = S.query;
  $('range-note').textContent = from !== q.from || to !== q.to ? t('rangeNote', fmtDate(q.from), fmtDate(q.to), fmtDate(from), fmtDate(to)) : '';
  renderTopics();
  renderFlow();
  renderWaits();
  renderHeatmap();
  renderEscalations();
  for (const kind of KINDS) {
    const err = S.errors[kind];
    $(kind + '-error').textContent = err ? err() : '';
    const note = $(kind + '-note');
    const extra = kind === 'heatmap' ? ' ' + t('heatNote') : (kind === 'escalations' && escWeek() ? ' ' + t('escWeekNote') : '');
    note.textContent = S.data[kind] ? t('tableNote', kText()) + extra : '';
    for (const f of ['csv', 'json']) $(`download-${kind}-${f}`).disabled = !S.data[kind];
  }
}

/** The periods a response covers: whole periods from its from to its to. */
function periodsOf(j, cellLists) {
  const period = PERIODS.includes(j.period) ? j.period : S.query.period;
  const named = cellLists.flat().map((c) => String(c.period)).filter((p) => p !== 'undefined');
  return periodsBetween(j.from || S.query.from, j.to || S.query.to, period, named);
}

function renderTopics() {
  const table = $('topics-table');
  const host = $('topics-charts');
  const d = S.data.topics;
  if (!d) { clearTable(table); host.replaceChildren(); S.charts.topics = []; return; }
  const j = d.json;
  const q = S.query;
  const by = BYS.includes(j.by) ? j.by : q.by;
  const byTopic = by.includes('topic');
  const byAud = by.includes('audience');
  const cells = arr(j.cells);
  const totals = arr(j.totals);
  const periods = periodsOf(j, [cells, totals]);
  const tp = (c) => (byTopic ? String(c.topic) : ALL);
  const au = (c) => (byAud ? String(c.audience) : ALL);
  const grid = gridOf(cells, (c) => tp(c) + '|' + au(c));
  const totalGrid = gridOf(totals, () => 'total');
  const sample = new Map(cells.map((c) => [tp(c), c]));
  // With no cells at all the report is still shown, as zeros for the known groups.
  let topics = byTopic ? orderTopics(new Set(cells.map(tp))) : [ALL];
  if (byTopic && !cells.length) topics = [...S.topicOrder];
  const auds = byAud ? orderAudiences(new Set([...cells.map(au), ...AUDIENCES])) : [ALL];
  const leaves = topics.flatMap((x) => auds.map((a) => ({
    key: x + '|' + a,
    label: byTopic && byAud ? `${topicLabel(x, sample.get(x))} · ${audLabel(a)}` : byTopic ? topicLabel(x, sample.get(x)) : audLabel(a),
  })));

  const head = byTopic && byAud
    ? topics.map((x) => ({ label: topicLabel(x, sample.get(x)), sub: auds.map(audLabel) }))
    : leaves.map((l) => ({ label: l.label }));
  head.push({ label: t('colTotal') });
  fillTable(table, {
    caption: t('capTopics', t('byName_' + by), t('per_' + (j.period || q.period))),
    corner: t('colPeriod'),
    head,
    rows: periods.map((p) => ({ label: p, cells: [...leaves.map((l) => at(grid, l.key, p)), at(totalGrid, 'total', p)] })),
  });

  if (!periods.length) { host.replaceChildren(el('p', { class: 'muted', text: t('noData') })); S.charts.topics = []; return; }
  const last = periods[periods.length - 1];
  const items = leaves.map((l) => ({ label: l.label, value: cellValue(at(grid, l.key, last)) }))
    .sort((a, b) => (b.value ?? -1) - (a.value ?? -1));
  const top = items[0] && items[0].value > 0 ? t('ariaTop', items[0].label, fmtNum(items[0].value)) : '';
  const bars = figure(t('latestTitle', last));
  bars.fig.append(el('p', { class: 'chart-note', text: t('barNote', kText()) }));

  const trend = el('div', { class: 'multiples' });
  const entries = [{
    host: bars.host,
    draw: (w) => hBarChart({ width: w, label: t('ariaLatest', last) + top + t('ariaSame'), items, fmt: fmtNum }),
  }];
  // One small chart per topic (a line per audience when grouped by both), or one chart
  // with a line per audience; Total first, on a scale of its own.
  const line = (key) => periods.map((p) => cellValue(at(grid, key, p)));
  const groups = byTopic
    ? topics.map((x) => ({ label: topicLabel(x, sample.get(x)), series: auds.map((a, i) => ({ name: audLabel(a), values: line(x + '|' + a), ...lineStyle(i) })) }))
    : [{ label: t('perAudience'), series: auds.map((a, i) => ({ name: audLabel(a), values: line(ALL + '|' + a), ...lineStyle(i) })) }];
  const shared = Math.max(0, ...groups.flatMap((g) => g.series.flatMap((x) => x.values.filter((v) => v !== null))));
  groups.unshift({ label: t('total'), own: true, series: [{ name: t('total'), values: periods.map((p) => cellValue(at(totalGrid, 'total', p))), cls: 's-total', marker: 'circle' }] });
  for (const g of groups) {
    const f = figure(g.label, 'mini');
    trend.append(f.fig);
    const peaks = g.series.length > 1
      ? g.series.map((x) => { const pk = peakOf(x.values, periods); return pk ? ` ${x.name}:${pk}` : ''; }).join('')
      : peakOf(g.series[0].values, periods);
    const name = t('ariaTrend', g.label, periods[0], last) + peaks + t('ariaSame');
    entries.push({
      host: f.host,
      draw: (w) => lineChart({ width: w, height: 170, label: name, xLabels: periods, fmt: fmtNum, yMax: g.own ? undefined : shared, series: g.series }),
    });
  }
  host.replaceChildren(...[
    bars.fig,
    el('h3', { class: 'chart-heading', text: t('trendTitle') }),
    byAud ? legend(auds.map((a, i) => [lineSwatch(lineStyle(i)), audLabel(a)])) : null,
    el('p', { class: 'chart-note', text: t(byTopic ? 'trendNote' : 'trendNoteAud') + ' ' + t('lineNote', kText()) }),
    trend,
  ].filter(Boolean));
  mountCharts('topics', entries);
}

/** Flow and waits share a shape: periods × (audience ×) a fixed list of columns. */
function seriesReport(kind, column, columns, colLabel) {
  const j = S.data[kind].json;
  const q = S.query;
  const by = ['all', 'audience'].includes(j.by) ? j.by : (q.by.includes('audience') ? 'audience' : 'all');
  const byAud = by === 'audience';
  const cells = arr(j.cells);
  const periods = periodsOf(j, [cells]);
  const au = (c) => (byAud ? String(c.audience) : ALL);
  const grid = gridOf(cells, (c) => au(c) + '|' + String(c[column]));
  const auds = byAud ? orderAudiences(new Set([...cells.map(au), ...AUDIENCES])) : [ALL];
  const head = byAud
    ? auds.map((a) => ({ label: audLabel(a), sub: columns.map(colLabel) }))
    : columns.map((c) => ({ label: colLabel(c) }));
  const rows = periods.map((p) => ({ label: p, cells: auds.flatMap((a) => columns.map((c) => at(grid, a + '|' + c, p))) }));
  return { j, periods, auds, grid, head, rows, byAud };
}

function renderFlow() {
  const table = $('flow-table');
  const host = $('flow-charts');
  if (!S.data.flow) { clearTable(table); host.replaceChildren(); S.charts.flow = []; return; }
  const evLabel = (e) => t('ev_' + e);
  const r = seriesReport('flow', 'event', EVENTS, evLabel);
  fillTable(table, { caption: t('capFlow', t('per_' + (r.j.period || S.query.period))), corner: t('colPeriod'), head: r.head, rows: r.rows });
  if (!r.periods.length) { host.replaceChildren(el('p', { class: 'muted', text: t('noData') })); S.charts.flow = []; return; }
  const first = r.periods[0];
  const last = r.periods[r.periods.length - 1];
  const perAud = r.auds.map((a) => EVENTS.map((e) => ({ ...EVENT_STYLE[e], values: r.periods.map((p) => cellValue(at(r.grid, a + '|' + e, p))) })));
  const shared = Math.max(0, ...perAud.flat().flatMap((s) => s.values.filter((v) => v !== null)));
  const wrap = el('div', { class: r.auds.length > 1 ? 'multiples multiples-wide' : 'single' });
  const entries = r.auds.map((a, i) => {
    const f = figure(audLabel(a), r.auds.length > 1 ? 'mini' : 'fig');
    wrap.append(f.fig);
    const name = t('ariaFlow', audLabel(a), first, last) + t('ariaSame');
    return { host: f.host, draw: (w) => lineChart({ width: w, height: 220, label: name, xLabels: r.periods, series: perAud[i], yMax: shared, fmt: fmtNum }) };
  });
  host.replaceChildren(
    legend(EVENTS.map((e) => [lineSwatch(EVENT_STYLE[e]), evLabel(e)])),
    el('p', { class: 'chart-note', text: (r.byAud ? '' : t('flowByNote') + ' ') + t('lineNote', kText()) }),
    wrap,
  );
  mountCharts('flow', entries);
}

function renderWaits() {
  const table = $('waits-table');
  const host = $('waits-charts');
  if (!S.data.waits) { clearTable(table); host.replaceChildren(); S.charts.waits = []; return; }
  const bLabel = (b) => t('b_' + b);
  const r = seriesReport('waits', 'bucket', BUCKETS, bLabel);
  fillTable(table, { caption: t('capWaits', t('per_' + (r.j.period || S.query.period))), corner: t('colPeriod'), head: r.head, rows: r.rows });
  if (!r.periods.length) { host.replaceChildren(el('p', { class: 'muted', text: t('noData') })); S.charts.waits = []; return; }
  const first = r.periods[0];
  const last = r.periods[r.periods.length - 1];
  const wrap = el('div', { class: r.auds.length > 1 ? 'multiples multiples-wide' : 'single' });
  const entries = r.auds.map((a) => {
    const f = figure(audLabel(a), r.auds.length > 1 ? 'mini' : 'fig');
    wrap.append(f.fig);
    const stacks = BUCKETS.map((b) => ({ ...BUCKET_STYLE[b], values: r.periods.map((p) => cellValue(at(r.grid, a + '|' + b, p))) }));
    const name = t('ariaWaits', audLabel(a), first, last) + t('ariaSame');
    return { host: f.host, draw: (w) => stackedBars({ width: w, height: 240, label: name, xLabels: r.periods, stacks, fmt: fmtNum }) };
  });
  host.replaceChildren(
    legend(BUCKETS.map((b) => [boxSwatch('seg ' + BUCKET_STYLE[b].cls, BUCKET_STYLE[b].pattern), bLabel(b)])),
    el('p', { class: 'chart-note', text: (r.byAud ? '' : t('flowByNote') + ' ') + t('stackNote', kText()) }),
    wrap,
  );
  mountCharts('waits', entries);
}

function renderHeatmap() {
  const table = $('heatmap-table');
  const host = $('heatmap-charts');
  if (!S.data.heatmap) { clearTable(table); host.replaceChildren(); S.charts.heatmap = []; return; }
  const j = S.data.heatmap.json;
  const days = [1, 2, 3, 4, 5, 6, 7];
  const hours = Array.from({ length: 24 }, (_, h) => h);
  const hh = (h) => String(h).padStart(2, '0');
  const cellAt = new Map();
  for (const c of arr(j.cells)) cellAt.set(`${Number(c.weekday)}|${Number(c.hour)}`, c);
  const cell = (d, h) => cellAt.get(`${d}|${h}`);
  fillTable(table, {
    caption: t('capHeatmap'),
    corner: t('colWeekday'),
    head: hours.map((h) => ({ label: hh(h) })),
    rows: days.map((d) => ({ label: t('wd_' + d), cells: hours.map((h) => cell(d, h)) })),
  });
  const values = days.map((d) => hours.map((h) => cellValue(cell(d, h))));
  const max = Math.max(0, ...values.flat().map((v) => v ?? 0));
  const levelOf = (v) => (v <= 0 || max <= 0 ? 0 : Math.min(HEAT_LEVELS, Math.max(1, Math.ceil(v / max * HEAT_LEVELS))));
  let peak = '';
  if (max > 0) {
    const i = values.findIndex((row) => row.includes(max));
    const h = values[i].indexOf(max);
    peak = t('ariaPeak', t('wd_' + days[i]).toLowerCase(), t('hourSpan', h), fmtNum(max));
  }
  const steps = [[boxSwatch('hm h0'), '0']];
  for (let i = 1; i <= HEAT_LEVELS && max > 0; i++) {
    const lo = Math.floor(max * (i - 1) / HEAT_LEVELS) + 1;
    const hi = Math.floor(max * i / HEAT_LEVELS);
    if (lo <= hi) steps.push([boxSwatch('hm h' + i), lo === hi ? fmtNum(lo) : `${fmtNum(lo)}–${fmtNum(hi)}`]);
  }
  steps.push([boxSwatch('hm hm-sup', 'pat-sup'), t('legendSup', kText())]);
  const f = figure(t('capHeatmap'));
  const from = j.from || S.query.from;
  const to = j.to || S.query.to;
  host.replaceChildren(
    el('p', { class: 'chart-note', text: t('heatRange', fmtDate(from), fmtDate(to)) }),
    el('div', { class: 'legend-row' }, [el('span', { class: 'legend-title', text: t('heatLegend') }), legend(steps)]),
    f.fig,
  );
  mountCharts('heatmap', [{
    host: f.host,
    draw: (w) => heatmap({
      width: w, label: t('ariaHeat') + peak + t('ariaSame'), rows: days.map((d) => t('wds_' + d)), cols: hours.map(hh),
      values, levelOf, fmt: fmtNum,
    }),
  }]);
}

/** Whether week was chosen, so the escalations section shows months instead. */
const escWeek = () => S.query?.period === 'week';

function renderEscalations() {
  const table = $('escalations-table');
  const host = $('escalations-charts');
  if (!S.data.escalations) { clearTable(table); host.replaceChildren(); S.charts.escalations = []; return; }
  const j = S.data.escalations.json;
  const period = PERIODS.includes(j.period) && j.period !== 'week' ? j.period : escPeriod(S.query);
  const cells = arr(j.cells);
  const totals = arr(j.totals);
  const periods = periodsBetween(j.from || S.query.from, j.to || S.query.to, period,
    [...cells, ...totals].map((c) => String(c.period)).filter((p) => p !== 'undefined'));
  const grid = gridOf(cells, (c) => String(c.kind));
  const totalGrid = gridOf(totals, () => 'total');
  const kLabel = (k) => t('esc_' + k);
  fillTable(table, {
    caption: t('capEscalations', t('per_' + period)),
    corner: t('colPeriod'),
    head: [...ESC_KINDS.map((k) => ({ label: kLabel(k) })), { label: t('colTotal') }],
    rows: periods.map((p) => ({ label: p, cells: [...ESC_KINDS.map((k) => at(grid, k, p)), at(totalGrid, 'total', p)] })),
  });
  if (!periods.length) { host.replaceChildren(el('p', { class: 'muted', text: t('noData') })); S.charts.escalations = []; return; }
  const series = [
    ...ESC_KINDS.map((k) => ({ ...ESC_STYLE[k], name: kLabel(k), values: periods.map((p) => cellValue(at(grid, k, p))) })),
    { ...ESC_STYLE.total, name: t('total'), values: periods.map((p) => cellValue(at(totalGrid, 'total', p))) },
  ];
  const f = figure(t('secEscalations'));
  const name = t('ariaEscalations', periods[0], periods[periods.length - 1]) + t('ariaSame');
  host.replaceChildren(...[
    escWeek() ? el('p', { class: 'chart-note', text: t('escWeekNote') }) : null,
    legend([...ESC_KINDS.map((k) => [lineSwatch(ESC_STYLE[k]), kLabel(k)]), [lineSwatch(ESC_STYLE.total), t('total')]]),
    el('p', { class: 'chart-note', text: t('lineNote', kText()) }),
    f.fig,
  ].filter(Boolean));
  mountCharts('escalations', [{
    host: f.host,
    draw: (w) => lineChart({ width: w, height: 220, label: name, xLabels: periods, series, fmt: fmtNum }),
  }]);
}

// ---- wiring ---------------------------------------------------------------------------------------------------------

function wire() {
  $('lang').addEventListener('click', () => setLang(otherLang(lang)));
  wireLogin({ t, onLogin: (me) => { showAlert(''); enter(me); } });
  $('logout').addEventListener('click', onLogout);
  $('report-form').addEventListener('submit', onSubmit);
  for (const kind of KINDS) {
    for (const f of ['csv', 'json']) $(`download-${kind}-${f}`).addEventListener('click', () => download(kind, f));
  }
  if ('ResizeObserver' in window) new ResizeObserver(onResize).observe($('report-view'));
  else window.addEventListener('resize', onResize);
}

/** Entry point: the address bar fills the form; GET /api/me decides what to show. */
async function main() {
  wire();
  queryToForm(queryFromURL());
  applyLang();
  await startSession({ t, onReady: enter, onLogin: showLogin });
}

main();
