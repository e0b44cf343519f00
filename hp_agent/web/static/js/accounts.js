// Accounts and audit log (docs/admin.md): find accounts by address, role and status; lock,
// suspend or reactivate one, change its role, reset its two-step sign-in; search the audit log,
// online or archived. Every change goes through /v1/admin, which audits it (searches too); the
// list reloads from the server after each change, so what is shown is what is stored.
import { api } from "./api.js";
import { $, act, announce, busy, clear, dataTable, h, shortDate } from "./dom.js";

const ROLES = ["patient", "therapist", "admin"];
const STATUSES = ["active", "locked", "suspended"];
const PAGE = 25;

function options(values, blank) {
  return [blank ? h("option", { value: "", text: blank }) : null,
    ...values.map((value) => h("option", { value, text: value }))];
}

// -- accounts --------------------------------------------------------------------------------------

let query = {};
let generation = 0; // the screen's first load and a search can overlap: the latest one wins

function reasonOrThrow() {
  const reason = $("#accounts-reason").value.trim();
  if (!reason) throw new Error("Give a short reason first (for example abuse_report).");
  return reason;
}

function accountRow(account) {
  const box = $("#accounts-panel > .form-error");
  const who = account.email;
  const roleSelect = h("select", { "aria-label": `Role of ${who}` }, options(ROLES));
  roleSelect.value = account.role;
  const statusSelect = h("select", { "aria-label": `Status of ${who}` }, options(STATUSES));
  statusSelect.value = account.status;
  const change = (control, path, field) => () => act(box, control, async () => {
    try {
      const reason = reasonOrThrow();
      await api(`/v1/admin/users/${account.id}/${path}`, { method: "PUT", body: { [field]: control.value, reason } });
      announce(`${who}: ${field} ${control.value}.`);
    } finally {
      await loadAccounts();
    }
  });
  roleSelect.addEventListener("change", change(roleSelect, "role", "role"));
  statusSelect.addEventListener("change", change(statusSelect, "status", "status"));
  const reset = h("button", {
    type: "button",
    class: "secondary",
    text: "Reset two-step sign-in",
    "aria-label": `Reset two-step sign-in of ${who}`,
    disabled: !account.mfa_enabled,
  });
  reset.addEventListener("click", () => act(box, reset, async () => {
    const reason = reasonOrThrow();
    if (!window.confirm(`Turn off two-step sign-in for ${who}? They set it up again at their next sign-in.`)) return;
    await api(`/v1/admin/users/${account.id}/mfa/reset`, { method: "POST", body: { reason } });
    announce(`Two-step sign-in reset for ${who}.`);
    await loadAccounts();
  }));
  return h("tr", { dataset: { account: account.id } },
    h("th", { scope: "row", text: who }),
    h("td", {}, roleSelect),
    h("td", {}, statusSelect),
    h("td", { text: account.mfa_enabled ? "on" : "off" }),
    h("td", { text: account.last_login_at ? shortDate(account.last_login_at) : "never" }),
    h("td", {}, reset));
}

async function loadAccounts() {
  const params = new URLSearchParams({ limit: String(PAGE) });
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const mine = ++generation;
  const page = await api(`/v1/admin/users?${params}`);
  if (mine !== generation) return;
  clear($("#accounts-rows")).append(...page.items.map(accountRow));
  $("#accounts-count").textContent = page.total > page.items.length
    ? `${page.items.length} of ${page.total} accounts shown; narrow the search to see the rest.`
    : `${page.total} account${page.total === 1 ? "" : "s"}.`;
}

function accountsPanel() {
  const form = h("form", { id: "accounts-search", novalidate: true },
    h("label", { for: "accounts-email", text: "Address starts with" }),
    h("input", { id: "accounts-email", maxlength: 320, autocomplete: "off" }),
    h("label", { for: "accounts-role", text: "Role" }),
    h("select", { id: "accounts-role" }, options(ROLES, "any")),
    h("label", { for: "accounts-status", text: "Status" }),
    h("select", { id: "accounts-status" }, options(STATUSES, "any")),
    h("button", { type: "submit", text: "Search" }),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      query = { email: $("#accounts-email").value.trim(), role: $("#accounts-role").value, status: $("#accounts-status").value };
      await loadAccounts();
    });
  });
  return h("section", { id: "accounts-panel", class: "card", "aria-labelledby": "accounts-panel-title" },
    h("h2", { id: "accounts-panel-title", text: "Accounts" }),
    form,
    h("label", { for: "accounts-reason", text: "Reason for a change (short code, recorded in the audit log)" }),
    h("input", { id: "accounts-reason", maxlength: 64, autocomplete: "off" }),
    h("p", { class: "form-error", role: "alert" }),
    h("p", { id: "accounts-count", class: "hint", "aria-live": "polite" }),
    dataTable("Accounts by address", ["Address", "Role", "Status", "Two-step", "Last sign-in", "Actions"], "accounts-rows"));
}

// -- audit log -------------------------------------------------------------------------------------

function auditRow(entry) {
  return h("tr", {},
    h("td", { text: shortDate(entry.occurred_at) }),
    h("th", { scope: "row", text: entry.action }),
    h("td", { text: `${entry.actor_role}${entry.actor_id ? ` ${entry.actor_id.slice(0, 8)}` : ""}` }),
    h("td", { text: entry.subject_type ? `${entry.subject_type} ${(entry.subject_id || "").slice(0, 8)}` : "" }),
    h("td", { text: entry.outcome }));
}

function auditPanel() {
  const form = h("form", { id: "audit-search", novalidate: true },
    h("label", { for: "audit-action", text: "Action (or its start, e.g. admin.)" }),
    h("input", { id: "audit-action", maxlength: 100, autocomplete: "off" }),
    h("label", { for: "audit-subject", text: "Subject id" }),
    h("input", { id: "audit-subject", maxlength: 36, autocomplete: "off" }),
    h("label", { class: "inline" }, h("input", { id: "audit-archived", type: "checkbox" }), " Search the archive"),
    h("button", { type: "submit", text: "Search audit log" }),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const params = new URLSearchParams({ limit: "50" });
      const action = $("#audit-action").value.trim();
      const subject = $("#audit-subject").value.trim();
      if (action) params.set("action", action);
      if (subject) params.set("subject_id", subject);
      if ($("#audit-archived").checked) params.set("archived", "true");
      const page = await api(`/v1/admin/audit-log?${params}`);
      clear($("#audit-rows")).append(...page.items.map(auditRow));
      $("#audit-count").textContent = `${page.total} entr${page.total === 1 ? "y" : "ies"}${$("#audit-archived").checked ? " in the archive" : ""}.`;
    });
  });
  return h("section", { id: "audit-panel", class: "card", "aria-labelledby": "audit-panel-title" },
    h("h2", { id: "audit-panel-title", text: "Audit log" }),
    h("p", { class: "hint", text: "Newest first. Entries past the retention period are in the archive." }),
    form,
    h("p", { id: "audit-count", class: "hint", "aria-live": "polite" }),
    dataTable("Audit entries", ["When", "Action", "Actor", "Subject", "Outcome"], "audit-rows"));
}

let built = false;

export async function enterAccounts() {
  if (!built) {
    $("#accounts-panels").append(accountsPanel(), auditPanel());
    built = true;
  }
  await loadAccounts();
}
