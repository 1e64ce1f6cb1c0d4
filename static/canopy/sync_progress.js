// Sync button (C3), Run Initial Sync (R4) and dry run (X2): queue the run, then poll its progress
// every second and show the result without reloading the page.
(function () {
  if (window.canopySyncLoaded) return;
  window.canopySyncLoaded = true;
  function csrf(panel) { return panel.querySelector("input[name=csrfmiddlewaretoken]").value; }
  function describe(run) {
    var c = run.counts;
    var text = "#" + run.id + " " + run.status_display + ": ";
    if (!run.progress.done) {
      return text + "pages " + run.progress.pages_done + ", records so far " + c.fetched;
    }
    text += run.message || "";
    text += " [created " + c.created + ", updated " + c.updated + ", unchanged " + c.unchanged +
            ", zeroed " + c.zeroed + ", flagged " + c.flagged + ", errors " + c.errors + "]";
    if (run.fix) text += " Fix: " + run.fix;
    if (run.verification && run.verification.pos_records !== undefined) {
      text += " Verification: " + run.verification.pos_records + " records from the POS, " +
              run.verification.menu_products + " products on the menu (" + run.verification.in_stock + " in stock).";
    }
    return text;
  }
  function poll(row, url) {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (run) {
      var status = row.querySelector(".sync-status");
      var bar = row.querySelector(".sync-bar");
      status.textContent = describe(run);
      row.dataset.status = run.status;
      if (run.progress.done) {
        bar.value = 1;
        row.classList.add("sync-done");
      } else {
        bar.removeAttribute("value");
        setTimeout(function () { poll(row, url); }, 1000);
      }
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".sync-button");
    if (!button) return;
    var panel = button.closest(".canopy-sync-panel");
    var row = panel.querySelector(".sync-progress-row[data-card='" + button.dataset.card + "']");
    var body = new FormData();
    body.append("card", button.dataset.card);
    if (button.dataset.trigger) body.append("trigger", button.dataset.trigger);
    if (button.dataset.dryRun) body.append("dry_run", "1");
    row.hidden = false;
    row.classList.remove("sync-done");
    row.querySelector(".sync-status").textContent = "Queuing...";
    fetch(panel.dataset.startUrl, {method: "POST", body: body, credentials: "same-origin",
                                   headers: {"X-CSRFToken": csrf(panel)}})
      .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); })
      .then(function (answer) {
        if (!answer.ok) { row.querySelector(".sync-status").textContent = answer.data.message; return; }
        row.querySelector(".sync-status").textContent = answer.data.message;
        poll(row, answer.data.progress_url);
      });
  });
})();
