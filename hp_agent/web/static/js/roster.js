// Agents and on-call (docs/admin.md, docs/care.md): switch an agent on or off and edit its name
// and description (the chat reads agents per conversation, so changes apply without a restart);
// roster verified clinicians on call, move and cancel shifts (escalation pages whoever a shift covers).
// Changes are audited by the API; the lists reload from the server after each one.
import { api } from "./api.js";
import { $, act, announce, busy, clear, dataTable, h, shortDate } from "./dom.js";

// -- agents ----------------------------------------------------------------------------------------

function agentRow(agent) {
  const box = $("#agents-panel > .form-error");
  const name = h("input", { value: agent.name, maxlength: 120, "aria-label": `Name of ${agent.slug}` });
  const description = h("input", { value: agent.description || "", maxlength: 500, "aria-label": `Description of ${agent.slug}` });
  const save = h("button", { type: "button", text: "Save", "aria-label": `Save ${agent.slug}` });
  save.addEventListener("click", () => act(box, save, async () => {
    await api(`/v1/agents/${agent.slug}`, { method: "PATCH", body: { name: name.value.trim(), description: description.value.trim() || null } });
    announce(`${agent.slug} saved.`);
    await loadAgents();
  }));
  const toggle = h("button", {
    type: "button",
    class: "secondary",
    text: agent.is_active ? "Disable" : "Enable",
    "aria-label": `${agent.is_active ? "Disable" : "Enable"} ${agent.slug}`,
  });
  toggle.addEventListener("click", () => act(box, toggle, async () => {
    await api(`/v1/agents/${agent.slug}`, { method: "PATCH", body: { is_active: !agent.is_active } });
    announce(`${agent.slug} ${agent.is_active ? "disabled" : "enabled"}.`);
    await loadAgents();
  }));
  return h("tr", { dataset: { agent: agent.slug } },
    h("th", { scope: "row", text: agent.slug }),
    h("td", {}, name),
    h("td", {}, description),
    h("td", { text: agent.is_active ? "on" : "off" }),
    h("td", { class: "num", text: String(agent.version) }),
    h("td", {}, save, " ", toggle));
}

async function loadAgents() {
  const agents = await api("/v1/admin/agents");
  clear($("#agents-rows")).append(...agents.map(agentRow));
}

function agentsPanel() {
  return h("section", { id: "agents-panel", class: "card", "aria-labelledby": "agents-panel-title" },
    h("h2", { id: "agents-panel-title", text: "Agents" }),
    h("p", { class: "hint", text: "A disabled agent is no longer offered; conversations pick changes up at their next message." }),
    h("p", { class: "form-error", role: "alert" }),
    dataTable("Every agent", ["Agent", "Name", "Description", "State", "Version", "Actions"], "agents-rows"));
}

// -- on-call shifts --------------------------------------------------------------------------------

let names = new Map();

function shiftRow(shift) {
  const box = $("#shifts-panel > .form-error");
  const who = names.get(shift.clinician_id) || shift.clinician_id.slice(0, 8);
  const when = `${shortDate(shift.starts_at)} – ${shortDate(shift.ends_at)}`;
  const cancel = h("button", { type: "button", class: "secondary", text: "Cancel shift", "aria-label": `Cancel ${who} ${when}` });
  cancel.addEventListener("click", () => act(box, cancel, async () => {
    await api(`/v1/care/on-call-shifts/${shift.id}/cancel`, { method: "POST" });
    announce(`Shift of ${who} cancelled.`);
    await loadShifts();
  }));
  // Moving uses the start and end typed in the form above (PATCH /v1/admin/on-call-shifts).
  const move = h("button", { type: "button", text: "Move to the times above", "aria-label": `Move ${who} ${when} to the times above` });
  move.addEventListener("click", () => act(box, move, async () => {
    const body = { starts_at: utc($("#shift-start").value), ends_at: utc($("#shift-end").value) };
    if (!body.starts_at || !body.ends_at) throw new Error("Type the new start and end in the form first.");
    await api(`/v1/admin/on-call-shifts/${shift.id}`, { method: "PATCH", body });
    announce(`Shift of ${who} moved.`);
    await loadShifts();
  }));
  return h("tr", { dataset: { shift: shift.id } },
    h("th", { scope: "row", text: who }),
    h("td", { text: shift.tier }),
    h("td", { text: when }),
    h("td", { text: shift.country_code || "any" }),
    h("td", {}, move, " ", cancel));
}

async function loadShifts() {
  const from = new Date(Date.now() - 24 * 3600 * 1000);
  const to = new Date(Date.now() + 60 * 24 * 3600 * 1000);
  const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  const shifts = await api(`/v1/care/on-call-shifts?${params}`);
  clear($("#shifts-rows")).append(...shifts.map(shiftRow));
  $("#shifts-empty").hidden = shifts.length > 0;
}

async function loadClinicians() {
  const clinicians = await api("/v1/admin/clinicians?status=active");
  names = new Map(clinicians.map((c) => [c.id, c.display_name]));
  const select = clear($("#shift-clinician"));
  select.append(...clinicians.map((c) => h("option", { value: c.id, text: c.display_name })));
}

// A datetime-local value is the admin's local time; the API wants an offset, so send UTC.
const utc = (value) => (value ? new Date(value).toISOString() : "");

function shiftsPanel() {
  const form = h("form", { id: "shift-form", novalidate: true },
    h("label", { for: "shift-clinician", text: "Clinician (verified)" }),
    h("select", { id: "shift-clinician", required: true }),
    h("label", { for: "shift-tier", text: "Tier" }),
    h("select", { id: "shift-tier" }, ["primary", "backup", "supervisor"].map((value) => h("option", { value, text: value }))),
    h("label", { for: "shift-start", text: "Starts" }),
    h("input", { id: "shift-start", type: "datetime-local", required: true }),
    h("label", { for: "shift-end", text: "Ends" }),
    h("input", { id: "shift-end", type: "datetime-local", required: true }),
    h("button", { type: "submit", text: "Add shift" }),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const body = {
        clinician_id: $("#shift-clinician").value,
        tier: $("#shift-tier").value,
        starts_at: utc($("#shift-start").value),
        ends_at: utc($("#shift-end").value),
      };
      if (!body.clinician_id || !body.starts_at || !body.ends_at) throw new Error("Choose a clinician, a start and an end.");
      await api("/v1/care/on-call-shifts", { method: "POST", body });
      announce("Shift added.");
      await loadShifts();
    });
  });
  return h("section", { id: "shifts-panel", class: "card", "aria-labelledby": "shifts-panel-title" },
    h("h2", { id: "shifts-panel-title", text: "On-call shifts" }),
    h("p", { class: "hint", text: "Crisis escalations page whoever a scheduled shift covers. Overlapping shifts of one clinician are refused." }),
    form,
    h("p", { class: "form-error", role: "alert" }),
    h("p", { id: "shifts-empty", class: "hint", text: "No shifts in the next 60 days." }),
    dataTable("Shifts from yesterday to 60 days ahead", ["Clinician", "Tier", "When", "Country", "Actions"], "shifts-rows"));
}

let built = false;

export async function enterRoster() {
  if (!built) {
    $("#roster-panels").append(agentsPanel(), shiftsPanel());
    built = true;
  }
  await loadClinicians();
  await Promise.all([loadAgents(), loadShifts()]);
}
