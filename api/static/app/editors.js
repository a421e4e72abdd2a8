// The editors' queue: the records due for their annual check, overdue, flagged for review or
// verified this year, by kind, with the editor's actions on each; a record's own page
// (`editors/<id>`) shows its fields and their history. The list and the kind are in the URL.
import { html, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { Actions } from "./editors-actions.js";
import { Opener } from "./editors-past.js";
import { RecordPage } from "./editors-record.js";
import { TEXT, day, href, localized } from "./editors-text.js";

const PAGE = 20;
export const STATES = { due: "DUE", overdue: "OVERDUE", flagged: "FLAGGED", verified: "VERIFIED_THIS_YEAR" };
const KINDS = ["organization", "service", "location"];

const ROWS = `__typename
  ... on VerificationList {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id kind name { fr en } organizationName { fr en } status registeredAt lastVerifiedAt
      flaggedReason }
  }
  ... on Error { message }`;

const COUNT = (state) => `${state.toLowerCase()}: verificationQueue(state: ${state}, kinds: $kinds,
  first: 1, consistentWith: $p) { ... on VerificationList { totalCount } }`;

// The chosen list's first page and every list's count, in one request.
const LOAD = `query Queue($state: VerificationState!, $kinds: [RecordKind!], $first: Int!, $p: Int) {
  list: verificationQueue(state: $state, kinds: $kinds, first: $first, consistentWith: $p) { ${ROWS} }
  ${Object.values(STATES).map(COUNT).join("\n")}
}`;

const MORE = `query More($state: VerificationState!, $kinds: [RecordKind!], $first: Int!, $after: String) {
  list: verificationQueue(state: $state, kinds: $kinds, first: $first, after: $after) { ${ROWS} }
}`;

/** The queue as the URL states it. */
export function readQueue(params) {
  const state = params.get("liste");
  const kind = params.get("type");
  return { state: state in STATES ? state : "due", kind: KINDS.includes(kind) ? kind : "" };
}

function writeQueue({ state, kind }) {
  const params = new URLSearchParams();
  if (state !== "due") params.set("liste", state);
  if (kind) params.set("type", kind);
  const text = params.toString();
  return text ? `editors?${text}` : "editors";
}

function variables(state, kind) {
  return { state: STATES[state], kinds: kind ? [kind.toUpperCase()] : null, first: PAGE };
}

function Row({ item, lang, tr, navigate, onDone }) {
  const name = localized(item.name, lang);
  const nameId = `name-${item.id}`;
  return html`<li class="check">
    <a id=${nameId} href=${href(`editors/${item.id}`)} onClick=${(e) => {
      e.preventDefault();
      navigate(`editors/${item.id}`);
    }}>${name}</a>
    <span class="kind">${tr.kinds[item.kind] || item.kind}</span>
    ${item.organizationName && html`<span class="org">${localized(item.organizationName, lang)}</span>`}
    <span class="checked">${tr.lastCheck}${tr.colon}${item.lastVerifiedAt
      ? day(lang, item.lastVerifiedAt) : tr.never(day(lang, item.registeredAt))}</span>
    ${item.flaggedReason && html`<p class="flag"><strong>${tr.flagged}${tr.colon}</strong>${item.flaggedReason}</p>`}
    <${Actions} id=${item.id} name=${name} tr=${tr} described=${nameId} onDone=${onDone} />
  </li>`;
}

function Queue({ lang, params, navigate, tr }) {
  const wanted = readQueue(params);
  const [page, setPage] = useState(null);
  const [counts, setCounts] = useState(null);
  const [error, setError] = useState(null);
  const [position, setPosition] = useState(null);
  const [done, setDone] = useState("");
  const heading = useRef(null);
  const key = writeQueue(wanted);
  const shown = useRef(key);

  useEffect(() => {
    let live = true;
    setError(null);
    // Another list: no rows of the last one meanwhile. (After an action, the same list stays.)
    if (shown.current !== key) {
      shown.current = key;
      setPage(null);
    }
    query(LOAD, { ...variables(wanted.state, wanted.kind), p: position })
      .then((data) => {
        if (!live) return;
        if (data.list.__typename !== "VerificationList") return setError(data.list.message);
        setPage(data.list);
        setCounts(Object.fromEntries(
          Object.entries(STATES).map(([id, state]) => [id, data[state.toLowerCase()].totalCount]),
        ));
      })
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [key, position]);

  // After "more", the focus goes to the first record added (the button may be gone).
  const focusAt = useRef(null);
  useEffect(() => {
    if (focusAt.current === null) return;
    const links = document.querySelectorAll(".queue .check > a");
    if (links[focusAt.current]) links[focusAt.current].focus();
    focusAt.current = null;
  }, [page]);

  const more = () =>
    query(MORE, { ...variables(wanted.state, wanted.kind), after: page.pageInfo.endCursor }).then(
      (data) => {
        if (data.list.__typename !== "VerificationList") return setError(data.list.message);
        focusAt.current = page.nodes.length;
        setPage({ ...data.list, nodes: [...page.nodes, ...data.list.nodes] });
      },
      (e) => setError(e.message),
    );

  // The queue is read again once its view has taken the action in (read-your-writes).
  const onDone = (kind, receipt, name) => {
    setDone(kind === "verify" ? tr.verified(name) : tr.flaggedDone(name));
    setPosition(receipt.position);
    if (heading.current) heading.current.focus();
    return true;
  };

  const go = (change) => {
    setDone("");
    navigate(writeQueue({ ...wanted, ...change }));
  };
  const ready = page !== null && counts !== null;
  return html`<section class="editors" aria-labelledby="editors-title" data-ready=${ready ? "" : null}>
    <h1 id="editors-title">${tr.title}</h1>
    <p>${tr.intro}</p>
    <nav aria-label=${tr.statesLabel}>
      <ul class="tabs">${Object.keys(STATES).map((state) => html`<li>
        <a href=${href(writeQueue({ ...wanted, state }))} id=${`tab-${state}`}
          aria-current=${state === wanted.state ? "page" : null}
          onClick=${(e) => { e.preventDefault(); go({ state }); }}>
          ${tr.states[state]}${counts ? html` <span class="tab-count">(${counts[state]})</span>` : ""}</a>
      </li>`)}</ul>
    </nav>
    <div class="field">
      <label for="kind">${tr.kind}</label>
      <select id="kind" value=${wanted.kind} onChange=${(e) => go({ kind: e.target.value })}>
        <option value="">${tr.anyKind}</option>
        ${KINDS.map((k) => html`<option value=${k} selected=${k === wanted.kind}>${tr.kindsPlural[k]}</option>`)}
      </select>
    </div>
    <p class="status" role="status" id="done">${done}</p>
    ${error && html`<p class="error" role="alert">${tr.error}${error}</p>`}
    <h2 id="queue-count" tabindex="-1" ref=${heading}>
      ${page ? tr.count(page.totalCount, tr.states[wanted.state]) : tr.states[wanted.state]}</h2>
    ${!page && !error && html`<p>${tr.loading}</p>`}
    ${page && page.nodes.length === 0 && html`<p>${tr.none}</p>`}
    ${page && html`<ol class="queue">${page.nodes.map((item) => html`<${Row} key=${item.id} item=${item}
      lang=${lang} tr=${tr} navigate=${navigate} onDone=${onDone} />`)}</ol>`}
    ${page && page.pageInfo.hasNextPage && html`<button type="button" id="more" onClick=${more}>${tr.more}</button>`}
  </section>`;
}

export function Screen({ lang, text, params, rest, navigate, viewer }) {
  const tr = { ...TEXT[lang], loading: text.loading, error: text.error };
  const id = decodeURIComponent(rest || "");
  const editor = viewer && (viewer.role === "editor" || viewer.role === "admin");
  if (id) return html`<${RecordPage} key=${id} id=${id} lang=${lang} tr=${tr} navigate=${navigate} editor=${editor} />`;
  if (!editor) return html`<${Opener} tr=${tr} navigate=${navigate} />`;
  return html`<${Queue} lang=${lang} params=${params} navigate=${navigate} tr=${tr} />`;
}
