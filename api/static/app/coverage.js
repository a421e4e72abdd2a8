// Coverage over time: population and municipalities covered per channel since 2016 (step
// charts, a step on each day coverage changed), the regions gained and lost, what was covered
// on a chosen day, and a place's timeline. The whole state is in the URL: ?date=, canal=,
// lieu= and connu= (the recording time the records are read as of).
import { html, useEffect, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { ChartFigure, formatter } from "./charts.js";
import { CHANNELS, TEXT, ZONE, longDay, moment, previousDay, today } from "./coverage-text.js";
import { Day } from "./coverage-day.js";
import { Place } from "./coverage-place.js";

export const START = "2016-01-01";

// Roles that may set `asKnownAt`, as api/access.py ARGUMENTS has it: it names no coverage
// query, so every caller may read the records as they stood at a past moment (null: everyone).
const KNOWN_AT_ROLES = null;

const HISTORY = `query History($from: Date!, $to: Date!, $known: DateTime) {
  ${CHANNELS.map((c) => `
  ${c}: populationCovered(from: $from, to: $to, channel: ${c}, granularity: CHANGE, asKnownAt: $known) {
    __typename
    ... on PopulationSeries { points { date population municipalities } }
    ... on Error { message }
  }
  ${c}_regions: coverageChanges(from: $from, to: $to, channel: ${c}, kind: REGION, asKnownAt: $known, first: 200) {
    __typename
    ... on CoverageChanges { nodes { date gained territory { code name } } }
    ... on Error { message }
  }`).join("")}
}`;

/** A wall-clock moment that exists: 2026-13-45T99:99 matches the pattern but names none. */
function realMoment(text) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text)) return false;
  const [y, m, d, hh, mm, ss = 0] = text.split(/[-T:]/).map(Number);
  const at = new Date(Date.UTC(y, m - 1, d, hh, mm, ss));
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d
    && at.getUTCHours() === hh && at.getUTCMinutes() === mm && at.getUTCSeconds() === ss;
}

/** The screen's state as the URL states it; a value that is not well formed is ignored. */
export function readCoverage(params) {
  const day = params.get("date") || "";
  const channel = (params.get("canal") || "").toUpperCase();
  const known = params.get("connu") || "";
  return {
    day: /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : "",
    channel: CHANNELS.includes(channel) ? channel : "PHONE",
    place: (params.get("lieu") || "").slice(0, 40),
    known: realMoment(known) ? known : "",
  };
}

export function writeCoverage(state) {
  const params = new URLSearchParams();
  if (state.day) params.set("date", state.day);
  if (state.channel && state.channel !== "PHONE") params.set("canal", state.channel.toLowerCase());
  if (state.place) params.set("lieu", state.place);
  if (state.known) params.set("connu", state.known);
  return params.toString();
}

/** The moment `connu` names, for `asKnownAt`; null when unset. `connu` is a wall-clock time in
 * Montréal, the service's own, so a shared link names the same moment in any time zone. */
export function knownAt(state) {
  if (!state.known) return null;
  const [y, m, d, hh, mm, ss = 0] = state.known.split(/[-T:]/).map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm, ss);
  if (Number.isNaN(wall)) return null;
  // The offset at the wall time read as UTC, then at the instant that gives: right on both
  // sides of a change of offset.
  let at = wall - offsetMinutes(wall) * 60000;
  at = wall - offsetMinutes(at) * 60000;
  return new Date(at).toISOString();
}

const PARTS = new Intl.DateTimeFormat("en-CA", {
  timeZone: ZONE, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit",
});

/** How far Montréal's clock is ahead of UTC at an instant, in minutes (negative: behind). */
function offsetMinutes(instant) {
  const v = Object.fromEntries(PARTS.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return (Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour, +v.minute, +v.second) - instant) / 60000;
}

export function failure(answer) {
  return answer && answer.__typename && answer.message !== undefined ? answer.message : null;
}

/** Each channel's figures on each day any of them changed; rows equal to the one above dropped. */
function steps(data, end) {
  const days = [...new Set(CHANNELS.flatMap((c) => data[c].points.map((p) => p.date)))].sort();
  const at = (c, day, field) => {
    let value = null;
    for (const point of data[c].points) if (point.date <= day) value = point[field];
    return value;
  };
  const rows = days.map((day) => ({
    day,
    population: CHANNELS.map((c) => at(c, day, "population")),
    municipalities: CHANNELS.map((c) => at(c, day, "municipalities")),
  }));
  const kept = rows.filter((row, i) => i === 0
    || JSON.stringify([row.population, row.municipalities])
      !== JSON.stringify([rows[i - 1].population, rows[i - 1].municipalities]));
  const last = kept[kept.length - 1];
  // The last step lasts until today: a point there gives it its width.
  if (last && last.day < end) kept.push({ ...last, day: end });
  return kept;
}

/** Whole regions gained or lost: one row per day, region and direction, with its channels. */
function regionChanges(data) {
  const rows = new Map();
  for (const c of CHANNELS)
    for (const change of data[`${c}_regions`].nodes) {
      const key = `${change.date} ${change.gained ? 0 : 1} ${change.territory.code}`;
      const row = rows.get(key) || { ...change, channels: [] };
      row.channels.push(c);
      rows.set(key, row);
    }
  return [...rows.keys()].sort().map((key) => rows.get(key));
}

