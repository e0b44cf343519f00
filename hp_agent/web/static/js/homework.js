// The patient's homework (/v1/homework): what their clinician assigned, answered and marked done
// here. The answer is screened like anything else the person writes: a risky one brings up the
// crisis panel with their lines and safety plan (docs/therapy.md).
import { api } from "./api.js";
import { showSafety } from "./crisis.js";
import { $, announce, busy, clear, h, shortDate } from "./dom.js";

const OPEN = new Set(["assigned", "in_progress"]);

function openItem(hw) {
  const id = `hw-answer-${hw.id}`;
  const form = h(
    "form",
    { class: "card homework", novalidate: true, dataset: { homework: hw.id } },
    h("h3", { text: hw.title }),
    h("p", { class: "hint", text: hw.due_at ? `Due ${shortDate(hw.due_at)}${hw.overdue ? " (overdue)" : ""}` : "No due date" }),
    hw.instructions ? h("p", { class: "instructions", text: hw.instructions }) : "",
    h("label", { for: id, text: `Your answer: ${hw.title}` }),
    h("textarea", { id, rows: 3, maxlength: 20000, required: true }),
    h("p", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", text: "Mark as done" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const response = $(`#${id}`, form).value.trim();
      if (!response) throw new Error("Please write a short answer first.");
      const result = await api(`/v1/homework/${hw.id}/complete`, { method: "POST", body: { response } });
      await enterHomework();
      announce(`Done: ${hw.title}.`);
      if (result.safety) showSafety(result.safety);
    });
  });
  return form;
}

function doneItem(hw) {
  return h(
    "li",
    {},
    h("strong", { text: hw.title }),
    ` — done ${shortDate(hw.completed_at)}`,
    hw.patient_response ? h("p", { class: "response", text: hw.patient_response }) : "",
    hw.therapist_feedback ? h("p", { class: "hint", text: `Feedback: ${hw.therapist_feedback}` }) : "",
  );
}

export async function enterHomework() {
  const items = await api("/v1/homework");
  const open = items.filter((hw) => OPEN.has(hw.status));
  const done = items.filter((hw) => hw.status === "completed");
  clear($("#homework-open")).append(...open.map(openItem));
  $("#homework-empty").hidden = open.length > 0;
  clear($("#homework-done")).append(...done.map(doneItem));
  $("#homework-done-section").hidden = done.length === 0;
}
