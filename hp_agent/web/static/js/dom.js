// Tiny DOM helpers. Text is always set with textContent (never parsed as HTML), so nothing a person
// or the server wrote can become markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") el.textContent = value;
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) if (child) el.append(child);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Read out a short message to screen-reader users (the region is aria-live="assertive"). */
export function announce(text) {
  const region = $("#announcer");
  region.textContent = "";
  // A fresh text node after a tick makes repeated identical messages announce again.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

export function showError(form, error) {
  const box = $(".form-error", form);
  if (box) box.textContent = error ? error.message || String(error) : "";
}

export function showOk(form, text) {
  const box = $(".form-ok", form);
  if (box) box.textContent = text || "";
}

/** Disable a form's submit button while ``work`` runs, then show its error (if any) in the form. */
export async function busy(form, work) {
  const button = $("button[type=submit]", form);
  if (button) button.disabled = true;
  showError(form, null);
  try {
    return await work();
  } catch (error) {
    showError(form, error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** A data table: caption, column headers and an empty body (``bodyId`` names it, to fill it later). */
export function dataTable(caption, headers, bodyId) {
  return h("div", { class: "table-wrap" },
    h("table", { class: "analytics-table" },
      h("caption", { text: caption }),
      h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col", text })))),
      h("tbody", { id: bodyId })));
}

/** Runs ``work`` for a control outside a form: the control is disabled meanwhile, and an error's
 * message goes to ``box`` (the panel's alert), which is cleared first. */
export async function act(box, control, work) {
  box.textContent = "";
  control.disabled = true;
  try {
    await work();
  } catch (error) {
    box.textContent = error.message;
  } finally {
    control.disabled = false;
  }
}

export function shortDate(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
