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

  // Any other refusal of an htmx action (403 once a case was referred away, 409, 422, a 5xx, no
  // answer at all) is said where the reviewer clicked, never swallowed: htmx swaps nothing on
  // an error by itself. One place for every htmx action of the console.
  function refusalText(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    var body = xhr.responseText || "";
    try {
      if (type.indexOf("json") !== -1) {
        var problem = JSON.parse(body);
        if (problem.detail) return problem.detail;
      } else if (type.indexOf("html") !== -1) {
        var doc = new DOMParser().parseFromString(body, "text/html");
        var said = doc.querySelector(".error-summary") || doc.querySelector("h1");
        if (said && said.textContent.trim()) return said.textContent.trim();
      }
    } catch (ignored) { /* fall through to the status */ }
    return "The server refused this (HTTP " + xhr.status + ").";
  }
  function showRefusal(element, text) {
    var anchor = (element && element.closest("form, figure")) || element || document.body;
    var note = anchor.nextElementSibling;
    if (!note || !note.classList.contains("htmx-refusal")) {
      note = document.createElement("p");
      note.className = "error-summary htmx-refusal";
      note.setAttribute("role", "alert");
      anchor.insertAdjacentElement("afterend", note);
    }
    note.textContent = "Not done: " + text + " Reload the page to see the case as it is now.";
  }
  document.body.addEventListener("htmx:responseError", function (event) {
    showRefusal(event.detail.elt, refusalText(event.detail.xhr));
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    showRefusal(event.detail.elt, "the server could not be reached.");
  });

  // After an htmx reveal the figure is replaced: focus moves to the new figure (tabindex=-1), so
  // the keyboard stays where it was and a screen reader reads the caption ("Revealed by you",
  // the break suggestion, or why it was withheld) instead of the focus falling to <body>.
  var swappedMedia = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    swappedMedia = target && target.matches && target.matches("figure.media") && event.detail.shouldSwap
      ? target.id : null;
  });
  // htmx:load fires on the new figure once it is in the page.
  document.body.addEventListener("htmx:load", function (event) {
    if (!swappedMedia || event.target.id !== swappedMedia) return;
    swappedMedia = null;
    event.target.focus();
  });

  // Queue rows: j/k move the selection; Enter/o open and c claims the selected row. Row 1 is
  // highlighted on load but not focused (the skip link, the menu and the search come first), and
  // focus landing in a row (Tab, a click) makes it the selected one, so keys act where you are.
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.case-row"));
  var selected = -1;
  function highlight(index) {
    selected = index;
    rows.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
  }
  function select(index) {
    if (!rows.length) return;
    highlight(Math.max(0, Math.min(rows.length - 1, index)));
    rows[selected].focus();
    rows[selected].scrollIntoView({ block: "nearest" });
  }
  if (rows.length) highlight(0);
  document.addEventListener("focusin", function (event) {
    var row = event.target && event.target.closest ? event.target.closest("tr.case-row") : null;
    if (row) highlight(rows.indexOf(row));
  });
  // Links, buttons and form controls keep their own Enter (and Space): the browser acts on them.
  var CONTROLS = "a[href], button, input, select, textarea, summary, [role=button], [contenteditable]";

  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var key = event.key;
    var onControl = !!(target && target.closest && target.closest(CONTROLS));
    var inRow = !!(target && target.closest && target.closest("tr.case-row"));
    if (pendingG) {
      pendingG = false;
      if (key === "q") { window.location.href = "/console/queue"; }
      return;
    }
    if (key === "g") { pendingG = true; return; }
    if (key === "j") { select(selected + 1); event.preventDefault(); return; }
    if (key === "k") { select(selected - 1); event.preventDefault(); return; }
    if (key === "Enter" && onControl) return;
    if ((key === "Enter" || key === "o") && rows.length && selected >= 0 && (inRow || !onControl)) {
      window.location.href = rows[selected].dataset.href; event.preventDefault(); return;
    }
    if (key === "c") {
      if (event.repeat) return;
      var claim = rows.length && selected >= 0
        ? rows[selected].querySelector(".claim-button")
        : document.querySelector("#claim-form button");
      if (claim) { claim.click(); event.preventDefault(); }
      return;
    }
    // No key reveals an original: a reveal is deliberate, one press of its own Reveal button
    // (WCAG 2.1.4; a held key used to reveal several).
    if (key === "v" || key === "n") {
      var radio = document.getElementById(key === "v" ? "outcome-violating" : "outcome-no-violation");
      if (radio) { radio.checked = true; radio.focus(); event.preventDefault(); }
    }
  });
})();
