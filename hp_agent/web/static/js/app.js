// Entry point: sign-in and sign-up, the navigation between screens, and session restore.
import { currentUser, on, refresh, signIn, signOut, signUp } from "./api.js";
import { enterAccounts } from "./accounts.js";
import { enterService } from "./admin.js";
import { enterAnalytics, initAnalytics } from "./analytics.js";
import { enterAssess, initAssess } from "./assess.js";
import { enterCaseload, initCaseload } from "./caseload.js";
import { enterAdmin, enterCare, enterClinic, initCare } from "./care.js";
import { enterChat, initChat, stopChat } from "./chat.js";
import { enterClaims } from "./claims.js";
import { helpNow, hideCrisis } from "./crisis.js";
import { $, $$, busy } from "./dom.js";
import { enterHomework } from "./homework.js";
import { enterInbox, initInbox, refreshBadge } from "./inbox.js";
import { enterMeds } from "./meds.js";
import { initMood, loadChart } from "./mood.js";
import { enterPlan, initPlan } from "./plan.js";
import { enterPrivacy } from "./privacy.js";
import { enterBilling } from "./billing.js";
import { enterRoster } from "./roster.js";
import { askSecondFactor, enterSecurity, initSecurity, openEmailedLink } from "./security.js";
import { enterBook, enterSchedule } from "./schedule.js";
import { enterSystem } from "./system.js";
import { enterConsole, initConsole, stopConsole } from "./therapist.js";
import { enterThought } from "./thought.js";

const ENTER = {
  chat: enterChat,
  mood: loadChart,
  thought: enterThought,
  assess: enterAssess,
  plan: enterPlan,
  console: enterConsole,
  care: enterCare,
  clinic: enterClinic,
  admin: enterAdmin,
  book: enterBook,
  schedule: enterSchedule,
  caseload: enterCaseload,
  homework: enterHomework,
  meds: enterMeds,
  inbox: enterInbox,
  privacy: enterPrivacy,
  billing: enterBilling,
  analytics: enterAnalytics,
  security: enterSecurity,
  claims: enterClaims,
  service: enterService,
  accounts: enterAccounts,
  roster: enterRoster,
  system: enterSystem,
};

function show(view, focus = true) {
  for (const section of $$(".view")) section.hidden = section.id !== `view-${view}`;
  for (const button of $$("#nav button[data-view]")) {
    if (button.dataset.view === view) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  const heading = $(`#view-${view} h1`);
  // Moving focus tells screen-reader users the screen changed; not on first load, where the
  // skip link must stay the first stop of the keyboard.
  if (heading && focus) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
  const enter = ENTER[view];
  if (enter) {
    Promise.resolve(enter()).catch((error) => {
      const box = $(`#view-${view} .form-error`);
      if (box) box.textContent = error.message;
    });
  }
}

function signedIn(user, focus = true) {
  const nav = $("#nav");
  nav.hidden = false;
  for (const item of $$("li[data-role]", nav)) item.hidden = item.dataset.role !== user.role;
  if (user.restricted) {
    // A clinician or admin without a second factor: only the Security screen until it is set up.
    for (const item of $$("li[data-role]", nav)) item.hidden = true;
    show("security", focus);
    return;
  }
  if (user.role === "patient") refreshBadge();
  show({ therapist: "console", admin: "admin" }[user.role] || "chat", focus);
}

function signedOut() {
  stopChat();
  stopConsole();
  // Start from a clean page so nothing of this person's (answers, records, queue) stays in memory
  // or in the DOM for whoever signs in next on this device.
  location.reload();
}

function initAuth() {
  const signin = $("#signin-form");
  signin.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(signin, async () => {
      const user = await signIn($("#signin-email").value.trim(), $("#signin-password").value);
      signin.reset();
      if (user.challenge) askSecondFactor(user.challenge);
      else signedIn(user);
    });
  });
  const signup = $("#signup-form");
  signup.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(signup, async () => {
      if (!$("#signup-terms").checked || !$("#signup-privacy").checked) {
        throw new Error("Please accept the terms of service and the privacy policy.");
      }
      const body = {
        email: $("#signup-email").value.trim(),
        password: $("#signup-password").value,
        consents: ["terms", "privacy"],
        country_code: $("#signup-country").value,
        locale: navigator.language && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(navigator.language) ? navigator.language : "en",
      };
      const name = $("#signup-name").value.trim();
      if (name) body.display_name = name;
      const user = await signUp(body);
      signup.reset();
      signedIn(user);
    });
  });
}

async function boot() {
  initAuth();
  initChat();
  initMood();
  initAssess();
  initPlan();
  initConsole();
  initCare((user) => signedIn(user));
  initCaseload();
  initInbox();
  initAnalytics();
  initSecurity((user) => signedIn(user));
  for (const button of $$("#nav button[data-view]")) button.addEventListener("click", () => show(button.dataset.view));
  $("#sign-out").addEventListener("click", () => signOut());
  $("#help-now").addEventListener("click", () => helpNow());
  $("#crisis-close").addEventListener("click", () => {
    hideCrisis();
    $("#main").focus();
  });
  on("signedout", signedOut);
  // A link from an email (verify the address, reset the password) comes first, also when it is
  // pasted into a tab that is already open.
  window.addEventListener("hashchange", () => openEmailedLink(show));
  if (await openEmailedLink(show)) return;
  // A reload in the same tab: the refresh token in sessionStorage signs the person back in.
  if (await refresh()) signedIn(currentUser(), false);
  else show("auth", false);
}

boot();
