// Therapist caseload (/v1/therapist/caseload) and one patient's page: treatment plan and goals,
// homework, session notes (draft → signed, addenda), diagnoses, PHQ-9/GAD-7 outcomes and the
// risk timeline (docs/therapy.md). Everything is rendered as text.
import { api, currentUser } from "./api.js";
import { $, announce, busy, clear, h, shortDate } from "./dom.js";

const words = (code) => (code || "").replaceAll("_", " ");
const SOAP = ["subjective", "objective", "assessment", "plan"];
let current = null; // the open patient's {id, name}

function when(iso, fallback = "—") {
  return iso ? shortDate(iso) : fallback;
}

function phq(p) {
  if (p.phq9_latest === null) return "—";
  const change = p.phq9_change === null ? "" : ` (${p.phq9_change > 0 ? "+" : ""}${p.phq9_change}, ${p.phq9_trend}${p.phq9_reliable_change ? ", reliable" : ""})`;
  return `${p.phq9_latest}${change}`;
}

function row(p) {
  const name = p.display_name || `Patient ${p.patient_id.slice(0, 8)}`;
  const risk = p.open_escalation_risk || p.latest_risk_level;
  return h(
    "tr",
    { class: p.open_escalations ? "needs-attention" : null, dataset: { patient: p.patient_id } },
    h("th", { scope: "row" }, h("button", { type: "button", class: "linkish", text: name, onclick: () => openPatient(p.patient_id, name).catch((error) => announce(error.message)) })),
    h("td", { text: risk ? words(risk) : "none" }),
    h("td", { text: String(p.open_escalations) }),
    h("td", { text: when(p.last_activity_at) }),
    h("td", { text: phq(p) }),
    h("td", { text: when(p.next_appointment_at) }),
    h("td", { text: p.overdue_homework ? `${p.overdue_homework} overdue of ${p.open_homework}` : String(p.open_homework) }),
  );
}

export async function enterCaseload() {
  $("#patient-page").hidden = true;
  const data = await api("/v1/therapist/caseload");
  const body = clear($("#caseload-rows"));
  body.append(...data.patients.map(row));
  $("#caseload-empty").hidden = data.patients.length > 0;
  $("#caseload-table").hidden = data.patients.length === 0;
}

// ----------------------------------------------------------------------------- the patient page

function section(id, title, ...children) {
  return h("section", { class: "card", "aria-labelledby": `${id}-title` }, h("h3", { id: `${id}-title`, text: title }), ...children);
}

function form(id, submitText, fields, submit) {
  const f = h("form", { id, class: "inline-form", novalidate: true }, fields, h("p", { class: "form-error", role: "alert" }), h("button", { type: "submit", class: "small", text: submitText }));
  f.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(f, async () => {
      await submit(f);
      await openPatient(current.id, current.name, false);
    });
  });
  return f;
}

function field(id, label, attrs = {}, tag = "input") {
  return [h("label", { for: id, text: label }), h(tag, { id, name: id, ...attrs })];
}

function planSection(plans) {
  const active = plans.find((p) => p.status === "active");
  if (!active) {
    return section(
      "pp-plan",
      "Treatment plan",
      h("p", { class: "hint", text: "No active plan." }),
      form("pp-plan-form", "Create plan", [field("pp-plan-name", "Plan title", { required: true, maxlength: 200 })], (f) =>
        api(`/v1/patients/${current.id}/treatment-plans`, { method: "POST", body: { title: $("#pp-plan-name", f).value.trim() } }),
      ),
    );
  }
  const goals = active.goals.map((g) =>
    h(
      "li",
      {},
      h("strong", { text: g.description }),
      ` — ${words(g.status)}, target ${g.target_date || "—"}`,
      g.measure_instrument ? `, ${g.measure_instrument} ${g.baseline_value} → ${g.target_value} (now ${g.current_value ?? "—"})` : "",
      g.progress !== null ? h("progress", { max: 1, value: g.progress, "aria-label": `Progress on: ${g.description}` }) : "",
    ),
  );
  return section(
    "pp-plan",
    `Treatment plan: ${active.title}`,
    h("ul", { class: "plain-list goals" }, goals.length ? goals : h("li", { class: "hint", text: "No goals yet." })),
    form(
      "pp-goal-form",
      "Add goal",
      [field("pp-goal-desc", "Goal", { required: true }), field("pp-goal-date", "Target date", { type: "date", required: true })],
      (f) =>
        api(`/v1/treatment-plans/${active.id}/goals`, {
          method: "POST",
          body: { description: $("#pp-goal-desc", f).value.trim(), target_date: $("#pp-goal-date", f).value },
        }),
    ),
  );
}

