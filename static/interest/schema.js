// Parentline interest registrations: what the two forms ask, for the pages that fill
// them in (/familjehem/, /foraldrastod/) and for the staff view that shows a decrypted
// registration (/familjehem/personal/, /foraldrastod/samordnare/). One description, so
// the form, the citizen's summary and receipt, and the staff view use the same labels.
//
// Each form is a list of groups (a step of the form, a section of the summary); each
// group lists its fields by their dotted JSON path in the answers ("contact.email").
// Every text is {sv, en}. An ES module with no dependencies and no DOM access.
//
// A field's element id is idOf(path) ("contact.email" → "contact-email"); a choice's
// input is idOf(path) + '-' + code; its error is idOf(path) + '-error'.

const M = (sv, en) => ({ sv, en });

// protectedOptional: a person with protected identity may leave the field out; of phone
// and e-mail they need give only one (the server's field.CheckContactFor).
const CONTACT = [
  { path: 'contact.given_name', type: 'text', required: true, label: M('Förnamn', 'First name') },
  { path: 'contact.surname', type: 'text', required: true, label: M('Efternamn', 'Surname') },
  { path: 'contact.address', type: 'text', required: true, protectedOptional: true, label: M('Gatuadress', 'Street address') },
  { path: 'contact.postal_code', type: 'text', required: true, protectedOptional: true, label: M('Postnummer', 'Postcode') },
  { path: 'contact.city', type: 'text', required: true, protectedOptional: true, label: M('Ort', 'Town or city') },
  { path: 'contact.phone', type: 'text', required: true, protectedOptional: true, label: M('Telefonnummer', 'Phone number') },
  { path: 'contact.email', type: 'text', required: true, protectedOptional: true, label: M('E-postadress', 'E-mail address') },
];

const LEVELS = {
  good: M('God – inga besvär som påverkar vardagen', 'Good – nothing that affects everyday life'),
  some_limits: M('Vissa besvär eller begränsningar', 'Some problems or limitations'),
  serious: M('Allvarliga besvär', 'Serious problems'),
};

const GENDERS = {
  woman: M('Kvinna', 'Woman'),
  man: M('Man', 'Man'),
  other: M('Annat', 'Other'),
  unspecified: M('Vill inte ange', 'Prefer not to say'),
};

