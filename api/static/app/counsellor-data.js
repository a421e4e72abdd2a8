// What the counsellor's screen asks the server, and the contact kept in the page while the call
// goes on. The contact is logged whole, with one `recordInteraction` at the close: the server
// answers a retry with the same key and content with the first receipt, so a request whose
// answer was lost can be sent again without logging the contact twice. The live steps
// (`addNeed`, ...) are not used: a retried step whose first try was applied would apply twice.
import { query } from "./graphql.js";
import { NO_CALLER, callerTerritory } from "./counsellor-place.js";

const KEPT = "guichet.contact";

export const SEARCH = `query CounsellorSearch($text: String, $territory: String,
    $categories: [String!], $languages: [String!], $openAt: DateTime, $language: Language) {
  searchServices(text: $text, territory: $territory, categories: $categories,
      languages: $languages, openAt: $openAt, first: 10, language: $language) {
    __typename
    ... on SearchConnection {
      totalCount
      nodes { id serviceId name { fr en } organizationName { fr en } city }
      facets {
        categories { value count name } languages { value count name }
        territories { value count name }
      }
    }
    ... on Error { code message }
  }
}`;

const SERVICE = `query ReferralPreview($id: ID!) {
  service(id: $id) {
    __typename
    ... on Service {
      id name { fr en } phones { number }
      locations { id address { street city postalCode } }
    }
    ... on Error { code message }
  }
}`;

const RECORD = `mutation Log($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    __typename
    ... on InteractionReceipt { id position replayed }
    ... on InvalidInputError { field }
    ... on Error { code message }
  }
}`;

const READ = `query Logged($id: ID!, $position: Int) {
  interaction(id: $id, consistentWith: $position) {
    __typename
    ... on Interaction {
      id channel language interpreter disposition startedAt
      inquirer { type ageBand gender territory }
      needs { number code referrals { serviceName organizationName phone address }
        information unmet { reason note } }
      followUps { due note }
    }
    ... on Error { code message }
  }
}`;

export const FOLLOW_UPS = `query Due($day: Date!, $counsellor: String, $position: Int) {
  followUpsDue(day: $day, counsellor: $counsellor, first: 100, consistentWith: $position,
               overdue: true) {
    __typename
    ... on FollowUpDuePage {
      totalCount
      nodes { number due note interaction { id startedAt counsellor channel needs { code } } }
    }
    ... on Error { code message }
  }
}`;

