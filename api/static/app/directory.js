// The public directory: a search whose whole state is in the URL (shareable, and the back
// button works), and a service's record page.
import { html, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";

const PAGE = 20;
// The record a keyboard user came back from: its link in the results gets the focus again.
let cameBackFrom = null;

const SEARCH = `query Search($text: String, $territory: String, $categories: [String!],
    $languages: [String!], $openAt: DateTime, $near: PointInput, $first: Int!, $after: String,
    $language: Language) {
  searchServices(text: $text, territory: $territory, categories: $categories,
      languages: $languages, openAt: $openAt, near: $near, first: $first, after: $after,
      language: $language) {
    __typename
    ... on SearchConnection {
      totalCount rewrittenText
      pageInfo { hasNextPage endCursor }
      nodes { id serviceId name { fr en } organizationName { fr en } city distanceKm }
      facets {
        categories { value count name }
        languages { value count name }
        territories { value count name }
      }
    }
    ... on InvalidInputError { message }
    ... on NotAuthorizedError { message }
    ... on ConsistencyTimeoutError { message }
    ... on SearchUnavailableError { message }
  }
}`;

const SUGGEST = `query Suggest($prefix: String!) { autocomplete(prefix: $prefix, first: 8) { name { fr en } } }`;

const RECORD = `query Record($id: ID!) {
  service(id: $id) {
    __typename
    ... on Service {
      id name { fr en } description { fr en } eligibility { fr en } fees { fr en }
      applicationProcess { fr en } languages status
      phones { number kind extension }
      schedule { hours { weekday opens closes } closedOn }
      categories { code name { fr en } }
      serviceAreas { code name }
      locations { id name { fr en } address { street city postalCode province } }
    }
    ... on NotFoundError { message }
    ... on InvalidInputError { message }
    ... on ConsistencyTimeoutError { message }
  }
}`;

// The browser's position stays in this tab's session, never in the URL: a shared or logged
// link must not say where a person in need is, and "near me" in a shared link means near
// whoever opens it. (Links made before this carried `pres=LAT,LON`; they still open.)
const POSITION = "guichet.position";

function keptPosition() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(POSITION) || "null");
    return Array.isArray(kept) && kept.length === 2 && kept.every(Number.isFinite) ? kept : null;
  } catch {
    return null;
  }
}

/** The search as the URL states it. */
export function readSearch(params) {
  const given = params.get("pres") || "";
  const near = given === "1" ? keptPosition() || [] : given.split(",").map(Number);
  return {
    text: params.get("q") || "",
    territory: params.get("territoire") || "",
    category: params.get("categorie") || "",
    language: params.get("langue") || "",
    open: params.get("ouvert") === "1",
    near: near.length === 2 && near.every(Number.isFinite) ? near : null,
  };
}

function writeSearch(state) {
  const params = new URLSearchParams();
  if (state.text) params.set("q", state.text);
  if (state.territory) params.set("territoire", state.territory);
  if (state.category) params.set("categorie", state.category);
  if (state.language) params.set("langue", state.language);
  if (state.open) params.set("ouvert", "1");
  if (state.near) params.set("pres", "1");
  return params.toString();
}

function variables(state, lang, after) {
  return {
    text: state.text || null,
    territory: state.territory || null,
    categories: state.category ? [state.category] : null,
    languages: state.language ? [state.language] : null,
    openAt: state.open ? new Date().toISOString() : null,
    near: state.near ? { latitude: state.near[0], longitude: state.near[1] } : null,
    first: PAGE,
    after: after || null,
    language: lang.toUpperCase(),
  };
}

