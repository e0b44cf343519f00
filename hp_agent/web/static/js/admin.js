// Service admin (docs/admin.md): the crisis lexicon's database entries, crisis lines and their
// verification, feature flags and announcements. Every change goes through /v1/admin, which audits
// it; each panel reloads from the server after a change, so what is shown is what is stored.
import { api } from "./api.js";
import { $, act, announce, busy, clear, dataTable, h, shortDate } from "./dom.js";

const CATEGORIES = [
  "suicidal_ideation", "self_harm", "plan_or_means", "imminent", "abuse", "eating_disorder",
  "harm_to_others", "concern_for_other", "hopelessness",
];

const label = (value) => value.replaceAll("_", " ");

function panel(id, title, ...children) {
  return h("section", { id, class: "card", "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title`, text: title }),
    h("p", { class: "form-error", role: "alert" }),
    ...children);
}

// Runs ``work`` for a button outside a form: errors go to the panel's alert.
const actIn = (panelId, button, work) => act($(`#${panelId} > .form-error`), button, work);

// -- lexicon ---------------------------------------------------------------------------------------

function lexiconRow(entry) {
  const next = !entry.enabled;
  const what = entry.term ?? entry.pattern;
  return h("tr", { dataset: { entry: entry.id } },
    h("th", { scope: "row", text: what }),
    h("td", { text: label(entry.category) }),
    h("td", { class: "num", text: entry.weight.toFixed(2) }),
    h("td", { text: entry.enabled ? "in use" : "disabled" }),
    h("td", {}, h("button", {
      type: "button",
      class: "secondary",
      text: next ? "Enable" : "Disable",
      "aria-label": `${next ? "Enable" : "Disable"} ${what}`,
      onclick: (event) => actIn("admin-lexicon", event.currentTarget, async () => {
        await api(`/v1/admin/lexicon/${entry.id}`, { method: "PATCH", body: { enabled: next } });
        announce(`${what}: ${next ? "enabled" : "disabled"}.`);
        await loadLexicon();
      }),
    })));
}

async function loadLexicon() {
  const entries = await api("/v1/admin/lexicon");
  const body = clear($("#admin-lexicon-rows"));
  body.append(...entries.map(lexiconRow));
  $("#admin-lexicon-empty").hidden = entries.length > 0;
}

function lexiconPanel() {
  const form = h("form", { id: "admin-lexicon-form", novalidate: true },
    h("label", { for: "admin-lexicon-term", text: "Phrase" }),
    h("input", { id: "admin-lexicon-term", required: true, maxlength: 200, autocomplete: "off" }),
    h("label", { for: "admin-lexicon-category", text: "Category" }),
    h("select", { id: "admin-lexicon-category" },
      CATEGORIES.map((value) => h("option", { value, text: label(value) }))),
    h("label", { for: "admin-lexicon-weight", text: "Severity (0–1]" }),
    h("input", { id: "admin-lexicon-weight", type: "number", min: "0.01", max: "1", step: "0.01", value: "0.6" }),
    h("button", { type: "submit", text: "Add entry" }),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const body = {
        term: $("#admin-lexicon-term").value,
        category: $("#admin-lexicon-category").value,
        weight: Number($("#admin-lexicon-weight").value),
      };
      await api("/v1/admin/lexicon", { method: "POST", body });
      form.reset();
      announce("Lexicon entry added; screenings use it within seconds.");
      await loadLexicon();
    });
  });
  return panel("admin-lexicon", "Crisis lexicon entries",
    h("p", { class: "hint", text: "Added to the packaged lexicon; the service picks changes up within seconds." }),
    form,
    h("p", { id: "admin-lexicon-empty", class: "hint", text: "No entries of your own yet." }),
    dataTable("Database entries", ["Phrase", "Category", "Severity", "State", "Actions"]));
}

// -- crisis lines ----------------------------------------------------------------------------------

function lineRow(line) {
  const verify = (event) => actIn("admin-lines", event.currentTarget, async () => {
    const note = $("#admin-lines-note").value.trim();
    if (!note) throw new Error("Say how the line was checked first.");
    await api(`/v1/admin/crisis-lines/${line.id}/verify`, { method: "POST", body: { note } });
    announce(`${line.name} verified.`);
    await loadLines();
  });
  const toggle = (event) => actIn("admin-lines", event.currentTarget, async () => {
    await api(`/v1/admin/crisis-lines/${line.id}`, { method: "PATCH", body: { is_active: !line.is_active } });
    await loadLines();
  });
  const which = `${line.name} (${line.country_code})`;
  return h("tr", { dataset: { line: line.id } },
    h("th", { scope: "row", text: line.name }),
    h("td", { text: line.country_code }),
    h("td", { text: line.contact }),
    h("td", { text: line.last_verified || "never" }),
    h("td", { text: line.is_active ? "shown" : "hidden" }),
    h("td", {},
      h("button", { type: "button", text: "Verified today", "aria-label": `Verified ${which} today`, onclick: verify }),
      " ",
      h("button", {
        type: "button",
        class: "secondary",
        text: line.is_active ? "Hide" : "Show",
        "aria-label": `${line.is_active ? "Hide" : "Show"} ${which}`,
        onclick: toggle,
      })));
}

