/* console.js — drives headless Debian chromium (playwright-core, /usr/bin/chromium) through the
 * plumb console against a running, seeded `plumb serve`. Run by test_console.py (which starts
 * and seeds the server) and by bench/console (which measures the dashboard's paint).
 *
 *   node console.js CONFIG.json
 * CONFIG: {url, key, secret, region, shots (dir or null), mode: "test"|"bench", runs,
 *          expect: {...}} (see test_console.py). Prints one JSON object on stdout: what was
 * read from each page, the response headers, timings; exits 1 with a message on a failed
 * check, so the Python side reports both.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const TIMEOUT = cfg.timeoutMs || 30000;
const out = { pages: {}, errors: [], errorBoxes: [], requests: [] };

function check(cond, msg) {
  if (!cond) throw new Error("check failed: " + msg);
}

/* Waits for the console to mark the route rendered (app.js sets body[data-ready] to its hash).
 * A selector, not waitForFunction: the page's CSP forbids the eval that polling would need. */
async function ready(page, hash) {
  await page.waitForSelector("body[data-ready=" + JSON.stringify(hash) + "]",
                             { timeout: TIMEOUT, state: "attached" });
}

/* Opens a route; any error box the page shows is kept in out.errorBoxes. */
async function go(page, hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await ready(page, hash);
  await boxes(page, hash);
}

async function boxes(page, hash) {
  for (const t of await text(page, "main .error")) out.errorBoxes.push(hash + ": " + t);
  /* a missing value shown as "null"/"undefined" is a rendering bug (configurations excepted) */
  const stray = await page.$$eval("main *:not(pre)", (els) => els.filter((e) =>
    Array.from(e.childNodes).some((n) => n.nodeType === 3 && /\b(null|undefined|NaN)\b/.test(n.data))).length);
  if (stray) out.errorBoxes.push(hash + ": " + stray + " element(s) show null/undefined/NaN");
}

async function shot(page, name) {
  if (!cfg.shots) return;
  fs.mkdirSync(cfg.shots, { recursive: true });
  await page.screenshot({ path: path.join(cfg.shots, name + ".png"), fullPage: true });
}

const text = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));

async function launch() {
  return chromium.launch({
    executablePath: cfg.chromium || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage",
           "--disable-gpu", "--no-first-run", "--disable-extensions"],
  });
}

async function signIn(page, secret) {
  await page.fill("#access-key", cfg.key);
  await page.fill("#secret-key", secret);
  await page.fill("#region", cfg.region || "us-east-1");
  await page.click("#signin-button");
}

