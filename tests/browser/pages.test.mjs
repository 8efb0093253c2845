// Browser tests of the web pages: a real kynnys server (SQLite, demo data) and Debian's
// Chromium through playwright-core. Every page type is audited with axe-core; screenshots of the
// front page at phone and desktop width are kept in tests/artefacts/ (not committed).
//
//   KYNNYS_BIN=target/debug/kynnys CHROMIUM=/usr/bin/chromium node --test tests/browser/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const bin = resolve(root, process.env.KYNNYS_BIN ?? "target/debug/kynnys");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const artefacts = join(root, "tests/artefacts");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let work, server, base, browser;
const accounts = {};
const audited = new Set();

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
    s.on("error", fail);
  });
}

function env() {
  return {
    ...process.env,
    KYNNYS_DATABASE_URL: `sqlite://${join(work, "kynnys.db")}`,
    KYNNYS_DATA_DIR: join(work, "data"),
    KYNNYS_INDEX_DIR: join(work, "index"),
    KYNNYS_LISTEN: base.replace("http://", ""),
    KYNNYS_PUBLIC_URL: base,
    KYNNYS_LOG: "error",
  };
}

function cli(...args) {
  return execFileSync(bin, args, { env: env(), encoding: "utf8" }).trim().split("\n").pop();
}

async function api(method, path, token, body) {
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), "kynnys-browser-"));
  mkdirSync(artefacts, { recursive: true });
  base = `http://127.0.0.1:${await freePort()}`;
  for (const [name, role] of [["editor", "user"], ["moderator", "moderator"], ["founder", "user"]]) {
    const email = `${name}@example.org`;
    accounts[name] = { email, password: cli("admin", "create", "--email", email, "--role", role) };
    accounts[name].token = cli("token", "create", "--email", email, "--name", "browser tests");
  }
  server = spawn(bin, ["serve", "--demo"], { env: env(), stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("the server did not start in 60 s")), 60000);
    server.stdout.on("data", (chunk) => {
      if (String(chunk).includes("listening on")) { clearTimeout(timer); ok(); }
    });
    server.on("exit", (code) => fail(new Error(`the server exited with ${code}`)));
  });
  const org = await api("POST", "/api/v1/organisations", accounts.editor.token, {
    name: { fi: "Selainyhdistys ry", sv: "Webbläsarföreningen rf" },
    type: "association", municipality: "091",
  });
  await api("POST", `/api/v1/organisations/${org.id}/approve`, accounts.moderator.token, {});
  accounts.editor.organisation = org.id;
  browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (work) { rmSync(work, { recursive: true, force: true }); }
});

