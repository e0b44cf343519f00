// The care network: a patient's care team and clinician search, a clinician's requests, profile
// and invitation codes, an admin's clinician invitations and licence checks, and accepting a
// clinician invitation from the sign-in page. Everything goes through /v1/care, /v1/clinicians and
// /v1/admin; text from the server is only ever set as text.
import { api, signIn } from "./api.js";
import { $, announce, busy, clear, h, shortDate, showOk } from "./dom.js";

const SHARES = [
  ["share_journal", "consent_to_share_journal", "Journal"],
  ["share_mood", "consent_to_share_mood", "Mood check-ins"],
  ["share_assessments", "consent_to_share_assessments", "Questionnaires (PHQ-9, GAD-7)"],
  ["share_chat", "consent_to_share_chat", "Chat summaries"],
  ["share_safety_plan", "consent_to_share_safety_plan", "Safety plan"],
];
const words = (s) => String(s || "").replaceAll("_", " ");

function sharingFieldset(prefix, rel = null, legend = "What this clinician may see") {
  return h(
    "fieldset",
    { class: "sharing" },
    h("legend", { text: legend }),
    SHARES.map(([field, column, label]) =>
      h(
        "div",
        { class: "check" },
        h("input", { type: "checkbox", id: `${prefix}-${field}`, name: field, checked: rel ? rel[column] : field === "share_safety_plan" }),
        h("label", { for: `${prefix}-${field}`, text: label }),
      ),
    ),
  );
}

function sharingOf(form) {
  const out = {};
  for (const [field] of SHARES) out[field] = !!(form.elements[field] && form.elements[field].checked);
  return out;
}

function actionForm(label, build, run) {
  const form = h("form", { class: "inline-form" });
  if (build) build(form);
  form.append(h("p", { class: "form-error", role: "alert" }), h("button", { type: "submit", class: "small", text: label }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, run.bind(null, form));
  });
  return form;
}

// -- patient: my care team ------------------------------------------------------------------------

function relationshipItem(rel, reload) {
  const who = rel.counterpart_name || "Clinician";
  const li = h("li", { class: "card rel", id: `rel-${rel.id}` });
  li.append(h("h3", { text: `${who} · ${words(rel.role)}` }));
  const since = rel.started_at ? `since ${shortDate(rel.started_at)}` : `asked ${shortDate(rel.created_at)}`;
  li.append(h("p", { class: "hint", text: `${words(rel.status)} ${rel.status === "ended" ? `(${words(rel.end_reason)})` : since}` }));
  const post = (action, body) => api(`/v1/care/relationships/${rel.id}/${action}`, { method: "POST", body });
  if (rel.status === "active") {
    li.append(
      actionForm(
        "Save what I share",
        (f) => f.append(sharingFieldset(`rel-${rel.id}`, rel)),
        async (f) => {
          await api(`/v1/care/relationships/${rel.id}/consent`, { method: "PUT", body: sharingOf(f) });
          announce("Sharing saved.");
          await reload();
        },
      ),
      actionForm(`End care with ${who}`, null, async () => {
        await post("end", { reason: "ended_by_patient" });
        announce("Relationship ended.");
        await reload();
      }),
    );
  } else if (rel.status === "pending" && rel.requested_by === "clinician") {
    li.append(
      actionForm(
        "Accept",
        (f) => f.append(sharingFieldset(`rel-${rel.id}`)),
        async (f) => {
          await post("accept", { sharing: sharingOf(f) });
          announce("Accepted.");
          await reload();
        },
      ),
      actionForm("Decline", null, async () => {
        await post("decline");
        await reload();
      }),
    );
  } else if (rel.status === "pending") {
    li.append(
      h("p", { text: "Waiting for the clinician to accept." }),
      actionForm("Withdraw request", null, async () => {
        await post("decline");
        await reload();
      }),
    );
  }
  return li;
}

async function loadTeam() {
  const list = clear($("#care-team"));
  const rels = await api("/v1/care/relationships");
  const current = rels.filter((r) => r.status !== "ended");
  const past = rels.filter((r) => r.status === "ended");
  if (!current.length) list.append(h("li", { class: "hint", text: "You have no clinician yet. Find one below." }));
  for (const rel of current) list.append(relationshipItem(rel, loadTeam));
  const history = clear($("#care-history"));
  history.hidden = !past.length;
  if (past.length) {
    history.append(
      h("h2", { text: "Past care" }),
      h("ul", {}, past.map((r) => h("li", { text: `${r.counterpart_name || "Clinician"}: ${words(r.end_reason)} ${r.ended_at ? shortDate(r.ended_at) : ""}` }))),
    );
  }
}

