// Therapist console: the live escalation queue over /v1/ws/therapist (docs/escalation.md) and the
// REST workflow (acknowledge, notes, resolve, false positive, a patient's risk timeline).
import { accessToken, api, on, refresh, socketUrl } from "./api.js";
import { $, announce, clear, h, shortDate, svg } from "./dom.js";

const LEVELS = ["none", "low", "moderate", "high", "imminent"];
const ACTIVE = new Set(["open", "notified", "acknowledged", "in_progress"]);
const OUTCOMES = ["contacted_user", "safety_plan_reviewed", "referred", "emergency_services", "user_unreachable", "no_action_needed"];
const REASONS = ["idiom_or_figure_of_speech", "about_someone_else", "past_resolved", "quotation_or_media", "hypothetical", "negated", "joke_or_sarcasm", "clinically_assessed_low_risk", "other"];
const words = (code) => code.replaceAll("_", " ");

const state = { ws: null, wanted: false, retry: 0, items: new Map(), sound: false, unseen: 0 };

function beep() {
  if (!state.sound) return;
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  const ctx = new Ctx();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = 880;
  gain.gain.value = 0.15;
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  osc.stop(ctx.currentTime + 0.35);
  osc.addEventListener("ended", () => ctx.close());
}

function setTitle() {
  document.title = state.unseen ? `(${state.unseen}) New escalation — Happy Path` : "Happy Path";
}

function renderEmpty() {
  $("#queue-empty").hidden = state.items.size > 0;
}

function detailsForm(summaryText, submitText, build, submit) {
  const form = h("form", { class: "inline-form" });
  build(form);
  form.append(h("p", { class: "form-error", role: "alert" }), h("button", { type: "submit", class: "small", text: submitText }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $(".form-error", form).textContent = "";
    try {
      await submit(form);
    } catch (error) {
      $(".form-error", form).textContent = error.message;
    }
  });
  return h("details", {}, h("summary", { text: summaryText }), form);
}

function card(e, fresh) {
  const id = e.id;
  const base = `esc-${id}`;
  const act = async (path, body) => {
    const updated = await api(`/v1/escalations/${id}/${path}`, { method: "POST", body });
    upsert(updated, false);
    return updated;
  };
  const li = h(
    "li",
    { class: `esc risk-${e.risk_level}${fresh ? " fresh" : ""}`, id: base, "aria-labelledby": `${base}-title`, dataset: { id, status: e.status } },
    h("h2", { id: `${base}-title`, class: "esc-title" }, h("span", { class: "risk-badge", text: `${words(e.risk_level)} risk` }), ` Patient ${e.user_id.slice(0, 8)}`),
    h("p", { class: "esc-meta", text: `Status: ${words(e.status)} · level ${e.level} · opened ${shortDate(e.created_at)}${e.ack_deadline && !e.acknowledged_at ? ` · acknowledge by ${shortDate(e.ack_deadline)}` : ""}` }),
    h(
      "div",
      { class: "esc-actions" },
      e.status === "open" || e.status === "notified"
        ? h("button", { type: "button", class: "ack", text: "Acknowledge", onclick: () => act("acknowledge").then(() => announce("Escalation acknowledged.")) })
        : h("span", { class: "acked", text: e.acknowledged_at ? `Acknowledged ${shortDate(e.acknowledged_at)}` : "" }),
      h("button", { type: "button", class: "secondary", text: "Risk timeline", onclick: () => timeline(e.user_id) }),
    ),
    detailsForm(
      "Add note",
      "Save note",
      (f) => f.append(h("label", { for: `${base}-note`, text: "Note (stored encrypted)" }), h("textarea", { id: `${base}-note`, name: "text", rows: 2, maxlength: 5000, required: true })),
      async (f) => {
        await act("notes", { text: f.elements.text.value });
        announce("Note saved.");
      },
    ),
    detailsForm(
      "Resolve",
      "Resolve escalation",
      (f) =>
        f.append(
          h("label", { for: `${base}-outcome`, text: "Outcome" }),
          h("select", { id: `${base}-outcome`, name: "outcome" }, OUTCOMES.map((o) => h("option", { value: o, text: words(o) }))),
          h("label", { for: `${base}-rnote`, text: "Note (optional)" }),
          h("textarea", { id: `${base}-rnote`, name: "note", rows: 2, maxlength: 5000 }),
        ),
      async (f) => {
        const note = f.elements.note.value.trim();
        await act("resolve", { outcome: f.elements.outcome.value, note: note || null });
        announce("Escalation resolved.");
      },
    ),
    detailsForm(
      "Mark false positive",
      "Mark as false positive",
      (f) =>
        f.append(
          h("fieldset", {}, h("legend", { text: "Why was this alert wrong?" }), REASONS.map((r) => h("div", { class: "check" }, h("input", { type: "checkbox", id: `${base}-${r}`, value: r }), h("label", { for: `${base}-${r}`, text: words(r) })))),
        ),
      async (f) => {
        const reasons = Array.from(f.querySelectorAll("input:checked")).map((i) => i.value);
        if (!reasons.length) throw new Error("Choose at least one reason.");
        await act("false-positive", { reasons });
        announce("Marked as a false positive.");
      },
    ),
  );
  return li;
}

function upsert(e, fresh, atEnd = false) {
  const existing = document.getElementById(`esc-${e.id}`);
  if (!ACTIVE.has(e.status)) {
    state.items.delete(e.id);
    if (existing) existing.remove();
    renderEmpty();
    return;
  }
  state.items.set(e.id, e);
  const el = card(e, fresh);
  if (existing) existing.replaceWith(el);
  else if (atEnd) $("#queue").append(el); // the backfill arrives newest first
  else $("#queue").prepend(el);
  renderEmpty();
}

