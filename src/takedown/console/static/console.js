// Console keyboard shortcuts and the CSRF header for htmx requests. Everything also works
// without JavaScript (plain forms and links).
(function () {
  "use strict";
  var csrfNode = document.getElementById("csrf");
  var csrf = csrfNode ? JSON.parse(csrfNode.textContent) : "";
  document.body.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf;
  });
  // A reveal refused past the day's limit (429) answers with the still-blurred figure and why.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 429) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });

  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.case-row"));
  var selected = rows.length ? 0 : -1;
  function select(index) {
    if (!rows.length) return;
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    rows[selected].focus();
    rows[selected].scrollIntoView({ block: "nearest" });
  }
  if (rows.length) select(0);

  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "q") { window.location.href = "/console/queue"; }
      return;
    }
    if (key === "g") { pendingG = true; return; }
    if (key === "j") { select(selected + 1); event.preventDefault(); return; }
    if (key === "k") { select(selected - 1); event.preventDefault(); return; }
    if ((key === "Enter" || key === "o") && rows.length && selected >= 0) {
      window.location.href = rows[selected].dataset.href; event.preventDefault(); return;
    }
    if (key === "c") {
      var claim = rows.length && selected >= 0
        ? rows[selected].querySelector(".claim-button")
        : document.querySelector("#claim-form button");
      if (claim) { claim.click(); event.preventDefault(); }
      return;
    }
    if (key === "r") {
      var reveal = document.querySelector("figure.blurred .reveal-button");
      if (reveal) { reveal.click(); event.preventDefault(); }
      return;
    }
    if (key === "v" || key === "n") {
      var radio = document.getElementById(key === "v" ? "outcome-violating" : "outcome-no-violation");
      if (radio) { radio.checked = true; radio.focus(); event.preventDefault(); }
    }
  });
})();
