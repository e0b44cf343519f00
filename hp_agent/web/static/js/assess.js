// PHQ-9 and GAD-7: the questionnaire from its template, the scored result, and past scores.
import { api } from "./api.js";
import { showSafety } from "./crisis.js";
import { $, $$, busy, clear, h, shortDate, svg } from "./dom.js";

let current = null;

function item(it) {
  const name = it.id;
  return h(
    "fieldset",
    { class: "item" },
    h("legend", {}, h("span", { class: "item-no", text: `${it.index}. ` }), it.text),
    h(
      "div",
      { class: "options" },
      it.options.map((o) => {
        const id = `${name}-${o.value}`;
        return h("div", { class: "option" }, h("input", { type: "radio", id, name, value: o.value, required: it.scored !== false }), h("label", { for: id, text: o.label }));
      }),
    ),
  );
}

function result(r) {
  return h(
    "section",
    { class: "card result", "aria-labelledby": "assess-result-title", tabindex: "-1", id: "assess-result" },
    h("h2", { id: "assess-result-title", text: `${r.name}: ${r.total_score} of ${r.max_score}` }),
    r.severity_label ? h("p", { class: "severity", text: r.severity_label }) : null,
    r.interpretation ? h("p", { text: r.interpretation }) : null,
    h("p", { class: "hint", text: "This is a screening score, not a diagnosis. Talk it over with a professional if it worries you." }),
  );
}

function sparkline(points, maxScore) {
  const w = 300;
  const hgt = 80;
  const x = (i) => (points.length === 1 ? w / 2 : 10 + (i / (points.length - 1)) * (w - 20));
  const y = (s) => 8 + (1 - s / maxScore) * (hgt - 16);
  return svg(
    "svg",
    { viewBox: `0 0 ${w} ${hgt}`, class: "chart small", role: "img", "aria-label": `Scores over time: ${points.map((p) => p.total_score).join(", ")}` },
    svg("line", { class: "grid", x1: 0, x2: w, y1: y(0), y2: y(0) }),
    svg("line", { class: "grid", x1: 0, x2: w, y1: y(maxScore), y2: y(maxScore) }),
    points.length > 1 ? svg("polyline", { class: "mood-line", points: points.map((p, i) => `${x(i)},${y(p.total_score)}`).join(" ") }) : null,
    points.map((p, i) => svg("circle", { class: "mood-dot", r: 4, cx: x(i), cy: y(p.total_score) })),
  );
}

async function loadHistory(code, maxScore) {
  const history = await api(`/v1/assessments/history?code=${encodeURIComponent(code)}`);
  const box = clear($("#assess-history-body"));
  $("#assess-history").hidden = false;
  if (!history.count) {
    box.append(h("p", { class: "hint", text: "No results yet." }));
    return;
  }
  box.append(
    sparkline(history.points, maxScore),
    h(
      "ol",
      { class: "history", reversed: true },
      [...history.points].reverse().map((p) => h("li", { text: `${shortDate(p.completed_at)}: ${p.total_score} (${(p.severity || "").replaceAll("_", " ")})` })),
    ),
  );
}

async function open(code) {
  for (const b of $$("#view-assess .tabs button")) b.setAttribute("aria-pressed", String(b.dataset.code === code));
  const template = await api(`/v1/assessments/templates/${encodeURIComponent(code)}`);
  current = template;
  const form = h(
    "form",
    { class: "card", id: "assess-form", "aria-labelledby": "assess-form-title", novalidate: true },
    h("h2", { id: "assess-form-title", text: template.name }),
    h("p", { text: template.instructions }),
    template.items.map(item),
    h("p", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", text: "See my result" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const answers = {};
      for (const it of template.items) {
        const chosen = form.querySelector(`input[name="${it.id}"]:checked`);
        if (chosen) answers[it.id] = Number(chosen.value);
      }
      const missing = template.items.filter((it) => it.scored !== false && !(it.id in answers));
      if (missing.length) throw new Error(`Please answer question ${missing.map((m) => m.index).join(", ")}.`);
      const r = await api("/v1/assessments", { method: "POST", body: { code, answers } });
      const shown = result(r);
      shown.append(h("button", { type: "button", class: "secondary", text: "Take it again", onclick: () => open(code) }));
      form.replaceWith(shown);
      $("#assess-result").focus();
      showSafety(r.safety);
      await loadHistory(code, template.max_score);
    });
  });
  clear($("#assess-body")).append(form);
  await loadHistory(code, template.max_score);
}

export function enterAssess() {
  if (!current) return open("phq9");
  return undefined;
}

export function initAssess() {
  for (const button of $$("#view-assess .tabs button")) {
    button.addEventListener("click", () => open(button.dataset.code));
  }
}
