// Scheduling: a clinician's weekly hours, time off and appointments; a patient's booking,
// cancelling, waitlist and calendar link. Free times come from the server (computed in the
// clinician's zone, so they follow daylight saving); this page shows them in the browser's zone.
// Everything goes through /v1/appointments, /v1/clinicians/{id}/..., /v1/waitlist and
// /v1/calendar; text from the server is only ever set as text.
import { api, currentUser } from "./api.js";
import { $, announce, busy, clear, h, shortDate, showOk } from "./dom.js";

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
let types = [];

async function loadTypes() {
  if (!types.length) types = await api("/v1/appointment-types");
  return types;
}

const typeName = (id) => (types.find((t) => t.id === id) || { name: "Appointment" }).name;
const words = (s) => String(s || "").replaceAll("_", " ");

function field(id, label, input) {
  input.id = id;
  return [h("label", { for: id, text: label }), input];
}

function submitForm(form, label, run) {
  form.append(h("p", { class: "form-error", role: "alert" }), h("p", { class: "form-ok", role: "status" }));
  form.append(h("button", { type: "submit", text: label }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, () => run(form));
  });
  return form;
}

function button(label, run) {
  const form = submitForm(h("form", { class: "inline-form" }), label, run);
  form.querySelector("button[type=submit]").className = "secondary small";
  return form;
}

/** A new, empty form in place of the page's one (re-entering a screen must not stack listeners). */
function fresh(id) {
  const form = h("form", { id, novalidate: true });
  $(`#${id}`).replaceWith(form);
  return form;
}

function appointmentItem(a, reload) {
  const when = shortDate(a.starts_at);
  const li = h("li", { class: "card appt", id: `appt-${a.id}` });
  li.append(h("h3", { text: `${typeName(a.appointment_type_id)} · ${when}` }));
  li.append(h("p", { class: "hint", text: `${words(a.status)} · ${words(a.modality)}` }));
  if (a.video_url && a.status === "scheduled") {
    li.append(h("p", {}, h("a", { href: a.video_url, target: "_blank", rel: "noopener noreferrer", text: "Video room" })));
  }
  if (a.status === "scheduled" || a.status === "confirmed") {
    li.append(
      button(`Cancel appointment on ${when}`, async () => {
        const out = await api(`/v1/appointments/${a.id}/cancel`, { method: "POST", body: { reason: "schedule_conflict" } });
        const fee = out.fee_amount ? ` Late cancellation: ${out.fee_amount} ${out.currency}.` : "";
        announce(`Appointment cancelled.${fee}`);
        await reload();
      }),
    );
  }
  return li;
}

async function appointmentList(list, reload) {
  const since = new Date(Date.now() - 86400000).toISOString();
  const rows = await api(`/v1/appointments?from=${encodeURIComponent(since)}`);
  clear(list);
  if (!rows.length) list.append(h("li", { class: "hint", text: "No upcoming appointments." }));
  for (const a of rows) list.append(appointmentItem(a, reload));
}

function feedSection(box) {
  clear(box);
  box.append(h("h2", { text: "Calendar link" }));
  box.append(
    h("p", {
      class: "hint",
      text: "Subscribe to your appointments in any calendar app. Anyone with the link sees their times, so keep it to yourself; stopping it makes the old link useless.",
    }),
  );
  const out = h("div", { id: `${box.id}-out` });
  const get = submitForm(h("form", { class: "inline-form" }), "Get a calendar link", async () => {
    const feed = await api("/v1/calendar/feed", { method: "POST" });
    clear(out).append(...field(`${box.id}-url`, "Your calendar link (shown only now)", h("input", { readonly: true, value: feed.url })));
  });
  const stop = submitForm(h("form", { class: "inline-form" }), "Stop calendar link", async (form) => {
    await api("/v1/calendar/feed", { method: "DELETE" });
    clear(out);
    showOk(form, "The calendar link no longer works.");
  });
  stop.querySelector("button").className = "secondary";
  box.append(get, stop, out);
}

// -- patient ------------------------------------------------------------------------------------

function slotButtons(box, slots, book) {
  clear(box);
  if (!slots.length) {
    box.append(h("p", { class: "hint", text: "No free times that week." }));
    return false;
  }
  const list = h("ul", { class: "plain-list slots" });
  for (const s of slots) {
    const label = `Book ${shortDate(s.starts_at)}`;
    list.append(h("li", {}, button(label, () => book(s))));
  }
  box.append(list);
  return true;
}

async function waitlistList(list, reload) {
  const rows = await api("/v1/waitlist");
  clear(list);
  for (const w of rows) {
    const li = h("li", { class: "card" });
    if (w.status === "offered" && w.offer_starts_at) {
      const when = shortDate(w.offer_starts_at);
      li.append(h("p", { text: `A time opened up: ${when} (offer ends ${shortDate(w.offer_expires_at)}).` }));
      li.append(
        button(`Take ${when}`, async () => {
          await api(`/v1/waitlist/${w.id}/accept`, { method: "POST" });
          announce("Appointment booked.");
          await reload();
        }),
      );
    } else {
      li.append(h("p", { text: `On the waitlist for ${typeName(w.appointment_type_id)} since ${shortDate(w.created_at)}.` }));
    }
    li.append(
      button("Leave the waitlist", async () => {
        await api(`/v1/waitlist/${w.id}`, { method: "DELETE" });
        await reload();
      }),
    );
    list.append(li);
  }
}