function clinicianCard(entry) {
  return h(
    "li",
    { class: "card clinician", id: `clin-${entry.id}` },
    h("h3", { text: entry.credentials ? `${entry.display_name}, ${entry.credentials}` : entry.display_name }),
    h(
      "dl",
      {},
      h("dt", { text: "Specialties" }), h("dd", { text: entry.specialties.join(", ") || "—" }),
      h("dt", { text: "Approaches" }), h("dd", { text: entry.approaches.join(", ") || "—" }),
      h("dt", { text: "Languages" }), h("dd", { text: entry.languages.join(", ") || "—" }),
      h("dt", { text: "Time zone" }), h("dd", { text: entry.timezone || "—" }),
    ),
    entry.bio ? h("p", { text: entry.bio }) : null,
    actionForm(`Request ${entry.display_name}`, null, async () => {
      await api("/v1/care/relationships", { method: "POST", body: { clinician_id: entry.id, sharing: sharingOf($("#care-search")) } });
      announce(`Request sent to ${entry.display_name}.`);
      await loadTeam();
    }),
  );
}

function initPatient() {
  const search = $("#care-search");
  search.append(
    h("label", { for: "care-language", text: "Language (e.g. en, es)" }),
    h("input", { id: "care-language", name: "language", maxlength: 35, autocomplete: "off" }),
    h("label", { for: "care-specialty", text: "Specialty (e.g. anxiety, trauma)" }),
    h("input", { id: "care-specialty", name: "specialty", maxlength: 60, autocomplete: "off" }),
    sharingFieldset("care-search", null, "What you would share once they accept (you can change it later)"),
    h("p", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", text: "Search" }),
  );
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(search, async () => {
      const params = new URLSearchParams();
      for (const key of ["language", "specialty"]) {
        const value = search.elements[key].value.trim();
        if (value) params.set(key, value);
      }
      const results = await api(`/v1/clinicians?${params}`);
      const list = clear($("#care-results"));
      if (!results.length) list.append(h("li", { class: "hint", text: "No clinician matches; try fewer filters." }));
      for (const entry of results) list.append(clinicianCard(entry));
      announce(`${results.length} clinicians found.`);
    });
  });
  const code = $("#care-code");
  code.append(
    h("label", { for: "care-code-input", text: "Invitation code from your clinician" }),
    h("input", { id: "care-code-input", name: "code", maxlength: 64, autocomplete: "off", required: true }),
    sharingFieldset("care-code", null, "What this clinician may see"),
    h("p", { class: "form-error", role: "alert" }),
    h("p", { class: "form-ok", role: "status" }),
    h("button", { type: "submit", text: "Use code" }),
  );
  code.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(code, async () => {
      await api("/v1/care/relationships", { method: "POST", body: { invite_code: code.elements.code.value.trim(), sharing: sharingOf(code) } });
      code.reset();
      showOk(code, "You are now connected with your clinician.");
      await loadTeam();
    });
  });
}

export async function enterCare() {
  await loadTeam();
}

// -- clinician: profile, requests, invitation codes -----------------------------------------------

async function loadClinic() {
  const me = await api("/v1/clinicians/me");
  const profile = clear($("#clinic-profile"));
  profile.append(
    h("h2", { text: me.display_name }),
    h("p", { id: "clinic-status", text: me.status === "active" ? "Licence verified: you are listed in the directory." : "Waiting for an administrator to verify your licence." }),
    actionForm(
      "Save",
      (f) => f.append(h("div", { class: "check" }, h("input", { type: "checkbox", id: "clinic-accepting", name: "accepting", checked: me.accepting_new_patients }), h("label", { for: "clinic-accepting", text: "Accepting new patients" }))),
      async (f) => {
        await api("/v1/clinicians/me", { method: "PATCH", body: { accepting_new_patients: f.elements.accepting.checked } });
        announce("Profile saved.");
      },
    ),
  );
  const list = clear($("#clinic-requests"));
  const rels = (await api("/v1/care/relationships")).filter((r) => r.status !== "ended");
  if (!rels.length) list.append(h("li", { class: "hint", text: "No patients or requests yet." }));
  for (const rel of rels) {
    const li = h("li", { class: "card rel", id: `rel-${rel.id}` }, h("h3", { text: `${rel.counterpart_name || "Patient"} · ${words(rel.status)}` }));
    const shared = SHARES.filter(([, column]) => rel[column]).map(([, , label]) => label);
    li.append(h("p", { class: "hint", text: `Shares: ${shared.join(", ") || "nothing yet"}` }));
    const post = (action) => api(`/v1/care/relationships/${rel.id}/${action}`, { method: "POST" });
    if (rel.status === "pending" && rel.requested_by === "patient") {
      li.append(
        actionForm("Accept patient", null, async () => {
          await post("accept");
          announce("Patient accepted.");
          await loadClinic();
        }),
        actionForm("Decline", null, async () => {
          await post("decline");
          await loadClinic();
        }),
      );
    }
    list.append(li);
  }
}

function initClinician() {
  const form = $("#clinic-code");
  form.append(h("p", { class: "form-error", role: "alert" }), h("p", { class: "form-ok", role: "status", id: "clinic-code-out" }), h("button", { type: "submit", text: "Create an invitation code" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const out = await api("/v1/care/invite-codes", { method: "POST", body: {} });
      showOk(form, `Give your patient this code (works once, until ${shortDate(out.expires_at)}): ${out.code}`);
    });
  });
}

