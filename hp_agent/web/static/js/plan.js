// The person's own safety plan (Stanley-Brown steps); every save is a new version on the server.
import { ApiError, api } from "./api.js";
import { lineAction } from "./crisis.js";
import { $, busy, clear, h, showOk } from "./dom.js";

const LISTS = [
  ["warning_signs", "Warning signs that a crisis may be developing"],
  ["internal_coping_strategies", "Things I can do on my own to take my mind off problems"],
  ["distraction_people_places", "People and places that help me feel better"],
  ["making_environment_safe", "Making my environment safe"],
  ["reasons_for_living", "My reasons for living"],
];
const CONTACTS = [
  ["people_to_ask_for_help", "People I can ask for help"],
  ["professionals_and_crisis_lines", "Professionals and services I can contact"],
];

function contactRow(list, contact = {}) {
  const n = list.children.length + 1;
  const base = `${list.id}-${n}`;
  const row = h(
    "div",
    { class: "contact-row" },
    h("label", { for: `${base}-name`, text: `Name ${n}` }),
    h("input", { id: `${base}-name`, class: "c-name", value: contact.name || "", maxlength: 200, autocomplete: "off" }),
    h("label", { for: `${base}-phone`, text: `Phone ${n}` }),
    h("input", { id: `${base}-phone`, class: "c-phone", type: "tel", value: contact.phone || "", maxlength: 50, autocomplete: "off" }),
  );
  list.append(row);
  return row;
}

function render(plan) {
  const form = clear($("#plan-form"));
  form.append(
    h("p", { class: "hint", text: "Write it while you feel calm; it is shown to you if a conversation turns difficult. One item per line." }),
    h("p", { class: "hint", id: "plan-version", text: plan ? `Version ${plan.version}, saved ${new Date(plan.created_at).toLocaleDateString()}.` : "You have not saved a plan yet." }),
  );
  for (const [key, label] of LISTS) {
    const values = ((plan && plan[key]) || []).map((v) => (typeof v === "string" ? v : v.name));
    form.append(h("label", { for: `plan-${key}`, text: label }), h("textarea", { id: `plan-${key}`, name: key, rows: 3 }, values.join("\n")));
  }
  for (const [key, label] of CONTACTS) {
    const list = h("div", { id: `plan-${key}`, class: "contacts" });
    const contacts = (plan && plan[key]) || [];
    (contacts.length ? contacts : [{}]).forEach((c) => contactRow(list, c));
    form.append(
      h("fieldset", {}, h("legend", { text: label }), list),
      h("button", { type: "button", class: "secondary small", text: "Add a contact", onclick: () => contactRow(list).querySelector("input").focus() }),
    );
  }
  form.append(h("p", { class: "form-error", role: "alert" }), h("p", { class: "form-ok", role: "status" }), h("button", { type: "submit", text: "Save my plan" }));
}

function collect(form) {
  const body = {};
  for (const [key] of LISTS) {
    body[key] = form.elements[key].value.split("\n").map((s) => s.trim()).filter(Boolean);
  }
  for (const [key] of CONTACTS) {
    body[key] = Array.from(form.querySelectorAll(`#plan-${key} .contact-row`))
      .map((row) => ({ name: row.querySelector(".c-name").value.trim(), phone: row.querySelector(".c-phone").value.trim() || null }))
      .filter((c) => c.name);
  }
  return body;
}

async function crisisLines() {
  const section = $("#plan-lines") || h("section", { id: "plan-lines", class: "card", "aria-labelledby": "plan-lines-title" });
  $("#plan-form").after(section);
  clear(section).append(h("h2", { id: "plan-lines-title", text: "Crisis lines for you" }));
  const data = await api("/v1/crisis-resources");
  section.append(
    h(
      "ul",
      { class: "crisis-lines compact" },
      data.lines.map((line) => {
        const action = lineAction(line);
        return h("li", {}, h("strong", { text: line.name }), " ", action && /^(tel:|sms:|https:)/.test(action.uri) ? h("a", { href: action.uri, text: action.label }) : null);
      }),
    ),
  );
}

export async function enterPlan() {
  let plan = null;
  try {
    plan = await api("/v1/safety-plan");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  render(plan);
  await crisisLines();
}

export function initPlan() {
  const form = $("#plan-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showOk(form, "");
    busy(form, async () => {
      const saved = await api("/v1/safety-plan", { method: "PUT", body: collect(form) });
      render(saved);
      showOk(form, `Saved as version ${saved.version}.`);
      $("button[type=submit]", form).focus();
    });
  });
}
