/* app.js — the console: a single page with hash routes, every view read through the AWS JSON
 * 1.1 API (api.js). Routes:
 *   #/                       compliance dashboard (rules, counts, non-compliant resources, trend)
 *   #/rule/NAME              one rule and its evaluation results
 *   #/resource/TYPE/ID       one resource: its configuration timeline with each version's diff,
 *                            and who made each change when the server links CloudTrail events
 *   #/search[/TERM[/TYPE]]   the inventory: counts by type, resources by id or name prefix
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
    fill(trend, () => complianceTrend());
    return ready;
  }

  function card(title, n, sub, cls, id) {
    return el("div", { class: "card " + cls, id }, el("div", { class: "n" }, n),
              el("div", null, title), sub ? el("div", { class: "note" }, sub) : null);
  }

  /* The trend: each AWS::Config::ResourceCompliance resource's CI history (the compliance of
   * one evaluated resource over time), replayed in time order into counts of compliant and
   * non-compliant resources. At most TREND_RESOURCES resources are read (a note says so). */
  const TREND_RESOURCES = 100;
  async function complianceTrend() {
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

  /* ---- routing ---- */

  function parts() {
    const h = location.hash.replace(/^#\/?/, "");
    return h.split("/").map((p) => { try { return decodeURIComponent(p); } catch (e) { return p; } });
  }

  function route() {
    const seq = ++renderSeq;
    header();
    const p = parts();
    for (const a of document.querySelectorAll("header nav a"))
      a.classList.toggle("active", a.dataset.nav === (p[0] === "search" ? "search" : p[0] ? "" : "dashboard"));
    if (!api.credentials() || p[0] === "signin") return signInPage({ code: "NotSignedIn" });
    let done;
    if (p[0] === "rule" && p[1]) done = rulePage(p.slice(1).join("/"));
    else if (p[0] === "resource" && p.length >= 3) done = resourcePage(p[1], p.slice(2).join("/"));
    else if (p[0] === "search") done = searchPage(p[1] || "", p[2] || "");
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