async function test(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => out.errors.push("pageerror: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") out.errors.push("console: " + m.text()); });
  page.on("request", (r) => out.requests.push(r.url()));
  page.on("dialog", (d) => { out.errors.push("dialog: " + d.message()); d.dismiss(); });

  /* the shell, its headers, the sign-in page */
  const resp = await page.goto(cfg.url + "/", { waitUntil: "load" });
  out.headers = resp.headers();
  await page.waitForSelector("#signin-form", { timeout: TIMEOUT });
  await shot(page, "signin");

  /* a wrong secret is refused by the server's SigV4 check and shown */
  await signIn(page, cfg.secret + "x");
  await page.waitForSelector("#signin-form .error", { timeout: TIMEOUT });
  out.pages.badSignIn = (await text(page, "#signin-form .error"))[0];
  check(await page.evaluate(() => sessionStorage.getItem("plumb.credentials")) === null,
        "a refused key is not kept");

  /* the right one: the dashboard */
  await signIn(page, cfg.secret);
  await ready(page, "#/");
  await page.waitForSelector("#trend-note", { timeout: TIMEOUT });
  await boxes(page, "#/");
  const rules = await page.$$eval("tr[data-rule]", (rows) => rows.map((r) => ({
    name: r.dataset.rule,
    compliance: r.querySelector(".badge").textContent,
    compliant: r.querySelector(".compliant-count").textContent,
    nonCompliant: r.querySelector(".noncompliant-count").textContent,
  })));
  out.pages.dashboard = {
    rules,
    cards: await text(page, ".card"),
    nonCompliant: await text(page, "a.resource-link"),
    trendNote: (await text(page, "#trend-note"))[0],
    trendPaths: await page.$$eval(".chart path", (p) => p.map((x) => x.getAttribute("d"))),
  };
  out.stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem("plumb.credentials")));
  await shot(page, "dashboard");

  /* against a server without PlumbService.GetComplianceCountsByConfigRule (answered here as
   * an older server would), the dashboard falls back to AWS's capped counts */
  await page.route(cfg.url + "/", async (route) => {
    if (route.request().headers()["x-amz-target"] !== "PlumbService.GetComplianceCountsByConfigRule")
      return route.continue();
    await route.fulfill({ status: 400, contentType: "application/x-amz-json-1.1",
                          body: JSON.stringify({ __type: "UnknownOperationException",
                                                 message: "Unknown operation" }) });
  });
  await go(page, "#/search");
  await go(page, "#/");
  out.pages.dashboardFallback = {
    rules: await page.$$eval("tr[data-rule]", (rows) => rows.map((r) => ({
      name: r.dataset.rule,
      compliance: r.querySelector(".badge").textContent,
      compliant: r.querySelector(".compliant-count").textContent,
      nonCompliant: r.querySelector(".noncompliant-count").textContent,
    }))),
    cards: await text(page, ".card"),
  };
  await page.unroute(cfg.url + "/");

  /* against a server without PlumbService.GetComplianceTrend, the trend is the sample of
   * ResourceCompliance histories read by the browser */
  await page.route(cfg.url + "/", async (route) => {
    if (route.request().headers()["x-amz-target"] !== "PlumbService.GetComplianceTrend")
      return route.continue();
    await route.fulfill({ status: 400, contentType: "application/x-amz-json-1.1",
                          body: JSON.stringify({ __type: "UnknownOperationException",
                                                 message: "Unknown operation" }) });
  });
  await go(page, "#/search");
  await go(page, "#/");
  await page.waitForSelector("#trend-note", { timeout: TIMEOUT });
  out.pages.trendFallback = {
    note: (await text(page, "#trend-note"))[0],
    paths: await page.$$eval(".chart path", (p) => p.map((x) => x.getAttribute("d"))),
  };
  await page.unroute(cfg.url + "/");

  /* a rule */
  await go(page, "#/rule/" + encodeURIComponent(cfg.expect.rule));
  out.pages.rule = {
    name: (await text(page, "#rule-name"))[0],
    info: (await text(page, "dl.kv"))[0],
    resources: await text(page, "a.resource-link"),
    badges: await text(page, "main table .badge"),
  };
  await shot(page, "rule");

  /* a resource: its timeline and diffs */
  const r = cfg.expect.resource;
  await go(page, "#/resource/" + encodeURIComponent(r.type) + "/" + encodeURIComponent(r.id));
  out.pages.resource = {
    id: (await text(page, "#resource-id"))[0],
    versions: (await page.$$(".version")).length,
    before: await text(page, ".diff td.before"),
    after: await text(page, ".diff td.after"),
    props: await text(page, ".diff td:first-child"),
    whoNote: (await text(page, "#who-note"))[0],
    who: await text(page, ".who"),
    rules: await text(page, "#resource-compliance a"),
  };

  /* who made each change, as PlumbService.GetResourceTimeline answers (issue 16's CloudTrail
   * part): the answer is given here by the browser's request interception, so this page is
   * checked whether or not the server links CloudTrail events */
  if (cfg.expect.timeline) {
    await page.route(cfg.url + "/", async (route) => {
      const target = route.request().headers()["x-amz-target"];
      if (target !== "PlumbService.GetResourceTimeline") return route.continue();
      await route.fulfill({ status: 200, contentType: "application/x-amz-json-1.1",
                            body: JSON.stringify(cfg.expect.timeline) });
    });
    await go(page, "#/");
    await go(page, "#/resource/" + encodeURIComponent(r.type) + "/" + encodeURIComponent(r.id));
    out.pages.resource.whoLinked = (await text(page, "#who-note"))[0];
    out.pages.resource.who = await text(page, ".who");
    out.pages.resource.whoArns = await text(page, ".who-arn");
    out.pages.resource.whoProps = await text(page, ".version:first-of-type .diff td:first-child");
    out.pages.resource.whoBefore = await text(page, ".version:first-of-type .diff td.before");
    out.pages.resource.injected = await page.evaluate(() => window.__plumbXss === undefined ? 0 : window.__plumbXss);
    await page.unroute(cfg.url + "/");
  }
  await shot(page, "resource");

  /* the search box in the header */
  await page.fill("#search-box", cfg.expect.search);
  await page.press("#search-box", "Enter");
  await ready(page, "#/search/" + encodeURIComponent(cfg.expect.search));
  out.pages.search = { results: await text(page, "#search-results a.resource-link") };
  await shot(page, "search");

  /* conformance packs: the list, one pack's rules and history, a click to a rule */
  if (cfg.expect.pack) {
    await go(page, "#/packs/" + encodeURIComponent(cfg.expect.pack));
    out.pages.packs = {
      list: await page.$$eval("tr[data-pack]", (rows) => rows.map((r) => ({
        name: r.querySelector(".pack-link").textContent,
        compliance: r.querySelector(".badge").textContent,
        score: r.querySelector(".pack-score").textContent,
      }))),
      name: (await text(page, "#pack-name"))[0],
      rules: await text(page, "tr.pack-rule a.rule-link"),
      ruleBadges: await text(page, "tr.pack-rule .badge"),
      versions: (await page.$$("tr.pack-version")).length,
      versionBadges: await text(page, "tr.pack-version .badge"),
      note: (await text(page, "#pack-history-note"))[0],
      chartPaths: await page.$$eval("#pack .chart path", (p) => p.map((x) => x.getAttribute("d"))),
    };
    await shot(page, "packs");
    const first = out.pages.packs.rules[0];
    await page.click("tr.pack-rule a.rule-link >> nth=0");
    await ready(page, "#/rule/" + encodeURIComponent(first));
    out.pages.packs.clickedRule = first;
    out.pages.packs.rulePageName = (await text(page, "#rule-name"))[0];
  }

  /* aggregators: sources, compliance by account, resource counts */
  if (cfg.expect.aggregator) {
    await go(page, "#/aggregators/" + encodeURIComponent(cfg.expect.aggregator));
    out.pages.aggregators = {
      list: await text(page, "a.aggregator-link"),
      name: (await text(page, "#aggregator-name"))[0],
      sources: await page.$$eval("tr.agg-source", (rows) => rows.map((r) =>
        Array.from(r.children).map((td) => td.textContent.trim()).join(" "))),
      accounts: Object.fromEntries(await page.$$eval("tr.agg-account", (rows) => rows.map((r) =>
        [r.dataset.account, [r.querySelector(".agg-ok").textContent, r.querySelector(".agg-bad").textContent]]))),
      total: (await text(page, "#agg-total"))[0],
      types: Object.fromEntries(await page.$$eval("tr.agg-type", (rows) => rows.map((r) =>
        [r.children[0].textContent, r.children[1].textContent]))),
    };
    await shot(page, "aggregators");
  }

  /* the cost report */
  await go(page, "#/cost");
  out.pages.cost = {
    total: (await text(page, "#card-total-cost .n"))[0],
    months: await text(page, "tr.cost-month"),
    types: await text(page, "tr.cost-type"),
    typeNames: await text(page, "tr.cost-type td:nth-child(2)"),
    rules: await text(page, "tr.cost-rule"),
    top: await text(page, "tr.cost-top a.resource-link"),
    advice: await text(page, "tr.cost-advice"),
  };
  await shot(page, "cost");

  /* a hostile resource id is text, not markup */
  const x = cfg.expect.hostile;
  await go(page, "#/resource/" + encodeURIComponent(x.type) + "/" + encodeURIComponent(x.id));
  await go(page, "#/rule/" + encodeURIComponent(cfg.expect.hostileRule));
  const hostileShown = await text(page, "a.resource-link");
  await go(page, "#/resource/" + encodeURIComponent(x.type) + "/" + encodeURIComponent(x.id));
  out.pages.hostile = {
    id: (await text(page, "#resource-id"))[0],
    inRule: hostileShown,
    injected: await page.evaluate(() => window.__plumbXss === undefined ? 0 : window.__plumbXss),
    scriptsInMain: await page.$$eval("main script, main img, main iframe", (e) => e.length),
  };
  /* the CSP stops an inline script even if one got into the page (its violation is expected) */
  out.errorsBeforeInjection = out.errors.slice();
  out.inlineBlocked = await page.evaluate(() => new Promise((done) => {
    const s = document.createElement("script");
    s.textContent = "window.__plumbInline = 1";
    document.addEventListener("securitypolicyviolation", () => done(window.__plumbInline === undefined), { once: true });
    document.body.appendChild(s);
    setTimeout(() => done(window.__plumbInline === undefined), 2000);
  }));

  /* the SHA-256 / HMAC used where WebCrypto is hidden agree with WebCrypto */
  out.fallback = await page.evaluate(async () => {
    const S = window.PlumbSigV4, enc = new TextEncoder();
    const msgs = ["", "abc", "x".repeat(1000), "é€😀".repeat(33)];
    const ok = [];
    for (const m of msgs) {
      const a = S.hex(S.sha256js(enc.encode(m)));
      const b = S.hex(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(m))));
      const k = await crypto.subtle.importKey("raw", enc.encode("key" + m), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const c = S.hex(S.hmacjs(enc.encode("key" + m), enc.encode(m)));
      const d = S.hex(new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(m))));
      ok.push(a === b && c === d);
    }
    return { webCrypto: S.hasWebCrypto, agree: ok.every(Boolean) };
  });

  /* signing out forgets the key */
  await page.click("#signout");
  await page.waitForSelector("#signin-form", { timeout: TIMEOUT });
  out.afterSignOut = await page.evaluate(() => sessionStorage.getItem("plumb.credentials"));
  await ctx.close();
}

