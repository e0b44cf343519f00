// Chat with an agent over /v1/ws/chat (docs/protocol.md).
// Every stored frame has a seq; the client remembers the highest one it has shown and, after a
// reconnect, asks for everything after it (resume), so nothing is lost or shown twice. Messages
// not yet acknowledged are re-sent with the same client_message_id; the server drops duplicates.
import { accessToken, api, on, refresh, socketUrl } from "./api.js";
import { lineAction, showSafety } from "./crisis.js";
import { $, clear, h } from "./dom.js";

const SESSION_KEY = "hp.chat.session"; // the session id only; the conversation stays on the server
const PROTOCOL = "hp.chat.v1";

const state = {
  ws: null,
  ready: false,
  attached: false,
  wanted: false,
  startSlug: null,
  sessionId: null,
  lastSeq: 0,
  retry: 0,
  pending: new Map(), // client_message_id -> text, until acked
  shown: new Map(), // client_message_id -> bubble element
  streams: new Map(), // reply_to -> {el, text}
};

const log = () => $("#chat-log");

function setConn(text) {
  $("#chat-conn").textContent = text;
}

function send(frame) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function scroll() {
  const el = log();
  el.scrollTop = el.scrollHeight;
}

function bubble(role, text, extra = {}) {
  const label = { user: "You", agent: $("#chat-agent").textContent || "Agent", safety: "Support" }[role];
  const li = h(
    "li",
    { class: `msg ${role}`, ...extra },
    h("span", { class: "visually-hidden", text: `${label}: ` }),
    h("p", { class: "msg-text", text }),
  );
  log().append(li);
  scroll();
  return li;
}

function userBubble(cid, text, delivered) {
  let li = state.shown.get(cid);
  if (!li) {
    li = bubble("user", text, { dataset: { cid } });
    state.shown.set(cid, li);
  }
  li.classList.toggle("sending", !delivered);
  li.setAttribute("aria-busy", delivered ? "false" : "true");
}

function quickReplies(options) {
  const box = clear($("#quick-replies"));
  for (const option of options || []) {
    box.append(h("button", { type: "button", class: "secondary small", text: option.label, onclick: () => say(option.label) }));
  }
}

function resourcesCard(payload) {
  const lines = (payload && payload.crisis_lines) || [];
  const li = h("li", { class: "msg safety resources" }, h("p", { class: "msg-text", text: "Crisis lines:" }));
  li.append(
    h(
      "ul",
      { class: "inline-lines" },
      lines.slice(0, 4).map((line) => {
        const action = lineAction(line);
        return h(
          "li",
          {},
          action && /^(tel:|sms:|https:)/.test(action.uri)
            ? h("a", { href: action.uri, text: `${line.name}: ${action.label}` })
            : line.name,
        );
      }),
    ),
  );
  log().append(li);
  scroll();
}

function onStored(frame) {
  if (frame.session_id && frame.session_id !== state.sessionId) return; // an ended conversation's tail
  // Acks refer to our own messages: clear pending even for duplicates and replays.
  if (frame.type === "ack") {
    const cid = frame.client_message_id;
    state.pending.delete(cid);
    if (frame.seq <= state.lastSeq) {
      if (state.shown.has(cid)) userBubble(cid, "", true);
      return;
    }
    userBubble(cid, frame.text || "", true);
    quickReplies([]); // a replayed answer means its question is behind us
  } else if (frame.seq <= state.lastSeq) {
    return; // already shown
  } else if (frame.type === "agent_message") {
    const stream = state.streams.get(frame.reply_to);
    const li = stream ? stream.el : bubble("agent", "");
    $(".msg-text", li).textContent = frame.text; // the complete reply is authoritative
    li.setAttribute("aria-busy", "false");
    li.classList.remove("streaming");
    state.streams.delete(frame.reply_to);
    quickReplies([]);
  } else if (frame.type === "safety") {
    onSafety(frame);
  } else if (frame.type === "session_ended") {
    bubble("safety", "This conversation has ended.");
  }
  state.lastSeq = Math.max(state.lastSeq, frame.seq);
  scroll();
}