/** A sentence for each day regions were gained: which, on which channels, and when they went. */
function labels(changes, lang, tr) {
  const gains = new Map();
  for (const row of changes.filter((r) => r.gained)) {
    const group = gains.get(row.date) || [];
    group.push(row);
    gains.set(row.date, group);
  }
  return [...gains.entries()].map(([day, group]) => {
    const codes = new Set(group.map((r) => r.territory.code));
    const losses = changes.filter((r) => !r.gained && codes.has(r.territory.code) && r.date > day);
    const names = tr.and(group.map((r) => r.territory.name));
    const channels = tr.and(group[0].channels.map((c) => tr.channels[c].toLowerCase()));
    const end = losses.length
      ? tr.stepEnd(longDay(lang, losses[0].date), longDay(lang, previousDay(losses[0].date)))
      : "";
    return `${tr.step(longDay(lang, day), names, channels)}${end}.`;
  });
}

function History({ lang, tr, known, onReady }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const end = today();
  useEffect(() => {
    let live = true;
    setError(null);
    onReady(null);
    query(HISTORY, { from: START, to: end, known })
      .then((answer) => {
        if (!live) return;
        const wrong = Object.values(answer).map(failure).find(Boolean);
        if (wrong) setError(wrong);
        else setData({ ...answer, known });
        onReady(`${known}`);
      })
      .catch((e) => live && (setError(e.message), onReady(`${known}`)));
    return () => { live = false; };
  }, [known]);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!data) return html`<p class="status">${tr.loading}</p>`;
  const rows = steps(data, end);
  const changes = regionChanges(data);
  const dates = rows.map((r) => r.day);
  const names = CHANNELS.map((c) => tr.channels[c]);
  const series = (field) => names.map((label, i) => ({ label, values: rows.map((r) => r[field][i]), stepped: true }));
  const caption = [tr.since(longDay(lang, START), longDay(lang, end)), ...labels(changes, lang, tr)].join(" ");
  return html`
    <p class="coverage-steps" data-known=${data.known || ""}>${caption}</p>
    <${ChartFigure} id="coverage-population" title=${tr.population} lang=${lang} type="line"
      labels=${dates} series=${series("population")} />
    <${ChartFigure} id="coverage-municipalities" title=${tr.municipalities} lang=${lang} type="line"
      labels=${dates} series=${series("municipalities")} />
    <h2 id="coverage-changes-title">${tr.changes}</h2>
    ${changes.length === 0 ? html`<p>${tr.noChanges}</p>` : html`
      <div class="coverage-table"><table id="coverage-changes" aria-labelledby="coverage-changes-title">
        <thead><tr><th scope="col">${tr.date}</th><th scope="col">${tr.region}</th>
          <th scope="col">${tr.change}</th><th scope="col">${tr.channel}</th></tr></thead>
        <tbody>${changes.map((r) => html`<tr class=${r.gained ? "gained" : "lost"}>
          <td>${r.date}</td><td>${r.territory.name}</td>
          <td>${r.gained ? tr.gained : tr.lost}</td>
          <td>${tr.and(r.channels.map((c) => tr.channels[c]))}</td></tr>`)}</tbody>
      </table></div>`}`;
}

function KnownAt({ tr, lang, state, go }) {
  const [value, setValue] = useState(state.known);
  useEffect(() => setValue(state.known), [state.known]);
  return html`<details class="coverage-known" open=${Boolean(state.known)}>
    <summary>${tr.audit}</summary>
    <form class="search" onSubmit=${(e) => {
    e.preventDefault();
    go({ known: value });
  }}>
    <div class="field">
      <label for="known-at">${tr.knownAt}</label>
      <input id="known-at" type="datetime-local" step="1" value=${value} aria-describedby="known-help"
        onInput=${(e) => setValue(e.target.value)} />
    </div>
    <button type="submit">${tr.apply}</button>
    ${state.known && html`<button type="button" onClick=${() => go({ known: "" })}>${tr.now}</button>`}
    <small id="known-help" class="status">${tr.knownHelp}</small>
  </form></details>
  <p class="coverage-known-now" role="status">${knownAt(state) ? tr.asKnown(moment(lang, knownAt(state))) : ""}</p>`;
}

export function Screen({ lang, text, params, navigate, viewer }) {
  const tr = { ...TEXT[lang], loading: text.loading, error: text.error };
  const state = readCoverage(params);
  const known = knownAt(state);
  const [ready, setReady] = useState({});
  const go = (change) => navigate(`coverage?${writeCoverage({ ...state, ...change })}`);
  // Ready while every part shows the data the URL asks for: each part says what it shows.
  const mark = (part) => (shows) => setReady((was) => (was[part] === shows ? was : { ...was, [part]: shows }));
  const canSetKnown = !KNOWN_AT_ROLES || KNOWN_AT_ROLES.includes(viewer.role) || viewer.role === "admin";
  const loaded = ready.history === `${known}` && ready.day === `${state.day || today()} ${state.channel} ${known}`;
  return html`<section class="coverage" aria-labelledby="coverage-title" data-ready=${loaded ? "" : null}>
    <h1 id="coverage-title">${tr.title}</h1>
    <p>${tr.intro}</p>
    ${canSetKnown && html`<${KnownAt} tr=${tr} lang=${lang} state=${state} go=${go} />`}
    <h2>${tr.history}</h2>
    <${History} lang=${lang} tr=${tr} known=${known} onReady=${mark("history")} />
    <${Day} lang=${lang} tr=${tr} state=${state} known=${known} go=${go} onReady=${mark("day")}
      format=${formatter(lang)} />
    <${Place} lang=${lang} tr=${tr} state=${state} known=${known} go=${go} />
  </section>`;
}