/* First contentful paint and "dashboard data shown" of a signed-in dashboard load, runs times. */
async function bench(browser) {
  out.runs = [];
  for (let i = 0; i < (cfg.runs || 5); i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addInitScript((c) => {
      sessionStorage.setItem("plumb.credentials", JSON.stringify(c));
    }, { accessKeyId: cfg.key, secretAccessKey: cfg.secret, region: cfg.region || "us-east-1" });
    const page = await ctx.newPage();
    await page.goto(cfg.url + "/#/", { waitUntil: "load" });
    await ready(page, "#/");
    await page.waitForSelector("#trend-note", { timeout: TIMEOUT });
    out.runs.push(await page.evaluate(() => {
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      const dr = performance.getEntriesByName("plumb-dashboard-ready")[0];
      const nav = performance.getEntriesByType("navigation")[0] || {};
      const api = performance.getEntriesByType("resource").filter((r) => r.initiatorType === "fetch");
      return { fcp: fcp ? fcp.startTime : null, ready: dr ? dr.startTime : null,
               responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd,
               apiCalls: api.length,
               slowestCall: api.reduce((m, r) => Math.max(m, r.duration), 0),
               calls: performance.getEntriesByType("measure").filter((m) => m.name.startsWith("api "))
                 .reduce((o, m) => { o[m.name.slice(4)] = Math.max(o[m.name.slice(4)] || 0, Math.round(m.duration)); return o; }, {}),
               trend: performance.now(), rules: document.querySelectorAll("tr[data-rule]").length };
    }));
    await ctx.close();
  }
}

(async () => {
  const browser = await launch();
  try {
    if (cfg.mode === "bench") await bench(browser);
    else await test(browser);
  } catch (e) {
    out.failure = String(e && e.stack || e);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
  process.exit(out.failure ? 1 : 0);
})();
