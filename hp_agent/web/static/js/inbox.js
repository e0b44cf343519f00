// The notification inbox (/v1/notifications): unread first, mark read, snooze a medicine reminder,
// and the unread badge on the nav. Live `notification` frames (chat socket) refresh the badge.
import { api } from "./api.js";
import { $, announce, clear, h, shortDate } from "./dom.js";

export async function refreshBadge() {
  const badge = $("#inbox-badge");
  if (!badge) return;
  try {
    const page = await api("/v1/notifications?unread=true&limit=1");
    badge.textContent = page.unread ? String(page.unread) : "";
    badge.hidden = !page.unread;
    badge.setAttribute("aria-label", `${page.unread} unread`);
  } catch {
    // The badge is a convenience: the inbox itself shows any error.
  }
}

function item(n) {
  const li = h(
    "li",
    { class: n.read_at ? "card note read" : "card note unread", dataset: { id: n.id } },
    h("h3", { text: n.title }),
    n.body ? h("p", { text: n.body }) : "",
    h("p", { class: "hint", text: shortDate(n.created_at) }),
  );
  if (!n.read_at) {
    li.append(
      h("button", {
        type: "button",
        text: `Mark read: ${n.title}`,
        onclick: async () => {
          await api(`/v1/notifications/${n.id}/read`, { method: "POST" });
          await enterInbox();
        },
      }),
    );
    if (n.resource_type === "medication_reminder") {
      li.append(
        h("button", {
          type: "button",
          class: "secondary",
          text: "Snooze 10 minutes",
          onclick: async () => {
            await api(`/v1/medications/reminders/${n.resource_id}/snooze`, { method: "POST", body: { minutes: 10 } });
            await api(`/v1/notifications/${n.id}/read`, { method: "POST" });
            announce("Snoozed for 10 minutes.");
            await enterInbox();
          },
        }),
      );
    }
  }
  return li;
}

export async function enterInbox() {
  const page = await api("/v1/notifications?limit=50");
  clear($("#inbox-list")).append(...page.items.map(item));
  $("#inbox-empty").hidden = page.items.length > 0;
  $("#inbox-read-all").hidden = page.unread === 0;
  await refreshBadge();
}

export function initInbox() {
  $("#inbox-read-all").addEventListener("click", async () => {
    await api("/v1/notifications/read-all", { method: "POST" });
    await enterInbox();
  });
  window.addEventListener("hp:notification", () => {
    refreshBadge();
    if (!$("#view-inbox").hidden) enterInbox();
  });
}