/** The forms, by kind. */
export const SCHEMA = {
  foster: [
    {
      id: 'assignments', title: M('Uppdrag', 'Assignments'),
      fields: [{
        path: 'assignments', type: 'multi', required: true,
        label: M('Uppdrag du är intresserad av', 'Assignments you are interested in'),
        options: {
          familjehem: M('Familjehem', 'Foster home (familjehem)'),
          jourhem: M('Jourhem', 'Emergency foster home (jourhem)'),
          kontaktperson: M('Kontaktperson', 'Support person (kontaktperson)'),
          kontaktfamilj: M('Kontaktfamilj', 'Support family (kontaktfamilj)'),
        },
      }],
    },
    {
      id: 'municipalities', title: M('Kommuner', 'Municipalities'),
      fields: [{ path: 'municipalities', type: 'units', required: true, label: M('Kommuner du anmäler intresse till', 'Municipalities you register your interest with') }],
    },
    { id: 'contact', title: M('Kontaktuppgifter', 'Contact details'), fields: CONTACT },
    {
      id: 'household', title: M('Hushåll', 'Household'),
      fields: [
        { path: 'household.adults', type: 'int', required: true, min: 1, max: 10, label: M('Antal vuxna i hushållet', 'Number of adults in the household') },
        { path: 'household.children', type: 'int', required: true, min: 0, max: 20, label: M('Antal barn som bor hemma', 'Number of children living at home') },
        { path: 'household.children_ages', type: 'text', label: M('Barnens åldrar', 'The children’s ages') },
        {
          path: 'household.housing', type: 'radio', required: true, label: M('Boende', 'Housing'),
          options: {
            villa: M('Villa', 'Detached house'),
            radhus: M('Radhus eller parhus', 'Terraced or semi-detached house'),
            lagenhet: M('Lägenhet', 'Flat'),
            gard: M('Gård', 'Farm'),
            annat: M('Annat', 'Other'),
          },
        },
        { path: 'household.rooms', type: 'int', required: true, min: 1, max: 30, label: M('Antal rum', 'Number of rooms') },
        { path: 'household.partner_name', type: 'text', label: M('Namn på din partner, om ni bor tillsammans', 'Your partner’s name, if you live together') },
        { path: 'household.occupation', type: 'text', label: M('Sysselsättning (arbete, studier)', 'Occupation (work, studies)') },
        { path: 'household.languages', type: 'text', label: M('Språk som talas i hemmet', 'Languages spoken at home') },
      ],
    },
    {
      id: 'questions', title: M('Frågor', 'Questions'),
      fields: [
        {
          path: 'questions.experience', type: 'radio', required: true,
          label: M('Har du erfarenhet av att ta hand om barn eller unga?', 'Do you have experience of caring for children or young people?'),
          options: {
            none: M('Nej', 'No'),
            some: M('Ja, viss erfarenhet', 'Yes, some experience'),
            professional: M('Ja, i mitt arbete', 'Yes, in my work'),
          },
        },
        {
          path: 'questions.time', type: 'radio', required: true,
          label: M('Hur mycket tid kan du ge ett uppdrag?', 'How much time can you give an assignment?'),
          options: {
            fulltime: M('Heltid', 'Full time'),
            parttime: M('Deltid', 'Part time'),
            weekends: M('Helger', 'Weekends'),
          },
        },
        {
          path: 'questions.age_groups', type: 'multi', required: true,
          label: M('Vilka åldrar kan du ta emot?', 'Which ages can you take?'),
          options: { '0-6': M('0–6 år', '0–6 years'), '7-12': M('7–12 år', '7–12 years'), '13-17': M('13–17 år', '13–17 years') },
        },
        {
          path: 'questions.social_services', type: 'radio', required: true,
          label: M('Har du eller någon i ditt hushåll haft kontakt med socialtjänsten om er egen familj?', 'Have you or anyone in your household been in contact with social services about your own family?'),
          options: { no: M('Nej', 'No'), past: M('Ja, tidigare', 'Yes, in the past'), now: M('Ja, just nu', 'Yes, at present') },
        },
        { path: 'motivation', type: 'textarea', label: M('Berätta varför du är intresserad', 'Tell us why you are interested') },
      ],
    },
    {
      id: 'health', title: M('Hälsa', 'Health'),
      fields: [
        { path: 'health.physical', type: 'radio', required: true, label: M('Hur är din fysiska hälsa?', 'How is your physical health?'), options: LEVELS },
        { path: 'health.mental', type: 'radio', required: true, label: M('Hur är din psykiska hälsa?', 'How is your mental health?'), options: LEVELS },
        {
          path: 'health.treatment', type: 'radio', required: true,
          label: M('Får du just nu vård eller behandling för din hälsa?', 'Are you receiving care or treatment for your health at present?'),
          options: { no: M('Nej', 'No'), yes: M('Ja', 'Yes') },
        },
        { path: 'health.comment', type: 'textarea', label: M('Vill du berätta mer om din hälsa?', 'Would you like to tell us more about your health?') },
      ],
    },
  ],
  programme: [
    {
      id: 'programme', title: M('Program', 'Programme'),
      fields: [{
        path: 'programme', type: 'radio', required: true, label: M('Vilket program vill du gå?', 'Which programme do you want to take?'),
        options: { abc: M('ABC – Alla Barn i Centrum', 'ABC – Alla Barn i Centrum (All Children in Focus)'), komet: M('Komet', 'Komet') },
      }],
    },
    {
      id: 'district', title: M('Stadsdel', 'City district'),
      fields: [{ path: 'district', type: 'unit', required: true, label: M('Stadsdel', 'City district') }],
    },
    { id: 'contact', title: M('Dina kontaktuppgifter', 'Your contact details'), fields: CONTACT },
    {
      id: 'about', title: M('Om dig och din familj', 'About you and your family'),
      fields: [
        { path: 'gender', type: 'radio', required: true, label: M('Kön', 'Gender'), options: GENDERS },
        { path: 'children', type: 'int', required: true, min: 1, max: 15, label: M('Antal barn', 'Number of children') },
      ],
    },
    {
      id: 'partner', title: M('Din partner (frivilligt)', 'Your partner (optional)'),
      fields: [
        { path: 'partner.name', type: 'text', label: M('Partnerns namn', 'Partner’s name') },
        { path: 'partner.email', type: 'text', label: M('Partnerns e-postadress', 'Partner’s e-mail address') },
        { path: 'partner.gender', type: 'select', label: M('Partnerns kön', 'Partner’s gender'), options: GENDERS },
      ],
    },
    {
      id: 'other', title: M('Övriga upplysningar', 'Other information'),
      fields: [
        { path: 'other_district', type: 'unit', label: M('Vill delta i en annan stadsdel', 'Would like to take part in another district') },
        { path: 'language', type: 'text', label: M('Vill gå programmet på ett annat språk', 'Would like to take the programme in another language') },
        { path: 'other_info', type: 'textarea', label: M('Övrigt du vill berätta', 'Anything else you want to tell us') },
      ],
    },
  ],
};

/**
 * The default units' names (the server's embedded lists), so that a code among the
 * answers (another municipality the applicant also chose) is shown by name even when
 * the page was not given that unit.
 */
