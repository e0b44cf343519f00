// Medicines (/v1/medications): today's doses with one-tap logging, the person's list with any
// interactions, and adding a medicine from the catalogue or as free text. An intake note goes
// through the crisis layer like anything else the person writes (docs/medication.md).
import { api } from "./api.js";
import { showSafety } from "./crisis.js";
import { $, announce, busy, clear, h } from "./dom.js";

const STATE = {
  taken: "Taken",
  taken_late: "Taken (late)",
  skipped: "Skipped",
  missed: "Missed",
  due: "Due now",
  upcoming: "Later today",
};

async function log(dose, status) {
  const result = await api("/v1/medications/intakes", {
    method: "POST",
    body: { user_medication_id: dose.user_medication_id, status, scheduled_for: dose.due_at },
  });
  announce(`${dose.display_name} at ${dose.local_time.slice(0, 5)}: ${STATE[result.intake.status]}.`);
  if (result.safety) showSafety(result.safety);
  await enterMeds();
}

function doseItem(dose) {
  const time = dose.local_time.slice(0, 5);
  const li = h(
    "li",
    { class: "card dose", dataset: { status: dose.status } },
    h("strong", { text: `${time} ${dose.display_name}` }),
    h("span", { class: "hint", text: ` — ${STATE[dose.status] || dose.status}` }),
  );
  if (!dose.intake_id) {
    li.append(
      h("button", { type: "button", text: `Taken: ${time} ${dose.display_name}`, onclick: () => log(dose, "taken") }),
      h("button", { type: "button", class: "secondary", text: `Skip: ${time} ${dose.display_name}`, onclick: () => log(dose, "skipped") }),
    );
  }
  return li;
}

function interactionItem(i) {
  return h(
    "li",
    { class: i.severe ? "card warning severe" : "card warning" },
    h("strong", { text: `${i.severe ? "Serious interaction" : "Interaction"}: ${i.with_name}` }),
    h("p", { text: i.description }),
    i.management ? h("p", { class: "hint", text: i.management }) : "",
    h("p", { class: "hint", text: `Source: ${i.reference}` }),
  );
}

function medItem(m) {
  const when = m.as_needed
    ? "as needed"
    : m.schedules.map((s) => s.time_of_day.slice(0, 5)).join(", ") + ` (${m.schedules[0] ? m.schedules[0].timezone : ""})`;
  return h(
    "li",
    { class: "card" },
    h("strong", { text: m.display_name }),
    ` ${m.dose_amount} ${m.dose_unit}, ${when}`,
    m.prescriber_name ? h("p", { class: "hint", text: `Prescriber: ${m.prescriber_name}` }) : "",
  );
}

function addForm() {
  const form = h(
    "form",
    { id: "meds-add", novalidate: true },
    h("label", { for: "meds-name", text: "Medicine" }),
    h("input", { id: "meds-name", list: "meds-catalogue", autocomplete: "off", required: true, maxlength: 200 }),
    h("datalist", { id: "meds-catalogue" }),
    h("label", { for: "meds-dose", text: "Dose" }),
    h("input", { id: "meds-dose", type: "number", min: "0", step: "any", required: true }),
    h("label", { for: "meds-unit", text: "Unit" }),
    h("input", { id: "meds-unit", value: "mg", maxlength: 16 }),
    h("label", { for: "meds-times", text: "Times (e.g. 08:00, 20:00)" }),
    h("input", { id: "meds-times", placeholder: "08:00, 20:00" }),
    h("label", {}, h("input", { id: "meds-prn", type: "checkbox" }), " Only as needed"),
    h("p", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", text: "Add medicine" }),
  );
  const name = $("#meds-name", form);
  let catalogue = [];
  name.addEventListener("input", async () => {
    const q = name.value.trim();
    if (q.length < 2) return;
    catalogue = await api(`/v1/medications/catalogue?q=${encodeURIComponent(q)}`);
    clear($("#meds-catalogue", form)).append(...catalogue.map((c) => h("option", { value: c.generic_name })));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const typed = name.value.trim();
      if (!typed) throw new Error("Please name the medicine.");
      if (!catalogue.length || !catalogue.some((c) => c.generic_name === typed.toLowerCase())) {
        catalogue = await api(`/v1/medications/catalogue?q=${encodeURIComponent(typed)}`);
      }
      const known = catalogue.find((c) => c.generic_name === typed.toLowerCase());
      const body = { dose_amount: $("#meds-dose", form).value, dose_unit: $("#meds-unit", form).value.trim() || null };
      if (known) body.medication_id = known.id;
      else body.name = typed;
      if ($("#meds-prn", form).checked) body.as_needed = true;
      else {
        const times = $("#meds-times", form).value.split(/[,\s]+/).filter(Boolean);
        body.schedule = { times, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone };
      }
      const result = await api("/v1/medications", { method: "POST", body });
      form.reset();
      await enterMeds();
      const found = clear($("#meds-added"));
      found.append(...result.interactions.map(interactionItem));
      announce(
        result.interactions.length
          ? `Added ${result.medication.display_name}. Check the interaction warning.`
          : `Added ${result.medication.display_name}.`,
      );
    });
  });
  return form;
}

export async function enterMeds() {
  const [today, list] = await Promise.all([api("/v1/medications/today"), api("/v1/medications")]);
  clear($("#meds-today")).append(...today.map(doseItem));
  $("#meds-today-empty").hidden = today.length > 0;
  clear($("#meds-list")).append(...list.items.map(medItem));
  clear($("#meds-interactions")).append(...list.interactions.map(interactionItem));
  const box = $("#meds-form");
  if (!box.firstChild) box.append(addForm());
}