function onSafety(frame) {
  if (frame.kind === "resources") {
    if (frame.text) bubble("safety", frame.text);
    resourcesCard(frame.payload);
    // Live frames bring up the panel; a replay after reconnecting shows the card in the log only.
    if (!frame.replayed) showSafety(frame.payload, frame.text);
  } else if (frame.kind === "reminder") {
    bubble("safety", frame.text || "A reminder: support is available right now.");
    if (!frame.replayed) showSafety(frame.payload, frame.text);
  } else if (frame.kind === "question") {
    const q = frame.question || {};
    const parts = [frame.intro, frame.text].filter(Boolean).join(" ");
    bubble("safety", parts || "");
    quickReplies(q.options);
  } else if (frame.kind === "check") {
    // One direct question on uncertain evidence: a message bubble with Yes / No buttons (a typed
    // answer works too), no crisis panel (docs/protocol.md, safety frames).
    bubble("safety", [frame.text, frame.hint].filter(Boolean).join(" "));
    quickReplies(frame.options);
  } else if (frame.kind === "screener_exit") {
    // Out of the screener: back to the conversation, the lines kept one tap away in the log.
    bubble("safety", frame.text || "");
    resourcesCard(frame.payload);
    quickReplies([]);
  } else if (frame.text) {
    bubble("safety", frame.text);
  }
}

function onToken(frame) {
  let stream = state.streams.get(frame.reply_to);
  if (!stream) {
    const el = bubble("agent", "", { "aria-busy": "true" });
    el.classList.add("streaming");
    stream = { el, text: "" };
    state.streams.set(frame.reply_to, stream);
  }
  stream.text += frame.text;
  $(".msg-text", stream.el).textContent = stream.text;
  scroll();
}

function flushPending() {
  for (const [cid, text] of state.pending) send({ type: "user_message", client_message_id: cid, text });
}

function onError(frame) {
  switch (frame.code) {
    case "token_expired":
      refresh().then((ok) => ok && send({ type: "auth", token: accessToken() }));
      break;
    case "rate_limited":
    case "busy":
      setTimeout(flushPending, frame.retry_after_ms || 1000);
      break;
    case "session_not_found":
    case "session_ended":
      sessionStorage.removeItem(SESSION_KEY);
      state.sessionId = null;
      bubble("safety", "This conversation is over. Start a new one to keep talking.");
      break;
    case "auth_failed":
      refresh(); // the reconnect after the close uses the fresh token
      break;
    default:
      bubble("safety", frame.message || "Something went wrong; please try again.");
  }
}

function onFrame(frame) {
  if (typeof frame.seq === "number") return onStored(frame);
  switch (frame.type) {
    case "ready":
      state.ready = true;
      state.retry = 0;
      setConn("Connected");
      if (state.sessionId) send({ type: "resume", session_id: state.sessionId, last_seq: state.lastSeq });
      else if (state.startSlug) send({ type: "start", agent: state.startSlug });
      break;
    case "session_started":
      state.sessionId = frame.session_id;
      state.lastSeq = frame.last_seq || 0;
      state.attached = true;
      sessionStorage.setItem(SESSION_KEY, frame.session_id);
      $("#chat-agent").textContent = frame.agent.name;
      flushPending();
      break;
    case "session_resumed":
      $("#chat-agent").textContent = frame.agent ? frame.agent.name : "";
      break;
    case "authenticated":
      // A refused frame (token_expired) stored nothing: send what is still unacknowledged.
      if (state.attached) flushPending();
      break;
    case "replay_complete":
      state.attached = true;
      flushPending();
      break;
    case "agent_token":
      onToken(frame);
      break;
    case "typing":
      log().setAttribute("aria-busy", frame.state === "start" ? "true" : "false");
      break;
    case "ping":
      send({ type: "pong", ts: frame.ts });
      break;
    case "notification":
      // Stored in the inbox already; this live copy only refreshes the badge (inbox.js).
      window.dispatchEvent(new CustomEvent("hp:notification", { detail: frame }));
      break;
    case "error":
      onError(frame);
      break;
    default:
      break;
  }
  return undefined;
}

