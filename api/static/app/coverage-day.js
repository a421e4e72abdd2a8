// What was covered on a chosen day: each channel's totals, then the chosen channel's places by
// region (each region with its municipalities and their population), each place a link to its
// timeline.
import { html, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { CHANNELS, longDay, today } from "./coverage-text.js";

const PAGE = 500;

const TOTALS = `query Totals($at: Date!, $known: DateTime) {
  ${CHANNELS.map((c) => `
  ${c}: coveredTerritories(at: $at, channel: ${c}, kind: MUNICIPALITY, asKnownAt: $known, first: 1) {
    __typename
    ... on CoveredTerritories { totalCount population }
    ... on Error { message }
  }`).join("")}
}`;

// Each place's ancestors by code only (the regions' names asked once): a day of 400 places
// with every ancestor's name would weigh 100 KB.
const PLACES = `query Places($at: Date!, $channel: Channel!, $known: DateTime, $after: String) {
  names: territories(kind: REGION) { __typename ... on TerritoryList { nodes { code name } } ... on Error { message } }
  regions: coveredTerritories(at: $at, channel: $channel, kind: REGION, asKnownAt: $known, first: 100) {
    __typename
    ... on CoveredTerritories { nodes { code } }
    ... on Error { message }
  }
  places: coveredTerritories(at: $at, channel: $channel, kind: MUNICIPALITY, asKnownAt: $known,
      first: ${PAGE}, after: $after) {
    __typename
    ... on CoveredTerritories {
      pageInfo { hasNextPage endCursor }
      nodes { code name population ancestors { code kind } }
    }
    ... on Error { message }
  }
}`;

function failed(answer) {
  return Object.values(answer).map((a) => (a.message !== undefined ? a.message : null)).find(Boolean);
}

async function covered(at, channel, known) {
  let after = null;
  let places = [];
  let regions = [];
  let names = new Map();
  do {
    const page = await query(PLACES, { at, channel, known, after });
    const problem = failed(page);
    if (problem) throw new Error(problem);
    regions = page.regions.nodes.map((r) => r.code);
    names = new Map(page.names.nodes.map((r) => [r.code, r.name]));
    places = places.concat(page.places.nodes);
    after = page.places.pageInfo.hasNextPage ? page.places.pageInfo.endCursor : null;
  } while (after);
  return { places, names, whole: new Set(regions) };
}

async function read(at, channel, known) {
  const [totals, found] = await Promise.all([query(TOTALS, { at, known }), covered(at, channel, known)]);
  const wrong = failed(totals);
  if (wrong) throw new Error(wrong);
  return { totals, ...found };
}

/** The covered places grouped by the region they lie in, regions by name. */
function byRegion(places, names, tr) {
  const groups = new Map();
  for (const place of places) {
    const above = place.ancestors.find((a) => a.kind === "REGION");
    const region = above ? { code: above.code, name: names.get(above.code) || above.code } : { code: "", name: tr.noRegion };
    const group = groups.get(region.code) || { region, places: [], population: 0 };
    group.places.push(place);
    group.population += place.population || 0;
    groups.set(region.code, group);
  }
  const collator = new Intl.Collator("fr-CA");
  for (const group of groups.values()) group.places.sort((a, b) => collator.compare(a.name, b.name));
  return [...groups.values()].sort((a, b) => collator.compare(a.region.name, b.region.name));
}

export function Day({ lang, tr, state, known, go, onReady, format }) {
  const day = state.day || today();
  const [value, setValue] = useState(day);
  const [channel, setChannel] = useState(state.channel);
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  const status = useRef(null);
  useEffect(() => { setValue(day); setChannel(state.channel); }, [day, state.channel]);
  useEffect(() => {
    let live = true;
    setFound(null);
    setError(null);
    const shows = `${day} ${state.channel} ${known}`;
    onReady(null);
    read(day, state.channel, known)
      .then((answer) => live && (setFound({ ...answer, day, channel: state.channel }), onReady(shows)))
      .catch((e) => live && (setError(e.message), onReady(shows)));
    return () => { live = false; };
  }, [day, state.channel, known]);

  const link = (place) => html`<a href=${`coverage?${new URLSearchParams({ ...(state.day && { date: state.day }), lieu: place.code })}`}
    onClick=${(e) => { e.preventDefault(); go({ place: place.code }); }}>${place.name}</a>`;
  const groups = found ? byRegion(found.places, found.names, tr) : [];
  const shown = found ? longDay(lang, found.day) : "";
  return html`<h2 id="coverage-day-title">${tr.day}</h2>
    <form class="search" aria-labelledby="coverage-day-title" onSubmit=${(e) => {
      e.preventDefault();
      go({ day: value, channel });
      // A new URL scrolls to the top: the reader stays at the day they asked for.
      document.getElementById("coverage-day-title").scrollIntoView();
    }}>
      <div class="field">
        <label for="coverage-date">${tr.dayLabel}</label>
        <input id="coverage-date" type="date" min="2016-01-01" required value=${value}
          onInput=${(e) => setValue(e.target.value)} />
      </div>
      <div class="field">
        <label for="coverage-channel">${tr.channel}</label>
        <select id="coverage-channel" value=${channel} onChange=${(e) => setChannel(e.target.value)}>
          ${CHANNELS.map((c) => html`<option value=${c} selected=${c === channel}>${tr.channels[c]}</option>`)}
        </select>
      </div>
      <button type="submit">${tr.show}</button>
    </form>
    <div role="status" ref=${status}>
      ${error && html`<p class="error" role="alert">${tr.error}${error}</p>`}
      ${!error && !found && html`<p class="status">${tr.loading}</p>`}
      ${found && html`<p id="coverage-day-summary">${tr.byRegion(tr.channels[found.channel], shown,
        tr.regions(groups.filter((g) => g.region.code).length), tr.towns(found.places.length))}</p>`}
    </div>
    ${found && html`<div class="coverage-table"><table id="coverage-day-totals" data-day=${found.day} data-channel=${found.channel}>
      <caption>${tr.dayTotals(shown)}</caption>
      <thead><tr><th scope="col">${tr.channel}</th><th scope="col">${tr.municipalities}</th>
        <th scope="col">${tr.population}</th></tr></thead>
      <tbody>${CHANNELS.map((c) => html`<tr>
        <th scope="row">${tr.channels[c]}</th>
        <td>${format(found.totals[c].totalCount)}</td><td>${format(found.totals[c].population)}</td>
      </tr>`)}</tbody>
    </table></div>`}
    ${found && found.places.length === 0 && html`<p>${tr.nothing}</p>`}
    ${found && html`<ul class="coverage-regions" id="coverage-regions">
      ${groups.map((g) => html`<li key=${g.region.code} data-region=${g.region.code}
        data-whole=${found.whole.has(g.region.code) ? "" : null}>
        <details>
          <summary><span class="coverage-region-name">${g.region.name}</span>
            ${found.whole.has(g.region.code) && html` <span class="coverage-whole">${tr.whole}</span>`}
            <span class="status"> · ${tr.towns(g.places.length)} · ${tr.people(format(g.population))}</span>
          </summary>
          ${g.region.code && html`<p>${link(g.region)}</p>`}
          <ul class="coverage-places">${g.places.map((p) => html`<li>${link(p)}
            <span class="status">${format(p.population)}</span></li>`)}</ul>
        </details>
      </li>`)}
    </ul>`}`;
}