/** Runs axe-core on the page and fails on serious or critical violations. */
async function audit(page, name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }));
  const bad = result.violations.filter((v) => ["serious", "critical"].includes(v.impact));
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`),
    [],
    `accessibility violations on ${name}`,
  );
  audited.add(name);
}

async function newPage(options = {}) {
  const context = await browser.newContext({ locale: "fi-FI", ...options });
  return context.newPage();
}

async function login(page, lang, who) {
  await page.goto(`${base}/${lang}/login`);
  await audit(page, "login");
  await page.fill("#email", accounts[who].email);
  await page.fill("#password", accounts[who].password);
  await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
}

test("the front page follows Accept-Language and every page has the language switch", async () => {
  const page = await newPage({ locale: "sv-FI" });
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/sv\/$/);
  assert.equal(await page.getAttribute("html", "lang"), "sv");
  await page.click("nav.languages a[lang=en]");
  assert.match(page.url(), /\/en\/$/);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.context().close();
});

test("search with filters, and the back button returns to the previous search (fi)", async () => {
  const page = await newPage();
  await page.goto(`${base}/fi/`);
  await page.fill("#q", "kielikahvila");
  await Promise.all([page.waitForNavigation(), page.press("#q", "Enter")]);
  assert.match(page.url(), /q=kielikahvila/);
  const heading = await page.textContent("#results-heading");
  const total = Number(heading.match(/\d+/)[0]);
  assert.ok(total > 1, `kielikahvila finds several listings, got "${heading}"`);
  assert.ok(await page.locator(".card").count() > 0);
  await audit(page, "search");

  // A region filter with its count narrows the results to that count.
  const region = page.locator("input[name=region]").first();
  const label = await page.textContent(`label[for="${await region.getAttribute("id")}"]`);
  const expected = Number(label.match(/\((\d+)\)/)[1]);
  await region.check();
  await page.waitForURL(/region=/);
  await page.waitForFunction((n) => document.querySelector("#results-heading")?.textContent.includes(String(n)), expected);
  assert.ok(await page.locator(".chips a").count() >= 1, "the chosen filter shows as a removable chip");

  await page.goBack();
  await page.waitForURL((url) => !url.search.includes("region="));
  assert.match(page.url(), /q=kielikahvila/);
  await page.waitForFunction((n) => document.querySelector("#results-heading")?.textContent.includes(String(n)), total);
  await page.context().close();
});

test("the search works without JavaScript and keeps the whole search in the URL (sv)", async () => {
  const page = await newPage({ javaScriptEnabled: false, locale: "sv-FI" });
  await page.goto(`${base}/sv/?q=l%C3%A4xhj%C3%A4lp`);
  assert.ok(await page.locator(".card").count() > 0, "läxhjälp finds homework clubs");
  await page.check("input[name=free]");
  await Promise.all([page.waitForNavigation(), page.click("button.apply")]);
  assert.match(page.url(), /free=true/);
  assert.match(page.url(), /q=l%C3%A4xhj%C3%A4lp|q=läxhjälp/);
  await page.context().close();
});

test("keyboard: the skip link comes first, is visible on focus and moves to the content", async () => {
  const page = await newPage();
  await page.goto(`${base}/fi/`);
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => ({
    cls: document.activeElement.className,
    top: document.activeElement.getBoundingClientRect().top,
    outline: getComputedStyle(document.activeElement).outlineStyle,
  }));
  assert.equal(focused.cls, "skip-link");
  assert.ok(focused.top >= 0, "the focused skip link is on screen");
  assert.notEqual(focused.outline, "none", "focus is visible");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "main");
  // Every form control on the front page has a label.
  const unlabelled = await page.evaluate(() =>
    Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")).length);
  assert.equal(unlabelled, 0);
  await page.context().close();
});

test("listing page: what a client needs, a calendar file and schema.org data (en)", async () => {
  const page = await newPage({ locale: "en-GB" });
  await page.goto(`${base}/en/?q=language+caf%C3%A9`);
  await Promise.all([page.waitForNavigation(), page.click(".card h3 a")]);
  assert.match(page.url(), /\/en\/listings\//);
  await page.waitForSelector("h1#listing-title");
  const data = JSON.parse(await page.textContent("script[type='application/ld+json']"));
  assert.equal(data["@context"], "https://schema.org");
  assert.ok(["Event", "EventSeries"].includes(data["@type"]));
  assert.equal(data.organizer["@type"], "Organization");
  const ics = await page.locator("a[href$='calendar.ics']");
  if (await ics.count()) {
    const r = await fetch(base + (await ics.getAttribute("href")));
    assert.match(r.headers.get("content-type"), /text\/calendar/);
    assert.match(await r.text(), /BEGIN:VEVENT/);
  }
  await audit(page, "listing");
  await page.context().close();
});

test("shortlist to a printable handout in the client's language, with a QR code and a short link", async () => {
  const page = await newPage({ locale: "sv-FI" });
  await page.goto(`${base}/sv/?q=l%C3%A4xhj%C3%A4lp`);
  const titles = [];
  for (let i = 0; i < 2; i++) {
    const card = page.locator(".card").filter({ has: page.locator("input[name=add]") }).first();
    titles.push((await card.locator("h3 a").textContent()).trim());
    await Promise.all([page.waitForNavigation(), card.locator("form.shortlist-form button").click()]);
  }
  assert.match(await page.textContent("header .count"), /\(2\)/);
  await page.goto(`${base}/sv/shortlist`);
  assert.equal(await page.locator(".card").count(), 2);
  await audit(page, "shortlist");
  await page.check("#client-en");
  await Promise.all([page.waitForNavigation(), page.click(".handout-form button")]);
  assert.match(page.url(), /\/en\/h\/[a-z0-9]+$/);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal(await page.locator(".handout-items li").count(), 2);
  assert.ok(await page.locator(".qr svg").count() === 1, "the handout has a QR code");
  const shortLink = await page.getAttribute(".short-link a", "href");
  assert.match(shortLink, /\/h\/[a-z0-9]+$/);
  await audit(page, "handout");
  await page.screenshot({ path: join(artefacts, "handout.png"), fullPage: true });
  const again = await newPage();
  await again.goto(shortLink);
  assert.equal(again.url(), page.url(), "the short link opens the same handout");
  await again.context().close();
  await page.context().close();
});

test("an organisation creates and submits a listing, a moderator approves it, and search finds it", async () => {
  const title = `Testikahvila ${Date.now()}`;
  const editor = await newPage();
  await login(editor, "fi", "editor");
  assert.match(editor.url(), /\/fi\/organisation$/);
  await audit(editor, "organisation");
  await Promise.all([editor.waitForNavigation(), editor.click(`a[href*="listings/new?organisation=${accounts.editor.organisation}"]`)]);

  // An empty form is refused with the problems named.
  await Promise.all([editor.waitForNavigation(), editor.click("button[name=save]")]);
  assert.ok(await editor.locator(".error-summary li").count() >= 2, "missing fields are listed");
  await audit(editor, "editor");

  await editor.fill("#f-title_fi", title);
  await editor.fill("#f-description_fi", "Rento keskustelukahvila suomen harjoitteluun.");
  await editor.click("#tab-sv-tab").catch(() => {});
  await editor.fill("#f-title_sv", `${title} på svenska`);
  await editor.click("#tab-fi-tab").catch(() => {});
  await editor.check("#theme-language_learning");
  await editor.check("#tg-everyone");
  await editor.check("#lo-fi");
  await editor.selectOption("#f-municipalities", ["091"]);
  await editor.check("#wd-TU");
  await editor.fill("#f-start_time", "17:00");
  await editor.fill("#f-end_time", "19:00");
  await editor.check("#flag-free");
  await Promise.all([editor.waitForNavigation(), editor.click("button[name=preview]")]);
  assert.equal((await editor.textContent(".preview h1")).trim(), title);
  await Promise.all([editor.waitForNavigation(), editor.click("button[name=save]")]);
  assert.match(editor.url(), /\/fi\/organisation\/listings\/[^/?]+\?done=saved$/);
  await Promise.all([editor.waitForNavigation(), editor.click(".lifecycle form[action$='/submit'] button")]);
  const row = editor.locator("tr", { hasText: title });
  assert.match(await row.locator(".status").textContent(), /Odottaa tarkastusta/);
  await editor.context().close();

  const moderator = await newPage({ locale: "sv-FI" });
  await login(moderator, "sv", "moderator");
  await moderator.goto(`${base}/sv/moderation`);
  await audit(moderator, "moderation");
  const item = moderator.locator(".queue-item", { hasText: title });
  await Promise.all([moderator.waitForNavigation(), item.locator("form[action$='/approve'] button").click()]);
  assert.match(await moderator.textContent(".notice"), /Godkänt/);
  await moderator.context().close();

  const advisor = await newPage({ locale: "en-GB" });
  let found = 0;
  for (let attempt = 0; attempt < 20 && !found; attempt++) {
    await advisor.goto(`${base}/en/?q=${encodeURIComponent(title)}`);
    found = await advisor.locator(".card", { hasText: title }).count();
    if (!found) { await advisor.waitForTimeout(250); }
  }
  assert.equal(found, 1, "the approved listing is found by search");
  await advisor.context().close();
});

test("subscribing to the current search as a digest (sv)", async () => {
  const page = await newPage({ locale: "sv-FI" });
  await page.goto(`${base}/sv/?q=l%C3%A4xhj%C3%A4lp&free=true&sort=updated`);
  await Promise.all([page.waitForNavigation(), page.click(".subscribe-link a")]);
  assert.match(page.url(), /\/sv\/subscribe\?/);
  const search = await page.getAttribute("input[name=search]", "value");
  assert.match(search, /q=l%C3%A4xhj%C3%A4lp|q=läxhjälp/);
  assert.match(search, /free=true/);
  assert.doesNotMatch(search, /sort=/, "how the results were sorted is not part of a digest");
  assert.equal(await page.isChecked("#mail-sv"), true, "the mails default to the page's language");
  await audit(page, "subscribe");
  await page.fill("#email", "not an address");
  await page.check("#freq-daily");
  // The browser's own check would stop an invalid address; the server must refuse it too.
  await page.evaluate(() => { document.querySelector("#email").type = "text"; });
  await Promise.all([page.waitForNavigation(), page.click(".subscribe-form button[type=submit]")]);
  assert.ok(await page.locator(".error-summary li").count() >= 1, "the bad address is named");
  assert.equal(await page.isChecked("#freq-daily"), true, "the choices survive the error");
  await page.fill("#email", "radgivare@example.org");
  await Promise.all([page.waitForNavigation(), page.click(".subscribe-form button[type=submit]")]);
  assert.match(await page.textContent(".notice"), /bekräftelselänk/);
  await page.context().close();
});

test("an owner manages members and invitations, and API tokens (en)", async () => {
  const page = await newPage({ locale: "en-GB" });
  await login(page, "en", "editor");
  await Promise.all([page.waitForNavigation(), page.click(`a[href$="/organisation/${accounts.editor.organisation}/members"]`)]);
  assert.equal(await page.locator("table.members tbody tr").count(), 1, "the owner is the only member");
  await audit(page, "members");
  await page.fill("#invite-email", "new.volunteer@example.org");
  await page.selectOption("#invite-role", "editor");
  await page.check("#invite-sv");
  await Promise.all([page.waitForNavigation(), page.click("section[aria-labelledby=invite-heading] button[type=submit]")]);
  assert.match(page.url(), /done=invited/);
  assert.match(await page.textContent(".notice"), /invitation was sent/);

  await page.goto(`${base}/en/account/tokens`);
  await audit(page, "tokens");
  await page.fill("#token-name", "municipal site sync");
  const [answer] = await Promise.all([page.waitForNavigation(), page.click("form[action$='/account/tokens'] button[type=submit]")]);
  assert.equal(answer.headers()["cache-control"], "no-store", "a page with a secret is not cached");
  const token = (await page.textContent("code.token")).trim();
  assert.match(token, /^kyn_/);
  const me = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200, "the new token works");
  await page.goto(`${base}/en/account/tokens`);
  assert.equal(await page.locator("code.token").count(), 0, "the secret is shown once only");
  const row = page.locator("tr", { hasText: "municipal site sync" });
  await Promise.all([page.waitForNavigation(), row.locator("button").click()]);
  const after = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401, "a revoked token no longer works");
  await page.context().close();
});

test("registration and a forgotten password have their pages, with the same answer for any address (fi)", async () => {
  const page = await newPage();
  await page.goto(`${base}/fi/login`);
  await Promise.all([page.waitForNavigation(), page.click("a[href='/fi/register']")]);
  await audit(page, "register");
  await page.fill("#f-email", "uusi@example.org");
  await page.fill("#f-password", "lyhyt");
  await page.evaluate(() => { document.querySelector("#f-password").removeAttribute("required"); });
  const [refused] = await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
  assert.equal(refused.status(), 422);
  assert.ok(await page.locator(".error-summary li").count() >= 1);
  assert.equal(await page.inputValue("#f-email"), "uusi@example.org", "the address is kept");
  await page.fill("#f-password", "pitkä-ja-hyvä-salasana");
  await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
  assert.match(await page.textContent("main"), /Lähetimme osoitteeseen viestin/);

  const texts = [];
  for (const email of [accounts.editor.email, "ei-tilia@example.org"]) {
    await page.goto(`${base}/fi/account/forgot`);
    if (!audited.has("forgot")) { await audit(page, "forgot"); }
    await page.fill("#f-email", email);
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    texts.push(await page.textContent("main"));
  }
  assert.equal(texts[0], texts[1], "a known and an unknown address get the same page");
  await page.context().close();
});

test("a person registers an organisation and a moderator approves it (sv, fi)", async () => {
  const name = `Nya föreningen ${Date.now()}`;
  const founder = await newPage({ locale: "sv-FI" });
  await login(founder, "sv", "founder");
  await Promise.all([founder.waitForNavigation(), founder.click("a[href='/sv/organisation/new']")]);
  await audit(founder, "organisation-new");
  const [refused] = await Promise.all([founder.waitForNavigation(), founder.evaluate(() => {
    document.querySelector("#f-type").removeAttribute("required");
    document.querySelector("form.organisation-form").submit();
  })]);
  assert.equal(refused.status(), 422, "a registration without a name or type is refused");
  assert.ok(await founder.locator(".error-summary li").count() >= 2, "the missing name and type are named");
  await founder.fill("#f-name_sv", name);
  await founder.selectOption("#f-type", "association");
  await founder.selectOption("#f-municipality", "091");
  await Promise.all([founder.waitForNavigation(), founder.click("form.organisation-form button[type=submit]")]);
  assert.match(founder.url(), /\/sv\/organisation\?done=organisation-registered$/);
  const block = founder.locator("section.org", { hasText: name });
  assert.match(await block.locator(".meta").textContent(), /Väntar på godkännande/);

  const moderator = await newPage();
  await login(moderator, "fi", "moderator");
  await moderator.goto(`${base}/fi/moderation`);
  const item = moderator.locator(".queue-organisation", { hasText: name });
  assert.equal(await item.count(), 1, "the organisation waits in the queue");
  await Promise.all([moderator.waitForNavigation(), item.locator("form[action$='/approve'] button").click()]);
  assert.match(await moderator.textContent(".notice"), /Organisaatio hyväksyttiin/);
  assert.equal(await moderator.locator(".queue-organisation", { hasText: name }).count(), 0);
  await moderator.context().close();

  await founder.reload();
  assert.match(await founder.locator("section.org", { hasText: name }).locator(".meta").textContent(), /Godkänd/);
  await founder.context().close();
});

test("the pages that mails link to: confirming, still running, and a link that no longer works (sv, en)", async () => {
  const page = await newPage({ locale: "sv-FI" });
  const confirm = await page.goto(`${base}/subscriptions/confirm/not-a-real-token`);
  assert.equal(confirm.status(), 200, "opening the link only shows a button (link scanners confirm nothing)");
  assert.equal(await page.getAttribute("html", "lang"), "sv");
  assert.equal(await page.locator("form[method=post] button").count(), 1);
  await audit(page, "mail-link");
  await Promise.all([page.waitForNavigation(), page.click("form[method=post] button")]);
  assert.ok((await page.textContent("h1")).length > 0, "a used or unknown link gets a page, not an error document");
  await audit(page, "mail-link-invalid");
  await page.context().close();

  const english = await newPage({ locale: "en-GB" });
  await english.goto(`${base}/listings/confirm/not-a-real-token`);
  assert.equal(await english.getAttribute("html", "lang"), "en");
  assert.equal(await english.locator("form[method=post] button").count(), 1);
  await audit(english, "still-running");
  await english.context().close();
});

test("an unknown page answers 404 with an HTML page in the page's language", async () => {
  const page = await newPage();
  const r = await page.goto(`${base}/sv/listings/no-such-listing`);
  assert.equal(r.status(), 404);
  assert.equal(await page.getAttribute("html", "lang"), "sv");
  await audit(page, "error");
  await page.context().close();
});

test("the front page is tidy at phone and desktop width (screenshots in tests/artefacts)", async () => {
  for (const [name, width, height] of [["phone", 390, 844], ["desktop", 1280, 900]]) {
    const page = await newPage({ viewport: { width, height } });
    await page.goto(`${base}/fi/?q=kerho`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at ${width} px (overflow ${overflow} px)`);
    await page.screenshot({ path: join(artefacts, `front-${name}.png`) });
    await page.context().close();
  }
});

test("every page type was audited", () => {
  for (const name of ["search", "listing", "shortlist", "handout", "subscribe", "login", "register", "forgot", "organisation", "organisation-new", "editor", "members", "tokens", "moderation", "mail-link", "mail-link-invalid", "still-running", "error"]) {
    assert.ok(audited.has(name), `${name} was not audited`);
  }
});
