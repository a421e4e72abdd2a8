// The coverage screen's texts, French first, and the date formats its modules share.
export const CHANNELS = ["PHONE", "WEB", "CHAT"];

const list = (lang) => (items) =>
  new Intl.ListFormat(lang === "en" ? "en-CA" : "fr-CA", { type: "conjunction" }).format(items);

export const TEXT = {
  fr: {
    title: "Couverture au fil du temps",
    intro: "Les territoires où le 211 répond, par canal, depuis 2016 : d’après les ententes consignées.",
    channels: { PHONE: "Téléphone", WEB: "Web", CHAT: "Clavardage" },
    channel: "Canal",
    history: "Population et municipalités couvertes, par canal",
    population: "Population couverte",
    municipalities: "Municipalités couvertes",
    since: (from, to) => `Du ${from} au ${to}, à chaque jour où la couverture change.`,
    step: (day, regions, channels) => `${day} : ${regions} ajoutées (${channels})`,
    stepEnd: (day, last) => `, retirées le ${day} (dernier jour couvert : ${last})`,
    changes: "Régions gagnées et perdues",
    date: "Date",
    region: "Région",
    change: "Changement",
    gained: "Ajoutée",
    lost: "Retirée",
    noChanges: "Aucune région entière n’a été gagnée ni perdue.",
    day: "Ce qui était couvert un jour donné",
    dayLabel: "Jour",
    show: "Afficher",
    dayTotals: (day) => `Couverture le ${day}, par canal`,
    regions: (n) => (n === 1 ? "1 région" : `${n} régions`),
    byRegion: (channel, day, regions, towns) => `${channel}, le ${day} : ${regions}, ${towns}.`,
    whole: "région entière",
    towns: (n) => (n === 1 ? "1 municipalité" : `${n} municipalités`),
    people: (n) => `${n} personnes`,
    nothing: "Rien n’était couvert sur ce canal ce jour-là.",
    noRegion: "Hors région",
    place: "Chronologie d’un lieu",
    placeLabel: "Nom du lieu",
    find: "Chercher",
    matches: (n) => (n === 0 ? "Aucun lieu de ce nom." : n === 1 ? "1 lieu trouvé." : `${n} lieux trouvés.`),
    kinds: {
      PROVINCE: "province", REGION: "région", MRC: "MRC", AGGLOMERATION: "agglomération",
      METROPOLITAN_COMMUNITY: "communauté métropolitaine", MUNICIPALITY: "municipalité",
      BOROUGH: "arrondissement",
    },
    timeline: (name) => `Chronologie de la couverture : ${name}`,
    from: "Du",
    until: "Jusqu’au (dernier jour couvert)",
    still: "toujours couvert",
    funders: "Bailleurs de fonds",
    never: "Jamais couvert sur ce canal.",
    agreements: "Ententes",
    agreement: (funder, version) => `${funder} (version ${version})`,
    programme: (name) => `Programme : ${name}`,
    covers: (codes) => `Territoires nommés : ${codes}`,
    period: (from, last) => `du ${from} ${last ? `au ${last}` : "sans date de fin"}`,
    recorded: (at) => `consignée le ${at}`,
    close: "Fermer la chronologie",
    audit: "Audit : les registres tels qu’ils étaient",
    knownAt: "Tel que consigné le",
    knownHelp: "Pour la vérification : la couverture telle que les registres l’indiquaient à ce moment (heure de Montréal).",
    apply: "Appliquer",
    now: "Aujourd’hui",
    asKnown: (at) => `Registres tels qu’ils étaient le ${at}.`,
    and: list("fr"),
  },
  en: {
    title: "Coverage over time",
    intro: "The places where 211 answers, by channel, since 2016: from the agreements on record.",
    channels: { PHONE: "Phone", WEB: "Web", CHAT: "Chat" },
    channel: "Channel",
    history: "Population and municipalities covered, by channel",
    population: "Population covered",
    municipalities: "Municipalities covered",
    since: (from, to) => `From ${from} to ${to}, on each day coverage changes.`,
    step: (day, regions, channels) => `${day}: ${regions} added (${channels})`,
    stepEnd: (day, last) => `, removed on ${day} (last day covered: ${last})`,
    changes: "Regions gained and lost",
    date: "Date",
    region: "Region",
    change: "Change",
    gained: "Added",
    lost: "Removed",
    noChanges: "No whole region was gained or lost.",
    day: "What was covered on a given day",
    dayLabel: "Day",
    show: "Show",
    dayTotals: (day) => `Coverage on ${day}, by channel`,
    regions: (n) => (n === 1 ? "1 region" : `${n} regions`),
    byRegion: (channel, day, regions, towns) => `${channel}, on ${day}: ${regions}, ${towns}.`,
    whole: "whole region",
    towns: (n) => (n === 1 ? "1 municipality" : `${n} municipalities`),
    people: (n) => `${n} people`,
    nothing: "Nothing was covered on this channel that day.",
    noRegion: "Outside any region",
    place: "A place's timeline",
    placeLabel: "Place name",
    find: "Find",
    matches: (n) => (n === 0 ? "No place of that name." : n === 1 ? "1 place found." : `${n} places found.`),
    kinds: {
      PROVINCE: "province", REGION: "region", MRC: "RCM", AGGLOMERATION: "agglomeration",
      METROPOLITAN_COMMUNITY: "metropolitan community", MUNICIPALITY: "municipality",
      BOROUGH: "borough",
    },
    timeline: (name) => `Coverage timeline: ${name}`,
    from: "From",
    until: "Until (last day covered)",
    still: "still covered",
    funders: "Funders",
    never: "Never covered on this channel.",
    agreements: "Agreements",
    agreement: (funder, version) => `${funder} (version ${version})`,
    programme: (name) => `Programme: ${name}`,
    covers: (codes) => `Places named: ${codes}`,
    period: (from, last) => `from ${from} ${last ? `to ${last}` : "with no end date"}`,
    recorded: (at) => `recorded on ${at}`,
    close: "Close the timeline",
    audit: "Audit: the records as they stood",
    knownAt: "As recorded on",
    knownHelp: "For audits: coverage as the records stood at that moment (Montréal time).",
    apply: "Apply",
    now: "Today",
    asKnown: (at) => `Records as they stood on ${at}.`,
    and: list("en"),
  },
};

const locale = (lang) => (lang === "en" ? "en-CA" : "fr-CA");

/** "15 décembre 2020" from "2020-12-15" (a calendar day: no time zone moves it). */
export function longDay(lang, iso) {
  const day = new Intl.DateTimeFormat(locale(lang), { dateStyle: "long", timeZone: "UTC" })
    .format(new Date(`${iso}T00:00:00Z`));
  // French writes the first of the month as an ordinal: « 1er janvier ».
  return lang === "en" ? day : day.replace(/^1 /, "1er ");
}

// Moments and days are Montréal's, the service's own, whatever the reader's time zone.
export const ZONE = "America/Montreal";

export function moment(lang, iso) {
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: "long", timeStyle: "short", timeZone: ZONE })
    .format(new Date(iso));
}

/** Today in Montréal, as YYYY-MM-DD. */
export function today() {
  return new Date().toLocaleDateString("en-CA", { timeZone: ZONE });
}

export function previousDay(iso) {
  const day = new Date(`${iso}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}
