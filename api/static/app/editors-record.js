// A record's page for the directory team: its current fields, the editor's actions, and its
// field history (each fact, who, when, each field before → after), a page at a time. A record
// `node` hides (out of service, for an auditor) is shown as its history gives it.
import { html, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { Actions } from "./editors-actions.js";
import { PastSummary, pastOf, shown } from "./editors-past.js";
import { day, href, localized, moment } from "./editors-text.js";

const HISTORY_PAGE = 25;

const RECORD = `query Record($id: ID!, $p: Int) {
  node(id: $id, consistentWith: $p) {
    __typename id
    ... on Organization { version name { fr en } description { fr en } website
      recordStatus: status registeredAt lastVerifiedAt flaggedReason }
    ... on Service { version name { fr en } description { fr en } eligibility { fr en }
      fees { fr en } applicationProcess { fr en } languages status lastVerifiedAt flaggedReason
      phones { number extension } schedule { hours { weekday opens closes } }
      categories { code name { fr en } } }
    ... on Location { version name { fr en } description { fr en } accessibility { fr en }
      address { street city postalCode province } virtual status flaggedReason }
  }
}`;

const HISTORY = `query History($id: ID!, $first: Int!, $after: String, $p: Int) {
  recordHistory(id: $id, first: $first, after: $after, consistentWith: $p) {
    __typename
    ... on RecordHistory {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { version fact field previousValue newValue actor occurredAt reason }
    }
    ... on Error { message }
  }
}`;

const KIND = { Organization: "organization", Service: "service", Location: "location" };

/** Changes of consecutive fields of one version are one fact. */
function facts(changes) {
  const grouped = [];
  for (const change of changes) {
    const last = grouped[grouped.length - 1];
    if (last && last.version === change.version) last.changes.push(change);
    else grouped.push({ ...change, changes: [change] });
  }
  return grouped;
}

function fieldsOf(record, lang, tr) {
  const text = (value) => localized(value, lang);
  const rows = [[tr.labels.name, text(record.name)], [tr.labels.description, text(record.description)]];
  if (record.__typename === "Organization") rows.push([tr.labels.website, record.website]);
  if (record.__typename === "Service")
    rows.push(
      [tr.labels.eligibility, text(record.eligibility)],
      [tr.labels.fees, text(record.fees)],
      [tr.labels.applicationProcess, text(record.applicationProcess)],
      [tr.labels.languages, record.languages.join(", ")],
      [tr.labels.phones, record.phones.map((p) => p.number + (p.extension ? ` #${p.extension}` : "")).join(", ")],
      [tr.labels.hours, record.schedule.hours.map((h) => `${tr.days[h.weekday]} ${h.opens}–${h.closes}`).join(", ")],
      [tr.labels.categories, record.categories.map((c) => text(c.name) || c.code).join(", ")],
    );
  if (record.__typename === "Location") {
    const a = record.address;
    rows.push(
      [tr.labels.address, a ? `${a.street}, ${a.city} ${a.postalCode} ${a.province}` : ""],
      [tr.labels.accessibility, text(record.accessibility)],
      [tr.labels.virtual, record.virtual ? tr.yes : tr.no],
    );
  }
  return rows;
}

function History({ id, lang, tr, position }) {
  const [history, setHistory] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let live = true;
    query(HISTORY, { id, first: HISTORY_PAGE, p: position })
      .then((data) => {
        if (!live) return;
        const found = data.recordHistory;
        if (found.__typename !== "RecordHistory") setError(found.message);
        else setHistory(found);
      })
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [id, position]);

  // After "more", the focus goes to the first fact added (or to the one the page had cut).
  const focusAt = useRef(null);
  useEffect(() => {
    if (focusAt.current === null) return;
    const titles = document.querySelectorAll(".facts h3");
    if (titles[focusAt.current]) titles[focusAt.current].focus();
    focusAt.current = null;
  }, [history]);

  const more = () =>
    query(HISTORY, { id, first: HISTORY_PAGE, after: history.pageInfo.endCursor }).then((data) => {
      const found = data.recordHistory;
      if (found.__typename !== "RecordHistory") return setError(found.message);
      const cut = found.nodes.length > 0 && found.nodes[0].version === history.nodes.at(-1).version;
      focusAt.current = facts(history.nodes).length - (cut ? 1 : 0);
      setHistory({ ...found, nodes: [...history.nodes, ...found.nodes] });
    }, (e) => setError(e.message));

  return html`<section aria-labelledby="history-title" class="history">
    <h2 id="history-title">${tr.history}</h2>
    ${error && html`<p class="error" role="alert">${tr.error}${error}</p>`}
    ${!history && !error && html`<p>${tr.loading}</p>`}
    ${history && html`<p id="history-count" role="status">${tr.historyCount(history.totalCount)}</p>
      <ol class="facts">${facts(history.nodes).map((fact) => html`<li key=${`${fact.version}-${fact.field}`}>
        <h3 tabindex="-1">${tr.version(fact.version)} · ${tr.facts[fact.fact] || fact.fact}</h3>
        <p class="who">${tr.by} ${fact.actor} · <time datetime=${fact.occurredAt}>${moment(lang, fact.occurredAt)}</time>
          ${fact.reason ? html` · ${tr.reasonShown}${tr.colon}${fact.reason}` : ""}</p>
        <ul class="changes">${fact.changes.map((c) => html`<li data-field=${c.field}>
          <code>${c.field}</code>${tr.colon}<span class="before">${shown(c.previousValue, tr)}</span>
          <span aria-hidden="true"> → </span><span class="visually-hidden"> ${tr.becomes} </span>
          <span class="after">${shown(c.newValue, tr)}</span></li>`)}</ul>
      </li>`)}</ol>
      ${history.pageInfo.hasNextPage && html`<button type="button" id="more-history" onClick=${more}>${tr.moreHistory}</button>`}`}
  </section>`;
}