export function Filter({ id, label, any, value, values, onChange }) {
  const options = values.slice();
  if (value && !options.some((o) => o.value === value)) options.unshift({ value, name: null, count: 0 });
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.target.value)}>
      <option value="">${any}</option>
      ${options.map(
        (o) => html`<option value=${o.value} selected=${o.value === value}>
          ${o.name || o.value}${o.count ? ` (${o.count})` : ""}</option>`,
      )}
    </select>
  </div>`;
}

export function SearchPage({ lang, text: tr, params, navigate }) {
  const state = readSearch(params);
  const [words, setWords] = useState(state.text);
  const [suggestions, setSuggestions] = useState([]);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [locating, setLocating] = useState("");
  const key = `${writeSearch(state)} ${state.near}`;
  // A link made before positions left URLs (`pres=LAT,LON`): the position goes to this tab's
  // session, and the address bar and history keep `pres=1` only.
  useEffect(() => {
    if (!state.near || params.get("pres") === "1") return;
    sessionStorage.setItem(POSITION, JSON.stringify(state.near));
    window.history.replaceState(null, "", `${window.location.pathname}?${writeSearch(state)}`);
  }, [key]);
  const asked = params.get("pres") === "1" && !state.near;
  const heading = useRef(null);
  const list = useRef(null);

  const go = (change) => navigate(`search?${writeSearch({ ...state, ...change })}`);

  useEffect(() => setWords(state.text), [state.text]);

  useEffect(() => {
    let live = true;
    setError(null);
    setResult(null);
    query(SEARCH, variables(state, lang))
      .then((data) => {
        if (!live) return;
        const found = data.searchServices;
        if (found.__typename !== "SearchConnection") setError(found.message);
        else setResult(found);
      })
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [key, lang]);

  useEffect(() => {
    const prefix = words.trim().split(/\s+/).pop() || "";
    if (prefix.length < 2 || words === state.text) return setSuggestions([]);
    let live = true;
    const timer = setTimeout(() => {
      query(SUGGEST, { prefix: prefix.slice(0, 50) })
        .then((data) => live && setSuggestions(data.autocomplete.map((s) => s.name[lang])))
        .catch(() => live && setSuggestions([]));
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [words, lang]);

  useEffect(() => {
    if (!result || !cameBackFrom || !list.current) return;
    const link = list.current.querySelector(`a[href="services/${CSS.escape(cameBackFrom)}"]`);
    cameBackFrom = null;
    if (link) link.focus();
  }, [result]);

  const more = () =>
    query(SEARCH, variables(state, lang, result.pageInfo.endCursor)).then((data) => {
      const found = data.searchServices;
      if (found.__typename === "SearchConnection")
        setResult({ ...found, nodes: [...result.nodes, ...found.nodes] });
    }, (e) => setError(e.message));

  const nearMe = () => {
    if (state.near) {
      sessionStorage.removeItem(POSITION);
      return go({ near: null });
    }
    if (!navigator.geolocation) return setLocating(tr.noLocation);
    setLocating(tr.locating);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setLocating("");
        const near = [position.coords.latitude, position.coords.longitude];
        sessionStorage.setItem(POSITION, JSON.stringify(near));
        go({ near });
      },
      () => setLocating(tr.noLocation),
      { timeout: 15000, maximumAge: 60000 },
    );
  };

  const facets = result ? result.facets : { categories: [], languages: [], territories: [] };
  // The ready marker (the page benchmark and tests wait for it): the search has answered.
  const answered = Boolean(result || error);
  return html`<section aria-labelledby="search-title" data-ready=${answered ? "" : null}>
    <h1 id="search-title">${tr.search}</h1>
    <form role="search" class="search" onSubmit=${(e) => {
      e.preventDefault();
      go({ text: words.trim() });
    }}>
      <div class="field wide">
        <label for="q">${tr.words}</label>
        <input id="q" type="search" name="q" value=${words} maxlength="200" autocomplete="off"
          list="suggestions" onInput=${(e) => setWords(e.target.value)} />
        <datalist id="suggestions">
          ${suggestions.map((s) => html`<option value=${s}></option>`)}
        </datalist>
      </div>
      <button type="submit">${tr.submit}</button>
      <${Filter} id="territory" label=${tr.territory} any=${tr.anyTerritory} value=${state.territory}
        values=${facets.territories} onChange=${(v) => go({ territory: v })} />
      <${Filter} id="category" label=${tr.category} any=${tr.anyCategory} value=${state.category}
        values=${facets.categories} onChange=${(v) => go({ category: v })} />
      <${Filter} id="language" label=${tr.languageFilter} any=${tr.anyLanguage} value=${state.language}
        values=${facets.languages} onChange=${(v) => go({ language: v })} />
      <div class="field check">
        <input id="open" type="checkbox" checked=${state.open} onChange=${(e) => go({ open: e.target.checked })} />
        <label for="open">${tr.openNow}</label>
      </div>
      <button type="button" id="near" aria-pressed=${state.near ? "true" : "false"} onClick=${nearMe}>
        ${state.near ? tr.nearOff : tr.nearMe}</button>
      <span role="status" class="status">${locating || (asked ? tr.nearAsk : "")}</span>
    </form>
    <div aria-live="polite" ref=${heading}>
      ${error && html`<p class="error" role="alert">${tr.error}${error}</p>`}
      ${!error && !result && html`<p>${tr.loading}</p>`}
      ${result && html`<p id="count">${tr.results(result.totalCount)}
        ${result.rewrittenText ? ` · ${tr.searched(result.rewrittenText)}` : ""}</p>`}
    </div>
    ${result && result.nodes.length === 0 && html`<p>${tr.none}</p>`}
    ${result && html`<ol class="results" ref=${list}>
      ${result.nodes.map((hit) => html`<li key=${hit.id}>
        <a href=${`services/${hit.serviceId}`} onClick=${(e) => {
          e.preventDefault();
          navigate(`services/${hit.serviceId}`);
        }}>${hit.name[lang] || hit.name.fr}</a>
        <span class="org">${hit.organizationName[lang] || hit.organizationName.fr}</span>
        ${hit.city && html`<span class="city">${hit.city}</span>`}
        ${hit.distanceKm != null && html`<span class="distance">${tr.km(hit.distanceKm)}</span>`}
      </li>`)}
    </ol>`}
    ${result && result.pageInfo.hasNextPage && html`<button type="button" onClick=${more}>${tr.more}</button>`}
  </section>`;
}

function localized(text, lang) {
  return (text && (text[lang] || text.fr || text.en)) || "";
}

export function RecordPage({ lang, text: tr, id, navigate }) {
  const [record, setRecord] = useState(null);
  const [error, setError] = useState(null);
  const title = useRef(null);

  useEffect(() => {
    let live = true;
    setRecord(null);
    setError(null);
    query(RECORD, { id })
      .then((data) => {
        if (!live) return;
        if (data.service.__typename === "Service") setRecord(data.service);
        else setError(data.service.__typename === "NotFoundError" ? tr.notFound : data.service.message);
      })
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [id, lang]);

  useEffect(() => {
    if (record && title.current) title.current.focus();
  }, [record]);

  const back = html`<p><a href=${`${document.body.dataset.root || ""}/app/search`} onClick=${(e) => {
    e.preventDefault();
    cameBackFrom = id;
    history.length > 1 ? history.back() : navigate("search");
  }}>← ${tr.back}</a></p>`;
  if (error)
    return html`<section data-ready="">${back}<p class="error" role="alert">${tr.error}${error}</p></section>`;
  if (!record) return html`<section>${back}<p>${tr.loading}</p></section>`;
  const hours = record.schedule.hours;
  const section = (label, body) => body && html`<h2>${label}</h2><p>${body}</p>`;
  return html`<article aria-labelledby="record-title" data-ready="">
    ${back}
    <h1 id="record-title" tabindex="-1" ref=${title}>${localized(record.name, lang)}</h1>
    ${record.status !== "active" && html`<p class="badge">${tr.inactive}</p>`}
    <p>${localized(record.description, lang)}</p>
    <h2>${tr.hours}</h2>
    ${hours.length
      ? html`<table class="hours"><caption class="visually-hidden">${tr.hours}</caption><tbody>
        ${hours.map((h) => html`<tr><th scope="row">${tr.days[h.weekday]}</th><td>${h.opens} – ${h.closes}</td></tr>`)}
      </tbody></table>`
      : html`<p>${tr.noHours}</p>`}
    ${record.schedule.closedOn.length > 0 && html`<p>${tr.closedOn} ${record.schedule.closedOn.join(", ")}</p>`}
    <h2>${tr.phones}</h2>
    <ul class="phones">${record.phones.map((p) => html`<li>
      <a href=${`tel:${p.number}`}>${p.number}</a>${p.extension ? ` #${p.extension}` : ""} <span class="kind">${p.kind}</span></li>`)}
    </ul>
    <h2>${tr.address}</h2>
    <ul>${record.locations.map((l) => html`<li>${localized(l.name, lang)}${l.address
      ? html`<br />${l.address.street}, ${l.address.city} ${l.address.postalCode}` : ""}</li>`)}</ul>
    <h2>${tr.languages}</h2>
    <p>${record.languages.join(", ")}</p>
    ${section(tr.eligibility, localized(record.eligibility, lang))}
    ${section(tr.fees, localized(record.fees, lang))}
    ${section(tr.apply, localized(record.applicationProcess, lang))}
    ${record.categories.length > 0 && html`<h2>${tr.categories}</h2>
      <ul>${record.categories.map((c) => html`<li>${localized(c.name, lang)}</li>`)}</ul>`}
    ${record.serviceAreas.length > 0 && html`<h2>${tr.areas}</h2>
      <p>${record.serviceAreas.map((a) => a.name).join(", ")}</p>`}
  </article>`;
}