async function updatesList(list, reload) {
  const rows = (await api("/v1/notifications?unread=true&category=appointment&limit=20")).items;
  clear(list);
  for (const n of rows) {
    const li = h("li", { class: "card update" }, h("h3", { text: n.title }), h("p", { text: n.body || "" }));
    li.append(h("p", { class: "hint", text: shortDate(n.created_at) }));
    li.append(
      button(`Dismiss: ${n.title}`, async () => {
        await api(`/v1/notifications/${n.id}/read`, { method: "POST" });
        await reload();
      }),
    );
    list.append(li);
  }
}

export async function enterBook() {
  await loadTypes();
  const rels = (await api("/v1/care/relationships")).filter((r) => r.status === "active");
  const list = $("#book-list");
  const waiting = $("#book-waitlist");
  const reload = async () => {
    await updatesList($("#book-updates"), reload);
    await appointmentList(list, reload);
    await waitlistList(waiting, reload);
  };
  const form = fresh("book-form");
  const slotsBox = clear($("#book-slots"));
  if (!rels.length) {
    form.append(h("p", { class: "hint", text: "Find a clinician under Care team first; then book with them here." }));
  } else {
    const who = h("select", {}, rels.map((r) => h("option", { value: r.therapist_id, text: r.counterpart_name || "My clinician" })));
    const kind = h("select", {}, types.map((t) => h("option", { value: t.id, text: t.name })));
    const week = h("input", { type: "date", required: true, value: new Date().toISOString().slice(0, 10) });
    form.append(...field("book-clinician", "Clinician", who), ...field("book-type", "Appointment type", kind));
    form.append(...field("book-week", "Week starting", week));
    submitForm(form, "Show free times", async () => {
      const from = new Date(`${week.value}T00:00`);
      const to = new Date(from.getTime() + 7 * 86400000);
      const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), appointment_type_id: kind.value });
      const found = await api(`/v1/clinicians/${who.value}/slots?${q}`);
      const any = slotButtons(slotsBox, found.slots, async (s) => {
        await api("/v1/appointments", {
          method: "POST",
          body: { clinician_id: who.value, appointment_type_id: kind.value, starts_at: s.starts_at, timezone: browserZone() },
        });
        announce(`Booked for ${shortDate(s.starts_at)}.`);
        clear(slotsBox);
        await reload();
      });
      if (!any) {
        slotsBox.append(
          button("Join the waitlist", async () => {
            await api("/v1/waitlist", { method: "POST", body: { clinician_id: who.value, appointment_type_id: kind.value } });
            announce("You are on the waitlist; we will tell you when a time opens up.");
            await reload();
          }),
        );
      }
    });
  }
  feedSection($("#book-feed"));
  await reload();
}

// -- clinician ----------------------------------------------------------------------------------

async function windowsList(list, me, reload) {
  const rows = await api(`/v1/clinicians/${me}/availability`);
  clear(list);
  if (!rows.length) list.append(h("li", { class: "hint", text: "No weekly hours yet: patients cannot book you." }));
  for (const w of rows) {
    const text = `${DAYS[w.weekday - 1]} ${w.start_time.slice(0, 5)}–${w.end_time.slice(0, 5)} (${w.timezone})`;
    const li = h("li", { class: "window" }, h("span", { text }));
    li.append(
      button(`Remove ${DAYS[w.weekday - 1]} ${w.start_time.slice(0, 5)}`, async () => {
        await api(`/v1/clinicians/${me}/availability/${w.id}`, { method: "DELETE" });
        await reload();
      }),
    );
    list.append(li);
  }
  return rows;
}

export async function enterSchedule() {
  await loadTypes();
  const me = currentUser().id;
  const windows = $("#schedule-windows");
  const list = $("#schedule-list");
  const reload = async () => {
    await windowsList(windows, me, reload);
    await appointmentList(list, reload);
  };
  const add = fresh("schedule-add");
  const day = h("select", {}, DAYS.map((d, i) => h("option", { value: i + 1, text: d })));
  const start = h("input", { type: "time", required: true, value: "09:00" });
  const end = h("input", { type: "time", required: true, value: "12:00" });
  const zone = h("input", { required: true, value: browserZone(), autocomplete: "off" });
  add.append(...field("schedule-day", "Day", day), ...field("schedule-start", "From", start), ...field("schedule-end", "Until", end));
  add.append(...field("schedule-zone", "Time zone", zone));
  submitForm(add, "Add weekly hours", async (form) => {
    const body = { weekday: Number(day.value), start_time: start.value, end_time: end.value, timezone: zone.value.trim() };
    await api(`/v1/clinicians/${me}/availability`, { method: "POST", body });
    showOk(form, "Hours added.");
    await reload();
  });
  const off = fresh("schedule-off");
  const offFrom = h("input", { type: "datetime-local", required: true });
  const offTo = h("input", { type: "datetime-local", required: true });
  off.append(...field("schedule-off-from", "Time off from", offFrom), ...field("schedule-off-to", "Time off until", offTo));
  submitForm(off, "Add time off", async (form) => {
    const body = { kind: "time_off", starts_at: new Date(offFrom.value).toISOString(), ends_at: new Date(offTo.value).toISOString() };
    await api(`/v1/clinicians/${me}/exceptions`, { method: "POST", body });
    showOk(form, "Time off saved; no one can book those hours.");
  });
  feedSection($("#schedule-feed"));
  await reload();
}
