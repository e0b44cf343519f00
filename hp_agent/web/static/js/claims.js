// Insurance claims for clinic administrators (GET /v1/insurance/claims ...): every claim with its
// status, charge, what the payer paid and the patient's share; ready claims are submitted from
// here, and the clearing house's inbox (271 answers, 835 remittances) is read on demand.
import { api } from "./api.js";
import { $, announce, busy, clear, h } from "./dom.js";

const STATUS_LABEL = {
  draft: "Draft",
  ready: "Ready to submit",
  submitted: "Submitted",
  accepted: "Accepted by the clearing house",
  rejected: "Rejected (fix and resubmit)",
  denied: "Denied",
  partially_paid: "Partially paid",
  paid: "Paid",
  appealed: "Appealed",
  voided: "Voided",
};

const money = (v) => (v === null || v === undefined ? "–" : `$${Number(v).toFixed(2)}`);

function claimRow(claim) {
  const actions = [];
  if (claim.status === "ready") {
    actions.push(h("button", {
      type: "button",
      text: "Submit",
      "aria-label": `Submit claim ${claim.claim_number}`,
      onclick: (event) => submit(claim, event.currentTarget),
    }));
  }
  return h("tr", { dataset: { claim: claim.id, status: claim.status } },
    h("th", { scope: "row", text: claim.claim_number }),
    h("td", { text: claim.patient_name || "–" }),
    h("td", { text: claim.payer_name || "–" }),
    h("td", { text: claim.service_date_from }),
    h("td", { text: claim.lines.map((l) => [l.cpt_code, ...l.modifiers].join("-")).join(", ") }),
    h("td", { text: claim.diagnosis_codes.join(", ") }),
    h("td", { class: `claim-status status-${claim.status}`, text: STATUS_LABEL[claim.status] || claim.status }),
    h("td", { class: "num", text: money(claim.total_charge) }),
    h("td", { class: "num", text: money(claim.paid_amount) }),
    h("td", { class: "num", text: money(claim.patient_responsibility) }),
    h("td", {}, actions));
}

async function submit(claim, button) {
  const form = $("#claims-controls");
  button.disabled = true;
  await busy(form, async () => {
    const updated = await api(`/v1/insurance/claims/${claim.id}/submit`, { method: "POST" });
    announce(`Claim ${updated.claim_number} submitted.`);
    await load();
  });
  button.disabled = false;
}

async function load() {
  const status = $("#claims-status").value;
  const claims = await api(`/v1/insurance/claims${status ? `?status=${encodeURIComponent(status)}` : ""}`);
  const body = clear($("#claims-rows"));
  for (const claim of claims) body.append(claimRow(claim));
  $("#claims-empty").hidden = claims.length > 0;
  $("#claims-table").hidden = claims.length === 0;
}

let ready = false;

function init() {
  const select = $("#claims-status");
  select.append(h("option", { value: "", text: "All claims" }),
    ...Object.entries(STATUS_LABEL).map(([value, text]) => h("option", { value, text })));
  const form = $("#claims-controls");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, load);
  });
  $("#claims-poll").addEventListener("click", () => busy(form, async () => {
    const result = await api("/v1/insurance/clearinghouse/poll", { method: "POST" });
    const text = `Clearing house: ${result.processed} posted, ${result.quarantined} set aside.`;
    $("#claims-poll-result").textContent = text;
    announce(text);
    await load();
  }));
  ready = true;
}

export async function enterClaims() {
  if (!ready) init();
  await load();
}
