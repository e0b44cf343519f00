// "Plan & billing": the person's plan and what it includes, the plans on sale with checkout, plan
// change, cancel and resume, the card on file, invoices and payments (docs/billing.md). Card numbers
// are never typed here: a payment method id comes from the processor (in development, localstripe's
// test cards are offered by name). Crisis support is shown as included on every plan.
import { api } from "./api.js";
import { $, announce, busy, clear, h } from "./dom.js";

const STATUS = {
  trialing: "Free trial",
  active: "Active",
  past_due: "Payment failed — we will retry",
  unpaid: "On hold until paid",
  canceled: "Ended",
  paused: "Paused",
  incomplete: "Not completed",
};
const PER = { month: "month", quarter: "3 months", year: "year" };

const day = (iso) => (iso ? new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" }) : "");
const money = (amount, currency) => `${currency} ${Number(amount).toFixed(2)}`;

function features(f) {
  const out = [];
  out.push(f.agents === "all" ? "Every AI coach" : `AI coaches: ${(f.agents || []).length}`);
  out.push(f.ai_messages_per_day == null ? "Unlimited conversations" : `${f.ai_messages_per_day} messages a day`);
  out.push(f.mood_insights === "advanced" ? "Mood insights over a year" : "Mood insights over 30 days");
  if (f.therapist_messaging) out.push("Messaging with your therapist");
  if (f.sessions_per_month) out.push(`${f.sessions_per_month} therapy sessions a month`);
  out.push("Crisis support and your safety plan");
  return h("ul", { class: "plain-list" }, out.map((text) => h("li", { text })));
}

function methodPicker(config, id) {
  if (!config.test_mode) {
    return h("p", { class: "hint", text: "Card entry opens the payment processor's secure form." });
  }
  return h(
    "p",
    {},
    h("label", { for: id, text: "Test card" }),
    " ",
    h("select", { id, name: "payment_method" }, config.test_payment_methods.map((m) => h("option", { value: m.id, text: m.label }))),
  );
}

function currentCard(billing, config, reload) {
  const sub = billing.subscription;
  const card = h("section", { class: "card", id: "billing-current", "aria-labelledby": "billing-current-title" });
  card.append(h("h2", { id: "billing-current-title", text: "Your plan" }));
  const ents = billing.entitlements;
  if (!sub || sub.status === "canceled") {
    card.append(h("p", { id: "billing-plan", text: `Free${sub ? " (your subscription ended)" : ""}` }));
  } else {
    card.append(
      h("p", { id: "billing-plan" }, h("strong", { text: sub.plan_name }), ` — ${money(sub.unit_amount, sub.currency)} per ${PER[sub.billing_interval]}`),
      h("p", { id: "billing-status", dataset: { status: sub.status }, text: STATUS[sub.status] || sub.status }),
    );
    if (sub.status === "trialing" && sub.trial_ends_at) card.append(h("p", { text: `Trial ends ${day(sub.trial_ends_at)}.` }));
    if (sub.status === "past_due") {
      card.append(
        h("p", { class: "notice", text: `Next try ${day(sub.next_retry_at)}. Your plan's features stay on until ${day(sub.grace_ends_at)}. Update your card below to pay now.` }),
      );
    }
    if (sub.cancel_at_period_end) card.append(h("p", { id: "billing-ends", text: `Ends ${day(sub.current_period_end)}.` }));
    else if (sub.current_period_end && sub.status !== "unpaid") card.append(h("p", { text: `Renews ${day(sub.current_period_end)}.` }));
    const form = h("form", { id: "billing-cancel-form" }, h("p", { class: "form-error", role: "alert" }));
    form.append(h("button", { type: "submit", text: sub.cancel_at_period_end ? "Keep my subscription" : "Cancel at period end" }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(form, async () => {
        const path = sub.cancel_at_period_end ? "/v1/billing/subscription/resume" : "/v1/billing/subscription/cancel";
        await api(path, { method: "POST", body: sub.cancel_at_period_end ? undefined : {} });
        announce(sub.cancel_at_period_end ? "Your subscription continues." : "Your subscription ends with this period.");
        await reload();
      });
    });
    card.append(form);
  }
  card.append(h("p", { class: "hint", text: "Crisis support, crisis lines and your safety plan are included on every plan, always." }));
  if (ents.source === "grace") card.append(h("p", { class: "hint", text: "Features kept while the payment is retried." }));
  if (billing.card) {
    card.append(h("p", { id: "billing-card", text: `Card: ${billing.card.card_brand} ending ${billing.card.card_last4}` }));
  }
  if (sub && sub.status !== "canceled") {
    const update = h("form", { id: "billing-card-form" }, h("p", { class: "form-error", role: "alert" }), methodPicker(config, "billing-card-method"));
    update.append(h("button", { type: "submit", text: "Update card" }));
    update.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(update, async () => {
        const select = $("select", update);
        if (!select) throw new Error("Card entry is not available here.");
        await api("/v1/billing/payment-method", { method: "POST", body: { payment_method: select.value } });
        announce("Card updated.");
        await reload();
      });
    });
    card.append(update);
  }
  return card;
}

