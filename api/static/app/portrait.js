// The needs portrait: the annual report's tables for a period, a territory and a channel, as
// charts with their figures beside, compared with a second period or territory, downloadable
// as CSV, and kept current by `statisticsChanged`. The API decides which figures a role sees
// (public or exact); the page shows what it is given and says which.
import { html, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { ChartFigure, formatter } from "./charts.js";
import { subscribe } from "./live.js";
import { TEXT } from "./portrait-text.js";
import { FIELDS, RATIOS, TABLES, TIMES, TOTALS, byMonth, figures, rows } from "./portrait-tables.js";
import { TerritoryPicker, territoryName } from "./portrait-places.js";
import { toCsv } from "./portrait-csv.js";

const VARIABLES = `$from: Date!, $to: Date!, $territory: String, $channel: ContactChannel,
  $top: Int!, $language: Language`;
const ARGUMENTS = `from: $from, to: $to, territory: $territory, channel: $channel, top: $top,
  language: $language`;
const STATISTICS = `query Portrait(${VARIABLES}) { statistics(${ARGUMENTS}) { ${FIELDS} } }`;
const LIVE = `subscription PortraitLive(${VARIABLES}) { statisticsChanged(${ARGUMENTS}) { ${FIELDS} } }`;
const TOP = 10;
// How long the first figures may take over the WebSocket before they are asked over HTTP.
const SOCKET_WAIT = 1500;
const CHANNELS = ["phone", "email", "chat", "in_person"];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function iso(date) {
  const month = String(date.getMonth() + 1).padStart(2, "0");
  return `${date.getFullYear()}-${month}-${String(date.getDate()).padStart(2, "0")}`;
}

/** The quick choices of period, from today's date. */
function periods(today = new Date()) {
  const year = today.getFullYear();
  const lastMonthEnd = new Date(year, today.getMonth(), 0); // day 0: the previous month's last
  const yesterday = new Date(year, today.getMonth(), today.getDate() - 1);
  return {
    // The default: a year of figures whatever the day (last year is one month old in January).
    lastTwelve: [iso(new Date(year - 1, today.getMonth(), 1)), iso(yesterday)],
    lastMonth: [iso(new Date(lastMonthEnd.getFullYear(), lastMonthEnd.getMonth(), 1)), iso(lastMonthEnd)],
    thisYear: [`${year}-01-01`, iso(today)],
    lastYear: [`${year - 1}-01-01`, `${year - 1}-12-31`],
    year2018: ["2018-01-01", "2018-12-31"],
  };
}

function day(value, fallback) {
  return value && DAY.test(value) ? value : fallback;
}

/** The portrait asked for, as the URL states it. */
export function readPortrait(params) {
  const [from, to] = periods().lastTwelve;
  const state = {
    from: day(params.get("du"), from),
    to: day(params.get("au"), to),
    territory: params.get("territoire") || "",
    channel: CHANNELS.includes(params.get("canal")) ? params.get("canal") : "",
    compare: ["periode", "territoire"].includes(params.get("comparer")) ? params.get("comparer") : "",
  };
  // The same days a year earlier (28 February for the 29th).
  const shifted = (date) => `${Number(date.slice(0, 4)) - 1}${date.slice(4).replace("-02-29", "-02-28")}`;
  state.from2 = day(params.get("du2"), shifted(state.from));
  state.to2 = day(params.get("au2"), shifted(state.to));
  state.territory2 = params.get("territoire2") || "";
  return state;
}

function writePortrait(state) {
  const params = new URLSearchParams({ du: state.from, au: state.to });
  if (state.territory) params.set("territoire", state.territory);
  if (state.channel) params.set("canal", state.channel);
  if (state.compare) params.set("comparer", state.compare);
  if (state.compare === "periode") {
    params.set("du2", state.from2);
    params.set("au2", state.to2);
  }
  if (state.compare === "territoire" && state.territory2) params.set("territoire2", state.territory2);
  return params.toString();
}

/** The sets of figures asked: one, or two when comparing. */
function asked(state, lang) {
  const base = {
    from: state.from, to: state.to, territory: state.territory || null,
    channel: state.channel ? state.channel.toUpperCase() : null, top: TOP, language: lang.toUpperCase(),
  };
  if (state.compare === "periode") return [base, { ...base, from: state.from2, to: state.to2 }];
  if (state.compare === "territoire") return [base, { ...base, territory: state.territory2 || null }];
  return [base];
}

function setLabel(variables, state, tr) {
  const period = `${variables.from} → ${variables.to}`;
  const place = territoryName(variables.territory) || tr.wholeProvince;
  if (state.compare === "periode") return period;
  if (state.compare === "territoire") return place;
  return `${period} · ${place}`;
}

function Controls({ state, tr, go, onError, onNamed }) {
  const [dates, setDates] = useState(state);
  useEffect(() => setDates(state), [writePortrait(state)]);
  const quick = periods();
  const bad = dates.from > dates.to || (state.compare === "periode" && dates.from2 > dates.to2);
  const date = (name, label) => html`<div class="field">
    <label for=${`portrait-${name}`}>${label}</label>
    <input id=${`portrait-${name}`} type="date" required value=${dates[name]}
      onInput=${(e) => setDates({ ...dates, [name]: e.target.value })} />
  </div>`;
  return html`<form class="portrait-controls" aria-labelledby="portrait-choose" onSubmit=${(e) => {
    e.preventDefault();
    if (!bad) go({ from: dates.from, to: dates.to, from2: dates.from2, to2: dates.to2 });
  }}>
    <h2 id="portrait-choose" class="visually-hidden">${tr.choose}</h2>
    <fieldset class="portrait-period">
      <legend>${tr.period}</legend>
      <div class="portrait-quick" role="group" aria-label=${tr.quick}>
        ${Object.entries(quick).map(([name, [from, to]]) => html`<button type="button"
          aria-pressed=${state.from === from && state.to === to ? "true" : "false"}
          onClick=${() => go({ from, to })}>${tr[name]}</button>`)}
      </div>
      ${date("from", tr.from)}${date("to", tr.to)}
      ${state.compare === "periode" && html`${date("from2", tr.from2)}${date("to2", tr.to2)}`}
      <button type="submit">${tr.apply}</button>
      ${bad && html`<p class="error" role="alert">${tr.badDates}</p>`}
    </fieldset>
    <${TerritoryPicker} id="portrait-territory" label=${tr.territory} value=${state.territory} tr=${tr}
      onChange=${(code) => go({ territory: code })} onError=${onError} onNamed=${onNamed} />
    <div class="field">
      <label for="portrait-channel">${tr.channel}</label>
      <select id="portrait-channel" value=${state.channel} onChange=${(e) => go({ channel: e.target.value })}>
        <option value="">${tr.anyChannel}</option>
        ${CHANNELS.map((c) => html`<option value=${c} selected=${c === state.channel}>${tr.channels[c]}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="portrait-compare">${tr.compare}</label>
      <select id="portrait-compare" value=${state.compare} onChange=${(e) => go({ compare: e.target.value })}>
        <option value="">${tr.compareNone}</option>
        <option value="periode" selected=${state.compare === "periode"}>${tr.comparePeriod}</option>
        <option value="territoire" selected=${state.compare === "territoire"}>${tr.compareTerritory}</option>
      </select>
    </div>
    ${state.compare === "territoire" && html`<${TerritoryPicker} id="portrait-territory2"
      label=${tr.territory2} value=${state.territory2} tr=${tr}
      onChange=${(code) => go({ territory2: code })} onError=${onError} onNamed=${onNamed} />`}
  </form>`;
}

function Charts({ sets, lang, tr }) {
  const exact = sets.every(({ stats }) => stats.exact);
  const missing = exact ? tr.missingExact : tr.withheld;
  const channelName = (key, cells) => (cells.find((c) => c.key === key) || {}).label || tr.channels[key] || key;
  const seconds = formatter(lang, { maximumFractionDigits: 0 });
  const ratio = formatter(lang, { maximumFractionDigits: 2 });
  // A table with no row at all says why: public figures withhold a whole table whose cells
  // are all small (or would give a withheld one back); exact figures have none to show.
  const empty = exact ? tr.noFigures : tr.allWithheld;
  const tables = TABLES.map((table) => {
    const drawn = rows(table, sets);
    const top = exact && !table.complete && sets.length > 1 ? tr.topNote : null;
    return {
      id: `portrait-${table.id}`, title: tr.tables[table.id], ...drawn, horizontal: true,
      caption: drawn.labels.length === 0 ? empty : top,
    };
  });
  const organizations = tables.pop();
  const months = byMonth(sets, channelName);
  // In the annual report's order: contacts, needs, who called and from where, times, referrals.
  const charts = [
    { id: "portrait-totals", title: tr.totals, ...figures(TOTALS, sets, tr), horizontal: true },
    { id: "portrait-month", title: tr.month, ...months, stacked: sets.length === 1,
      caption: months.series.length === 0 ? empty : null },
    ...tables,
    { id: "portrait-times", title: tr.times, ...figures(TIMES, sets, tr), format: seconds },
    { id: "portrait-ratios", title: tr.ratios, ...figures(RATIOS, sets, tr), format: ratio, rounded: false },
    organizations,
  ];
  return html`<div><${Download} charts=${charts} sets=${sets} tr=${tr} />
    ${charts.map((chart) => html`<${ChartFigure} key=${chart.id} lang=${lang} missing=${missing} ...${chart} />`)}</div>`;
}

function Download({ charts, sets, tr }) {
  const link = useRef(null);
  const [href, setHref] = useState(null);
  useEffect(() => {
    // The byte order mark tells spreadsheets the file is UTF-8 (accented names).
    const blob = new Blob(["\uFEFF", toCsv(charts, sets, tr)], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    // The Blob stays on the link, so that what would be downloaded can be read back.
    link.current.blob = blob;
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [JSON.stringify([charts.map((c) => [c.labels, c.series]), tr.csvTitle])]);
  return html`<p><a id="portrait-csv" ref=${link} href=${href} download=${`${tr.fileName}-${sets[0].stats.territory || tr.fileWhole}-${sets[0].stats.from}-${sets[0].stats.to}.csv`}>${tr.download}</a></p>`;
}

export function Screen({ lang, text, params, navigate }) {
  const tr = TEXT[lang];
  const state = readPortrait(params);
  const key = writePortrait(state);
  const [results, setResults] = useState(null);
  const [error, setError] = useState(null);
  const [live, setLive] = useState("connecting");
  const [updated, setUpdated] = useState("");
  // The sets are labelled with their territories' names, which the pickers read.
  const [, setNamed] = useState(0);
  const variables = asked(state, lang);

  const go = (change) => navigate(`portrait?${writePortrait({ ...state, ...change })}`);

  useEffect(() => {
    let open = true;
    // The subscription's first message is the figures themselves: asking over HTTP too would
    // spend a second of the public's answers of the hour. HTTP answers only when the socket
    // does not, soon enough.
    const latest = [];
    let requested = false;
    const ask = () => {
      if (requested || !open) return;
      requested = true;
      Promise.all(variables.map((v) => query(STATISTICS, v)))
        .then((answers) => open && setResults(answers.map((data, i) => latest[i] || data.statistics)))
        // Figures already drawn stay (the server may be back in a moment); none yet: an empty page.
        .catch((e) => open && (setResults((now) => now || []), setError(e.message)));
    };
    const timer = setTimeout(ask, SOCKET_WAIT);
    setError(null);
    setUpdated("");
    setResults(null);
    const stop = subscribe(variables.map((v) => ({ query: LIVE, variables: v })), {
      next: (index, data) => {
        if (!open) return;
        const figures = data.statisticsChanged;
        latest[index] = figures;
        setError(null);
        setResults((now) => {
          if (!now) {
            if (variables.some((_, i) => !latest[i])) return now;
            clearTimeout(timer);
            return latest.slice();
          }
          if (JSON.stringify(now[index]) === JSON.stringify(figures)) return now;
          const next = now.slice();
          next[index] = figures;
          setUpdated(new Date().toLocaleTimeString(lang === "en" ? "en-CA" : "fr-CA", { timeZone: "America/Montreal" }));
          return next;
        });
      },
      error: (index, message) => {
        if (!open) return;
        setError(message);
        ask();
      },
      state: (value) => {
        if (!open) return;
        setLive(value);
        if (value === "retrying" || value === "closed") ask();
      },
    });
    return () => {
      open = false;
      clearTimeout(timer);
      stop();
    };
  }, [key, lang]);

  // Each set keeps its own label; one refused (too few contacts, say) leaves the other shown.
  const labelled = (results || []).map((r, i) => ({
    stats: r, label: setLabel(variables[i], state, tr),
    place: territoryName(variables[i].territory) || tr.wholeProvince,
  }));
  const failed = labelled.filter(({ stats }) => stats.__typename !== "Statistics");
  const sets = labelled.filter(({ stats }) => stats.__typename === "Statistics");
  const exact = sets.length > 0 && sets.every(({ stats }) => stats.exact);
  return html`<section class="portrait" aria-labelledby="portrait-title" data-ready=${results ? "" : null}>
    <h1 id="portrait-title">${tr.title}</h1>
    <p>${tr.intro}</p>
    <${Controls} state=${state} tr=${tr} go=${go} onError=${setError}
      onNamed=${() => setNamed((n) => n + 1)} />
    <p class=${`portrait-live ${live}`} role="status" id="portrait-live">
      ${live === "live" ? tr.live : tr[live]}${updated ? ` · ${tr.updated(updated)}` : ""}</p>
    ${error && html`<p class="error" role="alert">${text.error}${error}</p>`}
    ${failed.map(({ stats, label }) => html`<p class="error" role="alert">
      ${labelled.length > 1 ? `${label} — ` : ""}${stats.message}</p>`)}
    ${!results && html`<p class="status">${text.loading}</p>`}
    ${sets.length > 0 && html`
      <p id="portrait-kind" class=${exact ? "portrait-exact" : "portrait-public"}>
        ${exact ? tr.exact : tr.public(sets[0].stats.threshold)}</p>
      ${!exact && html`<p class="status">${tr.withheldNote}</p>`}
      <h2 class="visually-hidden">${tr.figures}</h2>
      <${Charts} sets=${sets} lang=${lang} tr=${tr} />`}
  </section>`;
}
