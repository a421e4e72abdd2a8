// A record `node` does not answer (out of service: inactive or merged, read by an auditor) is
// still in its field history: its fields as the history last gives them. And the auditors' way
// in: a record's history opened by its id, or by a link to any page of the app that names it.
import { html, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { localized } from "./editors-text.js";

const PAGE = 100; // the API's largest page
const MOST_PAGES = 50;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const FIELDS = `query Fields($id: ID!, $first: Int!, $after: String, $p: Int) {
  recordHistory(id: $id, first: $first, after: $after, consistentWith: $p) {
    __typename
    ... on RecordHistory { totalCount pageInfo { hasNextPage endCursor } nodes { field newValue } }
    ... on Error { message }
  }
}`;

/** A value as text: JSON for lists and objects, with spaces where a long one may wrap. */
export function shown(value, tr) {
  if (value === null || value === undefined || value === "") return tr.empty;
  return typeof value === "string" ? value : JSON.stringify(value, null, 1).replace(/\s+/g, " ");
}

/**
 * The record's fields as its history last gives them, each field's latest value in the order
 * fields first appeared: `{ changes, fields }`, `{ changes: 0 }` for an id with no history, or
 * `{ error }` (the API's message).
 */
export async function pastOf(id, position) {
  const fields = new Map();
  let after = null;
  let changes = 0;
  for (let page = 0; page < MOST_PAGES; page += 1) {
    const data = await query(FIELDS, { id, first: PAGE, after, p: page === 0 ? position : null });
    const found = data.recordHistory;
    if (found.__typename !== "RecordHistory") return { error: found.message };
    changes = found.totalCount;
    for (const change of found.nodes) fields.set(change.field, change.newValue);
    if (!found.pageInfo.hasNextPage) break;
    after = found.pageInfo.endCursor;
  }
  return { changes, fields };
}

const HIDDEN = new Set(["name.fr", "name.en", "kind", "status"]);

/** What the page says of a record out of service, before its history. */
export function PastSummary({ past, lang, tr, title }) {
  const fields = past.fields;
  const status = String(fields.get("status") || "");
  const kind = fields.get("kind");
  return html`
    <h1 id="record-title" tabindex="-1" ref=${title}>${pastName(past, lang) || tr.empty}</h1>
    <p class="notice" id="record-notice">${tr.outOfService(tr.statuses[status] || status)}</p>
    <dl class="facts-summary">
      <dt>${tr.kind}</dt><dd id="record-kind">${tr.kinds[kind] || kind || tr.empty}</dd>
      <dt>${tr.status}</dt><dd id="record-status">${tr.statuses[status] || status || tr.empty}</dd>
    </dl>
    <h2>${tr.pastFields}</h2>
    <dl class="fields" id="past-fields">${[...fields].filter(([field]) => !HIDDEN.has(field))
      .map(([field, value]) => html`<dt><code>${field}</code></dt><dd>${shown(value, tr)}</dd>`)}</dl>`;
}

export function pastName(past, lang) {
  return localized({ fr: past.fields.get("name.fr"), en: past.fields.get("name.en") }, lang);
}

/** The id a pasted id or link names, or null. */
export function recordId(text) {
  const found = UUID.exec(text || "");
  return found ? found[0].toLowerCase() : null;
}

/** An auditor's way in: no queue, a record's history by its id or a link to it. */
export function Opener({ tr, navigate }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState("");
  const field = useRef(null);
  useEffect(() => {
    if (error && field.current) field.current.focus();
  }, [error]);
  const submit = (e) => {
    e.preventDefault();
    const id = recordId(value);
    if (!id) return setError(tr.noId);
    setError("");
    navigate(`editors/${id}`);
  };
  return html`<section class="editors" aria-labelledby="editors-title" data-ready="">
    <h1 id="editors-title">${tr.auditTitle}</h1>
    <p>${tr.historyOnly}</p>
    <p>${tr.auditHow}</p>
    <form class="opener" noValidate onSubmit=${submit}>
      <div class="field">
        <label for="record-id">${tr.recordId}</label>
        <input id="record-id" name="record" ref=${field} value=${value} autocomplete="off"
          spellcheck="false" maxlength="2000" aria-describedby="record-id-hint${error ? " record-id-error" : ""}"
          aria-invalid=${error ? "true" : null} onInput=${(e) => setValue(e.target.value)} />
        <p class="hint" id="record-id-hint">${tr.recordIdHint}</p>
        ${error && html`<p class="error" id="record-id-error" role="alert">${error}</p>`}
      </div>
      <div class="buttons"><button type="submit" id="open-record">${tr.openRecord}</button></div>
    </form>
  </section>`;
}
