// A little progressive JavaScript; every page works without it.
(function () {
  "use strict";
  // a print job's progress, polled until it is finished; then the page shows the downloads
  var job = document.getElementById("job");
  if (job && (job.dataset.state === "queued" || job.dataset.state === "running")) {
    var bar = document.getElementById("progress");
    var label = document.getElementById("percent");
    var poll = function () {
      fetch(job.dataset.status, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state === "done" || s.state === "failed") { window.location.reload(); return; }
          if (bar) { bar.value = s.percent; }
          if (label) { label.textContent = label.textContent.replace(/\d+/, String(s.percent)); }
          window.setTimeout(poll, 700);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 500);
  }
  // one tap sends the photos once: the button is disabled while they upload
  var form = document.getElementById("check-form");
  if (form) {
    form.addEventListener("submit", function () {
      var button = document.getElementById("check-button");
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
  }
  // "few stalls" is chosen as soon as stall ids are typed
  var few = document.getElementById("stalls");
  if (few) {
    few.addEventListener("input", function () {
      var radio = document.getElementById("which-few");
      if (radio && few.value.trim()) { radio.checked = true; }
    });
  }
  var back = document.querySelector("[data-back]");
  if (back && window.history.length > 1) {
    back.addEventListener("click", function (e) { e.preventDefault(); window.history.back(); });
  }
})();
