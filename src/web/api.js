/* api.js — the console's client of plumb's AWS JSON 1.1 API (POST / with X-Amz-Target), the
 * same API the aws CLI uses. Credentials are kept in sessionStorage (this tab only, gone when
 * it closes; never in a URL, never in a cookie) and every request is SigV4-signed (sigv4.js).
 */
"use strict";
(function (global) {
  const KEY = "plumb.credentials";

  function credentials() {
    try {
      const c = JSON.parse(sessionStorage.getItem(KEY) || "null");
      return c && c.accessKeyId && c.secretAccessKey && c.region ? c : null;
    } catch (e) {
      return null;
    }
  }

  function signIn(accessKeyId, secretAccessKey, region) {
    sessionStorage.setItem(KEY, JSON.stringify({ accessKeyId, secretAccessKey, region }));
  }

  function signOut() {
    sessionStorage.removeItem(KEY);
  }

  /* An API error: code is the AWS __type ("NoSuchConfigRuleException"), status the HTTP one. */
  class ApiError extends Error {
    constructor(code, message, status) {
      super(message || code);
      this.code = code;
      this.status = status;
    }
  }

  /* Calls "StarlingDoveService.Op" (or "PlumbService.Op") with input (an object); resolves to
   * the parsed answer, rejects with an ApiError. */
  async function call(target, input) {
    const cred = credentials();
    if (!cred) throw new ApiError("NotSignedIn", "Sign in first.", 0);
    if (target.indexOf(".") < 0) target = "StarlingDoveService." + target;
    const body = JSON.stringify(input || {});
    const t0 = performance.now();
    const headers = await PlumbSigV4.sign(cred, location.host, target, body);
    const r = await fetch("/", { method: "POST", headers, body, credentials: "omit",
                                 cache: "no-store", referrerPolicy: "no-referrer" });
    let out = {};
    try {
      out = await r.json();
    } catch (e) {
      throw new ApiError("InternalFailure", "The server's answer is not JSON (HTTP " + r.status + ").", r.status);
    }
    performance.measure("api " + target.replace(/^.*\./, ""), { start: t0 }); /* for bench/console */
    if (!r.ok) {
      const code = String(out.__type || "Unknown").replace(/^.*#/, "");
      throw new ApiError(code, out.message || out.Message || code, r.status);
    }
    return out;
  }

  /* Operations whose page token is "nextToken" (the others spell it "NextToken"). */
  const LOWER_TOKEN = ["ListDiscoveredResources", "GetResourceConfigHistory",
                       "GetDiscoveredResourceCounts", "PlumbService.GetResourceTimeline"];

  /* Calls op page by page and concatenates the list under field; stops after maxPages (so a
   * huge store cannot hang the page). Resolves to {items, more, extra} (extra: the first page's
   * member extraField, when asked for). */
  async function all(op, input, field, maxPages, extraField) {
    const tokenName = LOWER_TOKEN.includes(op) ? "nextToken" : "NextToken";
    let items = [], token = null, pages = 0, extra;
    do {
      const req = Object.assign({}, input);
      if (token) req[tokenName] = token;
      const out = await call(op, req);
      if (pages === 0 && extraField) extra = out[extraField];
      items = items.concat(out[field] || []);
      token = out[tokenName] || null;
      pages++;
    } while (token && pages < (maxPages || 20));
    return { items, more: !!token, extra };
  }

  global.PlumbApi = { call, all, credentials, signIn, signOut, ApiError };
})(window);