async function onEscalation(frame) {
  let e;
  try {
    e = await api(`/v1/escalations/${frame.escalation_id}`);
  } catch {
    return; // not (or no longer) ours to see
  }
  const isNew = !state.items.has(e.id);
  upsert(e, isNew);
  if (isNew && ACTIVE.has(e.status)) {
    state.unseen += document.hasFocus() ? 0 : 1;
    setTitle();
    beep();
    announce(`New ${words(e.risk_level)} risk escalation for patient ${e.user_id.slice(0, 8)}.`);
  }
}

function onFrame(frame) {
  if (frame.type === "ready") {
    state.retry = 0;
    $("#console-conn").textContent = "Live";
    for (const e of frame.queue || []) upsert(e, false, true);
  } else if (frame.type === "escalation") {
    onEscalation(frame);
  } else if (frame.type === "acked") {
    api(`/v1/escalations/${frame.escalation_id}`).then((e) => upsert(e, false), () => {});
  } else if (frame.type === "error" && frame.code === "token_expired") {
    refresh().then((ok) => ok && send({ type: "auth", token: accessToken() }));
  }
}

function send(frame) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(frame));
}

function connect() {
  const ws = new WebSocket(socketUrl("/v1/ws/therapist"));
  state.ws = ws;
  $("#console-conn").textContent = "Connecting…";
  ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "auth", token: accessToken() })));
  ws.addEventListener("message", (event) => {
    try {
      onFrame(JSON.parse(event.data));
    } catch {
      // a malformed frame is dropped; the next backfill repairs the queue
    }
  });
  ws.addEventListener("close", (event) => {
    if (state.ws !== ws) return;
    state.ws = null;
    if (!state.wanted) return;
    $("#console-conn").textContent = "Reconnecting…";
    const again = () => state.wanted && !state.ws && connect();
    if (event.code === 1008) refresh().then((ok) => ok && setTimeout(again, 250));
    else setTimeout(again, Math.min(8000, 250 * 2 ** state.retry++));
  });
}

// What the person said about a detection (graded response, docs/crisis-engine.md).
function personSaid(p) {
  if (p.false_alarm_reported_at) return " — they said it was not what they meant";
  if (p.check_answer) return ` — asked directly, answered ${p.check_answer}`;
  return p.check_asked_at ? " — asked directly, not answered yet" : "";
}

async function timeline(patientId) {
  const data = await api(`/v1/patients/${patientId}/risk-timeline?days=30`);
  const section = $("#timeline");
  const body = clear($("#timeline-body"));
  $("#timeline-title").textContent = `Risk timeline: patient ${patientId.slice(0, 8)} (30 days)`;
  const pts = data.points;
  if (!pts.length) body.append(h("p", { class: "hint", text: "No detections in the last 30 days." }));
  else {
    const w = 600;
    const ht = 160;
    const t0 = Date.now() - 30 * 86400000;
    const x = (iso) => 80 + ((new Date(iso) - t0) / (30 * 86400000)) * (w - 90);
    const y = (lvl) => 10 + (1 - LEVELS.indexOf(lvl) / 4) * (ht - 30);
    body.append(
      svg(
        "svg",
        { viewBox: `0 0 ${w} ${ht}`, class: "chart", role: "img", "aria-label": `${pts.length} detections; highest ${pts.reduce((m, p) => (LEVELS.indexOf(p.risk_level) > LEVELS.indexOf(m) ? p.risk_level : m), "none")}` },
        LEVELS.slice(1).map((l) => [
          svg("line", { x1: 70, x2: w - 10, y1: y(l), y2: y(l), class: "grid" }),
          svg("text", { x: 2, y: y(l) + 4, class: "axis", text: l }),
        ]),
        [0, 15, 30].map((d) =>
          svg("text", { x: x(new Date(t0 + d * 86400000).toISOString()), y: ht - 4, "text-anchor": d === 30 ? "end" : "middle", class: "axis", text: d === 30 ? "today" : `${30 - d} days ago` }),
        ),
        pts.map((p) => svg("circle", { cx: x(p.detected_at), cy: y(p.risk_level), r: 6, class: `dot-${p.risk_level}` }, svg("title", { text: `${shortDate(p.detected_at)}: ${p.risk_level}` }))),
      ),
      h("ol", { class: "history" }, pts.map((p) => h("li", { text: `${shortDate(p.detected_at)} — ${p.risk_level} (${words(p.source)})${personSaid(p)}` }))),
    );
  }
  section.hidden = false;
  section.focus();
}

export function enterConsole() {
  state.unseen = 0;
  setTitle();
  if (!state.wanted) {
    state.wanted = true;
    connect();
  }
}

export function stopConsole() {
  state.wanted = false;
  if (state.ws) state.ws.close(1000);
  state.ws = null;
  state.items.clear();
  clear($("#queue"));
}

export function initConsole() {
  const toggle = $("#console-sound");
  toggle.addEventListener("click", () => {
    state.sound = !state.sound;
    toggle.setAttribute("aria-pressed", String(state.sound));
    toggle.textContent = `Sound alerts: ${state.sound ? "on" : "off"}`;
    beep();
  });
  window.addEventListener("focus", () => {
    state.unseen = 0;
    setTitle();
  });
  on("token", () => send({ type: "auth", token: accessToken() }));
}
