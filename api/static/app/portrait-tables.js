// The annual report's tables as charts: each table of `statistics` becomes rows (its cells) and
// one series a set of figures compared (a period, or a territory). A cell the API left out is
// a zero only in exact figures of a table that lists every key; in public figures it may be
// withheld, and in a "top" table it may lie below the first rows, so it is shown as missing.

// `field`: the Statistics field; `complete`: exact figures list every key that has a count;
// `within`: the table whose labels name the cells' groups.
export const TABLES = [
  { id: "channel", field: "byChannel", complete: true },
  { id: "category", field: "byNeedCategory", complete: true },
  { id: "needs", field: "topNeeds" },
  { id: "unmet", field: "topUnmetNeeds" },
  { id: "unmet-reasons", field: "unmetReasons", complete: true },
  { id: "unmet-need-reasons", field: "unmetNeedReasons", within: "topUnmetNeeds" },
  { id: "language", field: "byLanguage", complete: true },
  { id: "age", field: "byAgeBand", complete: true },
  { id: "gender", field: "byGender", complete: true },
  { id: "inquirer", field: "byInquirerType", complete: true },
  { id: "region", field: "byRegion", complete: true },
  { id: "places", field: "topPlaces", within: "byRegion" },
  { id: "organizations", field: "topReferralOrganizations" },
];

export const TOTALS = ["contacts", "needs", "referrals", "unmetNeeds", "interpreterUsed"];
export const RATIOS = ["needsPerContact", "referralsPerContact"];
export const TIMES = ["averageWaitSeconds", "averageHandleSeconds"];

const CELLS = "{ group key label count }";
export const FIELDS = `__typename
  ... on Statistics {
    from to territory channel exact threshold position
    contacts { value suppressed } needs { value suppressed } referrals { value suppressed }
    unmetNeeds { value suppressed } interpreterUsed { value suppressed }
    needsPerContact referralsPerContact averageWaitSeconds averageHandleSeconds
    byMonth ${CELLS}
    ${TABLES.map((table) => `${table.field} ${CELLS}`).join("\n    ")}
  }
  ... on Error { code message }`;

function labelled(cell, names) {
  const name = cell.label || cell.key;
  if (!names) return name;
  return `${names.get(cell.group) || cell.group} — ${name}`;
}

/** One table across the sets compared: { labels, series: [{ label, values }] }. */
export function rows(table, sets) {
  const keys = [];
  const labels = new Map();
  for (const { stats } of sets) {
    const names = table.within
      ? new Map(stats[table.within].map((cell) => [cell.key, cell.label || cell.key]))
      : null;
    for (const cell of stats[table.field]) {
      const key = `${cell.group}\u0000${cell.key}`;
      if (!labels.has(key)) {
        keys.push(key);
        labels.set(key, labelled(cell, names));
      }
    }
  }
  const series = sets.map(({ label, stats }) => {
    const counts = new Map(stats[table.field].map((cell) => [`${cell.group}\u0000${cell.key}`, cell.count]));
    const absent = stats.exact && table.complete ? 0 : null;
    return { label, values: keys.map((key) => (counts.has(key) ? counts.get(key) : absent)) };
  });
  return { labels: keys.map((key) => labels.get(key)), series };
}

/** Every month of a period, "YYYY-MM". */
export function months(from, to) {
  const found = [];
  let [year, month] = from.split("-").map(Number);
  const [lastYear, lastMonth] = to.split("-").map(Number);
  while (year < lastYear || (year === lastYear && month <= lastMonth)) {
    found.push(`${year}-${String(month).padStart(2, "0")}`);
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
  return found;
}

/** Contacts by month and channel: a row a month (the i-th month of each period when periods
 * are compared), a series a channel of each set. */
export function byMonth(sets, channelName) {
  const periods = sets.map(({ stats }) => months(stats.from, stats.to));
  const length = Math.max(...periods.map((p) => p.length));
  const labels = [];
  for (let i = 0; i < length; i += 1)
    labels.push([...new Set(periods.map((p) => p[i] || "…"))].join(" / "));
  const channels = [];
  for (const { stats } of sets)
    for (const cell of stats.byMonth) if (!channels.includes(cell.key)) channels.push(cell.key);
  const series = [];
  sets.forEach(({ label, stats }, index) => {
    for (const channel of channels) {
      const counts = new Map(stats.byMonth.filter((c) => c.key === channel).map((c) => [c.group, c.count]));
      const values = labels.map((_, i) => {
        const month = periods[index][i];
        if (!month) return null;
        if (counts.has(month)) return counts.get(month);
        return stats.exact ? 0 : null;
      });
      const name = channelName(channel, stats.byMonth);
      series.push({ label: sets.length > 1 ? `${label} · ${name}` : name, values });
    }
  });
  // The set each series belongs to (for the CSV): each set has a series a channel.
  return { labels, series, setOf: (s) => Math.floor(s / Math.max(channels.length, 1)) };
}

/** The figures of one row of names: totals, ratios or times. */
export function figures(names, sets, text) {
  return {
    labels: names.map((name) => text[name]),
    series: sets.map(({ label, stats }) => ({
      label,
      values: names.map((name) => {
        const value = stats[name];
        if (value && typeof value === "object") return value.suppressed ? null : value.value;
        return value ?? null;
      }),
    })),
  };
}