export function RecordPage({ id, lang, tr, navigate, editor }) {
  const [record, setRecord] = useState(null);
  const [past, setPast] = useState(null);
  const [error, setError] = useState(null);
  const [position, setPosition] = useState(null);
  const [done, setDone] = useState("");
  const title = useRef(null);

  useEffect(() => {
    let live = true;
    query(RECORD, { id, p: position })
      .then(async (data) => {
        if (!live) return;
        // An organization's status is an enum, the others' a string: one name, two types.
        if (data.node) return setRecord({ status: data.node.recordStatus, ...data.node });
        // Not for this reader, or not at all: its history tells which.
        const found = await pastOf(id, position);
        if (!live) return;
        if (found.error) setError(found.error);
        else if (found.changes === 0) setError(tr.notFound);
        else setPast(found);
      })
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [id, position]);

  useEffect(() => {
    if ((record || past) && position === null && title.current) title.current.focus();
  }, [record, past]);

  const back = html`<p><a href=${href("editors")} onClick=${(e) => {
    e.preventDefault();
    history.length > 1 ? history.back() : navigate("editors");
  }}>← ${editor ? tr.back : tr.backAudit}</a></p>`;
  if (error) return html`<section>${back}<p class="error" role="alert">${tr.error}${error}</p></section>`;
  if (past)
    return html`<article class="editors" aria-labelledby="record-title" data-ready="">
      ${back}
      <${PastSummary} past=${past} lang=${lang} tr=${tr} title=${title} />
      <${History} id=${id} lang=${lang} tr=${tr} position=${position} />
    </article>`;
  if (!record) return html`<section>${back}<p>${tr.loading}</p></section>`;
  const name = localized(record.name, lang);
  const kind = KIND[record.__typename];
  const status = String(record.status).toLowerCase();
  return html`<article class="editors" aria-labelledby="record-title" data-ready="">
    ${back}
    <h1 id="record-title" tabindex="-1" ref=${title}>${name}</h1>
    ${status !== "active" && html`<p class="notice" id="record-notice">${tr.notActive(tr.statuses[status] || status)}</p>`}
    <dl class="facts-summary">
      <dt>${tr.kind}</dt><dd id="record-kind">${tr.kinds[kind]}</dd>
      <dt>${tr.status}</dt><dd id="record-status">${tr.statuses[status] || record.status}</dd>
      ${record.lastVerifiedAt !== undefined && html`<dt>${tr.lastCheck}</dt>
        <dd id="record-checked">${record.lastVerifiedAt ? day(lang, record.lastVerifiedAt) : tr.empty}</dd>`}
      ${record.flaggedReason && html`<dt>${tr.flagged}</dt><dd id="record-flag">${record.flaggedReason}</dd>`}
    </dl>
    <p class="status" role="status">${done}</p>
    ${editor && html`<${Actions} id=${record.id} name=${name} version=${record.version}
      tr=${tr} described="record-title" onDone=${(kind, receipt) => {
        setDone(kind === "verify" ? tr.verified(name) : tr.flaggedDone(name));
        setPosition(receipt.position);
      }} />`}
    <h2>${tr.fields}</h2>
    <dl class="fields">${fieldsOf(record, lang, tr).map(([label, value]) => html`<dt>${label}</dt>
      <dd>${value || tr.empty}</dd>`)}</dl>
    <${History} id=${id} lang=${lang} tr=${tr} position=${position} />
  </article>`;
}
