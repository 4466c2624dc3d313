(function () {
  var t = document.getElementById("updated"), age = (Date.now() - Date.parse(t.getAttribute("datetime"))) / 1000;
  var max = +t.getAttribute("data-max-age"), m = Math.round(age / 60);
  function say(name, key, value) { return t.getAttribute("data-" + name).replace(key, value); }
  document.getElementById("ago").textContent = age < 90 ? t.getAttribute("data-just-now") : say("ago", "{n}", m);
  if (age > max) document.getElementById("stale").hidden = false;
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
