// The editors' queue's own texts, French first.
const FACTS_FR = {
  Registered: "Inscription",
  Renamed: "Nouveau nom",
  Described: "Nouvelle description",
  WebsiteChanged: "Site web changé",
  PhoneChanged: "Téléphones changés",
  HoursChanged: "Heures changées",
  ServiceAreaChanged: "Territoires changés",
  TaxonomyChanged: "Catégories changées",
  LanguagesChanged: "Langues changées",
  EligibilityChanged: "Admissibilité changée",
  FeesChanged: "Frais changés",
  ApplicationProcessChanged: "Démarche changée",
  AddressMoved: "Adresse changée",
  AccessibilityChanged: "Accessibilité changée",
  Verified: "Vérification",
  FlaggedForReview: "Signalement",
  Deactivated: "Désactivation",
  Reactivated: "Réactivation",
  MergedInto: "Fusion",
};

const FACTS_EN = {
  Registered: "Registered",
  Renamed: "Renamed",
  Described: "Described",
  WebsiteChanged: "Website changed",
  PhoneChanged: "Phones changed",
  HoursChanged: "Hours changed",
  ServiceAreaChanged: "Areas changed",
  TaxonomyChanged: "Categories changed",
  LanguagesChanged: "Languages changed",
  EligibilityChanged: "Eligibility changed",
  FeesChanged: "Fees changed",
  ApplicationProcessChanged: "Application process changed",
  AddressMoved: "Address changed",
  AccessibilityChanged: "Accessibility changed",
  Verified: "Verified",
  FlaggedForReview: "Flagged for review",
  Deactivated: "Deactivated",
  Reactivated: "Reactivated",
  MergedInto: "Merged",
};

export const TEXT = {
  fr: {
    title: "Vérification des fiches",
    colon: " : ",
    becomes: "devient",
    intro: "Chaque fiche du répertoire est confirmée une fois l’an auprès de l’organisme.",
    states: { due: "À vérifier ce mois-ci", overdue: "En retard", flagged: "Signalées", verified: "Vérifiées cette année" },
    statesLabel: "Liste",
    kind: "Type de fiche",
    anyKind: "Tous les types",
    kinds: { organization: "Organisme", service: "Service", location: "Point de service" },
    kindsPlural: { organization: "Organismes", service: "Services", location: "Points de service" },
    count: (n, state) => `${n} ${n === 1 ? "fiche" : "fiches"} · ${state}`,
    none: "Aucune fiche dans cette liste.",
    more: "Fiches suivantes",
    lastCheck: "Dernière vérification",
    never: (date) => `jamais vérifiée (inscrite le ${date})`,
    flagged: "Signalée",
    verify: "Vérifier",
    flag: "Signaler",
    cancel: "Annuler",
    method: "Comment",
    methods: { PHONE: "Téléphone", EMAIL: "Courriel", WEBSITE: "Site web", IN_PERSON: "En personne", DOCUMENT: "Document" },
    confirmedBy: "Confirmé par (à l’organisme)",
    note: "Note (facultative)",
    reason: "Motif du signalement",
    saveVerify: "Enregistrer la vérification",
    saveFlag: "Signaler la fiche",
    verified: (name) => `« ${name} » est vérifiée.`,
    flaggedDone: (name) => `« ${name} » est signalée.`,
    conflict: "La fiche a changé entre-temps : relisez-la, puis enregistrez de nouveau.",
    back: "Retour à la liste",
    fields: "Champs actuels",
    history: "Historique des champs",
    historyCount: (n) => `${n} ${n === 1 ? "changement" : "changements"}`,
    moreHistory: "Changements suivants",
    version: (v) => `Version ${v}`,
    by: "par",
    reasonShown: "Motif",
    empty: "—",
    status: "Statut",
    statuses: { active: "Active", inactive: "Inactive", merged: "Fusionnée" },
    registered: "Inscrite le",
    notFound: "Fiche introuvable.",
    historyOnly: "Votre rôle permet de lire l’historique des fiches, pas la file de vérification.",
    labels: {
      name: "Nom", description: "Description", website: "Site web", eligibility: "Admissibilité",
      fees: "Frais", applicationProcess: "Démarche", languages: "Langues", phones: "Téléphones",
      hours: "Heures", categories: "Catégories", address: "Adresse", accessibility: "Accessibilité",
      coordinates: "Coordonnées", virtual: "Virtuel",
    },
    yes: "oui",
    no: "non",
    facts: FACTS_FR,
    days: ["", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
  },
  en: {
    title: "Record verification",
    colon: ": ",
    becomes: "becomes",
    intro: "Every directory record is confirmed with its organization once a year.",
    states: { due: "Due this month", overdue: "Overdue", flagged: "Flagged", verified: "Verified this year" },
    statesLabel: "List",
    kind: "Record kind",
    anyKind: "All kinds",
    kinds: { organization: "Organization", service: "Service", location: "Location" },
    kindsPlural: { organization: "Organizations", service: "Services", location: "Locations" },
    count: (n, state) => `${n} ${n === 1 ? "record" : "records"} · ${state}`,
    none: "No record in this list.",
    more: "More records",
    lastCheck: "Last checked",
    never: (date) => `never checked (registered ${date})`,
    flagged: "Flagged",
    verify: "Verify",
    flag: "Flag",
    cancel: "Cancel",
    method: "How",
    methods: { PHONE: "Phone", EMAIL: "Email", WEBSITE: "Website", IN_PERSON: "In person", DOCUMENT: "Document" },
    confirmedBy: "Confirmed by (at the organization)",
    note: "Note (optional)",
    reason: "Why it needs a look",
    saveVerify: "Save the verification",
    saveFlag: "Flag the record",
    verified: (name) => `“${name}” is verified.`,
    flaggedDone: (name) => `“${name}” is flagged.`,
    conflict: "The record changed meanwhile: read it again, then save again.",
    back: "Back to the list",
    fields: "Current fields",
    history: "Field history",
    historyCount: (n) => `${n} ${n === 1 ? "change" : "changes"}`,
    moreHistory: "More changes",
    version: (v) => `Version ${v}`,
    by: "by",
    reasonShown: "Reason",
    empty: "—",
    status: "Status",
    statuses: { active: "Active", inactive: "Inactive", merged: "Merged" },
    registered: "Registered",
    notFound: "Record not found.",
    historyOnly: "Your role may read records' history, not the verification queue.",
    labels: {
      name: "Name", description: "Description", website: "Website", eligibility: "Eligibility",
      fees: "Fees", applicationProcess: "How to apply", languages: "Languages", phones: "Phones",
      hours: "Hours", categories: "Categories", address: "Address", accessibility: "Accessibility",
      coordinates: "Coordinates", virtual: "Virtual",
    },
    yes: "yes",
    no: "no",
    facts: FACTS_EN,
    days: ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
  },
};

const LOCALE = { fr: "fr-CA", en: "en-CA" };
const BASE = `${document.body.dataset.root || ""}/app/`;

/** A screen's absolute URL, so that a link opened in a new tab lands where it says. */
export function href(to) {
  return BASE + to;
}

export function day(lang, value) {
  return value
    ? new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: "medium", timeZone: "America/Montreal" }).format(new Date(value))
    : "";
}

export function moment(lang, value) {
  return new Intl.DateTimeFormat(LOCALE[lang], {
    dateStyle: "medium", timeStyle: "short", timeZone: "America/Montreal",
  }).format(new Date(value));
}

export function localized(text, lang) {
  return (text && (text[lang] || text.fr || text.en)) || "";
}
