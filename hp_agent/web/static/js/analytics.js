// Analytics for clinic leads and administrators: engagement, crisis operations, retention cohorts
// and clinical outcomes from the daily rollups (GET /v1/analytics/...). Charts are SVG drawn here;
// every table has a CSV download of the same cells. Cells behind fewer people than the server's
// minimum arrive without a value and are shown as "fewer than k", never as a number.
import { accessToken, api, ApiError } from "./api.js";
import { $, clear, h, svg } from "./dom.js";

const REPORTS = [
  { key: "engagement", title: "Engagement", chart: ["active_people", "weekly_active_people"] },
  { key: "crisis", title: "Crisis operations", chart: ["escalations_opened", "deadline_breaches"] },
  { key: "retention", title: "Retention by sign-up week", cohort: true },
  { key: "outcomes", title: "Clinical outcomes", funnel: true },
];
const FUNNEL = ["patients_with_change", "recovery_eligible", "reliable_improvement", "recovered"];
const LABELS = {
  patients_with_change: "With two or more scores",
  recovery_eligible: "Started in the clinical range",
  reliable_improvement: "Reliably improved",
  recovered: "Recovered",
};
let minCell = 10;

const iso = (d) => d.toISOString().slice(0, 10);

function query(report, format) {
  const p = new URLSearchParams({ start: $("#an-start").value, end: $("#an-end").value });
  const [practice, clinician] = $("#an-scope").value.split("/");
  if (practice) p.set("practice_id", practice);
  if (clinician) p.set("clinician_id", clinician);
  if (format) p.set("format", format);
  return `/v1/analytics/${report}?${p}`;
}

function cellText(row) {
  if (row.suppressed) return `fewer than ${minCell}`;
  return Number.isInteger(row.value) ? String(row.value) : row.value.toFixed(2);
}

function pivot(rows) {
  const columns = [...new Set(rows.map((r) => (r.dimension ? `${r.metric} ${r.dimension}` : r.metric)))];
  const byDate = new Map();
  for (const r of rows) {
    const key = r.dimension ? `${r.metric} ${r.dimension}` : r.metric;
    if (!byDate.has(r.date)) byDate.set(r.date, {});
    byDate.get(r.date)[key] = r;
  }
  return { columns, byDate };
}

function table(caption, rows) {
  const { columns, byDate } = pivot(rows);
  return h("div", { class: "table-wrap" },
    h("table", { class: "analytics-table" },
      h("caption", { text: caption }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Date" }),
        columns.map((c) => h("th", { scope: "col", text: c.replaceAll("_", " ") })))),
      h("tbody", {}, [...byDate.entries()].map(([date, cells]) => h("tr", {},
        h("th", { scope: "row", text: date }),
        columns.map((c) => h("td", { class: cells[c] && cells[c].suppressed ? "suppressed" : null,
          text: cells[c] ? cellText(cells[c]) : "–" })))))));
}

