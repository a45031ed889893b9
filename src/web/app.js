/* app.js — the console: a single page with hash routes, every view read through the AWS JSON
 * 1.1 API (api.js). Routes:
 *   #/                       compliance dashboard (rules, counts, non-compliant resources, trend)
 *   #/rule/NAME              one rule and its evaluation results
 *   #/resource/TYPE/ID       one resource: its configuration timeline with each version's diff,
 *                            and who made each change when the server links CloudTrail events
 *   #/search[/TERM[/TYPE]]   the inventory: counts by type, resources by id or name prefix
 *   #/packs[/NAME]           conformance packs: score, compliance, rules, compliance history
 *   #/aggregators[/NAME]     aggregators: sources and their status, compliance per account,
 *                            resource counts
 *   #/cost                   what AWS Config would have charged (PlumbService.GetCostReport)
 *   #/signin                 access key id and secret (kept in sessionStorage, never in a URL)
 * Everything shown is set with textContent or as text nodes (el() below): data never becomes
 * markup, whatever a resource id or an annotation contains.
 */
"use strict";
(function () {
  const api = window.PlumbApi;
  const app = document.getElementById("app");
  const AUTH_ERRORS = ["UnrecognizedClientException", "InvalidSignatureException",
                       "MissingAuthenticationTokenException", "IncompleteSignatureException",
                       "NotSignedIn"];
  let renderSeq = 0; /* a newer route's render wins over a slower older one */

  /* ---- DOM helpers: text only ---- */

  /* el("a", {href: "#/", class: "x"}, "text", child, [more]) */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, String(v));
    }
    append(e, children);
    return e;
  }

  function append(e, children) {
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) append(e, c);
      else if (c instanceof Node) e.appendChild(c);
      else e.appendChild(document.createTextNode(String(c)));
    }
  }

  const enc = encodeURIComponent;
  const ruleHref = (name) => "#/rule/" + enc(name);
  const resourceHref = (type, id) => "#/resource/" + enc(type) + "/" + enc(id);
  const badge = (c) => el("span", { class: "badge " + (c || "NOT_APPLICABLE") }, c || "—");

  function when(v) {
    if (v === undefined || v === null || v === "") return "—";
    const d = typeof v === "number" ? new Date(v * 1000) : new Date(v);
    return isNaN(d) ? String(v) : d.toISOString().replace(".000Z", "Z");
  }

  function table(headers, rows, emptyText) {
    if (!rows.length) return el("p", { class: "muted" }, emptyText || "None.");
    return el("table", null,
              el("thead", null, el("tr", null, headers.map((h) =>
                el("th", { class: h.endsWith("#") ? "num" : null }, h.replace(/#$/, ""))))),
              el("tbody", null, rows));
  }

  function errorBox(e) {
    return el("div", { class: "error", role: "alert" }, (e.code ? e.code + ": " : "") + e.message);
  }

  function render(node) {
    app.replaceChildren(node);
  }

  /* node's children become kids (text, nodes, arrays; null and undefined skipped). */
  function replace(node, ...kids) {
    node.replaceChildren();
    append(node, kids);
  }

  /* Runs fn() into section; shows its error in place (and sends auth failures to sign-in). */
  async function fill(section, fn) {
    try {
      const content = await fn();
      replace(section, content);
    } catch (e) {
      if (AUTH_ERRORS.includes(e.code)) return needSignIn(e);
      replace(section, errorBox(e));
    }
  }

  const loading = () => el("p", { class: "muted" }, "Loading…");

  /* Runs fn over items with at most n calls in flight. */
  async function pool(n, items, fn) {
    const out = new Array(items.length);
    let next = 0;
    async function worker() {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]).catch((e) => ({ error: e }));
      }
    }
    await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
    return out;
  }

  /* ---- sign-in ---- */

  function needSignIn(e) {
    api.signOut();
    signInPage(e);
  }

  function signInPage(err) {
    header();
    const key = el("input", { id: "access-key", name: "access-key", autocomplete: "username",
                              required: true, spellcheck: "false" });
    const secret = el("input", { id: "secret-key", name: "secret-key", type: "password",
                                 autocomplete: "current-password", required: true });
    const region = el("input", { id: "region", name: "region", value: "us-east-1", required: true });
    const msg = el("div");
    if (err && err.code !== "NotSignedIn") msg.appendChild(errorBox(err));
    const form = el("form", { class: "signin", id: "signin-form" },
      el("h1", null, "Sign in"),
      el("p", { class: "muted" }, "Use a plumb access key (plumb credentials list, or the one plumb serve printed at its first start). It stays in this tab's session storage and signs each request; it is never sent."),
      msg,
      el("label", { for: "access-key" }, "Access key id"), key,
      el("label", { for: "secret-key" }, "Secret access key"), secret,
      el("label", { for: "region" }, "Region"), region,
      el("button", { class: "primary", type: "submit", id: "signin-button" }, "Sign in"));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      api.signIn(key.value.trim(), secret.value.trim(), region.value.trim());
      try {
        await api.call("DescribeConfigurationRecorders", {});
      } catch (e) {
        if (AUTH_ERRORS.includes(e.code)) {
          api.signOut();
          msg.replaceChildren(errorBox(e));
          return;
        }
      }
      if (location.hash.startsWith("#/signin")) location.hash = "#/";
      else route();
    });
    render(form);
  }

  function header() {
    const c = api.credentials();
    document.getElementById("whoami").textContent = c ? c.accessKeyId + " · " + c.region : "";
    document.getElementById("signout").hidden = !c;
  }

  /* ---- dashboard ---- */

  function dashboard() {
    const cards = el("div", { class: "cards" }, loading());
    const rules = el("section", null, loading());
    const nonCompliant = el("section", null, loading());
    const trend = el("section", { class: "chart" }, loading());
    render(el("div", null, el("h1", null, "Compliance"), cards,
              el("h2", null, "Rules"), rules,
              el("h2", null, "Non-compliant resources"), nonCompliant,
              el("h2", null, "Compliance over time"), trend));

    /* Per-rule counts come from PlumbService.GetComplianceCountsByConfigRule, and the rules'
     * compliance and the summary are derived from them as the server derives its own (a rule
     * with a non-compliant result is NON_COMPLIANT, else one with a compliant result is
     * COMPLIANT, else INSUFFICIENT_DATA): one pass over the results instead of three. A server
     * without the operation is asked DescribeComplianceByConfigRule (capped counts) and
     * GetComplianceSummaryByConfigRule instead. */
    const described = api.all("DescribeConfigRules", {}, "ConfigRules", 10);
    const counts = api.call("PlumbService.GetComplianceCountsByConfigRule", {}).catch((e) => {
      if (AUTH_ERRORS.includes(e.code)) throw e;
      return null;
    });
    const byRule = counts.then((c) => c ? null
      : api.all("DescribeComplianceByConfigRule", {}, "ComplianceByConfigRules", 10));
    const summary = counts.then((c) => {
      if (!c) return api.call("GetComplianceSummaryByConfigRule", {}).then((s) => {
        const x = s.ComplianceSummary || {};
        return { ok: (x.CompliantResourceCount || {}).CappedCount || 0,
                 bad: (x.NonCompliantResourceCount || {}).CappedCount || 0 };
      });
      const list = c.ComplianceCounts || [];
      const bad = list.filter((r) => r.NonCompliantResourceCount > 0).length;
      const ok = list.filter((r) => !r.NonCompliantResourceCount && r.CompliantResourceCount > 0).length;
      return { ok, bad };
    });
    const ncResources = api.call("DescribeComplianceByResource",
                                 { ComplianceTypes: ["NON_COMPLIANT"], Limit: 100 });
    const ready = Promise.all([
      fill(cards, async () => {
        const { ok, bad } = await summary;
        const nc = await ncResources;
        const ncn = (nc.ComplianceByResources || []).length;
        return [card("Rules", ok + bad, "with results", "", "card-rules"),
                card("Compliant rules", ok, "", "ok", "card-compliant"),
                card("Non-compliant rules", bad, "", "bad", "card-noncompliant"),
                card("Non-compliant resources", ncn + (nc.NextToken ? "+" : ""), "", "bad",
                     "card-ncresources")];
      }),
      fill(rules, async () => {
        const [d, c, b] = await Promise.all([described, counts, byRule]);
        const byName = new Map((c ? c.ComplianceCounts : []).map((x) => [x.ConfigRuleName, x]));
        const comp = new Map((b ? b.items : []).map((x) => [x.ConfigRuleName, x.Compliance || {}]));
        const rows = d.items.map((r) => {
          const n = byName.get(r.ConfigRuleName), cp = comp.get(r.ConfigRuleName) || {};
          const capped = (cp.ComplianceContributorCount || {});
          const ncCount = n ? n.NonCompliantResourceCount
                            : (capped.CappedCount || 0) + (capped.CapExceeded ? "+" : "");
          const type = !n ? cp.ComplianceType
                     : n.NonCompliantResourceCount ? "NON_COMPLIANT"
                     : n.CompliantResourceCount ? "COMPLIANT" : "INSUFFICIENT_DATA";
          return el("tr", { "data-rule": r.ConfigRuleName },
            el("td", null, el("a", { href: ruleHref(r.ConfigRuleName) }, r.ConfigRuleName)),
            el("td", null, badge(type)),
            el("td", { class: "num compliant-count" }, n ? n.CompliantResourceCount : "—"),
            el("td", { class: "num noncompliant-count" }, ncCount),
            el("td", { class: "mono" }, (r.Source || {}).Owner + " " + ((r.Source || {}).SourceIdentifier || "")));
        });
        return [table(["Rule", "Compliance", "Compliant#", "Non-compliant#", "Source"], rows,
                      "No rules yet: aws configservice put-config-rule …"),
                d.more ? el("p", { class: "note" }, "Only the first 250 rules are listed.") : null];
      }),
      fill(nonCompliant, async () => {
        const nc = await ncResources;
        const rows = (nc.ComplianceByResources || []).map((r) => el("tr", null,
          el("td", { class: "mono" }, r.ResourceType),
          el("td", { class: "mono" }, el("a", { href: resourceHref(r.ResourceType, r.ResourceId),
                                               class: "resource-link" }, r.ResourceId)),
          el("td", { class: "num" }, ((r.Compliance || {}).ComplianceContributorCount || {}).CappedCount || "")));
        return [table(["Type", "Resource", "Non-compliant rules#"], rows, "No non-compliant resources."),
                nc.NextToken ? el("p", { class: "note" }, "The first 100 are shown.") : null];
      }),
    ]).then(() => performance.mark("plumb-dashboard-ready"));
    /* the trend reads every ResourceCompliance CI: asked once the rest is shown, so that it does
     * not compete with the counts for the server's cores */
    ready.then(() => fill(trend, () => complianceTrend()));
    return ready;
  }

  function card(title, n, sub, cls, id) {
    return el("div", { class: "card " + cls, id }, el("div", { class: "n" }, n),
              el("div", null, title), sub ? el("div", { class: "note" }, sub) : null);
  }

  /* The trend: PlumbService.GetComplianceTrend (the daily counts over the last TREND_DAYS days,
   * computed by the server over every ResourceCompliance CI); a server without it gets the
   * sample below. */
  const TREND_DAYS = 30;
  async function complianceTrend() {
    let t;
    try {
      t = await api.call("PlumbService.GetComplianceTrend", { Days: TREND_DAYS });
    } catch (e) {
      if (AUTH_ERRORS.includes(e.code)) throw e;
      return sampledTrend();
    }
    const days = t.Days || [];
    const points = days.map((d) => ({ t: Date.parse(d.Date + "T00:00:00Z"),
                                      ok: d.CompliantResourceCount, nc: d.NonCompliantResourceCount }));
    const last = days[days.length - 1] || {};
    /* each day's count holds until the next day: today's step gets a day's width too */
    if (points.length) points.push(Object.assign({}, points[points.length - 1],
                                                 { t: points[points.length - 1].t + 86400e3 }));
    return [el("div", { class: "legend" }, el("span", { class: "k-nc" }, "■ non-compliant resources"),
               el("span", { class: "k-ok" }, "■ compliant resources")),
            PlumbChart.stepChart(points),
            el("p", { class: "note", id: "trend-note" },
               "Daily counts over the last " + days.length + " days, at the end of each day (UTC), from every " +
               "AWS::Config::ResourceCompliance configuration item; today: " +
               (last.CompliantResourceCount || 0) + " compliant, " +
               (last.NonCompliantResourceCount || 0) + " non-compliant.")];
  }

  /* The sample trend: each AWS::Config::ResourceCompliance resource's CI history (the compliance of
   * one evaluated resource over time), replayed in time order into counts of compliant and
   * non-compliant resources. At most TREND_RESOURCES resources are read (a note says so). */
  const TREND_RESOURCES = 100;
  async function sampledTrend() {
    const type = "AWS::Config::ResourceCompliance";
    const list = await api.call("ListDiscoveredResources",
                                { resourceType: type, limit: TREND_RESOURCES, includeDeletedResources: true });
    const ids = (list.resourceIdentifiers || []).map((r) => r.resourceId);
    const hist = await pool(6, ids, (id) => api.all("GetResourceConfigHistory",
      { resourceType: type, resourceId: id, chronologicalOrder: "Forward", limit: 100 },
      "configurationItems", 5));
    const events = [];
    hist.forEach((h, i) => {
      if (!h || h.error) return;
      for (const ci of h.items) {
        let comp = null;
        try {
          comp = JSON.parse(ci.configuration || "null");
        } catch (e) { /* not JSON: counted as no compliance */ }
        const deleted = /Deleted/.test(ci.configurationItemStatus || "");
        events.push({ t: new Date(when(ci.configurationItemCaptureTime)).getTime(), id: ids[i],
                      c: deleted ? null : comp && comp.complianceType });
      }
    });
    events.sort((a, b) => a.t - b.t);
    const state = new Map(), points = [];
    let ok = 0, nc = 0;
    for (const e of events) {
      const old = state.get(e.id);
      if (old === "COMPLIANT") ok--;
      if (old === "NON_COMPLIANT") nc--;
      state.set(e.id, e.c);
      if (e.c === "COMPLIANT") ok++;
      if (e.c === "NON_COMPLIANT") nc++;
      if (points.length && points[points.length - 1].t === e.t) points.pop();
      points.push({ t: e.t, ok, nc });
    }
    return [el("div", { class: "legend" }, el("span", { class: "k-nc" }, "■ non-compliant resources"),
               el("span", { class: "k-ok" }, "■ compliant resources")),
            PlumbChart.stepChart(points),
            el("p", { class: "note", id: "trend-note" },
               "From the compliance history (" + type + " configuration items) of " + ids.length +
               " resource" + (ids.length === 1 ? "" : "s") +
               (list.nextToken ? ", the first " + TREND_RESOURCES + " of more" : "") + ".")];
  }

  /* ---- rule page ---- */

  function rulePage(name) {
    const info = el("section", null, loading());
    const results = el("section", null, loading());
    render(el("div", null, el("h1", null, "Rule ", el("span", { id: "rule-name" }, name)), info,
              el("h2", null, "Evaluation results"), results));
    return Promise.all([
      fill(info, async () => {
        const r = ((await api.call("DescribeConfigRules", { ConfigRuleNames: [name] })).ConfigRules || [])[0];
        let st = {};
        try {
          st = ((await api.call("DescribeConfigRuleEvaluationStatus", { ConfigRuleNames: [name] }))
                  .ConfigRulesEvaluationStatus || [])[0] || {};
        } catch (e) { /* the status is optional */ }
        const src = r.Source || {}, scope = r.Scope || {};
        const kv = [["ARN", r.ConfigRuleArn], ["Description", r.Description],
                    ["Source", (src.Owner || "") + " " + (src.SourceIdentifier || "")],
                    ["State", r.ConfigRuleState],
                    ["Scope", (scope.ComplianceResourceTypes || []).join(", ") ||
                              (scope.TagKey ? "tag " + scope.TagKey : "all resources")],
                    ["Periodic", r.MaximumExecutionFrequency],
                    ["Parameters", r.InputParameters],
                    ["Last evaluated", st.LastSuccessfulEvaluationTime ? when(st.LastSuccessfulEvaluationTime) : null],
                    ["Last error", st.LastErrorMessage]];
        return el("dl", { class: "kv" }, kv.filter((x) => x[1]).map(([k, v]) =>
          [el("dt", null, k), el("dd", { class: k === "Parameters" || k === "ARN" ? "mono" : null }, v)]));
      }),
      fill(results, async () => {
        const r = await api.all("GetComplianceDetailsByConfigRule",
                                { ConfigRuleName: name, Limit: 100 }, "EvaluationResults", 10);
        const order = { NON_COMPLIANT: 0, INSUFFICIENT_DATA: 1, COMPLIANT: 2, NOT_APPLICABLE: 3 };
        r.items.sort((a, b) => (order[a.ComplianceType] ?? 9) - (order[b.ComplianceType] ?? 9));
        const rows = r.items.map((x) => {
          const q = (x.EvaluationResultIdentifier || {}).EvaluationResultQualifier || {};
          return el("tr", null, el("td", null, badge(x.ComplianceType)),
                    el("td", { class: "mono" }, q.ResourceType),
                    el("td", { class: "mono" }, el("a", { href: resourceHref(q.ResourceType, q.ResourceId),
                                                         class: "resource-link" }, q.ResourceId)),
                    el("td", null, x.Annotation || ""),
                    el("td", { class: "mono" }, when(x.ResultRecordedTime)));
        });
        return [table(["Compliance", "Type", "Resource", "Annotation", "Recorded"], rows, "No results yet."),
                r.more ? el("p", { class: "note" }, "The first 1,000 results are shown.") : null];
      }),
    ]);
  }

  /* ---- resource page ---- */

  /* {path: value} of a JSON value's leaves, paths as AWS's changedProperties spells them
   * ("Configuration.a.b", "Configuration.list.0"). */
  function flatten(v, path, out) {
    if (v !== null && typeof v === "object" && Object.keys(v).length) {
      for (const k of Object.keys(v)) flatten(v[k], path + "." + k, out);
    } else {
      out[path] = v;
    }
    return out;
  }

  function parseMaybe(s) {
    if (typeof s !== "string") return s;
    try { return JSON.parse(s); } catch (e) { return s; }
  }

  function ciLeaves(ci) {
    const out = {};
    if (!ci) return out;
    flatten(parseMaybe(ci.configuration), "Configuration", out);
    flatten(ci.supplementaryConfiguration || {}, "SupplementaryConfiguration", out);
    flatten(ci.tags || {}, "Tags", out);
    for (const k of Object.keys(out)) if (out[k] === undefined || (typeof out[k] === "object" && out[k] !== null)) delete out[k];
    return out;
  }

  /* A diff cell: absent (a property created or deleted: AWS's previousValue/updatedValue is
   * missing or null) is a dash, a string itself, anything else its JSON. */
  const show = (v) => (v === undefined || v === null ? "—" : typeof v === "string" ? v : JSON.stringify(v));

  /* Rows [path, before, after] between two CIs; from the server's configurationItemDiff when
   * it gave one, else computed here from the two versions. */
  function diffRows(prev, cur, given) {
    const props = given && given.changedProperties;
    if (props && Object.keys(props).length) {
      return Object.keys(props).sort().map((p) => [p, props[p].previousValue, props[p].updatedValue]);
    }
    if (!prev) return [];
    const a = ciLeaves(prev), b = ciLeaves(cur);
    const keys = Array.from(new Set(Object.keys(a).concat(Object.keys(b)))).sort();
    return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => [k, a[k], b[k]]);
  }

  function whoBox(ev) {
    const u = ev.userIdentity || {};
    return el("div", { class: "who" + (ev.errorCode ? " failed" : "") },
      el("strong", null, ev.eventName || "event"), " by ", el("span", { class: "mono who-arn" }, u.arn || u.type || "unknown"),
      u.type ? " (" + u.type + ")" : "", " at " + when(ev.eventTime),
      ev.sourceIPAddress ? " from " + ev.sourceIPAddress : "",
      ev.userAgent ? " · " + ev.userAgent : "",
      ev.errorCode ? " · failed: " + ev.errorCode : "");
  }

  function resourcePage(type, id) {
    const head = el("section", null, loading());
    const timeline = el("section", null, loading());
    const whoNote = el("p", { class: "note", id: "who-note" });
    const compliance = el("section", { id: "resource-compliance" }, loading());
    render(el("div", null, el("h1", null, el("span", { class: "muted" }, type + " "),
                              el("span", { id: "resource-id" }, id)),
              head, el("h2", null, "Compliance"), compliance,
              el("h2", null, "Configuration timeline"), whoNote, timeline));
    const comp = fill(compliance, async () => {
      const r = await api.all("GetComplianceDetailsByResource",
                              { ResourceType: type, ResourceId: id }, "EvaluationResults", 5);
      return table(["Compliance", "Rule", "Annotation", "Recorded"], r.items.map((x) => {
        const q = (x.EvaluationResultIdentifier || {}).EvaluationResultQualifier || {};
        return el("tr", null, el("td", null, badge(x.ComplianceType)),
                  el("td", null, el("a", { href: ruleHref(q.ConfigRuleName) }, q.ConfigRuleName)),
                  el("td", null, x.Annotation || ""), el("td", { class: "mono" }, when(x.ResultRecordedTime)));
      }), "No rule evaluates this resource.");
    });
    const tline = fill(timeline, async () => {
      const [h, tl] = await Promise.all([
        api.all("GetResourceConfigHistory", { resourceType: type, resourceId: id, limit: 100 },
                "configurationItems", 10),
        api.all("PlumbService.GetResourceTimeline", { resourceType: type, resourceId: id, limit: 100 },
                "timeline", 10, "pendingEvents")
          .catch((e) => {
            if (AUTH_ERRORS.includes(e.code)) throw e;
            return { error: e };
          }),
      ]);
      const items = h.items; /* newest first */
      const byState = new Map();
      if (tl && !tl.error) {
        for (const t of tl.items) {
          const v = t.version || {};
          byState.set(String(v.configurationStateId), t);
        }
        replace(whoNote, "Who made each change: the CloudTrail write events on this resource since the version before.",
          tl.extra && tl.extra.length ? el("div", { class: "pending" }, el("strong", null, "Not yet in a recorded version:"),
                                           tl.extra.map(whoBox)) : null);
      } else {
        whoNote.textContent = "Who made each change is not available: this server does not link CloudTrail events (" +
          ((tl && tl.error && tl.error.code) || "no timeline") + ").";
      }
      const latest = items[0];
      head.replaceChildren(latest ? el("div", null,
        el("dl", { class: "kv" },
           [["Name", latest.resourceName], ["ARN", latest.arn], ["Status", latest.configurationItemStatus],
            ["Last captured", when(latest.configurationItemCaptureTime)],
            ["Versions", items.length + (h.more ? "+" : "")]]
             .filter((x) => x[1]).map(([k, v]) => [el("dt", null, k), el("dd", { class: "mono" }, v)])),
        el("h2", null, "Latest configuration"),
        el("pre", { id: "latest-config" }, JSON.stringify(parseMaybe(latest.configuration), null, 2)))
        : el("p", { class: "muted" }, "No configuration recorded."));
      return items.map((ci, i) => {
        const prev = items[i + 1];
        const t = byState.get(String(ci.configurationStateId));
        const rows = diffRows(prev, ci, t && t.diff);
        const change = (t && t.diff && t.diff.changeType) || (prev ? "UPDATE" : "CREATE");
        return el("div", { class: "version", "data-state-id": ci.configurationStateId },
          el("div", { class: "vh" }, el("strong", null, when(ci.configurationItemCaptureTime)),
             el("span", null, ci.configurationItemStatus), el("span", { class: "muted" }, change),
             el("span", { class: "muted mono" }, "state " + ci.configurationStateId)),
          el("div", { class: "vb" },
             t && Array.isArray(t.events) ? t.events.map(whoBox) : null,
             rows.length ? el("table", { class: "diff" },
               el("thead", null, el("tr", null, el("th", null, "Property"), el("th", null, "Before"), el("th", null, "After"))),
               el("tbody", null, rows.map(([p, a, b]) => el("tr", null, el("td", { class: "mono" }, p),
                 el("td", { class: "mono before" }, show(a)), el("td", { class: "mono after" }, show(b))))))
             : el("p", { class: "muted" }, prev ? "No configuration change (status or relationships only)." : "First recorded version."))
        );
      }).concat(h.more ? [el("p", { class: "note" }, "The 1,000 newest versions are shown.")] : []);
    });
    return Promise.all([comp, tline]);
  }

  /* ---- inventory search ---- */

  const quote = (s) => "'" + s.replace(/'/g, "''") + "'";

  /* SelectResourceConfig expression for resources whose id or name starts with term (LIKE
   * wants 3 characters before its wildcard and no wildcard inside: otherwise exact). */
  function searchQuery(term, type) {
    const prefix = term.length >= 3 && !/[%_]/.test(term);
    const cond = prefix
      ? "(resourceId LIKE " + quote(term + "%") + " OR resourceName LIKE " + quote(term + "%") + ")"
      : "(resourceId = " + quote(term) + " OR resourceName = " + quote(term) + ")";
    return "SELECT resourceId, resourceType, resourceName, configurationItemCaptureTime WHERE " +
      cond + (type ? " AND resourceType = " + quote(type) : "");
  }

  function searchPage(term, type) {
    const box = el("input", { id: "search-term", value: term, placeholder: "id or name prefix",
                              "aria-label": "id or name prefix" });
    const sel = el("select", { id: "search-type", "aria-label": "resource type" },
                   el("option", { value: "" }, "any type"));
    const results = el("section", { id: "search-results" }, loading());
    const go = (ev) => {
      ev.preventDefault();
      location.hash = "#/search/" + enc(box.value.trim()) + (sel.value ? "/" + enc(sel.value) : "");
    };
    render(el("div", null, el("h1", null, "Inventory"),
              el("form", { class: "search-row", onsubmit: go }, box, sel,
                 el("button", { type: "submit", class: "primary" }, "Search")), results));
    document.getElementById("search-box").value = term;
    return fill(results, async () => {
      const counts = await api.all("GetDiscoveredResourceCounts", {}, "resourceCounts", 10);
      for (const c of counts.items)
        sel.appendChild(el("option", { value: c.resourceType, selected: c.resourceType === type }, c.resourceType));
      if (type && !counts.items.some((c) => c.resourceType === type))
        sel.appendChild(el("option", { value: type, selected: true }, type));
      let rows;
      if (term) {
        const out = await api.call("SelectResourceConfig", { Expression: searchQuery(term, type), Limit: 100 });
        rows = (out.Results || []).map((s) => parseMaybe(s));
      } else if (type) {
        const out = await api.call("ListDiscoveredResources", { resourceType: type, limit: 100 });
        rows = out.resourceIdentifiers || [];
      } else {
        return table(["Resource type", "Resources#"], counts.items.map((c) => el("tr", null,
          el("td", { class: "mono" }, el("a", { href: "#/search//" + enc(c.resourceType) }, c.resourceType)),
          el("td", { class: "num" }, c.count))), "Nothing recorded yet.");
      }
      return [table(["Type", "Resource", "Name"], rows.map((r) => el("tr", { class: "result" },
        el("td", { class: "mono" }, r.resourceType),
        el("td", { class: "mono" }, el("a", { href: resourceHref(r.resourceType, r.resourceId),
                                             class: "resource-link" }, r.resourceId)),
        el("td", null, r.resourceName || ""))), "No resource matches."),
        rows.length >= 100 ? el("p", { class: "note" }, "The first 100 matches are shown.") : null];
    });
  }


  /* ---- conformance packs ---- */

  const packHref = (name) => "#/packs/" + enc(name);
  const PACK_CI = "AWS::Config::ConformancePackCompliance";

  /* Every pack with its score (ListConformancePackComplianceScores) and compliance
   * (GetConformancePackComplianceSummary); with a name, that pack's rules and history. */
  function packsPage(name) {
    const list = el("section", { id: "packs" }, loading());
    const one = el("section", { id: "pack" });
    render(el("div", null, el("h1", null, "Conformance packs"), list, one));
    const packs = api.all("DescribeConformancePacks", {}, "ConformancePackDetails", 10);
    const jobs = [fill(list, async () => {
      const [p, scores] = await Promise.all([packs,
        api.all("ListConformancePackComplianceScores", {}, "ConformancePackComplianceScores", 10)]);
      const score = new Map(scores.items.map((s) => [s.ConformancePackName, s]));
      const names = p.items.map((x) => x.ConformancePackName);
      const comp = new Map(), chunks = [];
      for (let i = 0; i < names.length; i += 5) chunks.push(names.slice(i, i + 5)); /* 5 a call at most */
      const outs = await pool(4, chunks, (c) => api.call("GetConformancePackComplianceSummary",
                                                          { ConformancePackNames: c }));
      for (const out of outs) {
        if (out.error) throw out.error;
        for (const c of out.ConformancePackComplianceSummaryList || [])
          comp.set(c.ConformancePackName, c.ConformancePackComplianceStatus);
      }
      return table(["Pack", "Compliance", "Score#", "Score updated", "Deployed"], p.items.map((x) => {
        const sc = score.get(x.ConformancePackName) || {};
        return el("tr", { "data-pack": x.ConformancePackName },
          el("td", null, el("a", { href: packHref(x.ConformancePackName), class: "pack-link" }, x.ConformancePackName)),
          el("td", null, badge(comp.get(x.ConformancePackName))),
          el("td", { class: "num pack-score" }, sc.Score === undefined ? "—" : sc.Score + "%"),
          el("td", null, when(sc.LastUpdatedTime)),
          el("td", null, when(x.LastUpdateRequestedTime)));
      }), "No conformance packs: aws configservice put-conformance-pack …");
    })];
    if (name) jobs.push(fill(one, async () => {
      const p = (await packs).items.find((x) => x.ConformancePackName === name);
      if (!p) return el("p", { class: "muted" }, "No conformance pack " + name + ".");
      const [rules, hist] = await Promise.all([
        api.all("DescribeConformancePackCompliance", { ConformancePackName: name, Limit: 1000 },
                "ConformancePackRuleComplianceList", 10),
        api.all("GetResourceConfigHistory", { resourceType: PACK_CI, resourceId: p.ConformancePackId,
                                              limit: 100 }, "configurationItems", 10)
          .catch((e) => {
            if (AUTH_ERRORS.includes(e.code)) throw e;
            return { items: [], more: false, error: e };
          }),
      ]);
      const versions = hist.items.slice().reverse(); /* oldest first */
      const conf = versions.map((ci) => parseMaybe(ci.configuration) || {});
      const points = versions.map((ci, i) => ({
        t: new Date(when(ci.configurationItemCaptureTime)).getTime(),
        ok: conf[i].compliantRuleCount || 0, nc: conf[i].nonCompliantRuleCount || 0 }));
      return [el("h2", null, "Pack ", el("span", { id: "pack-name" }, name)),
        el("dl", { class: "kv" }, [["ARN", p.ConformancePackArn], ["Id", p.ConformancePackId],
                                   ["Delivery bucket", p.DeliveryS3Bucket]]
          .filter((x) => x[1]).map(([k, v]) => [el("dt", null, k), el("dd", { class: "mono" }, v)])),
        el("h2", null, "Rules"),
        table(["Rule", "Compliance", "Controls"], rules.items.map((r) =>
          el("tr", { class: "pack-rule" },
             el("td", null, el("a", { href: ruleHref(r.ConfigRuleName), class: "rule-link" }, r.ConfigRuleName)),
             el("td", null, badge(r.ComplianceType)),
             el("td", { class: "mono" }, (r.Controls || []).join(", ")))), "The pack has no rules."),
        el("h2", null, "Compliance history"),
        el("div", { class: "legend" }, el("span", { class: "k-nc" }, "■ non-compliant rules"),
           el("span", { class: "k-ok" }, "■ compliant rules")),
        el("div", { class: "chart" }, PlumbChart.stepChart(points)),
        table(["Captured", "Compliance", "Compliant rules#", "Non-compliant rules#", "Status"],
          versions.slice().reverse().map((ci, i) => {
            const c = conf[versions.length - 1 - i];
            return el("tr", { class: "pack-version" }, el("td", null, when(ci.configurationItemCaptureTime)),
              el("td", null, badge(c.complianceType)),
              el("td", { class: "num" }, c.compliantRuleCount ?? "—"),
              el("td", { class: "num" }, c.nonCompliantRuleCount ?? "—"),
              el("td", null, ci.configurationItemStatus));
          }), hist.error ? "No history: " + hist.error.message : "No compliance history yet."),
        el("p", { class: "note", id: "pack-history-note" }, "From the pack's " + PACK_CI +
           " configuration items (resource id " + p.ConformancePackId + "), newest first" +
           (hist.more ? "; the 1,000 newest." : "."))];
    }));
    return Promise.all(jobs);
  }

  /* ---- aggregators ---- */

  const aggHref = (name) => "#/aggregators/" + enc(name);
  const capped = (x) => { x = x || {}; return (x.CappedCount || 0) + (x.CapExceeded ? "+" : ""); };

  function aggregatorsPage(name) {
    const list = el("section", { id: "aggregators" }, loading());
    const one = el("section", { id: "aggregator" });
    render(el("div", null, el("h1", null, "Aggregators"), list, one));
    const aggs = api.all("DescribeConfigurationAggregators", {}, "ConfigurationAggregators", 10);
    const jobs = [fill(list, async () => {
      const a = await aggs;
      return table(["Aggregator", "Sources", "Created"], a.items.map((x) => {
        const src = (x.AccountAggregationSources || []).map((s) => (s.AccountIds || []).join(", ") + " · " +
          (s.AllAwsRegions ? "all regions" : (s.AwsRegions || []).join(", ")));
        if (x.OrganizationAggregationSource)
          src.push("organization · " + (x.OrganizationAggregationSource.AllAwsRegions ? "all regions"
            : (x.OrganizationAggregationSource.AwsRegions || []).join(", ")));
        return el("tr", { "data-aggregator": x.ConfigurationAggregatorName },
          el("td", null, el("a", { href: aggHref(x.ConfigurationAggregatorName), class: "aggregator-link" },
                            x.ConfigurationAggregatorName)),
          el("td", { class: "mono" }, src.join("; ")),
          el("td", null, when(x.CreationTime)));
      }), "No aggregators: aws configservice put-configuration-aggregator …");
    })];
    if (name) jobs.push(fill(one, async () => {
      const req = { ConfigurationAggregatorName: name };
      const [st, comp, counts] = await Promise.all([
        api.all("DescribeConfigurationAggregatorSourcesStatus", req, "AggregatedSourceStatusList", 10),
        api.all("GetAggregateConfigRuleComplianceSummary", Object.assign({ GroupByKey: "ACCOUNT_ID" }, req),
                "AggregateComplianceCounts", 10),
        api.all("GetAggregateDiscoveredResourceCounts", Object.assign({ GroupByKey: "RESOURCE_TYPE" }, req),
                "GroupedResourceCounts", 10, "TotalDiscoveredResources"),
      ]);
      return [el("h2", null, "Aggregator ", el("span", { id: "aggregator-name" }, name)),
        el("h2", null, "Sources"),
        table(["Source", "Type", "Region", "Status", "Updated", "Error"], st.items.map((s) =>
          el("tr", { class: "agg-source" }, el("td", { class: "mono" }, s.SourceId), el("td", null, s.SourceType),
             el("td", null, s.AwsRegion), el("td", null, el("span", { class: "badge " +
               (s.LastUpdateStatus === "SUCCEEDED" ? "COMPLIANT" : s.LastUpdateStatus === "FAILED" ? "NON_COMPLIANT"
                                                   : "INSUFFICIENT_DATA") }, s.LastUpdateStatus || "—")),
             el("td", null, when(s.LastUpdateTime)),
             el("td", { class: "mono" }, [s.LastErrorCode, s.LastErrorMessage].filter(Boolean).join(": ")))),
          "No sources."),
        el("h2", null, "Rule compliance by account"),
        table(["Account", "Compliant rules#", "Non-compliant rules#"], comp.items.map((g) => {
          const cs = g.ComplianceSummary || {};
          return el("tr", { class: "agg-account", "data-account": g.GroupName },
            el("td", { class: "mono" }, g.GroupName),
            el("td", { class: "num agg-ok" }, capped(cs.CompliantResourceCount)),
            el("td", { class: "num agg-bad" }, capped(cs.NonCompliantResourceCount)));
        }), "No rule results in the aggregated sources."),
        el("h2", null, "Resources ", el("span", { class: "muted", id: "agg-total" }, String(counts.extra || 0))),
        table(["Resource type", "Resources#"], counts.items.map((g) => el("tr", { class: "agg-type" },
          el("td", { class: "mono" }, g.GroupName), el("td", { class: "num" }, g.ResourceCount))),
          "No resources in the aggregated sources.")];
    }));
    return Promise.all(jobs);
  }

  /* ---- cost ---- */

  const dollars = (v) => "$" + Number(v || 0).toFixed(2);
  const num = (v) => Number(v || 0).toLocaleString("en-US");

  function costPage() {
    const body = el("section", { id: "cost" }, loading());
    render(el("div", null, el("h1", null, "Cost"), body));
    return fill(body, async () => {
      const r = await api.call("PlumbService.GetCostReport", {});
      const pt = r.PriceTable || {};
      return [el("div", { class: "cards" },
          card("What AWS Config would charge", dollars(r.TotalCost), "all months recorded", "", "card-total-cost"),
          card("Resources", num((r.Footprint || {}).Resources), "current", "", "card-resources"),
          card("CI versions", num((r.Footprint || {}).ConfigurationItemVersions), "stored", "", "card-versions")),
        el("p", { class: "note" }, "Prices: " + (pt.Source || "AWS Config pricing") + (pt.Date ? " (" + pt.Date + ")" : "") +
           ". plumb's own marginal cost is zero."),
        el("h2", null, "Per month"),
        table(["Month", "Account", "Region", "CIs#", "Periodic CIs#", "Rule evaluations#", "Pack evaluations#", "Cost#"],
          (r.Months || []).map((m) => el("tr", { class: "cost-month" }, el("td", null, m.Month),
            el("td", { class: "mono" }, m.AccountId), el("td", null, m.AwsRegion),
            el("td", { class: "num" }, num(m.ConfigurationItems)), el("td", { class: "num" }, num(m.PeriodicConfigurationItems)),
            el("td", { class: "num" }, num(m.RuleEvaluations)), el("td", { class: "num" }, num(m.ConformancePackEvaluations)),
            el("td", { class: "num" }, dollars(m.Cost)))), "Nothing recorded yet."),
        el("h2", null, "Per resource type"),
        table(["Month", "Resource type", "CIs#", "Cost#"], (r.ResourceTypes || []).map((t) =>
          el("tr", { class: "cost-type" }, el("td", null, t.Month), el("td", { class: "mono" }, t.ResourceType),
             el("td", { class: "num" }, num(t.ConfigurationItems)), el("td", { class: "num" }, dollars(t.Cost)))), "None."),
        el("h2", null, "Per rule"),
        table(["Month", "Rule", "Pack", "Evaluations#", "Cost#"], (r.Rules || []).map((x) =>
          el("tr", { class: "cost-rule" }, el("td", null, x.Month),
             el("td", null, el("a", { href: ruleHref(x.ConfigRuleName) }, x.ConfigRuleName)),
             el("td", null, x.ConformancePack === true ? "yes" : x.ConformancePack || ""), el("td", { class: "num" }, num(x.Evaluations)),
             el("td", { class: "num" }, dollars(x.Cost)))), "No rule evaluations."),
        el("h2", null, "Resources that change most"),
        table(["Resource type", "Resource", "CIs#", "Cost#"], (r.TopResources || []).map((x) =>
          el("tr", { class: "cost-top" }, el("td", { class: "mono" }, x.ResourceType),
             el("td", { class: "mono" }, el("a", { href: resourceHref(x.ResourceType, x.ResourceId),
                                                  class: "resource-link" }, x.ResourceId)),
             el("td", { class: "num" }, num(x.ConfigurationItems)), el("td", { class: "num" }, dollars(x.Cost)))), "None."),
        el("h2", null, "Advice"),
        table(["Resource type", "CI cost#", "Share#", "Exclusion saves#", "DAILY saves#", "Suggestion"],
          (r.Advice || []).map((x) => el("tr", { class: "cost-advice" }, el("td", { class: "mono" }, x.ResourceType),
            el("td", { class: "num" }, dollars(x.ConfigurationItemCost)),
            el("td", { class: "num" }, x.ShareOfConfigurationItemCost === undefined ? "—"
                                       : Math.round(x.ShareOfConfigurationItemCost * 1000) / 10 + "%"),
            el("td", { class: "num" }, dollars(x.ExclusionSaves)),
            el("td", { class: "num" }, x.DailyRecordingSaves === undefined ? "—" : dollars(x.DailyRecordingSaves)),
            el("td", null, x.Suggestion || ""))), "No advice: nothing recorded yet.")];
    });
  }

  /* ---- routing ---- */

  function parts() {
    const h = location.hash.replace(/^#\/?/, "");
    return h.split("/").map((p) => { try { return decodeURIComponent(p); } catch (e) { return p; } });
  }

  const NAV = ["search", "packs", "aggregators", "cost"];

  function route() {
    const seq = ++renderSeq;
    header();
    const p = parts();
    for (const a of document.querySelectorAll("header nav a"))
      a.classList.toggle("active", a.dataset.nav === (NAV.includes(p[0]) ? p[0] : p[0] ? "" : "dashboard"));
    if (!api.credentials() || p[0] === "signin") return signInPage({ code: "NotSignedIn" });
    let done;
    if (p[0] === "rule" && p[1]) done = rulePage(p.slice(1).join("/"));
    else if (p[0] === "resource" && p.length >= 3) done = resourcePage(p[1], p.slice(2).join("/"));
    else if (p[0] === "search") done = searchPage(p[1] || "", p[2] || "");
    else if (p[0] === "packs") done = packsPage(p.slice(1).join("/"));
    else if (p[0] === "aggregators") done = aggregatorsPage(p.slice(1).join("/"));
    else if (p[0] === "cost") done = costPage();
    else done = dashboard();
    Promise.resolve(done).finally(() => {
      if (seq === renderSeq) document.body.dataset.ready = location.hash || "#/";
    });
  }

  document.getElementById("signout").addEventListener("click", () => {
    api.signOut();
    location.hash = "#/signin";
  });
  document.getElementById("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.hash = "#/search/" + enc(document.getElementById("search-box").value.trim());
  });
  window.addEventListener("hashchange", () => { delete document.body.dataset.ready; route(); });
  route();
})();
