// archlab experiment browser: live updates over server-sent events, zoom and pan of diagrams,
// folding branches of the search tree. Pages are rendered on the server and work without this file;
// it only adds what needs a script. No libraries, no build step.
(function () {
  "use strict";

  // ---- live updates ----
  var body = document.body;
  var events = body.getAttribute("data-events");
  var mode = body.getAttribute("data-live");
  var status = document.getElementById("live-status");
  var refreshing = false, pending = false;

  function swap(selector) {
    if (refreshing) { pending = true; return; }
    refreshing = true;
    fetch(location.href, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector(selector), old = document.querySelector(selector);
      if (fresh && old) { old.innerHTML = fresh.innerHTML; }
    }).catch(function () {}).then(function () {
      refreshing = false;
      if (pending) { pending = false; setTimeout(function () { swap(selector); }, 1000); }
    });
  }

  function notice(text) {
    var n = document.getElementById("live-notice");
    if (!n) {
      n = document.createElement("div");
      n.id = "live-notice";
      n.className = "notice";
      document.querySelector("main").prepend(n);
    }
    n.innerHTML = "";
    var a = document.createElement("a");
    a.href = location.href;
    a.textContent = text + " Reload to see them.";
    n.appendChild(a);
  }

  var source = null;
  function connect() {
    source = new EventSource(events);
    listen(source);
  }
  // A page left for another must let go of its stream: browsers allow six connections per server
  // over HTTP/1.1, and a page kept in the back-forward cache would otherwise hold one open.
  window.addEventListener("pagehide", function () { if (source) { source.close(); source = null; } });
  window.addEventListener("pageshow", function (e) { if (e.persisted && events && mode && !source) { connect(); } });
  var changedSoFar = 0;
  function listen(source) {
    source.addEventListener("hello", function () { if (status) { status.classList.add("connected"); } });
    source.addEventListener("experiments", function (e) {
      var d = JSON.parse(e.data);
      body.setAttribute("data-version", d.version);
      if (status) {
        status.textContent = d.status + " · " + d.total + " experiments · " + new Date().toLocaleTimeString();
        status.classList.add("connected");
      }
      if (mode === "fragment") {
        swap("#live");
      } else if (mode === "experiment") {
        var me = body.getAttribute("data-experiment");
        if (d.changed.some(function (c) { return c.id === me; })) { swap("main"); }
      } else if (mode === "notice") {
        changedSoFar += d.changed.length + d.more;
        notice(changedSoFar + " experiments changed since this page was drawn.");
      }
    });
    source.onerror = function () { if (status) { status.classList.remove("connected"); } };
  }
  if (events && mode && window.EventSource) { connect(); }

  // ---- zoom and pan of diagrams (the search tree, the architecture graph) ----
  function viewBox(svg) { return svg.getAttribute("viewBox").split(/\s+/).map(Number); }
  function setViewBox(svg, v) { svg.setAttribute("viewBox", v.join(" ")); }
  function zoom(svg, factor, cx, cy) {
    var v = viewBox(svg);
    if (cx === undefined) { cx = v[0] + v[2] / 2; cy = v[1] + v[3] / 2; }
    var w = v[2] * factor, h = v[3] * factor;
    setViewBox(svg, [cx - (cx - v[0]) * factor, cy - (cy - v[1]) * factor, w, h]);
  }
  document.querySelectorAll("svg.zoomable").forEach(function (svg) {
    svg.setAttribute("data-home", svg.getAttribute("viewBox"));
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var v = viewBox(svg), r = svg.getBoundingClientRect();
      var cx = v[0] + (e.clientX - r.left) / r.width * v[2], cy = v[1] + (e.clientY - r.top) / r.height * v[3];
      zoom(svg, e.deltaY < 0 ? 0.85 : 1 / 0.85, cx, cy);
    }, {passive: false});
    var drag = null;
    svg.addEventListener("mousedown", function (e) {
      if (e.target.closest("a") || e.target.closest("[data-fold]")) { return; }
      drag = {x: e.clientX, y: e.clientY, v: viewBox(svg)};
      svg.classList.add("dragging");
    });
    window.addEventListener("mousemove", function (e) {
      if (!drag) { return; }
      var r = svg.getBoundingClientRect();
      var dx = (e.clientX - drag.x) / r.width * drag.v[2], dy = (e.clientY - drag.y) / r.height * drag.v[3];
      setViewBox(svg, [drag.v[0] - dx, drag.v[1] - dy, drag.v[2], drag.v[3]]);
    });
    window.addEventListener("mouseup", function () { drag = null; svg.classList.remove("dragging"); });
  });
  document.querySelectorAll(".zoom-controls").forEach(function (c) {
    var svg = document.getElementById(c.getAttribute("data-target"));
    if (!svg) { return; }
    c.addEventListener("click", function (e) {
      var b = e.target.closest("button");
      if (!b) { return; }
      var z = b.getAttribute("data-zoom");
      if (z === "in") { zoom(svg, 0.8); } else if (z === "out") { zoom(svg, 1.25); }
      else { svg.setAttribute("viewBox", svg.getAttribute("data-home")); }
    });
  });

  // ---- a wide tree opens scrolled to its focus (or its first root) ----
  document.querySelectorAll(".tree-box").forEach(function (box) {
    var target = box.querySelector("g.node.focus") || box.querySelector("g.node[data-id]");
    if (!target) { return; }
    var b = target.getBoundingClientRect(), r = box.getBoundingClientRect();
    box.scrollLeft += (b.left + b.width / 2) - (r.left + r.width / 2);
  });

  // ---- folding a branch of the search tree ----
  document.querySelectorAll("svg.tree").forEach(function (svg) {
    var nodes = {}, kids = {};
    svg.querySelectorAll("g.node[data-id]").forEach(function (g) {
      var id = g.getAttribute("data-id"), p = g.getAttribute("data-parent");
      nodes[id] = g;
      (kids[p] = kids[p] || []).push(id);
    });
    function setHidden(id, hidden) {
      (kids[id] || []).forEach(function (k) {
        nodes[k].classList.toggle("hidden", hidden);
        svg.querySelectorAll("path[data-child]").forEach(function (p) {
          if (p.getAttribute("data-child") === k) { p.classList.toggle("hidden", hidden); }
        });
        if (!nodes[k].classList.contains("folded")) { setHidden(k, hidden); } else if (hidden) { setHidden(k, true); }
      });
    }
    svg.addEventListener("click", function (e) {
      var f = e.target.closest("[data-fold]");
      if (!f) { return; }
      var id = f.getAttribute("data-fold"), g = nodes[id];
      var folded = !g.classList.contains("folded");
      g.classList.toggle("folded", folded);
      f.querySelector("text").textContent = folded ? "+" : "−";
      setHidden(id, folded);
    });
  });
})();
