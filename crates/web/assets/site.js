// kynnys progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Search as you type and live filters: fetch the same page and swap the results and filters.
  var form = document.getElementById("search-form");
  if (form && window.fetch && window.DOMParser) {
    var timer = null;
    var inflight = null;
    var refresh = function () {
      var params = new URLSearchParams(new FormData(form));
      Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) { params.delete(k); } });
      var url = form.action + "?" + params.toString();
      if (inflight) { inflight.abort(); }
      inflight = new AbortController();
      fetch(url, { signal: inflight.signal, headers: { "Accept": "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          ["results", "filters-heading"].forEach(function (id) {
            var fresh = doc.getElementById(id);
            var old = document.getElementById(id);
            if (!fresh || !old) { return; }
            var target = id === "results" ? old : old.closest("aside");
            var source = id === "results" ? fresh : fresh.closest("aside");
            if (target && source) { target.replaceWith(source); }
          });
          history.replaceState(null, "", url);
          shown = location.pathname + location.search;
          bindFilters();
        })
        .catch(function () {});
    };
    var bindFilters = function () {
      document.querySelectorAll("[form=search-form]").forEach(function (input) {
        if (input.tagName === "BUTTON" || input.dataset.bound) { return; }
        input.dataset.bound = "1";
        input.addEventListener("change", function () {
          // A changed filter is a new entry in the history, so the back button returns to it.
          var params = new URLSearchParams(new FormData(form));
          history.pushState(null, "", form.action + "?" + params.toString());
          shown = location.pathname + location.search;
          refresh();
        });
      });
    };
    var q = document.getElementById("q");
    if (q) {
      q.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, 200);
      });
    }
    bindFilters();
    // Back and forward between searches show the search of the URL; a jump to an anchor on the
    // page (the skip link) is not a new search.
    var shown = location.pathname + location.search;
    window.addEventListener("popstate", function () {
      if (location.pathname + location.search !== shown) { window.location.reload(); }
    });
  }

  // Tabs for the fi/sv/en texts of the editor.
  document.querySelectorAll("[data-tabs]").forEach(function (box) {
    var panels = Array.from(box.querySelectorAll(".tab-panel"));
    if (panels.length < 2) { return; }
    var list = document.createElement("div");
    list.className = "tab-list";
    list.setAttribute("role", "tablist");
    var select = function (index, focus) {
      panels.forEach(function (panel, i) {
        panel.hidden = i !== index;
        var tab = list.children[i];
        tab.setAttribute("aria-selected", String(i === index));
        tab.tabIndex = i === index ? 0 : -1;
        if (i === index && focus) { tab.focus(); }
      });
    };
    panels.forEach(function (panel, i) {
      var tab = document.createElement("button");
      tab.type = "button";
      tab.id = panel.id + "-tab";
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      tab.textContent = panel.dataset.tabLabel;
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      tab.addEventListener("click", function () { select(i, false); });
      tab.addEventListener("keydown", function (e) {
        if (e.key === "ArrowRight") { select((i + 1) % panels.length, true); }
        if (e.key === "ArrowLeft") { select((i + panels.length - 1) % panels.length, true); }
      });
      list.appendChild(tab);
    });
    box.insertBefore(list, panels[0]);
    // A panel with an error opens first.
    var invalid = panels.findIndex(function (p) { return p.contains(document.querySelector(location.hash || "#none")); });
    select(invalid >= 0 ? invalid : 0, false);
  });

  // Error summary links open the tab that holds the field.
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (a) {
    a.addEventListener("click", function () {
      var field = document.querySelector(a.getAttribute("href"));
      var panel = field && field.closest(".tab-panel");
      if (panel && panel.hidden) {
        var tab = document.getElementById(panel.id + "-tab");
        if (tab) { tab.click(); }
      }
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Print button on the handout.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
