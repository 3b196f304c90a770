// The provisiond dashboard (docs/dashboard.md). Plain ES2020 modules, no framework, no
// build step: this entry logs in and out and refreshes the panels of panels.js.
//
// Two rules hold in every module, because account names, usernames and error texts come
// from billing systems and from devices, not from us:
// - data reaches the page only through textContent / text nodes, never as markup (view.js);
// - the bearer token lives in one module variable only (api.js): no cookie, no Web Storage.
"use strict";

import { forgetToken, NotAvailable, Unauthorized, useToken } from "./api.js";
import { PANELS } from "./panels.js";
import { afterActions, byId, setNotice, setStatus } from "./view.js";

const REFRESH_MS = 5000;

let timer = null;
// Bumped at every login and logout: an answer that arrives for an older round is dropped,
// so nothing fetched with a forgotten token is shown after it.
let round = 0;
const shown = new Map(); // panel id -> JSON of what it shows; an unchanged panel is left alone

// ---- refreshing -----------------------------------------------------------------------

async function fetchPanel(panel) {
  try {
    return { value: await panel.fetch() };
  } catch (error) {
    if (error instanceof Unauthorized) {
      throw error;
    }
    if (error instanceof NotAvailable) {
      return { note: "not available" };
    }
    return { note: `error: ${error.message}` };
  }
}

function show(id, view) {
  const section = byId(id);
  section.querySelector(".note").textContent = view.note ?? "";
  const content = section.querySelector(".content");
  content.replaceChildren(...(view.node ? [view.node] : []));
}

async function refreshPanel(panel, started) {
  const result = await fetchPanel(panel);
  if (started !== round) {
    return;
  }
  const key = JSON.stringify(result);
  if (shown.get(panel.id) === key) {
    return;
  }
  shown.set(panel.id, key);
  show(panel.id, "value" in result ? panel.render(result.value) : result);
}

async function refresh() {
  const started = round;
  const results = await Promise.allSettled(PANELS.map((panel) => refreshPanel(panel, started)));
  if (started !== round) {
    return;
  }
  const rejected = results.find((result) => result.status === "rejected");
  if (rejected === undefined) {
    setStatus(`updated ${new Date().toLocaleTimeString()}`);
    return;
  }
  failed(rejected.reason);
}

function failed(error) {
  if (error instanceof Unauthorized) {
    logout("The token was refused. Enter a valid token.");
    return;
  }
  setStatus(`refresh failed: ${error.message}`);
}

function loop(started) {
  timer = setTimeout(async () => {
    await refresh();
    if (started === round) {
      loop(started);
    }
  }, REFRESH_MS);
}

function forget() {
  forgetToken();
  round += 1;
  clearTimeout(timer);
  timer = null;
  shown.clear();
  for (const panel of PANELS) {
    panel.reset?.();
  }
}

// ---- logging in and out ---------------------------------------------------------------

function showLogin(visible) {
  byId("login").hidden = !visible;
  byId("panels").hidden = visible;
  byId("logout").hidden = visible;
}

function logout(message) {
  forget();
  for (const panel of PANELS) {
    show(panel.id, {}); // nothing read with the old token stays on screen
  }
  setStatus("");
  setNotice("");
  showLogin(true);
  byId("login-error").textContent = message;
  byId("token").focus();
}

async function login(event) {
  event.preventDefault();
  const input = byId("token");
  const entered = input.value.trim();
  input.value = "";
  if (entered === "") {
    return;
  }
  forget();
  useToken(entered);
  byId("login-error").textContent = "";
  showLogin(false);
  setStatus("loading…");
  const started = round;
  await refresh();
  if (started === round) {
    loop(started);
  }
}

// After an action the panels show its effect at once; a token refused meanwhile logs out.
async function settle(error) {
  if (error === null) {
    await refresh();
    return;
  }
  failed(error);
}

function start() {
  afterActions(settle);
  byId("login").addEventListener("submit", login);
  byId("logout").addEventListener("click", () => logout(""));
  byId("token").focus();
}

start();
