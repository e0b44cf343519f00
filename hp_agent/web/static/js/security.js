// Sign-in security (docs/sign-in.md): the second step of sign-in, the Security screen (two-step
// sign-in with an authenticator app, recovery codes shown once, turning it off, email
// verification), "forgot password", and the pages emailed links open (#verify-email=…,
// #reset-password=…). Secrets and codes are only ever put in the page as text, never logged.
import { api, currentUser, markEnrolled, signInSecondStep } from "./api.js";
import { $, announce, busy, clear, h, shortDate, showOk } from "./dom.js";

let pendingChallenge = null;
let onReady = () => {};

/** Show the code step of sign-in for a challenge from /v1/auth/login. */
export function askSecondFactor(challenge) {
  pendingChallenge = challenge;
  $("#signin-form").hidden = true;
  const form = $("#mfa-form");
  form.hidden = false;
  $("#mfa-code").focus();
}

function backToPassword() {
  pendingChallenge = null;
  $("#mfa-form").reset();
  $("#mfa-form").hidden = true;
  $("#signin-form").hidden = false;
}

function initSecondStep(signedIn) {
  const form = $("#mfa-form");
  const useRecovery = $("#mfa-use-recovery");
  useRecovery.addEventListener("click", () => {
    const recovery = $("#mfa-recovery-row").hidden;
    $("#mfa-recovery-row").hidden = !recovery;
    $("#mfa-code-row").hidden = recovery;
    useRecovery.textContent = recovery ? "Use a code from the app instead" : "Use a recovery code instead";
    (recovery ? $("#mfa-recovery") : $("#mfa-code")).focus();
  });
  $("#mfa-back").addEventListener("click", backToPassword);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const recovery = !$("#mfa-recovery-row").hidden;
      const answer = recovery
        ? { recovery_code: $("#mfa-recovery").value.trim() }
        : { code: $("#mfa-code").value.replace(/\s/g, "") };
      try {
        const user = await signInSecondStep(pendingChallenge, answer);
        form.reset();
        form.hidden = true;
        $("#signin-form").hidden = false;
        pendingChallenge = null;
        signedIn(user);
      } catch (error) {
        if (error.code === "mfa_challenge_invalid") backToPassword();
        throw error;
      }
    });
  });
}

function initForgot() {
  const form = $("#forgot-form");
  $("#forgot-open").addEventListener("click", () => {
    form.hidden = !form.hidden;
    if (!form.hidden) $("#forgot-email").focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const body = await api("/v1/auth/password-reset", {
        method: "POST",
        body: { email: $("#forgot-email").value.trim() },
        auth: false,
      });
      showOk(form, body.detail);
      announce(body.detail);
    });
  });
}

function initReset() {
  const form = $("#reset-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const password = $("#reset-password").value;
      if (password !== $("#reset-password-again").value) throw new Error("The two passwords are not the same.");
      await api("/v1/auth/password-reset/confirm", {
        method: "POST",
        body: { token: form.dataset.token, password },
        auth: false,
      });
      form.reset();
      form.hidden = true;
      notice("Your password is changed and every device was signed out. Sign in with the new password.");
    });
  });
}

function notice(text) {
  const box = $("#auth-notice");
  box.textContent = text;
  box.hidden = false;
  announce(text);
}

/** Handle a link opened from an email; returns true when it showed something. */
export async function openEmailedLink(show) {
  const match = /^#(verify-email|reset-password)=([A-Za-z0-9_.-]+)$/.exec(location.hash);
  if (!match) return false;
  // The token leaves the address bar (and this tab's history) at once.
  history.replaceState(null, "", location.pathname + location.search);
  const [, kind, token] = match;
  if (kind === "reset-password") {
    const form = $("#reset-form");
    form.dataset.token = token;
    form.hidden = false;
    show("auth", false);
    $("#reset-password").focus();
    return true;
  }
  show("auth", false);
  try {
    const body = await api("/v1/auth/verify-email", { method: "POST", body: { token }, auth: false });
    notice(`Thank you: ${body.email} is confirmed.`);
  } catch (error) {
    notice(error.message);
  }
  return true;
}

function codesList(codes) {
  return h("ol", { id: "recovery-codes", class: "recovery-codes" }, codes.map((c) => h("li", {}, h("code", { text: c }))));
}

