// Drives Debian's Chromium through the dashboard with playwright-core, and prints a JSON
// report on stdout for the pytest wrapper (test_dashboard_browser.py) to judge.
//
//   node dashboard.mjs <scenario> <url> <token> <chromium> <artifacts dir>
//
// Scenarios: "approve" (log in, see the held device and approve it, disconnect a session,
// release the held Disconnect) and "xss" (hostile names show as text, nothing runs).
// Waiting is done here; the assertions are in Python.
"use strict";

import { chromium } from "playwright-core";

const TIMEOUT_MS = 10000;
const WRONG_TOKEN = "not-a-token";
const HELD = "edge-1";
const SUBSCRIBER = "alice@example.net"; // world.py: a live session with a Disconnect button
// The flags that work on this machine kind: no sandbox as root, no GPU, and nothing that
// reaches for Google's hosts from a closed network. Playwright adds --headless and a fresh
// --user-data-dir itself.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function watch(page, report) {
  page.on("dialog", async (dialog) => {
    report.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  page.on("pageerror", (error) => report.pageErrors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error" && /Content.Security.Policy/i.test(message.text())) {
      report.violations.push(message.text());
    }
  });
  page.on("request", (request) => {
    if (!request.url().startsWith(report.url)) {
      report.foreignRequests.push(request.url());
    }
  });
}

async function violations(page) {
  return page.evaluate(() => window.__cspViolations ?? []);
}

async function logIn(page, token) {
  await page.locator("#token").fill(token);
  await page.locator("#login button[type=submit]").click();
}

function deviceRow(page, name) {
  return page.locator("#devices tbody tr").filter({ hasText: name });
}

async function wrongTokenFirst(page, report) {
  await logIn(page, WRONG_TOKEN);
  const error = page.locator("#login-error");
  await error.filter({ hasText: "refused" }).waitFor({ timeout: TIMEOUT_MS });
  report.wrongToken = {
    message: await error.textContent(),
    loginVisible: await page.locator("#login").isVisible(),
    panelsVisible: await page.locator("#panels").isVisible(),
  };
}

async function storage(page, context) {
  const inPage = await page.evaluate(() => ({
    cookie: document.cookie,
    localStorage: window.localStorage.length,
    sessionStorage: window.sessionStorage.length,
  }));
  return { ...inPage, cookies: (await context.cookies()).length };
}

async function notes(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll("#panels section")].map((section) => [
        section.id,
        section.querySelector(".note").textContent,
      ]),
    ),
  );
}

async function noticeSaying(page, text) {
  const notice = page.locator("#notice").filter({ hasText: text });
  await notice.waitFor({ timeout: TIMEOUT_MS });
  return notice.textContent();
}

// A destructive button asks again in its own label: two clicks, the second on the question.
async function clickTwice(scope, label, question) {
  await scope.getByRole("button", { name: label, exact: true }).click();
  await scope.getByRole("button", { name: question, exact: true }).click();
}

async function approveDevice(page, context, report, artifacts) {
  const row = deviceRow(page, HELD);
  const button = row.getByRole("button", { name: "Approve" });
  await button.waitFor({ timeout: TIMEOUT_MS });
  report.heldRow = await row.innerText();
  report.storage = await storage(page, context);
  await page.screenshot({ path: `${artifacts}/dashboard-held.png`, fullPage: true });
  await button.click();
  await row.locator(".state-in_sync").waitFor({ timeout: TIMEOUT_MS });
  report.approvedRow = await row.innerText();
  report.notice = await page.locator("#notice").textContent();
  // The approval refreshed the page: a second /metrics sample, so rates are deltas now.
  await page.locator("#rates td").filter({ hasText: "/s" }).first().waitFor({ timeout: TIMEOUT_MS });
  report.rates = await page.locator("#rates tbody tr").allInnerTexts();
  report.events = await page.locator("#events tbody tr").count();
  report.notes = await notes(page);
}

async function disconnectSession(page, report) {
  const row = page.locator("#sessions tbody tr").filter({ hasText: SUBSCRIBER });
  await row.waitFor({ timeout: TIMEOUT_MS });
  report.sessionRow = await row.innerText();
  await clickTwice(row, "Disconnect", "Confirm disconnect");
  report.disconnectNotice = await noticeSaying(page, "Disconnect of");
  report.disconnectDisabled = await row.getByRole("button").isDisabled();
}

async function releaseHeld(page, report) {
  const panel = page.locator("#coa-held");
  const row = panel.locator("tbody tr").first();
  await row.waitFor({ timeout: TIMEOUT_MS });
  report.heldDisconnect = await row.innerText();
  await clickTwice(panel, "Approve held disconnects", "Confirm: send them all");
  report.releaseNotice = await noticeSaying(page, "released");
  await panel.locator(".note").filter({ hasText: /^none$/ }).waitFor({ timeout: TIMEOUT_MS });
  report.heldAfter = await panel.locator("tbody tr").count();
}

async function approve(page, context, report, artifacts) {
  await wrongTokenFirst(page, report);
  await logIn(page, report.token);
  await approveDevice(page, context, report, artifacts);
  await disconnectSession(page, report);
  await releaseHeld(page, report);
  await page.screenshot({ path: `${artifacts}/dashboard-approved.png`, fullPage: true });
}

async function xss(page, context, report, artifacts) {
  await logIn(page, report.token);
  const hostile = page.locator("#events td").filter({ hasText: "onerror" });
  await hostile.first().waitFor({ timeout: TIMEOUT_MS });
  await deviceRow(page, "edge-2").waitFor({ timeout: TIMEOUT_MS });
  report.accountCells = await hostile.allTextContents();
  const hostileSession = page.locator("#sessions td").filter({ hasText: "onerror" });
  await hostileSession.first().waitFor({ timeout: TIMEOUT_MS });
  report.sessionCells = await hostileSession.allTextContents();
  const hostileHeld = page.locator("#coa-held td").filter({ hasText: "onerror" });
  await hostileHeld.first().waitFor({ timeout: TIMEOUT_MS });
  report.heldCells = await hostileHeld.allTextContents();
  report.deviceError = await deviceRow(page, "edge-2").innerText();
  report.images = await page.locator("img").count();
  report.svgs = await page.locator("svg").count();
  // A tick of the refresh timer, so anything that would run later has had its chance.
  await page.waitForTimeout(500);
  report.storage = await storage(page, context);
  await page.screenshot({ path: `${artifacts}/dashboard-xss.png`, fullPage: true });
}

const SCENARIOS = { approve, xss };

async function run(browser, scenario, report, artifacts) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__cspViolations.push(`${event.violatedDirective}: ${event.blockedURI}`);
    });
  });
  watch(page, report);
  const loaded = await page.goto(report.url);
  report.pageStatus = loaded.status();
  await page.locator("#token").waitFor({ timeout: TIMEOUT_MS });
  report.panelsHiddenBeforeLogin = await page.locator("#panels").isHidden();
  await SCENARIOS[scenario](page, context, report, artifacts);
  report.violations.push(...(await violations(page)));
  await context.close();
}

async function main() {
  const [scenario, url, token, executablePath, artifacts] = process.argv.slice(2);
  if (!(scenario in SCENARIOS)) {
    throw new Error(`unknown scenario ${scenario}`);
  }
  const report = {
    url,
    token,
    dialogs: [],
    pageErrors: [],
    violations: [],
    foreignRequests: [],
  };
  const browser = await chromium.launch({ executablePath, args: FLAGS, timeout: 30000 });
  try {
    await run(browser, scenario, report, artifacts);
  } finally {
    await browser.close();
  }
  delete report.token;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
