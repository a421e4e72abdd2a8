// A place's coverage timeline: found by typing its name (or from the list by region), it shows
// on each channel the periods the place was covered, with their funders, then the agreements
// behind them with their dates.
import { html, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { CHANNELS, longDay, moment } from "./coverage-text.js";

const NAMES = `{ territories(first: 2000) {
  __typename ... on TerritoryList { nodes { code name kind } } ... on Error { message } } }`;

const TIMELINE = `query Timeline($code: String!, $known: DateTime) {
  territory(code: $code) { __typename ... on Territory { code name kind } ... on Error { message } }
  ${CHANNELS.map((c) => `
  ${c}: coverageTimeline(territory: $code, channel: ${c}, asKnownAt: $known) {
    __typename
    ... on CoverageTimeline { intervals { from until lastCoveredDay funders } }
    ... on Error { message }
  }`).join("")}
}`;

// The agreements of each period, asked on its first day: a timeline lists an interval's
// agreements too, but asking them for every interval at once would cost far more.
const AGREEMENTS = `
  id version funder programme territories channels effectiveFrom effectiveUntil lastCoveredDay recordedAt`;

function agreementsQuery(periods) {
  const days = periods.map((p, i) => `$d${i}: Date!`).join(", ");
  const asks = periods.map((p, i) => `
  a${i}: coverage(territory: $code, channel: ${p.channel}, at: $d${i}, asKnownAt: $known) {
    __typename ... on Coverage { agreements { ${AGREEMENTS} } } ... on Error { message } }`);
  return `query Agreements($code: String!, $known: DateTime, ${days}) {${asks.join("")}\n}`;
}

/** The names of the places the agreements name, by code. */
async function placeNames(codes) {
  if (!codes.length) return new Map();
  const asks = codes.map((c, i) => `
  n${i}: territory(code: $c${i}) { __typename ... on Territory { code name } }`);
  const text = `query Names(${codes.map((c, i) => `$c${i}: String!`).join(", ")}) {${asks.join("")}\n}`;
  const found = await query(text, Object.fromEntries(codes.map((c, i) => [`c${i}`, c])));
  return new Map(Object.values(found).filter((t) => t.name).map((t) => [t.code, t.name]));
}

// Names compared without case or accents, as people type them.
const fold = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();

let names = null;
function allNames() {
  names = names || query(NAMES).then((data) => data.territories.nodes || []);
  names.catch(() => { names = null; });
  return names;
}

function Finder({ tr, go }) {
  const [words, setWords] = useState("");
  const [matches, setMatches] = useState(null);
  const [error, setError] = useState(null);
  const find = (e) => {
    e.preventDefault();
    const wanted = fold(words);
    if (!wanted) return;
    allNames().then((places) => {
      const exact = places.filter((p) => fold(p.name) === wanted);
      const found = exact.length ? exact : places.filter((p) => fold(p.name).includes(wanted));
      setError(null);
      if (found.length === 1) return go({ place: found[0].code });
      setMatches(found.slice(0, 20));
    }, (failure) => setError(failure.message));
  };
  return html`<form class="search" role="search" aria-labelledby="coverage-place-title" onSubmit=${find}>
    <div class="field wide">
      <label for="coverage-place-name">${tr.placeLabel}</label>
      <input id="coverage-place-name" type="search" maxlength="100" autocomplete="off" value=${words}
        onInput=${(e) => setWords(e.target.value)} />
    </div>
    <button type="submit">${tr.find}</button>
  </form>
  <div role="status">
    ${error && html`<p class="error" role="alert">${tr.error}${error}</p>`}
    ${matches && html`<p>${tr.matches(matches.length)}</p>`}
  </div>
  ${matches && matches.length > 0 && html`<ul class="coverage-matches">${matches.map((p) => html`<li>
    <a href=${`coverage?lieu=${encodeURIComponent(p.code)}`} onClick=${(e) => { e.preventDefault(); go({ place: p.code }); }}>
      ${p.name}</a> <span class="status">(${tr.kinds[p.kind] || p.kind}, ${p.code})</span></li>`)}</ul>`}`;
}

async function readTimeline(code, known) {
  const data = await query(TIMELINE, { code, known });
  const wrong = [data.territory, ...CHANNELS.map((c) => data[c])].find((a) => a.message !== undefined);
  if (wrong) throw new Error(wrong.message);
  const periods = CHANNELS.flatMap((c) => data[c].intervals.map((i) => ({ ...i, channel: c })));
  const agreements = new Map();
  if (periods.length) {
    const days = Object.fromEntries(periods.map((p, i) => [`d${i}`, p.from]));
    const found = await query(agreementsQuery(periods), { code, known, ...days });
    for (const answer of Object.values(found))
      for (const a of answer.agreements || []) agreements.set(`${a.id} ${a.version}`, a);
  }
  const sorted = [...agreements.values()].sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1));
  const names = await placeNames([...new Set(sorted.flatMap((a) => a.territories))].slice(0, 50));
  return { place: data.territory, timeline: data, agreements: sorted, names };
}