function planCard(plan, billing, config, reload) {
  const sub = billing.subscription;
  const live = sub && sub.status !== "canceled";
  const mine = live && sub.plan_code === plan.code;
  const item = h("li", { class: "card", dataset: { plan: plan.code } });
  item.append(
    h("h3", { text: plan.name }),
    h("p", { text: Number(plan.amount) === 0 ? "Free" : `${money(plan.amount, plan.currency)} per ${PER[plan.billing_interval]}` }),
    plan.trial_days && !sub ? h("p", { class: "hint", text: `${plan.trial_days}-day free trial` }) : null,
    features(plan.features),
  );
  if (mine) {
    item.append(h("p", { class: "hint", text: "Your current plan" }));
    return item;
  }
  if (Number(plan.amount) === 0) return item;
  const form = h("form", { class: "plan-form" }, h("p", { class: "form-error", role: "alert" }));
  if (!live) {
    form.append(methodPicker(config, `pm-${plan.code}`));
    form.append(h("p", {}, h("label", { for: `coupon-${plan.code}`, text: "Coupon (optional)" }), " ", h("input", { id: `coupon-${plan.code}`, name: "coupon", autocomplete: "off" })));
  }
  form.append(h("button", { type: "submit", text: live ? `Switch to ${plan.name}` : `Subscribe to ${plan.name}` }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      if (live) {
        await api("/v1/billing/subscription/plan", { method: "POST", body: { plan: plan.code } });
      } else {
        const select = $("select", form);
        if (!select) throw new Error("Card entry is not available here.");
        const coupon = $("input[name=coupon]", form).value.trim();
        const body = { plan: plan.code, payment_method: select.value };
        if (coupon) body.coupon = coupon;
        await api("/v1/billing/checkout", { method: "POST", body });
      }
      announce(`You are on ${plan.name}.`);
      await reload();
    });
  });
  item.append(form);
  return item;
}

function invoiceRow(inv) {
  return h(
    "tr",
    { dataset: { invoice: inv.invoice_number } },
    h("td", { text: inv.invoice_number }),
    h("td", { text: day(inv.issued_at) }),
    h("td", { text: inv.lines.map((l) => `${l.description} ${money(l.amount, inv.currency)}`).join("; ") }),
    h("td", { text: money(inv.total, inv.currency) }),
    h("td", { class: "invoice-status", text: inv.status }),
  );
}

export async function enterBilling() {
  const root = $("#billing-body");
  const reload = () => enterBilling();
  const [billing, plans, config, invoices] = await Promise.all([
    api("/v1/billing"),
    api("/v1/billing/plans"),
    api("/v1/billing/config"),
    api("/v1/billing/invoices"),
  ]);
  clear(root);
  root.append(currentCard(billing, config, reload));
  if (!config.payments_enabled) root.append(h("p", { class: "hint", text: "Payments are not set up on this server." }));
  root.append(
    h("section", { class: "card", "aria-labelledby": "billing-plans-title" }, h("h2", { id: "billing-plans-title", text: "Plans" }),
      h("ul", { class: "plain-list plan-list" }, plans.map((p) => planCard(p, billing, config, reload)))),
  );
  const table = h(
    "table",
    { id: "billing-invoices" },
    h("thead", {}, h("tr", {}, ["Invoice", "Date", "Lines", "Total", "Status"].map((t) => h("th", { scope: "col", text: t })))),
    h("tbody", {}, invoices.map(invoiceRow)),
  );
  root.append(
    h("section", { class: "card", "aria-labelledby": "billing-invoices-title" }, h("h2", { id: "billing-invoices-title", text: "Invoices" }),
      invoices.length ? table : h("p", { id: "billing-invoices-empty", text: "No invoices yet." })),
  );
}
