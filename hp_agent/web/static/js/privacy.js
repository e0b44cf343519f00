// "Privacy": the person's consents, who read their records, a copy of their data and deleting the
// account (docs/privacy.md). Every action is one API call; errors show in the card they came from.
import { api } from "./api.js";
import { $, announce, busy, clear, h, shortDate } from "./dom.js";

const NAMES = {
  terms: "Terms of service",
  privacy: "Privacy notice",
  data_processing: "Processing of health data",
  share_with_therapist: "Sharing with your care team",
  research: "Research use",
};

function consentRow(state) {
  const form = h(
    "form",
    { class: "consent", dataset: { consent: state.consent_type } },
    h("strong", { text: NAMES[state.consent_type] || state.consent_type }),
    h("span", {
      class: "hint",
      text: state.granted ? ` — given (version ${state.version})` : " — not given",
    }),
    h("p", { class: "form-error", role: "alert" }),
    state.granted
      ? h("button", { type: "submit", text: "Withdraw" })
      : h("button", { type: "submit", text: `Accept version ${state.current_version}` }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      if (state.granted) {
        await api(`/v1/me/consents/${state.consent_type}`, { method: "DELETE" });
      } else {
        await api("/v1/me/consents", {
          method: "POST",
          body: { consent_type: state.consent_type, version: state.current_version },
        });
      }
      announce(`${NAMES[state.consent_type]}: ${state.granted ? "withdrawn" : "given"}.`);
      await enterPrivacy();
    });
  });
  return h("li", {}, form);
}

function accessRow(entry) {
  const who = entry.accessor_name || entry.accessor_role;
  return h("li", {}, `${shortDate(entry.occurred_at)}: ${who} read your ${entry.resource.replace("_", " ")}`);
}

async function pollExport(id, status) {
  for (let i = 0; i < 60; i += 1) {
    const job = await api(`/v1/me/exports/${id}`);
    status.textContent = `Preparing your copy: ${job.status} (${job.progress}%)`;
    if (job.status === "ready") return job;
    if (job.status === "failed") throw new Error("The copy could not be prepared. Please try again.");
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error("Your copy is still being prepared; come back in a few minutes.");
}

function initExport() {
  const form = $("#privacy-export-form");
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const status = $("#privacy-export-status");
      const job = await api("/v1/me/export", { method: "POST" });
      await pollExport(job.id, status);
      const link = await api(`/v1/me/exports/${job.id}/link`, { method: "POST" });
      // The link is single use and needs no sign-in: the browser downloads the zip directly.
      const anchor = h("a", { href: link.url, download: "happy-path-export.zip", text: "Download your data (once)" });
      clear(status).append(anchor);
      announce("Your copy is ready to download.");
    });
  });
  const erase = $("#privacy-erase-form");
  erase.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(erase, async () => {
      const password = $("#privacy-erase-password").value;
      const scheduled = await api("/v1/me", { method: "DELETE", body: { password } });
      erase.reset();
      announce(`Your account will be deleted on ${shortDate(scheduled.due_at)}.`);
      await enterPrivacy();
    });
  });
  const cancel = $("#privacy-erase-cancel");
  cancel.addEventListener("click", () =>
    busy(erase, async () => {
      await api("/v1/me/erasure", { method: "DELETE" });
      announce("Deletion cancelled.");
      await enterPrivacy();
    }),
  );
}

export async function enterPrivacy() {
  initExport();
  const [consents, log] = await Promise.all([api("/v1/me/consents"), api("/v1/me/access-log?limit=20")]);
  clear($("#privacy-consents")).append(...consents.map(consentRow));
  clear($("#privacy-access")).append(...log.items.map(accessRow));
  $("#privacy-access-empty").hidden = log.items.length > 0;
  let pending = null;
  try {
    pending = await api("/v1/me/erasure");
  } catch (error) {
    if (error.status !== 404) throw error;
  }
  $("#privacy-erase-scheduled").textContent = pending ? `Deletion scheduled for ${shortDate(pending.due_at)}.` : "";
  $("#privacy-erase-cancel").hidden = !pending;
  $("#privacy-erase-form button[type=submit]").hidden = Boolean(pending);
}
