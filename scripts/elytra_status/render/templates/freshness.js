(function () {
  var t = document.getElementById("updated"), age = (Date.now() - Date.parse(t.getAttribute("datetime"))) / 1000;
  var max = +t.getAttribute("data-max-age"), m = Math.round(age / 60);
  document.getElementById("ago").textContent = age < 90 ? "updated just now" : "updated " + m + " minutes ago";
  if (age > max) document.getElementById("stale").hidden = false;
  var tip = document.getElementById("tip");
  function show(bar, i) {
    var d = bar.getAttribute("data-details").split(",")[i].split(":"), day = new Date(Date.parse(bar.getAttribute("data-first")) + i * 864e5);
    var text = day.toISOString().slice(0, 10) + ": " + (d[0] === "-" ? "no data" : (d[0] ? d[0] + "% uptime" : "uptime not yet known") + ", " + (d[1] || 0) + " min not up");
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