/** A key for one contact, made once and reused by every retry. */
export function newKey() {
  if (crypto.randomUUID) return `app-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `app-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function keptContact() {
  try {
    return JSON.parse(sessionStorage.getItem(KEPT) || "null");
  } catch {
    return null;
  }
}

export function keepContact(contact) {
  if (contact) sessionStorage.setItem(KEPT, JSON.stringify(contact));
  else sessionStorage.removeItem(KEPT);
}

// Instants are sent in Montréal's time, with its offset: the server reads a follow-up's due
// day against the day of the contact's start as given, and a call at 21:00 in Montréal is
// already tomorrow in UTC.
export function montreal(date) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone: "America/Montreal", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).formatToParts(date).map((p) => [p.type, p.value]));
  const shown = Date.UTC(+parts.year, parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  const minutes = Math.round((shown - Math.floor(date.getTime() / 1000) * 1000) / 60000);
  const sign = minutes < 0 ? "-" : "+";
  const offset = Math.abs(minutes);
  const pad = (n) => String(n).padStart(2, "0");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`
    + `${sign}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`;
}

/** The input of `recordInteraction`, made once at the first try and sent as is by retries. */
export function recordInput(contact, ended) {
  const caller = { ...NO_CALLER, ...contact.caller };
  return {
    key: contact.key,
    channel: contact.channel,
    startedAt: contact.startedAt,
    // How long the caller waited is the phone system's to tell: unknown here, rather than a
    // zero that would pull the report's average wait down.
    answeredAt: null,
    endedAt: ended.endedAt,
    language: contact.language,
    interpreter: contact.interpreter,
    inquirer: {
      type: contact.inquirer,
      ageBand: caller.ageBand,
      gender: caller.gender,
      territory: callerTerritory(caller),
    },
    needs: contact.needs.map((need) => ({
      code: need.code,
      referralServiceIds: need.referrals.map((r) => r.serviceId),
      information: need.information.trim() || null,
      unmetReason: need.unmetReason || null,
      unmetNote: need.unmetReason && need.unmetNote.trim() ? need.unmetNote.trim() : null,
    })),
    disposition: ended.disposition,
    followUp: ended.followUpDue
      ? { due: ended.followUpDue, note: ended.followUpNote.trim() || null }
      : null,
  };
}

/** Sends the contact; a network failure throws (the caller keeps the input for a retry). */
export async function logContact(input) {
  const data = await query(RECORD, { input });
  return data.recordInteraction;
}

export async function readLogged(id, position) {
  const data = await query(READ, { id, position });
  return data.interaction;
}

// As the server words a referral's address: its first place (by id), "street, city postal code".
function address(locations) {
  const first = locations.filter((l) => l.address).sort((a, b) => (a.id < b.id ? -1 : 1))[0];
  const a = first && first.address;
  return a ? `${a.street}, ${a.city} ${a.postalCode}` : null;
}

/** The service as the server will snapshot it at the close: name, phone, address now. */
export async function referralPreview(hit, lang) {
  const data = await query(SERVICE, { id: hit.serviceId });
  const service = data.service;
  if (service.__typename !== "Service") throw new Error(service.message);
  return {
    serviceId: hit.serviceId,
    serviceName: service.name.fr || service.name.en,
    organizationName: hit.organizationName.fr || hit.organizationName.en,
    phone: service.phones.length ? service.phones[0].number : null,
    address: address(service.locations),
    shownName: service.name[lang] || service.name.fr,
  };
}

// The taxonomy is small and rarely renamed: read once per session, level by level (every
// term of a level asked for its children in one request), for a type-ahead in the page.
const TERMS = "guichet.terms";
const TERM_FIELDS = "nodes { code name { fr en } synonymsFr synonymsEn }";
let loading = null;

export function loadTerms() {
  const kept = sessionStorage.getItem(TERMS);
  if (kept) return Promise.resolve(JSON.parse(kept));
  if (!loading) loading = walk().then((terms) => {
    sessionStorage.setItem(TERMS, JSON.stringify(terms));
    return terms;
  }).finally(() => { loading = null; });
  return loading;
}

async function walk() {
  const all = [];
  let level = (await query(`{ taxonomyTerms(first: 200) { ... on TaxonomyTermConnection { ${TERM_FIELDS} } } }`))
    .taxonomyTerms.nodes;
  for (let depth = 0; level.length && depth < 8; depth += 1) {
    all.push(...level);
    const aliases = level.map((term, i) => `t${i}: taxonomyTerms(parent: ${JSON.stringify(term.code)}, first: 200) {
      ... on TaxonomyTermConnection { ${TERM_FIELDS} } }`);
    const next = [];
    // Ten parents a request keeps each within the server's cost bound.
    for (let start = 0; start < aliases.length; start += 10) {
      const data = await query(`{ ${aliases.slice(start, start + 10).join("\n")} }`);
      for (const found of Object.values(data)) if (found && found.nodes) next.push(...found.nodes);
    }
    level = next;
  }
  return all;
}

export function folded(text) {
  return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** Terms whose name (either language) or synonym holds every word typed, best first. */
export function matchTerms(terms, typed, lang) {
  const words = folded(typed).split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const scored = [];
  for (const term of terms) {
    const own = folded(term.name[lang] || term.name.fr);
    const hay = [own, folded(term.name.fr), folded(term.name.en), ...term.synonymsFr.map(folded),
      ...term.synonymsEn.map(folded), folded(term.code)].join(" | ");
    if (words.every((w) => hay.includes(w))) scored.push([own.startsWith(words[0]) ? 0 : 1, own, term]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.slice(0, 8).map((s) => s[2]);
}
