// The figures shown, as one CSV file built in the browser: a line a figure, with the table,
// the row, the set of figures it belongs to and whether it is exact, public (randomly rounded
// to a multiple of 5) or withheld. Lines starting with "#" say which sets the file holds.

function field(value) {
  let text = value === null || value === undefined ? "" : String(value);
  // A cell a spreadsheet would read as a formula is kept as text.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * `charts`: [{ title, labels, series: [{ label, values }], rounded }] as drawn; `sets`: the sets
 * compared, each { label, stats, place }; `text`: the screen's texts.
 */
export function toCsv(charts, sets, text) {
  const lines = [`# ${text.csvTitle}`];
  // Each set says its place and period in full, whatever its label: a file saved for a region
  // must not read as one for the whole province.
  for (const { label, stats, place } of sets)
    lines.push(`# ${label}: ${place}, ${stats.from} → ${stats.to}; ${stats.exact ? text.csvExact : text.csvPublic(stats.threshold)}`);
  lines.push([text.csvTable, text.csvRow, text.csvSet, text.csvValue, text.csvStatus].map(field).join(","));
  for (const chart of charts) {
    chart.labels.forEach((row, i) => {
      chart.series.forEach((series, s) => {
        const set = sets[chart.setOf ? chart.setOf(s) : s];
        const value = series.values[i];
        let status = text.statusExact;
        if (value === null || value === undefined) status = set.stats.exact ? text.statusMissing : text.statusWithheld;
        else if (!set.stats.exact) status = chart.rounded === false ? text.statusOfRounded : text.statusRounded;
        lines.push([chart.title, row, series.label, value, status].map(field).join(","));
      });
    });
  }
  return `${lines.join("\r\n")}\r\n`;
}
