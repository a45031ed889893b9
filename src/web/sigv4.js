/* sigv4.js — AWS Signature Version 4 for the console's API calls, in the browser.
 *
 * The console signs every POST / exactly as the aws CLI does (service "config"), so the server
 * checks it with the same code as any other client (docs/security.md). The secret key never
 * leaves this tab: it is read from sessionStorage, used for HMACs and never sent.
 * SHA-256 and HMAC come from WebCrypto (crypto.subtle) where the page is a secure context
 * (https, or http on localhost / 127.0.0.1 / [::1]); elsewhere (plain http on another address)
 * browsers hide crypto.subtle, and the small SHA-256 below is used instead.
 */
"use strict";
(function (global) {
  const enc = new TextEncoder();

  /* ---- SHA-256 (FIPS 180-4), for pages without crypto.subtle ---- */
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function sha256js(msg) {
    const n = msg.length, total = ((n + 9 + 63) >> 6) << 6;
    const buf = new Uint8Array(total);
    buf.set(msg);
    buf[n] = 0x80;
    const dv = new DataView(buf.buffer);
    dv.setUint32(total - 8, Math.floor(n / 0x20000000));
    dv.setUint32(total - 4, (n << 3) >>> 0);
    const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const w = new Uint32Array(64);
    const rotr = (x, r) => (x >>> r) | (x << (32 - r));
    for (let off = 0; off < total; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + 4 * i);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
        const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        hh = g; g = f; f = e; e = (d + t1) >>> 0;
        d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    const out = new Uint8Array(32), ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) ov.setUint32(4 * i, h[i]);
    return out;
  }

  function hmacjs(key, msg) {
    if (key.length > 64) key = sha256js(key);
    const k = new Uint8Array(64);
    k.set(key);
    const ipad = new Uint8Array(64 + msg.length), opad = new Uint8Array(64 + 32);
    for (let i = 0; i < 64; i++) { ipad[i] = k[i] ^ 0x36; opad[i] = k[i] ^ 0x5c; }
    ipad.set(msg, 64);
    opad.set(sha256js(ipad), 64);
    return sha256js(opad);
  }

  /* ---- the two primitives, WebCrypto when the page may use it ---- */
  const subtle = global.crypto && global.crypto.subtle;

  async function sha256(bytes) {
    if (subtle) return new Uint8Array(await subtle.digest("SHA-256", bytes));
    return sha256js(bytes);
  }

  async function hmac(key, msg) {
    const m = typeof msg === "string" ? enc.encode(msg) : msg;
    if (subtle) {
      const k = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false,
                                       ["sign"]);
      return new Uint8Array(await subtle.sign("HMAC", k, m));
    }
    return hmacjs(key, m);
  }

  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

  /* "20261204T190000Z" for d. */
  function amzDate(d) {
    return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  }

  /* Returns the headers to send with a POST / of body (a string) to host, signed with cred
   * {accessKeyId, secretAccessKey, region}: Authorization, X-Amz-Date, X-Amz-Target and
   * Content-Type (the last three signed, as plumb requires). */
  async function sign(cred, host, target, body, now) {
    const date = amzDate(now || new Date()), day = date.slice(0, 8);
    const ctype = "application/x-amz-json-1.1";
    const signed = "content-type;host;x-amz-date;x-amz-target";
    const canon = ["POST", "/", "", "content-type:" + ctype, "host:" + host,
                   "x-amz-date:" + date, "x-amz-target:" + target, "", signed,
                   hex(await sha256(enc.encode(body)))].join("\n");
    const scope = day + "/" + cred.region + "/config/aws4_request";
    const sts = ["AWS4-HMAC-SHA256", date, scope, hex(await sha256(enc.encode(canon)))].join("\n");
    let k = await hmac(enc.encode("AWS4" + cred.secretAccessKey), day);
    k = await hmac(k, cred.region);
    k = await hmac(k, "config");
    k = await hmac(k, "aws4_request");
    const sig = hex(await hmac(k, sts));
    return {
      "Authorization": "AWS4-HMAC-SHA256 Credential=" + cred.accessKeyId + "/" + scope +
        ", SignedHeaders=" + signed + ", Signature=" + sig,
      "X-Amz-Date": date,
      "X-Amz-Target": target,
      "Content-Type": ctype,
    };
  }

  global.PlumbSigV4 = { sign, sha256js, hmacjs, hex, hasWebCrypto: !!subtle };
})(window);
