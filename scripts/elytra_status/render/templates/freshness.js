(function () {
  var t = document.getElementById("updated"), max = +t.getAttribute("data-max-age");
  // seen: the newest confirmation of what this page shows, first its build; skew: the server's clock minus ours.
  var built = Date.parse(t.getAttribute("datetime")), seen = built, skew = 0;
  function say(name, key, value) { return t.getAttribute("data-" + name).replace(key, value); }
  function tick() {
    var age = Math.max(0, Date.now() + skew - seen) / 1000, n = age < 120 ? ["s", age] : age < 7200 ? ["min", age / 60] : ["h", age / 3600];
    // A no-break space keeps "27 s" on one line on a phone.
    document.getElementById("ago").textContent = "\u00b7 " + say(n[0], "{n}", Math.floor(n[1])).replace(/(\d) /, "$1\u00a0");
    document.getElementById("stale").hidden = age <= max;
  }
  // Every complete run puts status.json up, so its updated_at says when the status was last confirmed. It
  // confirms this page only while it says the same; a newer one that differs asks for a reload.
  function check(answer, doc) {
    var at = Date.parse(doc.updated_at), now = Date.parse(answer.headers.get("Date"));
    if (!(at >= built)) return;
    // A cache's Date is the origin's; its Age says how long it has held the answer.
    if (now) skew = now + 1000 * (+answer.headers.get("Age") || 0) - Date.now();
    var same = [doc.platform_status, doc.maintenance, doc.backups.last_backup_status].join("/") === t.getAttribute("data-status");
    document.getElementById("changed").hidden = same;
    seen = same ? Math.max(seen, at) : built;
  }
  // Unreachable, refused or not JSON: the last time seen stands, quietly. A hidden tab asks nothing.
  function load() {
    if (!document.hidden) fetch(t.getAttribute("data-src"), {cache: "no-store"}).then(function (answer) {
      return answer.ok && answer.json().then(function (doc) { check(answer, doc); });
    }).catch(function () {}).then(tick);
  }
  // The first line once the fetch has answered, or at the first tick: no stale note that flashes.
  load(); setInterval(tick, 1000); setInterval(load, 15000);
  document.addEventListener("visibilitychange", load);
  var tip = document.getElementById("tip"), dot = t.getAttribute("data-decimal");
  function show(bar, i) {
    // "=": a day told like the day before it (bars.py): the nearest day that says it.
    for (var all = bar.getAttribute("data-details").split(","), j = i; all[j] === "=";) j--;
    var d = all[j].split(":"), day = new Date(Date.parse(tip.getAttribute("data-first")) + i * 864e5);
    var text = day.toISOString().slice(0, 10) + ": " + (d[0] === "-" ? t.getAttribute("data-no-data") : (d[0] ? say("uptime", "{p}", d[0].replace(".", dot) + "%") : t.getAttribute("data-unknown")) + ", " + say("not-up", "{m}", d[1] || 0));
    bar.setAttribute("aria-valuetext", text); bar.setAttribute("aria-valuenow", i); bar.title = text; tip.textContent = text;
  }
  Array.prototype.forEach.call(document.querySelectorAll(".bar"), function (bar) {
    var n = bar.getAttribute("data-details").split(",").length, i = n - 1;
    bar.addEventListener("mousemove", function (e) { var r = bar.getBoundingClientRect(); i = Math.min(n - 1, Math.floor((e.clientX - r.left) / r.width * n)); show(bar, i); });
    bar.addEventListener("focus", function () { show(bar, i); });
    bar.addEventListener("keydown", function (e) {
      if (e.key === "ArrowLeft" && i > 0) i--; else if (e.key === "ArrowRight" && i < n - 1) i++; else return;
      e.preventDefault(); show(bar, i);
    });
  });
})();