function connect() {
  state.ready = false;
  state.attached = false;
  const ws = new WebSocket(socketUrl("/v1/ws/chat"), [PROTOCOL]);
  state.ws = ws;
  setConn("Connecting…");
  ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "auth", token: accessToken() })));
  ws.addEventListener("message", (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    onFrame(frame);
  });
  ws.addEventListener("close", () => {
    if (state.ws !== ws) return;
    state.ws = null;
    state.ready = false;
    state.attached = false;
    if (!state.wanted) return;
    setConn("Reconnecting…");
    const delay = Math.min(8000, 250 * 2 ** state.retry++);
    setTimeout(() => state.wanted && !state.ws && connect(), delay);
  });
}

function resetLog() {
  clear(log());
  quickReplies([]);
  state.shown.clear();
  state.streams.clear();
  state.pending.clear();
  state.lastSeq = 0;
}

function clientId() {
  // getRandomValues, not randomUUID: the latter exists only on https or localhost.
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `c-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function say(text) {
  const trimmed = text.trim();
  if (!trimmed) return;
  const cid = clientId();
  state.pending.set(cid, trimmed);
  userBubble(cid, trimmed, false);
  quickReplies([]);
  if (state.attached) send({ type: "user_message", client_message_id: cid, text: trimmed });
}

function start(slug) {
  resetLog();
  state.sessionId = null;
  state.startSlug = slug;
  sessionStorage.removeItem(SESSION_KEY);
  $("#chat-box").hidden = false;
  $("#agent-picker").hidden = true;
  state.wanted = true;
  if (state.ready) send({ type: "start", agent: slug });
  else if (!state.ws) connect();
  $("#chat-input").focus();
}

async function loadAgents() {
  const list = clear($("#agent-list"));
  const agents = await api("/v1/agents");
  agents.forEach((agent, i) => {
    const id = `agent-${agent.slug}`;
    list.append(
      h(
        "div",
        { class: "agent" },
        h("input", { type: "radio", name: "agent", id, value: agent.slug, checked: i === 0 }),
        h("label", { for: id }, h("strong", { text: agent.name }), h("span", { class: "hint", text: agent.description || agent.tone })),
      ),
    );
  });
}

export async function enterChat() {
  const saved = sessionStorage.getItem(SESSION_KEY);
  if (saved && !state.wanted) {
    // A reload: rebuild the conversation from the server (resume from 0), then carry on.
    resetLog();
    state.sessionId = saved;
    state.wanted = true;
    $("#chat-box").hidden = false;
    $("#agent-picker").hidden = true;
    connect();
    return;
  }
  if (!state.wanted) {
    $("#agent-picker").hidden = false;
    $("#chat-box").hidden = true;
    await loadAgents();
  }
}

export function stopChat() {
  state.wanted = false;
  if (state.ws) state.ws.close(1000);
  state.ws = null;
  sessionStorage.removeItem(SESSION_KEY);
  resetLog();
}

export function initChat() {
  $("#agent-picker").addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = $("input[name=agent]:checked");
    if (chosen) start(chosen.value);
  });
  $("#chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("#chat-input");
    say(input.value);
    input.value = "";
    input.focus();
  });
  $("#chat-input").addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter adds a line (as in most chat apps).
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("#chat-form").requestSubmit();
    }
  });
  $("#chat-new").addEventListener("click", () => {
    // End this session but keep the socket: the next "start" attaches it to the new one.
    if (state.sessionId) send({ type: "end" });
    sessionStorage.removeItem(SESSION_KEY);
    state.sessionId = null;
    resetLog();
    $("#chat-box").hidden = true;
    $("#agent-picker").hidden = false;
    loadAgents().then(() => $("input[name=agent]:checked")?.focus());
  });
  // A renewed token is handed to the open socket so it never hits token_expired.
  on("token", () => state.ready && send({ type: "auth", token: accessToken() }));
}
