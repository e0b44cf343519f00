// Guided thought record (/v1/journal/guided/thought-records): one step at a time, each step's
// form built from the field types the server describes, so wording lives in prompts/ only.
import { api } from "./api.js";
import { showSafety } from "./crisis.js";
import { $, busy, clear, h } from "./dom.js";

let record = null;

function emotionRow(list, name = "", intensity = 50) {
  const n = list.children.length + 1;
  const row = h(
    "div",
    { class: "emotion-row" },
    h("label", { for: `${list.id}-name-${n}`, text: `Emotion ${n}` }),
    h("input", { id: `${list.id}-name-${n}`, class: "emotion-name", value: name, maxlength: 40, required: true }),
    h("label", { for: `${list.id}-int-${n}`, text: `Strength (0-100)` }),
    h("input", { id: `${list.id}-int-${n}`, class: "emotion-intensity", type: "number", min: 0, max: 100, value: intensity, required: true }),
  );
  list.append(row);
  return row;
}

function field(spec, state) {
  const id = `tr-${spec.name}`;
  // A field without its own label is the step's question itself.
  const label = spec.label || state.next_step.prompt;
  switch (spec.type) {
    case "text":
      return [h("label", { for: id, text: label }), h("textarea", { id, name: spec.name, rows: 3, maxlength: 4000, required: spec.required })];
    case "percent":
    case "scale": {
      const [min, max] = spec.type === "percent" ? [0, 100] : [1, 10];
      return [h("label", { for: id, text: label }), h("input", { id, name: spec.name, type: "number", min, max, required: spec.required })];
    }
    case "emotions": {
      const list = h("div", { id, class: "emotions", dataset: { field: spec.name } });
      const earlier = spec.name === "rerated_emotions" ? state.record.emotions : [];
      if (earlier.length) earlier.forEach((e) => emotionRow(list, e.name, e.intensity));
      else emotionRow(list);
      return [
        h("fieldset", {}, h("legend", { text: "Emotions" }), list),
        h("button", { type: "button", class: "secondary small", text: "Add another emotion", onclick: () => emotionRow(list).querySelector("input").focus() }),
      ];
    }
    case "distortions": {
      const options = state.suggested_distortions || [];
      return [
        h(
          "fieldset",
          { dataset: { field: spec.name } },
          h("legend", { text: options.length ? "Suggested thinking traps (untick any that do not fit)" : "No thinking traps were suggested; you can carry on." }),
          options.map((d) =>
            h(
              "div",
              { class: "check" },
              h("input", { type: "checkbox", id: `d-${d.code}`, value: d.code, checked: true }),
              h("label", { for: `d-${d.code}` }, h("strong", { text: d.name }), ` — ${d.description}`),
            ),
          ),
        ),
      ];
    }
    default:
      return [h("p", { class: "hint", text: `Unsupported field ${spec.name}.` })];
  }
}

function collect(form, step) {
  const answer = {};
  for (const spec of step.fields) {
    if (spec.type === "emotions") {
      answer[spec.name] = Array.from(form.querySelectorAll(`[data-field=${spec.name}] .emotion-row`))
        .map((row) => ({ name: row.querySelector(".emotion-name").value.trim(), intensity: Number(row.querySelector(".emotion-intensity").value) }))
        .filter((e) => e.name);
    } else if (spec.type === "distortions") {
      answer[spec.name] = Array.from(form.querySelectorAll(`[data-field=${spec.name}] input:checked`)).map((i) => i.value);
    } else {
      const input = form.elements[spec.name];
      const value = input.value.trim();
      if (value === "") continue;
      answer[spec.name] = spec.type === "text" ? value : Number(value);
    }
  }
  return answer;
}

function summary(rec) {
  const rows = [
    ["Situation", rec.situation],
    ["Automatic thought", rec.automatic_thought],
    ["Emotions", rec.emotions.map((e) => `${e.name} ${e.intensity}`).join(", ")],
    ["Evidence for", rec.evidence_for],
    ["Evidence against", rec.evidence_against],
    ["Balanced thought", rec.balanced_thought],
    ["Emotions now", rec.rerated_emotions.map((e) => `${e.name} ${e.intensity}`).join(", ")],
  ];
  return h("dl", { class: "summary" }, rows.filter(([, v]) => v).map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]));
}

function render(state) {
  record = state.record;
  const body = clear($("#thought-body"));
  if (!state.next_step) {
    body.append(
      h("h2", { text: "Thought record complete" }),
      h("p", { role: "status", class: "form-ok", text: state.completion_message || "Saved." }),
      summary(state.record),
      h("button", { type: "button", text: "Start another", onclick: start }),
    );
    $("h2", body).focus?.();
    return;
  }
  const step = state.next_step;
  const form = h(
    "form",
    { class: "step", "aria-labelledby": "tr-step-title" },
    h("p", { class: "hint", text: `Step ${step.number} of 7` }),
    h("h2", { id: "tr-step-title", tabindex: "-1", text: step.title }),
    step.fields.every((f) => f.label) ? h("p", { text: step.prompt }) : null,
    step.help ? h("p", { class: "hint", text: step.help }) : null,
    step.fields.map((spec) => field(spec, state)),
    h("p", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", text: step.number === 7 ? "Finish" : "Next" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const next = await api(`/v1/journal/guided/thought-records/${record.id}/steps`, {
        method: "POST",
        body: { step: step.key, answer: collect(form, step) },
      });
      showSafety(next.safety);
      render(next);
    });
  });
  body.append(form);
  $("#tr-step-title").focus();
}

async function start() {
  render(await api("/v1/journal/guided/thought-records", { method: "POST" }));
}

export async function enterThought() {
  if (record && record.status !== "completed") return;
  const body = clear($("#thought-body"));
  body.append(
    h("h2", { text: "Look at a difficult moment from a few sides" }),
    h("p", { text: "Seven short steps: the situation, the thought, your emotions, thinking traps, the evidence, a balanced thought, and how you feel now." }),
    h("button", { type: "button", id: "tr-start", text: "Start a thought record", onclick: start }),
  );
}