async function renderStatus() {
  const box = clear($("#security-mfa"));
  const [status, me] = await Promise.all([api("/v1/auth/mfa"), currentUser().restricted ? null : api("/v1/me")]);
  $("#security-required").hidden = !currentUser().restricted;
  if (status.enabled) {
    box.append(
      h("p", { id: "security-mfa-state", text: `Two-step sign-in is on (since ${shortDate(status.confirmed_at)}).` }),
      h("p", { class: "hint", text: `${status.recovery_codes_left} unused recovery codes left.` }),
      disableForm(),
    );
  } else {
    box.append(
      h("p", {
        id: "security-mfa-state",
        text: status.required
          ? "Two-step sign-in is required for your role and is not set up yet."
          : "Two-step sign-in is off. Turn it on so a password alone cannot open your account.",
      }),
      enrolStart(),
    );
  }
  const email = clear($("#security-email"));
  if (me) {
    email.append(
      h("p", { text: `${me.email} — ${me.email_verified ? "confirmed" : "not confirmed yet"}` }),
      me.email_verified ? null : resendButton(),
    );
  }
}

function resendButton() {
  const form = h("form", { novalidate: true }, h("p", { class: "form-ok", role: "status" }), h("p", { class: "form-error", role: "alert" }), h("button", { type: "submit", class: "secondary", text: "Send the confirmation link again" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => showOk(form, (await api("/v1/auth/verify-email/resend", { method: "POST" })).detail));
  });
  return form;
}

function enrolStart() {
  const button = h("button", { type: "button", id: "mfa-start", text: "Set up two-step sign-in" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const setup = await api("/v1/auth/mfa/totp", { method: "POST" });
      button.replaceWith(enrolForm(setup));
      $("#mfa-enrol-code").focus();
    } catch (error) {
      button.disabled = false;
      $("#view-security > .form-error").textContent = error.message;
    }
  });
  return button;
}

function enrolForm(setup) {
  const form = h(
    "form",
    { id: "mfa-enrol-form", novalidate: true },
    h("p", { text: "In your authenticator app, add an account with this key (or open the link below on your phone):" }),
    h("p", {}, h("code", { id: "mfa-secret", class: "secret", text: setup.secret })),
    h("details", {}, h("summary", { text: "Setup link (otpauth)" }), h("p", {}, h("code", { id: "mfa-uri", class: "secret", text: setup.otpauth_uri }))),
    h("label", { for: "mfa-enrol-code", text: "The 6-digit code the app shows" }),
    h("input", { id: "mfa-enrol-code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "10", required: true }),
    h("p", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", text: "Turn on" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const body = await api("/v1/auth/mfa/totp/confirm", {
        method: "POST",
        body: { code: $("#mfa-enrol-code").value.replace(/\s/g, "") },
      });
      form.replaceWith(recoveryPanel(body.recovery_codes));
      announce("Two-step sign-in is on. Save your recovery codes now.");
    });
  });
  return form;
}

function recoveryPanel(codes) {
  const done = h("button", { type: "button", id: "recovery-saved", text: "I have saved these codes" });
  const panel = h(
    "div",
    { id: "recovery-panel" },
    h("p", { id: "security-mfa-state", text: "Two-step sign-in is on." }),
    h("p", { text: "Recovery codes: each signs you in once if you lose your phone. They are shown only now — print them or keep them in a password manager." }),
    codesList(codes),
    done,
  );
  done.addEventListener("click", () => {
    const wasRestricted = currentUser().restricted;
    markEnrolled();
    panel.remove();
    if (wasRestricted) onReady(currentUser());
    else renderStatus();
  });
  return panel;
}

function disableForm() {
  const form = h(
    "form",
    { id: "mfa-disable-form", novalidate: true },
    h("h3", { text: "Turn two-step sign-in off" }),
    h("label", { for: "mfa-disable-password", text: "Your password" }),
    h("input", { id: "mfa-disable-password", type: "password", autocomplete: "current-password", required: true }),
    h("label", { for: "mfa-disable-code", text: "A code from the app, or a recovery code" }),
    h("input", { id: "mfa-disable-code", autocomplete: "one-time-code", maxlength: "40", required: true }),
    h("p", { class: "form-error", role: "alert" }),
    h("button", { type: "submit", class: "secondary", text: "Turn off" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      const value = $("#mfa-disable-code").value.trim();
      const factor = /^\d{6}$/.test(value.replace(/\s/g, "")) ? { code: value.replace(/\s/g, "") } : { recovery_code: value };
      await api("/v1/auth/mfa/disable", { method: "POST", body: { password: $("#mfa-disable-password").value, ...factor } });
      announce("Two-step sign-in is off.");
      if (currentUser().role !== "patient") location.reload(); // clinicians must set it up again
      else await renderStatus();
    });
  });
  return form;
}

export async function enterSecurity() {
  $("#view-security > .form-error").textContent = "";
  await renderStatus();
}

export function initSecurity(signedIn) {
  onReady = signedIn;
  initSecondStep(signedIn);
  initForgot();
  initReset();
}
