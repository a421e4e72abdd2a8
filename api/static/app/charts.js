// A chart with its figures in a table beside it: Chart.js draws the canvas, which assistive
// technology skips (aria-hidden), and the table carries the same numbers for everyone. The
// table scrolls when long, so it takes the focus: a keyboard can scroll it too.
import { html, useEffect, useRef } from "./vendor/preact-htm.js";
import "./vendor/chart.umd.min.js";

// The UMD build, imported as a module, leaves its constructor on globalThis.
const Chart = globalThis.Chart;

// Eight colours distinct for the common colour-vision deficiencies, each ≥ 3:1 on white.
export const PALETTE = ["#0b5cab", "#c2571a", "#2e7d32", "#7b3fa0", "#8c6d1f", "#b0305a", "#00796b", "#5d6b78"];

export function formatter(lang, options = {}) {
  const format = new Intl.NumberFormat(lang === "en" ? "en-CA" : "fr-CA", options);
  return (value) => (value === null || value === undefined ? null : format.format(value));
}

function draw(canvas, { data, type, horizontal, stacked, lang, shape, legend }) {
  const chart = new Chart(canvas, {
    type,
    data,
    options: {
      // Figures that move live are redrawn at once: an animation would lag the table.
      animation: false,
      maintainAspectRatio: false,
      indexAxis: horizontal ? "y" : "x",
      locale: lang === "en" ? "en-CA" : "fr-CA",
      plugins: { legend: { display: legend } },
      scales: { x: { stacked }, y: { stacked, beginAtZero: true } },
    },
  });
  chart.shape = shape;
  return chart;
}

/**
 * `series`: [{ label, values, stepped? }], one value per label, null where there is none
 * (a figure withheld, for instance), which the table shows as `missing`.
 */
export function ChartFigure({ id, title, lang, labels, series, type = "bar", horizontal = false,
  stacked = false, missing = "—", format = formatter(lang), caption = null }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  const data = {
    labels,
    datasets: series.map((s, i) => ({
      label: s.label,
      data: s.values,
      backgroundColor: PALETTE[i % PALETTE.length],
      borderColor: PALETTE[i % PALETTE.length],
      stepped: s.stepped || false,
      pointRadius: type === "line" ? 0 : undefined,
      spanGaps: false,
    })),
  };
  const key = JSON.stringify([labels, series, type, horizontal, stacked, lang]);
  const shape = JSON.stringify([type, horizontal, stacked, lang, series.length > 1]);
  const latest = useRef(null);
  latest.current = { data, type, horizontal, stacked, lang, shape, legend: series.length > 1 };
  useEffect(() => {
    if (chart.current && chart.current.shape === shape) {
      chart.current.data = data;
      chart.current.update("none");
      return undefined;
    }
    if (chart.current) chart.current.destroy();
    chart.current = null;
    // A page of twenty charts draws those on screen or about to be, and the others as they
    // come into view: drawing them all at once held the main thread for a third of a second
    // after the figures arrived. The tables beside them are there from the start.
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((entry) => entry.isIntersecting)) return;
      observer.disconnect();
      chart.current = draw(canvas.current, latest.current);
    }, { rootMargin: "400px 0px" });
    observer.observe(canvas.current);
    return () => observer.disconnect();
  }, [key]);
  useEffect(() => () => chart.current && chart.current.destroy(), []);
  const rows = Math.max(labels.length, 1);
  const height = horizontal ? `${Math.min(4 + rows * 1.6, 40)}rem` : "16rem";
  return html`<figure class="chart" id=${id} aria-labelledby=${`${id}-title`}>
    <figcaption id=${`${id}-title`}>${title}</figcaption>
    ${caption && html`<p class="status">${caption}</p>`}
    <div class="chart-canvas" style=${{ height }}><canvas ref=${canvas} aria-hidden="true"></canvas></div>
    <div class="chart-table" tabindex="0" role="region" aria-label=${title}>
      <table>
        <caption class="visually-hidden">${title}</caption>
        <thead><tr><td></td>${series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr></thead>
        <tbody>${labels.map((label, row) => html`<tr>
          <th scope="row">${label}</th>
          ${series.map((s) => html`<td>${format(s.values[row]) ?? missing}</td>`)}
        </tr>`)}</tbody>
      </table>
    </div>
  </figure>`;
}