async function loadLines() {
  const lines = await api("/v1/admin/crisis-lines");
  clear($("#admin-lines-rows")).append(...lines.map(lineRow));
}

function linesPanel() {
  return panel("admin-lines", "Crisis lines",
    h("label", { for: "admin-lines-note", text: "How it was checked (for “Verified today”)" }),
    h("input", { id: "admin-lines-note", maxlength: 500, autocomplete: "off" }),
    dataTable("Every line, with when it was last checked", ["Line", "Country", "Contact", "Last verified", "State", "Actions"]));
}

// -- feature flags ---------------------------------------------------------------------------------

function flagRow(flag) {
  const box = h("input", { type: "checkbox", id: `admin-flag-${flag.key}`, checked: flag.enabled });
  box.addEventListener("change", () => actIn("admin-flags", box, async () => {
    await api(`/v1/admin/feature-flags/${encodeURIComponent(flag.key)}`, {
      method: "PUT",
      body: {
        enabled: box.checked,
        rollout_percentage: flag.rollout_percentage,
        description: flag.description,
        rules: flag.rules,
        expires_at: flag.expires_at,
      },
    });
    announce(`${flag.key} ${box.checked ? "on" : "off"}.`);
    await loadFlags();
  }));
  return h("tr", { dataset: { flag: flag.key } },
    h("th", { scope: "row" }, h("label", { for: box.id, text: flag.key })),
    h("td", {}, box),
    h("td", { class: "num", text: `${flag.rollout_percentage}%` }),
    h("td", { text: flag.description || "" }));
}

async function loadFlags() {
  const flags = await api("/v1/admin/feature-flags");
  clear($("#admin-flags-rows")).append(...flags.map(flagRow));
}

function flagsPanel() {
  const form = h("form", { id: "admin-flag-form", novalidate: true },
    h("label", { for: "admin-flag-key", text: "New flag (lower-case key)" }),
    h("input", { id: "admin-flag-key", required: true, maxlength: 100, autocomplete: "off" }),
    h("button", { type: "submit", text: "Add flag (off)" }),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const key = $("#admin-flag-key").value.trim();
      await api(`/v1/admin/feature-flags/${encodeURIComponent(key)}`, { method: "PUT", body: { enabled: false } });
      form.reset();
      await loadFlags();
    });
  });
  return panel("admin-flags", "Feature flags", form,
    dataTable("Flags", ["Flag", "On", "Rollout", "Description"]));
}

// -- announcements ---------------------------------------------------------------------------------

function announcementRow(item) {
  const step = (verb) => (event) => actIn("admin-announcements", event.currentTarget, async () => {
    await api(`/v1/admin/announcements/${item.id}/${verb}`, { method: "POST" });
    await loadAnnouncements();
  });
  return h("tr", { dataset: { announcement: item.id } },
    h("th", { scope: "row", text: item.title }),
    h("td", { text: item.status }),
    h("td", { text: shortDate(item.display_from) }),
    h("td", {},
      item.status === "draft"
        ? h("button", { type: "button", text: "Publish", "aria-label": `Publish ${item.title}`, onclick: step("publish") })
        : null,
      item.status !== "archived"
        ? h("button", { type: "button", class: "secondary", text: "Archive", "aria-label": `Archive ${item.title}`, onclick: step("archive") })
        : null));
}

async function loadAnnouncements() {
  const items = await api("/v1/admin/announcements");
  clear($("#admin-announcements-rows")).append(...items.map(announcementRow));
}

function announcementsPanel() {
  const form = h("form", { id: "admin-announcement-form", novalidate: true },
    h("label", { for: "admin-announcement-title", text: "Title" }),
    h("input", { id: "admin-announcement-title", required: true, maxlength: 200 }),
    h("label", { for: "admin-announcement-body", text: "Text" }),
    h("textarea", { id: "admin-announcement-body", required: true, maxlength: 5000, rows: 2 }),
    h("button", { type: "submit", text: "Save draft" }),
    h("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const body = {
        title: $("#admin-announcement-title").value.trim(),
        body: $("#admin-announcement-body").value.trim(),
        display_from: new Date().toISOString(),
      };
      await api("/v1/admin/announcements", { method: "POST", body });
      form.reset();
      await loadAnnouncements();
    });
  });
  return panel("admin-announcements", "Announcements", form,
    dataTable("Banners, newest first", ["Title", "Status", "Shown from", "Actions"]));
}

// -- the screen ------------------------------------------------------------------------------------

let built = false;

function build() {
  const root = $("#service-panels");
  root.append(lexiconPanel(), linesPanel(), flagsPanel(), announcementsPanel());
  // Each table's body gets the id its loader fills.
  for (const id of ["admin-lexicon", "admin-lines", "admin-flags", "admin-announcements"]) {
    $(`#${id} tbody`).id = `${id}-rows`;
  }
  built = true;
}

export async function enterService() {
  if (!built) build();
  await Promise.all([loadLexicon(), loadLines(), loadFlags(), loadAnnouncements()]);
}