function Timeline({ lang, tr, code, known, go }) {
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  const title = useRef(null);
  useEffect(() => {
    let live = true;
    setFound(null);
    setError(null);
    readTimeline(code, known).then((answer) => live && setFound(answer), (e) => live && setError(e.message));
    return () => { live = false; };
  }, [code, known]);
  useEffect(() => { if (found && title.current) title.current.focus(); }, [found]);
  if (error) return html`<p class="error" role="alert">${tr.error}${error}</p>`;
  if (!found) return html`<p class="status" role="status">${tr.loading}</p>`;
  const day = (iso) => (iso ? longDay(lang, iso) : "");
  return html`<article class="coverage-timeline" id="coverage-timeline" aria-labelledby="coverage-timeline-title">
    <h3 id="coverage-timeline-title" tabindex="-1" ref=${title}>${tr.timeline(found.place.name)}
      <span class="status"> (${tr.kinds[found.place.kind] || found.place.kind}, ${found.place.code})</span></h3>
    <div class="coverage-table"><table id="coverage-periods">
      <caption class="visually-hidden">${tr.timeline(found.place.name)}</caption>
      <thead><tr><th scope="col">${tr.channel}</th><th scope="col">${tr.from}</th>
        <th scope="col">${tr.until}</th><th scope="col">${tr.funders}</th></tr></thead>
      <tbody>${CHANNELS.map((c) => {
        const intervals = found.timeline[c].intervals;
        if (!intervals.length)
          return html`<tr data-channel=${c}><th scope="row">${tr.channels[c]}</th><td colspan="3">${tr.never}</td></tr>`;
        return intervals.map((i) => html`<tr data-channel=${c}>
          <th scope="row">${tr.channels[c]}</th><td>${i.from}</td>
          <td>${i.lastCoveredDay || tr.still}</td><td>${i.funders.join(" ; ")}</td></tr>`);
      })}</tbody>
    </table></div>
    <h4>${tr.agreements}</h4>
    <ul class="coverage-agreements" id="coverage-agreements">${found.agreements.map((a) => html`<li data-agreement=${a.id}>
      <strong class="coverage-funder">${tr.agreement(a.funder, a.version)}</strong>
      <span> ${tr.period(day(a.effectiveFrom), day(a.lastCoveredDay))}</span>
      <span class="status"> · ${tr.and(a.channels.map((c) => tr.channels[c.toUpperCase()] || c))}</span>
      ${a.programme && html`<br /><span>${tr.programme(a.programme)}</span>`}
      <br /><span class="status">${tr.covers(a.territories.map((c) => found.names.get(c) || c).join(", "))} · ${tr.recorded(moment(lang, a.recordedAt))}</span>
    </li>`)}</ul>
    <p><button type="button" onClick=${() => {
      go({ place: "" });
      // The timeline goes away with the focus in it: back to the name field.
      const field = document.getElementById("coverage-place-name");
      if (field) field.focus();
    }}>${tr.close}</button></p>
  </article>`;
}

export function Place({ lang, tr, state, known, go }) {
  return html`<h2 id="coverage-place-title">${tr.place}</h2>
    <${Finder} tr=${tr} go=${go} />
    ${state.place && html`<${Timeline} key=${state.place} lang=${lang} tr=${tr} code=${state.place} known=${known} go=${go} />`}`;
}