function homeworkSection(items) {
  const list = items.map((hw) =>
    h(
      "li",
      { class: hw.overdue ? "overdue" : null },
      h("strong", { text: hw.title }),
      ` — ${words(hw.status)}${hw.overdue ? " (overdue)" : ""}, due ${when(hw.due_at)}`,
      hw.patient_response ? h("p", { class: "response", text: hw.patient_response }) : "",
    ),
  );
  return section(
    "pp-homework",
    "Homework",
    h("ul", { class: "plain-list" }, list.length ? list : h("li", { class: "hint", text: "No homework." })),
    form(
      "pp-homework-form",
      "Assign homework",
      [
        field("pp-hw-title", "Homework title", { required: true, maxlength: 200 }),
        field("pp-hw-instructions", "Instructions", { rows: 2 }, "textarea"),
        field("pp-hw-due", "Due", { type: "date", required: true }),
      ],
      (f) =>
        api(`/v1/patients/${current.id}/homework`, {
          method: "POST",
          body: {
            title: $("#pp-hw-title", f).value.trim(),
            homework_type: "worksheet",
            instructions: $("#pp-hw-instructions", f).value.trim() || null,
            due_at: new Date(`${$("#pp-hw-due", f).value}T23:59:00`).toISOString(),
          },
        }),
    ),
  );
}

function noteItem(n) {
  const mine = n.author_id === currentUser().id;
  const text = Object.entries(n.content).map(([k, v]) => h("p", {}, h("strong", { text: `${words(k)}: ` }), v));
  const actions = [];
  if (mine && n.status === "draft") {
    actions.push(h("button", { type: "button", class: "small", text: "Sign note", onclick: () =>
      api(`/v1/notes/${n.id}/sign`, { method: "POST" })
        .then(() => openPatient(current.id, current.name, false))
        .then(() => announce("Note signed."))
        .catch((error) => announce(error.message)) }));
  }
  return h("li", { class: `note note-${n.status}` }, h("p", { class: "esc-meta", text: `${when(n.created_at)} — ${n.format.toUpperCase()} ${words(n.note_type)}, ${n.status}${n.amends_note_id ? " (addendum)" : ""}` }), text, actions);
}

function notesSection(notes) {
  return section(
    "pp-notes",
    "Session notes",
    h("ul", { class: "plain-list notes" }, notes.length ? notes.map(noteItem) : h("li", { class: "hint", text: "No notes yet." })),
    form("pp-note-form", "Save draft note", SOAP.map((s) => field(`pp-note-${s}`, `${s[0].toUpperCase()}${s.slice(1)}`, { rows: 2 }, "textarea")), (f) => {
      const content = Object.fromEntries(SOAP.map((s) => [s, $(`#pp-note-${s}`, f).value]));
      return api(`/v1/patients/${current.id}/notes`, { method: "POST", body: { format: "soap", content } });
    }),
  );
}

function diagnosesSection(items) {
  return section(
    "pp-dx",
    "Diagnoses",
    h("ul", { class: "plain-list" }, items.length ? items.map((d) => h("li", { text: `${d.icd10_code}${d.code_description ? ` ${d.code_description}` : ""} — ${words(d.status)}${d.is_primary ? ", primary" : ""}` })) : h("li", { class: "hint", text: "None recorded." })),
    form("pp-dx-form", "Add diagnosis", [field("pp-dx-code", "ICD-10 code", { required: true, maxlength: 8, placeholder: "F32.1" })], (f) =>
      api(`/v1/patients/${current.id}/diagnoses`, { method: "POST", body: { icd10_code: $("#pp-dx-code", f).value.trim() } }),
    ),
  );
}

function outcomesSection(out) {
  return section(
    "pp-outcomes",
    "Outcomes (PHQ-9, GAD-7)",
    h(
      "ul",
      { class: "plain-list" },
      out.trajectories.map((t) =>
        h("li", { text: `${t.instrument.toUpperCase()}: ${t.points.map((p) => p.score).join(" → ") || "no scores"} — ${words(t.category)}${t.clinically_significant ? " (clinically significant)" : ""}` }),
      ),
    ),
  );
}

function riskSection(tl) {
  return section(
    "pp-risk",
    "Risk timeline (90 days)",
    h("ol", { class: "history" }, tl.points.length ? tl.points.map((p) => h("li", { text: `${shortDate(p.detected_at)} — ${p.risk_level} (${words(p.source)})` })) : h("li", { class: "hint", text: "No detections." })),
  );
}

export async function openPatient(id, name, focus = true) {
  current = { id, name };
  const base = `/v1/patients/${id}`;
  const [plans, homework, notes, dx, outcomes, risk] = await Promise.all([
    api(`${base}/treatment-plans`),
    api(`${base}/homework`),
    api(`${base}/notes`),
    api(`${base}/diagnoses`),
    api(`${base}/outcomes`),
    api(`${base}/risk-timeline?days=90`),
  ]);
  const page = $("#patient-page");
  $("#patient-title").textContent = name;
  clear($("#patient-body")).append(planSection(plans), homeworkSection(homework), notesSection(notes), diagnosesSection(dx), outcomesSection(outcomes), riskSection(risk));
  page.hidden = false;
  if (focus) $("#patient-title").focus();
}

export function initCaseload() {
  $("#patient-back").addEventListener("click", () => {
    $("#patient-page").hidden = true;
    enterCaseload().then(() => $("#caseload-title").focus());
  });
}
