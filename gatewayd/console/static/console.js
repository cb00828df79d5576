// gatewayd console: draws a stage's live charts from its metrics endpoint, polled every second.
// Everything else on the console is plain HTML forms and works without this script.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  var SECONDS = parseInt(live.getAttribute("data-seconds"), 10) || 300;
  var src = live.getAttribute("data-src") + "?seconds=" + SECONDS;
  var W = 600, H = 160;

  function setText(id, v) {
    var el = document.getElementById(id);
    if (el) el.textContent = v;
  }

  // points maps one series of the last SECONDS seconds to polyline coordinates; missing seconds are 0.
  function points(pts, now, field, max) {
    var byT = {};
    pts.forEach(function (p) { byT[p.t] = p[field]; });
    var out = [];
    for (var i = 0; i < SECONDS; i++) {
      var t = now - SECONDS + 1 + i;
      var v = byT[t] || 0;
      var x = (i / (SECONDS - 1)) * W;
      var y = H - 2 - (max > 0 ? (v / max) * (H - 20) : 0);
      out.push(x.toFixed(1) + "," + y.toFixed(1));
    }
    return out.join(" ");
  }

  function draw(svgId, pts, now, fields, unit) {
    var svg = document.getElementById(svgId);
    var max = 0;
    pts.forEach(function (p) { fields.forEach(function (f) { if (p[f] > max) max = p[f]; }); });
    fields.forEach(function (f) {
      svg.querySelector(".line-" + f.replace("_ms", "")).setAttribute("points", points(pts, now, f, max));
    });
    svg.querySelector("[data-role=max]").textContent = "max " + max + unit;
    svg.setAttribute("data-max", String(max));
    return max;
  }

  function update(m) {
    setText("total-requests", m.totals.requests);
    setText("total-4xx", m.totals["4xx"]);
    setText("total-5xx", m.totals["5xx"]);
    setText("total-429", m.totals["429"]);
    setText("total-p50", m.totals.p50_ms + " ms");
    setText("total-p99", m.totals.p99_ms + " ms");
    setText("minute-requests", m.last_minute.requests);
    setText("minute-4xx", m.last_minute["4xx"]);
    setText("minute-5xx", m.last_minute["5xx"]);
    setText("minute-429", m.last_minute["429"]);
    setText("minute-p50", m.last_minute.p50_ms + " ms");
    setText("minute-p99", m.last_minute.p99_ms + " ms");
    var peak = draw("chart-requests", m.points, m.now, ["requests", "4xx", "5xx"], "/s");
    draw("chart-latency", m.points, m.now, ["p50_ms", "p99_ms"], " ms");
    var caption = live.querySelector("[data-role=peak]");
    if (caption) caption.textContent = "peak " + peak + "/s";
    setText("live-status", m.history ? "" : "Too many stages are watched at once: this one shows its totals only.");
  }

  function poll() {
    fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401) {
          setText("live-status", "Signed out: reload the page to sign in again.");
          return null;
        }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (m) {
        if (!m) return;
        update(m);
        setTimeout(poll, 1000);
      })
      .catch(function (e) {
        setText("live-status", "Could not read the metrics (" + e.message + "); retrying.");
        setTimeout(poll, 2000);
      });
  }
  poll();
})();
