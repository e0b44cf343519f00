// The crisis panel: crisis lines as tap-to-call / tap-to-text links and the person's safety plan.
// It sits above every screen and takes focus, so it cannot be missed or scrolled past.
import { api } from "./api.js";
import { $, announce, clear, h } from "./dom.js";

const TEXT_KEYWORD = /\btext\s+([A-Z]{2,12})\s+to\b/i;

/** The same rule as the server's chat frames, for lines that come from the REST endpoint. */
export function lineAction(line) {
  if (line.action && line.action.uri) return line.action;
  const contact = String(line.contact || "");
  const digits = contact.replace(/[^\d+]/g, "");
  if (line.channel === "call" && digits) return { kind: "call", uri: `tel:${digits}`, label: `Call ${contact}` };
  if (line.channel === "text" && digits) {
    const keyword = TEXT_KEYWORD.exec(String(line.description || ""));
    const body = keyword ? `?body=${keyword[1].toUpperCase()}` : "";
    return { kind: "text", uri: `sms:${digits}${body}`, label: `Text ${contact}` };
  }
  const url = line.url || (contact.startsWith("http") ? contact : null);
  return url ? { kind: "open", uri: url, label: "Open website" } : null;
}

function lineItem(line) {
  const action = lineAction(line);
  const safeUri = action && /^(tel:|sms:|https:)/.test(action.uri) ? action.uri : null;
  const link = safeUri
    ? h("a", {
        class: `line-action ${action.kind}`,
        href: safeUri,
        rel: action.kind === "open" ? "noopener noreferrer" : null,
        target: action.kind === "open" ? "_blank" : null,
        "aria-label": `${action.label}: ${line.name}`,
        text: action.label,
      })
    : null;
  return h(
    "li",
    { class: line.is_emergency ? "line emergency" : "line" },
    h("strong", { text: line.name }),
    line.hours ? h("span", { class: "hours", text: ` (${line.hours})` }) : null,
    line.description ? h("p", { class: "hint", text: line.description }) : null,
    link,
  );
}

function planContent(content) {
  let items;
  try {
    items = JSON.parse(content);
  } catch {
    items = null;
  }
  if (!Array.isArray(items)) return h("p", { text: String(content) });
  return h(
    "ul",
    {},
    items.map((item) => {
      if (typeof item === "string") return h("li", { text: item });
      const phone = item.phone ? String(item.phone).replace(/[^\d+]/g, "") : "";
      return h(
        "li",
        {},
        item.name,
        phone ? " " : null,
        phone ? h("a", { href: `tel:${phone}`, text: `Call ${item.phone}` }) : null,
      );
    }),
  );
}

function isEmpty(content) {
  try {
    const value = JSON.parse(content);
    return Array.isArray(value) && value.length === 0;
  } catch {
    return !content;
  }
}

function renderPlan(plan) {
  const box = clear($("#crisis-plan"));
  if (!plan || !plan.steps || !plan.steps.length) {
    box.append(h("p", { class: "hint", text: "You have not written a safety plan yet. You can make one under Safety plan." }));
    return;
  }
  box.append(
    h("h3", { text: "Your safety plan" }),
    h(
      "ol",
      { class: "plan-steps" },
      plan.steps.filter((s) => !isEmpty(s.content)).map((s) => h("li", {}, h("strong", { text: s.title }), planContent(s.content))),
    ),
  );
}

/** Show crisis lines (and the plan) prominently and move focus to them. */
export function showCrisis({ intro, lines, plan, showPlan = true, urgent = false }) {
  const panel = $("#crisis-panel");
  panel.classList.toggle("urgent", Boolean(urgent));
  $("#crisis-intro").textContent =
    intro || "If you are in danger or thinking about ending your life, please reach out now. These lines are free and confidential.";
  // The person's own country first; the international directories behind one more tap, so the
  // numbers that matter most fit on a phone screen.
  const all = lines || [];
  const local = all.filter((l) => l.country_code !== "INT");
  const shown = local.length ? local : all;
  const rest = local.length ? all.filter((l) => l.country_code === "INT") : [];
  clear($("#crisis-lines")).append(...shown.map(lineItem));
  const more = clear($("#crisis-more"));
  more.hidden = !rest.length;
  if (rest.length) {
    more.append(h("summary", { text: `International lines (${rest.length})` }), h("ul", { class: "crisis-lines" }, rest.map(lineItem)));
  }
  if (showPlan) renderPlan(plan);
  else clear($("#crisis-plan"));
  panel.hidden = false;
  panel.focus();
  panel.scrollIntoView({ block: "start" });
  announce("Crisis support lines are shown at the top of the page.");
}

/** A write result's ``safety`` field (REST) or a chat ``resources`` payload. */
export function showSafety(safety, intro) {
  if (!safety) return;
  showCrisis({
    intro,
    lines: safety.crisis_lines,
    plan: safety.safety_plan,
    showPlan: "safety_plan" in safety, // reminders carry only the lines
    urgent: safety.urgent,
  });
}

/** "Get help now": lines for the person's country (signed in or not). */
export async function helpNow() {
  try {
    const data = await api("/v1/crisis-resources");
    showCrisis({ lines: data.lines, showPlan: false });
  } catch {
    showCrisis({
      intro: "We could not load the list. If you are in immediate danger, call your local emergency number.",
      lines: [],
      showPlan: false,
    });
  }
}

export function hideCrisis() {
  $("#crisis-panel").hidden = true;
}
