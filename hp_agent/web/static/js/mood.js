// Daily mood check-in and a chart of the last 30 days, drawn here as SVG from the entries
// (the server's /v1/mood/chart needs the bearer header, which an <img> cannot send).
import { api } from "./api.js";
import { showSafety } from "./crisis.js";
import { $, busy, clear, h, showOk, svg } from "./dom.js";

const DAYS = 30;

function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function chart(entries, first) {
  const width = 600;
  const height = 220;
  const pad = { left: 34, right: 12, top: 12, bottom: 28 };
  const x = (day) => pad.left + (day / (DAYS - 1)) * (width - pad.left - pad.right);
  const y = (mood) => pad.top + ((10 - mood) / 9) * (height - pad.top - pad.bottom);
  const dayIndex = (iso) => Math.round((new Date(`${iso}T12:00:00`) - first) / 86400000);
  const points = entries
    .map((e) => ({ day: dayIndex(e.entry_date), mood: e.mood, date: e.entry_date }))
    .filter((p) => p.day >= 0 && p.day < DAYS)
    .sort((a, b) => a.day - b.day);
  const grid = [1, 4, 7, 10].map((m) => [
    svg("line", { x1: pad.left, x2: width - pad.right, y1: y(m), y2: y(m), class: "grid" }),
    svg("text", { x: pad.left - 8, y: y(m) + 4, "text-anchor": "end", class: "axis", text: String(m) }),
  ]);
  const labels = [0, 14, 29].map((d) => {
    const date = new Date(first.getTime() + d * 86400000);
    return svg("text", { x: x(d), y: height - 8, "text-anchor": "middle", class: "axis", text: date.toLocaleDateString(undefined, { month: "short", day: "numeric" }) });
  });
  const line = points.length > 1
    ? svg("polyline", { points: points.map((p) => `${x(p.day)},${y(p.mood)}`).join(" "), class: "mood-line" })
    : null;
  const dots = points.map((p) =>
    svg("circle", { cx: x(p.day), cy: y(p.mood), r: 5, class: "mood-dot" }, svg("title", { text: `${p.date}: mood ${p.mood} of 10` })),
  );
  const average = points.length ? (points.reduce((s, p) => s + p.mood, 0) / points.length).toFixed(1) : null;
  const summary = points.length
    ? `${points.length} check-ins in the last 30 days, average mood ${average} of 10.`
    : "No check-ins in the last 30 days yet.";
  return {
    figure: svg(
      "svg",
      { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "mood-svg-title mood-svg-desc", class: "chart" },
      svg("title", { id: "mood-svg-title", text: "Mood over the last 30 days" }),
      svg("desc", { id: "mood-svg-desc", text: summary }),
      grid,
      labels,
      line,
      dots,
    ),
    summary,
    points,
  };
}

export async function loadChart() {
  const box = clear($("#mood-chart"));
  const first = new Date();
  first.setHours(12, 0, 0, 0);
  first.setDate(first.getDate() - (DAYS - 1));
  const page = await api(`/v1/mood/entries?date_from=${isoDay(first)}&limit=${DAYS + 1}`);
  const { figure, summary, points } = chart(page.items, first);
  box.append(
    figure,
    h("p", { class: "hint", id: "mood-summary", text: summary }),
    points.length
      ? h(
          "details",
          {},
          h("summary", { text: "Show as a table" }),
          h(
            "table",
            {},
            h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Date" }), h("th", { scope: "col", text: "Mood" }))),
            h("tbody", {}, points.map((p) => h("tr", {}, h("td", { text: p.date }), h("td", { text: String(p.mood) })))),
          ),
        )
      : null,
  );
}

export function initMood() {
  const form = $("#mood-form");
  for (const [input, output] of [["mood-value", "mood-out"], ["mood-energy", "energy-out"], ["mood-anxiety", "anxiety-out"]]) {
    $(`#${input}`).addEventListener("input", (e) => {
      $(`#${output}`).textContent = e.target.value;
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showOk(form, "");
    busy(form, async () => {
      const body = {
        mood: Number($("#mood-value").value),
        energy: Number($("#mood-energy").value),
        anxiety: Number($("#mood-anxiety").value),
      };
      const sleep = $("#mood-sleep").value;
      if (sleep !== "") body.sleep_hours = Number(sleep);
      const note = $("#mood-note").value.trim();
      if (note) body.note = note;
      const result = await api("/v1/mood/entries", { method: "POST", body });
      showOk(form, `Saved today's check-in (mood ${result.mood} of 10).`);
      $("#mood-note").value = "";
      showSafety(result.safety);
      await loadChart();
    });
  });
}