function lineChart(id, title, rows, metrics) {
  const width = 640, height = 220, pad = { left: 44, right: 12, top: 12, bottom: 28 };
  const dates = [...new Set(rows.map((r) => r.date))].sort();
  const series = metrics.map((m) => dates.map((d) => {
    const r = rows.find((x) => x.date === d && x.metric === m && !x.dimension);
    return r && !r.suppressed ? r.value : null;
  }));
  const max = Math.max(1, ...series.flat().filter((v) => v !== null));
  const x = (i) => pad.left + (dates.length > 1 ? (i * (width - pad.left - pad.right)) / (dates.length - 1) : 0);
  const y = (v) => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const lines = series.map((values, k) => {
    const pts = values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean);
    return svg("polyline", { points: pts.join(" "), class: `series series-${k}` });
  });
  const desc = metrics.map((m, k) => `${m.replaceAll("_", " ")}: ${series[k].filter((v) => v !== null).length} days shown`).join("; ");
  return h("figure", { class: "chart-figure" },
    svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`, class: "chart" },
      svg("title", { id: `${id}-t`, text: title }),
      svg("desc", { id: `${id}-d`, text: desc }),
      [0, 0.5, 1].map((f) => [
        svg("line", { x1: pad.left, x2: width - pad.right, y1: y(max * f), y2: y(max * f), class: "grid" }),
        svg("text", { x: pad.left - 6, y: y(max * f) + 4, "text-anchor": "end", class: "axis", text: String(Math.round(max * f)) }),
      ]),
      dates.length ? [
        svg("text", { x: x(0), y: height - 8, class: "axis", text: dates[0] }),
        svg("text", { x: x(dates.length - 1), y: height - 8, "text-anchor": "end", class: "axis", text: dates[dates.length - 1] }),
      ] : [],
      lines),
    h("figcaption", {}, metrics.map((m, k) => h("span", { class: `legend legend-${k}`, text: m.replaceAll("_", " ") }))));
}

function funnel(rows) {
  const last = rows.map((r) => r.date).sort().pop();
  const names = { phq9: "PHQ-9", gad7: "GAD-7" };
  const blocks = ["phq9", "gad7"].map((code) => {
    const steps = FUNNEL.map((m) => rows.find((r) => r.date === last && r.metric === m && r.dimension === code));
    const top = steps[0] && !steps[0].suppressed ? steps[0].value : 0;
    const width = 480, bar = 26;
    return h("figure", { class: "chart-figure" },
      svg("svg", { viewBox: `0 0 ${width} ${FUNNEL.length * (bar + 8)}`, role: "img", "aria-label": `${names[code]} outcome funnel on ${last || "no date"}`, class: "chart" },
        steps.map((r, i) => {
          const shown = r && !r.suppressed;
          const w = shown && top ? Math.max(2, (r.value / top) * (width - 220)) : 0;
          return [
            svg("rect", { x: 200, y: i * (bar + 8), width: w, height: bar, class: "funnel-bar" }),
            svg("text", { x: 192, y: i * (bar + 8) + 18, "text-anchor": "end", class: "axis", text: LABELS[FUNNEL[i]] }),
            svg("text", { x: 206 + w, y: i * (bar + 8) + 18, class: "axis", text: r ? cellText(r) : "–" }),
          ];
        })),
      h("figcaption", { text: `${names[code]} (Jacobson–Truax), ${last || "no data"}` }));
  });
  return h("div", { class: "funnels" }, blocks);
}

function cohortTable(rows) {
  const last = new Map();
  const sizes = new Map();
  for (const r of rows) {
    if (r.metric === "cohort_size") sizes.set(r.dimension, r);
    else {
      const [cohort, week] = r.dimension.split("/w");
      last.set(`${cohort}|${week}`, r);
    }
  }
  const cohorts = [...sizes.keys()].sort();
  const weeks = [...new Set([...last.keys()].map((k) => Number(k.split("|")[1])))].sort((a, b) => a - b);
  return h("div", { class: "table-wrap" },
    h("table", { class: "analytics-table" },
      h("caption", { text: "People active in each week after signing up, by sign-up week" }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Sign-up week" }), h("th", { scope: "col", text: "People" }),
        weeks.map((w) => h("th", { scope: "col", text: `Week ${w}` })))),
      h("tbody", {}, cohorts.map((c) => h("tr", {},
        h("th", { scope: "row", text: c }),
        h("td", { text: cellText(sizes.get(c)) }),
        weeks.map((w) => {
          const r = last.get(`${c}|${w}`);
          return h("td", { class: r && r.suppressed ? "suppressed" : null, text: r ? cellText(r) : "–" });
        }))))));
}

async function download(report) {
  // A plain link cannot carry the bearer token: fetch, then hand the browser a local file.
  const response = await fetch(query(report, "csv"), { headers: { Authorization: `Bearer ${accessToken()}` }, cache: "no-store" });
  if (!response.ok) throw new Error(`Export failed (${response.status}).`);
  const url = URL.createObjectURL(await response.blob());
  const a = h("a", { href: url, download: `${report}-${$("#an-start").value}-${$("#an-end").value}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function load() {
  const out = clear($("#an-reports"));
  $("#view-analytics .form-error").textContent = "";
  for (const report of REPORTS) {
    const data = await api(query(report.key));
    minCell = data.min_cell;
    const body = [];
    if (report.chart) body.push(lineChart(`an-${report.key}`, `${report.title} per day`, data.rows, report.chart));
    if (report.funnel) body.push(funnel(data.rows));
    body.push(report.cohort ? cohortTable(data.rows) : table(report.title, data.rows));
    out.append(h("section", { class: "card", "aria-labelledby": `an-${report.key}-title` },
      h("h2", { id: `an-${report.key}-title`, text: report.title }),
      data.rows.length ? body : h("p", { class: "hint", text: "No figures for this range yet." }),
      h("button", { type: "button", class: "secondary small", onclick: () => download(report.key).catch((e) => {
        $("#view-analytics .form-error").textContent = e.message;
      }) }, `Download ${report.title.toLowerCase()} (CSV)`)));
  }
}

export async function enterAnalytics() {
  const scope = $("#an-scope");
  if (!$("#an-end").value) {
    const end = new Date(Date.now() - 86400000);
    $("#an-end").value = iso(end);
    $("#an-start").value = iso(new Date(end.getTime() - 29 * 86400000));
  }
  let scopes;
  try {
    scopes = await api("/v1/analytics/scopes");
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      $("#an-controls").hidden = true;
      $("#an-denied").hidden = false;
      return;
    }
    throw error;
  }
  minCell = scopes.min_cell;
  $("#an-min-cell").textContent = String(minCell);
  clear(scope);
  if (scopes.whole_population) scope.append(h("option", { value: "" }, "Everyone"));
  for (const p of scopes.practices) {
    scope.append(h("option", { value: p.id }, p.name));
    p.clinician_ids.forEach((c, i) => scope.append(h("option", { value: `${p.id}/${c}` }, `${p.name}: clinician ${i + 1}`)));
  }
  await load();
}

export function initAnalytics() {
  $("#an-controls").addEventListener("submit", (event) => {
    event.preventDefault();
    load().catch((error) => {
      $("#view-analytics .form-error").textContent = error.message;
    });
  });
}
