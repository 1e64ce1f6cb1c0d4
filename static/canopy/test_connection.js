// Test Connection (R2): send the card form as it is on screen, show the POS's answer in words.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("test-connection");
  if (!button) return;
  var output = document.getElementById("test-connection-result");
  button.addEventListener("click", function () {
    var form = button.closest("form");
    output.textContent = "Testing...";
    output.className = "";
    fetch(button.dataset.url, {method: "POST", body: new FormData(form), credentials: "same-origin",
                               headers: {"X-Requested-With": "XMLHttpRequest"}})
      .then(function (response) { return response.json(); })
      .then(function (result) {
        output.textContent = (result.ok ? "Connected: " : "Failed: ") + result.message;
        output.className = result.ok ? "canopy-ok" : "canopy-error";
        output.style.color = result.ok ? "#2e7d32" : "#ba2121";
      })
      .catch(function () {
        output.textContent = "Failed: Canopy could not run the test. Try again.";
        output.style.color = "#ba2121";
      });
  });
});
