// System settings and retention (docs/admin.md): change a runtime setting within its type and
// bounds or return it to its HP_* default; see what retention would delete or archive now and run
// it. Changes are audited by the API. A change sends the version that was read, so a setting
// someone changed meanwhile is refused (409 setting_changed), never overwritten; after every
// change or refusal the list reloads, so what is shown is what is stored.
import { api } from "./api.js";
import { $, act, announce, clear, dataTable, h, shortDate } from "./dom.js";

// -- settings --------------------------------------------------------------------------------------

const shown = (value) => (value === null || value === undefined ? "" : String(value));

function bounds(setting) {
  if (setting.minimum === null && setting.maximum === null) return "any";
  if (setting.maximum === null) return `at least ${setting.minimum}`;
  if (setting.minimum === null) return `at most ${setting.maximum}`;
  return `${setting.minimum} – ${setting.maximum}`;
}

// The API is strict about types ("48" is not an int): send a JSON number or boolean, and let the
// server's bounds check speak for itself.
function typed(setting, raw) {
  if (setting.type === "bool") return raw === "true";
  const text = raw.trim();
  if (!text || !Number.isFinite(Number(text))) throw new Error(`Type a number for ${setting.key}.`);
  return Number(text);
}

function settingInput(setting) {
  const label = `New value of ${setting.key}`;
  if (setting.type === "bool") {
    const select = h("select", { "aria-label": label },
      h("option", { value: "true", text: "on" }), h("option", { value: "false", text: "off" }));
    select.value = String(setting.value);
    return select;
  }
  return h("input", {
    type: "number",
    value: shown(setting.value),
    min: setting.minimum,
    max: setting.maximum,
    step: setting.type === "int" ? 1 : "any",
    "aria-label": label,
  });
}

function settingRow(setting) {
  const box = $("#settings-panel > .form-error");
  const input = settingInput(setting);
  const save = h("button", { type: "button", text: "Save", "aria-label": `Save ${setting.key}` });
  save.addEventListener("click", () => act(box, save, async () => {
    try {
      const value = typed(setting, input.value);
      await api(`/v1/admin/settings/${encodeURIComponent(setting.key)}`, {
        method: "PUT",
        body: { value, version: setting.version },
      });
      announce(`${setting.key} set to ${value}.`);
    } finally {
      await loadSettings();
    }
  }));
  const reset = h("button", {
    type: "button",
    class: "secondary",
    text: "Reset to default",
    "aria-label": `Reset ${setting.key} to default`,
    disabled: !setting.overridden,
  });
  reset.addEventListener("click", () => act(box, reset, async () => {
    try {
      await api(`/v1/admin/settings/${encodeURIComponent(setting.key)}`, { method: "DELETE" });
      announce(`${setting.key} back to its default.`);
    } finally {
      await loadSettings();
    }
  }));
  const changed = setting.overridden
    ? `yes (version ${setting.version}${setting.updated_at ? `, ${shortDate(setting.updated_at)}` : ""})`
    : "no";
  return h("tr", { dataset: { setting: setting.key } },
    h("th", { scope: "row" }, setting.key, h("span", { class: "hint cell-note", text: setting.description })),
    h("td", { text: setting.type }),
    h("td", { text: bounds(setting) }),
    h("td", { class: "num", text: shown(setting.default) }),
    h("td", { class: "num", text: shown(setting.value) }),
    h("td", { text: changed }),
    h("td", {}, input, " ", save, " ", reset));
}

async function loadSettings() {
  const settings = await api("/v1/admin/settings");
  clear($("#settings-rows")).append(...settings.map(settingRow));
}

function settingsPanel() {
  return h("section", { id: "settings-panel", class: "card", "aria-labelledby": "settings-panel-title" },
    h("h2", { id: "settings-panel-title", text: "System settings" }),
    h("p", { class: "hint", text: "Every process uses a change from its next request. Reset removes the override: the HP_* default applies again." }),
    h("p", { class: "form-error", role: "alert" }),
    dataTable("Settings admins may change", ["Setting", "Type", "Bounds", "Default", "Current", "Overridden", "Change"], "settings-rows"));
}

// -- retention -------------------------------------------------------------------------------------

const CATEGORIES = {
  expired_sessions: ["Sign-in sessions expired for longer than the period", "delete"],
  relayed_outbox_events: ["Events relayed longer ago than the period", "delete"],
  finished_exports: ["Finished data exports older than the period", "delete"],
  audit_archive: ["Audit entries older than the period (moved to the archive)", "archive"],
};

let applied = null; // counts of the last "Run now" on this screen

function retentionRow([category, entry]) {
  const [what, action] = CATEGORIES[category] || [category, "delete"];
  const ran = applied && applied[category];
  return h("tr", { dataset: { category } },
    h("th", { scope: "row" }, category, h("span", { class: "hint cell-note", text: what })),
    h("td", { text: action }),
    h("td", { class: "num", text: String(entry.retention_days) }),
    h("td", { class: "num", text: String(entry.rows) }),
    h("td", { class: "num", text: ran ? String(ran.rows) : "" }));
}

async function loadRetention() {
  const report = await api("/v1/admin/retention");
  clear($("#retention-rows")).append(...Object.entries(report).map(retentionRow));
}

function retentionPanel() {
  const box = h("p", { class: "form-error", role: "alert" });
  const refresh = h("button", { type: "button", class: "secondary", text: "Refresh dry run" });
  refresh.addEventListener("click", () => act(box, refresh, loadRetention));
  const run = h("button", { type: "button", text: "Run now" });
  run.addEventListener("click", () => act(box, run, async () => {
    if (!window.confirm("Apply retention now? The rows counted below are deleted or archived; this cannot be undone.")) return;
    applied = await api("/v1/admin/retention/run", { method: "POST" });
    const total = Object.values(applied).reduce((sum, entry) => sum + entry.rows, 0);
    $("#retention-result").textContent = `Retention applied: ${total} row${total === 1 ? "" : "s"} deleted or archived.`;
    announce("Retention applied.");
    await loadRetention();
  }));
  return h("section", { id: "retention-panel", class: "card", "aria-labelledby": "retention-panel-title" },
    h("h2", { id: "retention-panel-title", text: "Retention" }),
    h("p", { class: "hint", text: "A dry run: what a run would delete or archive now (the worker also runs it hourly). A data_retention_policies row changes a period." }),
    h("p", {}, refresh, " ", run),
    box,
    h("p", { id: "retention-result", class: "hint", "aria-live": "polite" }),
    dataTable("Retention by category", ["Category", "Action", "Kept (days)", "Rows due now", "Applied by the last run"], "retention-rows"));
}

let built = false;

export async function enterSystem() {
  if (!built) {
    $("#system-panels").append(settingsPanel(), retentionPanel());
    built = true;
  }
  await Promise.all([loadSettings(), loadRetention()]);
}
