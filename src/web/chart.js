/* chart.js — a small step chart as inline SVG (no library): compliance over time. Built with
 * DOM calls only (createElementNS, textContent); nothing from the data becomes markup. */
"use strict";
(function (global) {
  const NS = "http://www.w3.org/2000/svg";

  function svgEl(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* points: [{t: ms, ok: n, nc: n}] in time order. Returns an <svg> with the non-compliant and
   * compliant counts as step lines, a time axis and a count axis. */
  function stepChart(points) {
    const W = 900, H = 220, L = 44, R = 12, T = 12, B = 26;
    const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img",
                               "aria-label": "Compliance over time" });
    if (!points.length) {
      svg.appendChild(svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "No compliance history yet"));
      return svg;
    }
    const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 1);
    const max = Math.max(1, ...points.map((p) => Math.max(p.ok, p.nc)));
    const x = (t) => L + (W - L - R) * (t - t0) / (t1 - t0);
    const y = (v) => T + (H - T - B) * (1 - v / max);
    svg.appendChild(svgEl("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }));
    svg.appendChild(svgEl("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }));
    for (const v of [0, Math.round(max / 2), max])
      svg.appendChild(svgEl("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, String(v)));
    const span = t1 - t0; /* the labels' precision follows the span shown */
    const label = (t) => {
      const iso = new Date(t).toISOString();
      return span < 60e3 ? iso.slice(11, 23) : span < 86400e3 ? iso.slice(11, 19)
                                             : iso.slice(0, 16).replace("T", " ");
    };
    [[t0, "start"], [(t0 + t1) / 2, "middle"], [t1, "end"]].forEach(([t, anchor]) =>
      svg.appendChild(svgEl("text", { x: x(t), y: H - 8, "text-anchor": anchor }, label(t))));
    for (const [key, cls] of [["ok", "line-ok"], ["nc", "line-nc"]]) {
      let d = "";
      points.forEach((p, i) => {
        d += i === 0 ? "M" + x(p.t) + "," + y(p[key]) : "H" + x(p.t) + "V" + y(p[key]);
      });
      d += "H" + x(t1);
      svg.appendChild(svgEl("path", { d, class: cls }));
    }
    return svg;
  }

  global.PlumbChart = { stepChart };
})(window);
