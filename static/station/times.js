// Times on the dashboard: written by the server in UTC (<time datetime data-fmt>, see
// station/dashboard/templatetags/dashboard_tags.py), shown in the browser's time zone when the
// user chooses so with the header's toggle (kept in localStorage). Every <span class="tz"> label
// says which zone the times are in. Fragments pushed later (htmx, websocket) are rewritten too.
(function () {
  "use strict";
  var KEY = "station-times";

  function local() {
    try { return window.localStorage.getItem(KEY) === "local"; } catch (e) { return false; }
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < (width || 2)) { s = "0" + s; }
    return s;
  }

  // The Django date format letters the server uses: Y m d H i s v.
  function write(date, fmt, inLocal) {
    var f = inLocal
      ? { Y: date.getFullYear(), m: date.getMonth() + 1, d: date.getDate(), H: date.getHours(),
          i: date.getMinutes(), s: date.getSeconds(), v: date.getMilliseconds() }
      : { Y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate(), H: date.getUTCHours(),
          i: date.getUTCMinutes(), s: date.getUTCSeconds(), v: date.getUTCMilliseconds() };
    return fmt.replace(/[YmdHisv]/g, function (letter) {
      return letter === "Y" ? pad(f.Y, 4) : letter === "v" ? pad(f.v, 3) : pad(f[letter]);
    });
  }

  function zoneName() {
    var minutes = -new Date().getTimezoneOffset();
    var sign = minutes < 0 ? "-" : "+";
    minutes = Math.abs(minutes);
    return "local time, UTC" + sign + pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }

  function apply(root) {
    var inLocal = local();
    var times = root.querySelectorAll ? root.querySelectorAll("time[data-fmt]") : [];
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) { continue; }
      var text = write(date, el.getAttribute("data-fmt"), inLocal);
      if (el.textContent !== text) { el.textContent = text; }
      var title = inLocal ? write(date, "Y-m-d H:i:s", false) + " UTC" : "";
      if (el.title !== title) { el.title = title; }
    }
    var labels = root.querySelectorAll ? root.querySelectorAll(".tz") : [];
    var name = inLocal ? zoneName() : "UTC";
    for (var j = 0; j < labels.length; j++) {
      if (labels[j].textContent !== name) { labels[j].textContent = name; }
    }
    var toggle = document.getElementById("time-zone-toggle");
    if (toggle) {
      toggle.setAttribute("aria-pressed", inLocal ? "true" : "false");
      toggle.textContent = inLocal ? "Times: local" : "Times: UTC";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    apply(document);
    var toggle = document.getElementById("time-zone-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        try { window.localStorage.setItem(KEY, local() ? "utc" : "local"); } catch (e) { /* private mode */ }
        apply(document);
      });
    }
    // Fragments swapped in by htmx or the live websocket.
    new MutationObserver(function (records) {
      for (var k = 0; k < records.length; k++) {
        var added = records[k].addedNodes;
        for (var n = 0; n < added.length; n++) {
          if (added[n].nodeType === 1) { apply(added[n].parentNode || added[n]); }
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