export async function enterClinic() {
  await loadClinic();
}

// -- admin: invitations and verification ----------------------------------------------------------

async function loadClinicians() {
  const list = clear($("#admin-clinicians"));
  const rows = await api("/v1/admin/clinicians");
  if (!rows.length) list.append(h("li", { class: "hint", text: "No clinicians yet." }));
  for (const c of rows) {
    const li = h(
      "li",
      { class: "card", id: `admin-clin-${c.id}` },
      h("h3", { text: c.display_name }),
      h("p", { class: "hint", text: `${c.email || ""} · licence ${c.license_number} (${c.license_country}${c.license_state ? `-${c.license_state}` : ""}) · ${words(c.status)}` }),
    );
    if (c.status === "pending_verification") {
      li.append(
        actionForm(`Verify licence of ${c.display_name}`, null, async () => {
          await api(`/v1/admin/clinicians/${c.id}/verify`, { method: "POST" });
          announce(`${c.display_name} verified.`);
          await loadClinicians();
        }),
      );
    }
    list.append(li);
  }
}

function initAdmin() {
  const form = $("#admin-invite");
  form.append(
    h("label", { for: "admin-invite-email", text: "Clinician's email" }),
    h("input", { id: "admin-invite-email", name: "email", type: "email", required: true, autocomplete: "off" }),
    h("p", { class: "form-error", role: "alert" }),
    h("p", { class: "form-ok", role: "status", id: "admin-invite-out" }),
    h("button", { type: "submit", text: "Send invitation" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const out = await api("/v1/admin/clinicians/invitations", { method: "POST", body: { email: form.elements.email.value.trim() } });
      form.reset();
      // The token is shown here once (it was also emailed); the server keeps only its digest.
      showOk(form, `Invitation emailed to ${out.email}. Its code, shown only now: ${out.token}`);
    });
  });
}

export async function enterAdmin() {
  await loadClinicians();
}

// -- sign-in page: accept a clinician invitation --------------------------------------------------

function initAccept(onSignedIn) {
  const form = $("#clinician-accept-form");
  const field = (id, label, attrs = {}) => [h("label", { for: id, text: label }), h("input", { id, name: id.replace("accept-", ""), autocomplete: "off", ...attrs })];
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  form.append(
    ...field("accept-token", "Invitation code", { required: true, maxlength: 200 }),
    h("label", { for: "accept-password", text: "Choose a password" }),
    h("input", { id: "accept-password", name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 12 }),
    ...field("accept-display_name", "Name shown to patients", { required: true, maxlength: 200 }),
    ...field("accept-credentials", "Credentials (e.g. PhD, LCSW)", { maxlength: 100 }),
    ...field("accept-license_number", "Licence number", { required: true, maxlength: 64 }),
    ...field("accept-license_country", "Licensed in (country code, e.g. GB)", { required: true, maxlength: 2 }),
    ...field("accept-specialties", "Specialties (comma separated)", { maxlength: 500 }),
    ...field("accept-approaches", "Approaches (comma separated, e.g. cbt, act)", { maxlength: 500 }),
    ...field("accept-languages", "Languages (comma separated, e.g. en, es)", { maxlength: 200, value: "en" }),
    ...field("accept-timezone", "Time zone", { required: true, maxlength: 64, value: zone }),
    h("div", { class: "check" }, h("input", { type: "checkbox", id: "accept-accepting", name: "accepting" }), h("label", { for: "accept-accepting", text: "Accepting new patients" })),
    h("div", { class: "check" }, h("input", { type: "checkbox", id: "accept-terms", required: true }), h("label", { for: "accept-terms", text: "I agree to the terms of service and the privacy policy" })),
    h("p", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", text: "Create my clinician account" }),
  );
  const list = (name) => form.elements[name].value.split(",").map((s) => s.trim()).filter(Boolean);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      if (!$("#accept-terms").checked) throw new Error("Please accept the terms of service and the privacy policy.");
      const e = form.elements;
      const body = {
        token: e.token.value.trim(),
        password: e.password.value,
        consents: ["terms", "privacy"],
        display_name: e.display_name.value.trim(),
        license_number: e.license_number.value.trim(),
        license_country: e.license_country.value.trim().toUpperCase(),
        specialties: list("specialties"),
        approaches: list("approaches"),
        languages: list("languages"),
        accepting_new_patients: e.accepting.checked,
        timezone: e.timezone.value.trim(),
      };
      if (e.credentials.value.trim()) body.credentials = e.credentials.value.trim();
      const profile = await api("/v1/clinicians/invitations/accept", { method: "POST", body, auth: false });
      const user = await signIn(profile.email, body.password);
      form.reset();
      onSignedIn(user);
    });
  });
}

export function initCare(onSignedIn) {
  initPatient();
  initClinician();
  initAdmin();
  initAccept(onSignedIn);
}