export const KNOWN_UNITS = {
  foster: {
    2303: 'Ragunda', 2305: 'Bräcke', 2309: 'Krokom', 2313: 'Strömsund', 2321: 'Åre', 2326: 'Berg', 2361: 'Härjedalen', 2380: 'Östersund',
  },
  programme: {
    'rinkeby-kista': 'Rinkeby-Kista', 'spanga-tensta': 'Spånga-Tensta', 'hasselby-vallingby': 'Hässelby-Vällingby', bromma: 'Bromma',
    kungsholmen: 'Kungsholmen', norrmalm: 'Norrmalm', ostermalm: 'Östermalm', sodermalm: 'Södermalm',
    'enskede-arsta-vantor': 'Enskede-Årsta-Vantör', skarpnack: 'Skarpnäck', farsta: 'Farsta', 'hagersten-alvsjo': 'Hägersten-Älvsjö',
    skarholmen: 'Skärholmen',
  },
};

/** The element id of a field: its path with '.' and '_' as '-'. */
export const idOf = (path) => String(path).replace(/[._]/g, '-');

/** Every field of a form (or of some of its groups), in order. */
export function fieldsOf(kind, groupIds) {
  return (SCHEMA[kind] || [])
    .filter((g) => !groupIds || groupIds.includes(g.id))
    .flatMap((g) => g.fields.map((f) => ({ ...f, group: g.id })));
}

/** The field with this path, or null. */
export function fieldAt(kind, path) {
  return fieldsOf(kind).find((f) => f.path === path) || null;
}

/**
 * The form's texts as dictionary entries ({sv, en}): "g:<group>" a group's title,
 * "f:<path>" a field's label, "o:<path>:<code>" a choice's label.
 */
export function schemaTexts(kind) {
  const d = { sv: {}, en: {} };
  const put = (key, m) => { d.sv[key] = m.sv; d.en[key] = m.en; };
  for (const g of SCHEMA[kind] || []) {
    put('g:' + g.id, g.title);
    for (const f of g.fields) {
      put('f:' + f.path, f.label);
      for (const [code, m] of Object.entries(f.options || {})) put('o:' + f.path + ':' + code, m);
    }
  }
  return d;
}

/** The value at a dotted path of obj, or undefined. */
export function getPath(obj, path) {
  let v = obj;
  for (const k of String(path).split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[k];
  }
  return v;
}

const pick = (m, lang) => (m ? (lang === 'en' ? m.en : m.sv) || m.sv || '' : '');

/** Every dotted path of the leaves of obj (arrays are leaves). */
function leaves(obj, prefix = '') {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return prefix ? [prefix] : [];
  return Object.keys(obj).flatMap((k) => leaves(obj[k], prefix ? prefix + '.' + k : k));
}

/**
 * The answers as readable rows, grouped like the form: [{id, title, rows: [{path,
 * label, value}]}] in lang. Choices are shown by their labels, units by their names
 * (units: [{code, name}]); an unanswered field is "" (the caller shows a dash).
 * Answers the form does not know are listed last under "other", so that nothing a
 * registration holds is hidden from its readers.
 */
export function describe(kind, answers, lang, units = []) {
  const a = answers && typeof answers === 'object' ? answers : {};
  const unitName = (code) => {
    const u = (units || []).find((x) => x && x.code === code);
    return u ? u.name : (KNOWN_UNITS[kind] || {})[code] || String(code);
  };
  const choice = (f, code) => (f.options && f.options[code] ? pick(f.options[code], lang) : String(code));
  const groups = (SCHEMA[kind] || []).map((g) => ({
    id: g.id,
    title: pick(g.title, lang),
    rows: g.fields.map((f) => {
      const v = getPath(a, f.path);
      let value = '';
      if (v === undefined || v === null || v === '') value = '';
      else if (f.type === 'multi') value = [].concat(v).map((c) => choice(f, c)).join(', ');
      else if (f.type === 'units') value = [].concat(v).map(unitName).join(', ');
      else if (f.type === 'unit') value = unitName(v);
      else if (f.options) value = choice(f, v);
      else value = typeof v === 'object' ? JSON.stringify(v) : String(v);
      return { path: f.path, label: pick(f.label, lang), value };
    }),
  }));
  const known = new Set(fieldsOf(kind).map((f) => f.path));
  const other = leaves(a).filter((p) => !known.has(p) && ![...known].some((k) => p.startsWith(k + '.')));
  if (other.length) {
    groups.push({
      id: 'other-answers',
      title: lang === 'en' ? 'Other answers' : 'Andra svar',
      rows: other.map((p) => {
        const v = getPath(a, p);
        return { path: p, label: p, value: typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '') };
      }),
    });
  }
  return groups;
}
