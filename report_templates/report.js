{% raw %}
/* report.html as an app, offline: filters (search, department, action, severity) that live in the
   URL fragment (report.html#department=Legal&q=marsh), so a filtered view can be bookmarked or sent;
   in-page links that scroll without losing the filters; tables sorted by a click on a column head.
   Everything that shows one person (card, action row, contact-sheet tile) carries data-p,
   data-department, data-action and data-severity; filtered-out ones get the `hidden` attribute. */
(function () {
  "use strict";
  var SEVERITIES = ["info", "low", "medium", "high", "critical"];
  var FIELDS = ["q", "department", "action", "severity"];
  var form = document.getElementById("filters");
  var status = document.getElementById("filter-status");
  if (!form) { return; }
  var shown = Array.prototype.slice.call(document.querySelectorAll("[data-p]"));
  var cards = shown.filter(function (el) { return el.classList.contains("person"); });
  // what the search looks at: each person's name, id, title, department and finding codes (on the card)
  var searchText = {};
  cards.forEach(function (card) {
    searchText[card.dataset.p] = Array.prototype.map.call(card.querySelectorAll(".q"), function (n) {
      return n.textContent;
    }).join(" ").toLowerCase();
  });

  function current() {
    var s = {};
    FIELDS.forEach(function (k) {
      var v = form.elements[k].value.trim();
      if (v) { s[k] = v; }
    });
    return s;
  }

  function matches(el, s) {
    var d = el.dataset;
    if (s.department && d.department !== s.department) { return false; }
    if (s.action && d.action !== s.action) { return false; }
    if (s.severity && SEVERITIES.indexOf(d.severity) < SEVERITIES.indexOf(s.severity)) { return false; }
    if (s.q) {
      var words = s.q.toLowerCase().split(/\s+/);
      var text = searchText[d.p] || "";
      for (var i = 0; i < words.length; i++) { if (text.indexOf(words[i]) < 0) { return false; } }
    }
    return true;
  }

  function apply(s) {
    var n = 0;
    shown.forEach(function (el) {
      var ok = matches(el, s);
      el.hidden = !ok;
      if (ok && el.classList.contains("person")) { n++; }
    });
    // an action group with no one left in it disappears with its heading
    Array.prototype.forEach.call(document.querySelectorAll(".agroup"), function (g) {
      g.hidden = !g.querySelector("tr[data-p]:not([hidden])");
    });
    var active = Object.keys(s).length > 0;
    document.body.classList.toggle("filtered", active);
    status.textContent = active ? "Showing " + n + " of " + cards.length + " people" +
      " (" + describe(s) + ")" : "";
  }

  function describe(s) {
    var parts = [];
    if (s.department) { parts.push("department " + s.department); }
    if (s.action) { parts.push("action " + form.elements.action.selectedOptions[0].textContent); }
    if (s.severity) { parts.push("severity " + s.severity + (s.severity === "critical" ? "" : " or worse")); }
    if (s.q) { parts.push("search \u201c" + s.q + "\u201d"); }
    return parts.join(", ");
  }

  // a select takes a value from a link whatever its case ("legal" selects "Legal")
  function setField(name, value) {
    var el = form.elements[name];
    if (el.tagName === "SELECT") {
      var want = (value || "").toLowerCase();
      var hit = Array.prototype.find.call(el.options, function (o) { return o.value.toLowerCase() === want; });
      if (!hit && value) {  // a value this report does not have: keep it, so the view says "0 of N"
        hit = new Option(value, value);
        el.add(hit);
      }
      el.value = hit ? hit.value : "";
    } else {
      el.value = value || "";
    }
  }

  function fromFragment() {
    if (location.hash.indexOf("=") < 0) { return null; }  // a plain anchor (#people), not filters
    var params = new URLSearchParams(location.hash.slice(1));
    var s = {};
    FIELDS.forEach(function (k) { var v = params.get(k); if (v) { s[k] = v; } });
    return s;
  }

  function loadFragment() {
    var s = fromFragment();
    if (s === null) { return false; }
    FIELDS.forEach(function (k) { setField(k, s[k]); });
    apply(current());
    return true;
  }

  function update() {
    var s = current();
    apply(s);
    var frag = new URLSearchParams(s).toString();
    history.replaceState(null, "", frag ? "#" + frag : location.pathname + location.search);
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("reset", function () { setTimeout(update, 0); });
  window.addEventListener("hashchange", loadFragment);

  // in-page links scroll to their target and keep the filters in the address
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[href^='#']") : null;
    if (!a || a.getAttribute("href").indexOf("=") >= 0) { return; }
    var target = document.getElementById(a.getAttribute("href").slice(1));
    if (!target) { return; }
    ev.preventDefault();
    if (target.hidden) {  // a person the filters hide: show everyone rather than jump nowhere
      form.reset();
      update();
    }
    target.scrollIntoView({block: "start"});
    if (target.classList.contains("person")) {
      target.classList.add("target");
      setTimeout(function () { target.classList.remove("target"); }, 1600);
    }
  });

  // sortable tables: a click on a column head sorts each row group by that column
  function sortKey(row, i) {
    var cell = row.cells[i];
    var text = cell ? cell.textContent.trim() : "";
    var m = text.replace(/,/g, "").match(/^-?\d+(\.\d+)?/);
    return m ? [0, parseFloat(m[0]), ""] : [1, 0, text.toLowerCase()];
  }

  function compare(a, b) {
    if (a[0] !== b[0]) { return a[0] - b[0]; }
    if (a[1] !== b[1]) { return a[1] - b[1]; }
    return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.list"), function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        Array.prototype.forEach.call(table.tBodies, function (body) {
          var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains("more") && !r.classList.contains("total"); });
          var fixed = Array.prototype.filter.call(body.rows, function (r) { return rows.indexOf(r) < 0; });
          rows.sort(function (a, b) {
            var c = compare(sortKey(a, i), sortKey(b, i));
            return dir === "ascending" ? c : -c;
          });
          rows.concat(fixed).forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  });

  if (!loadFragment()) { apply({}); }
})();
{% endraw %}
