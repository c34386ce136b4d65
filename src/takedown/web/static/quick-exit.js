// "Leave this page": for a reporter who must hide what they are doing at once. The button (or the
// Shift key pressed on its own three times within a second) replaces this page in the browser's history, so
// Back does not return here. Without JavaScript it is an ordinary link.
(function () {
  "use strict";
  var button = document.querySelector("[data-quick-exit]");
  if (!button) return;
  function leave(event) {
    if (event) event.preventDefault();
    document.body.style.visibility = "hidden";
    window.location.replace(button.href);
  }
  button.addEventListener("click", leave);
  // Only Shift pressed and released on its own counts (GOV.UK "Exit this page"): Shift held to
  // type a capital (Shift+C) is typing, and any other key starts the count again.
  var presses = [];
  var shiftAlone = false;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") {
      shiftAlone = false;
      presses = [];
      return;
    }
    if (!event.repeat) shiftAlone = true;
  });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift" || !shiftAlone) return;
    shiftAlone = false;
    var now = Date.now();
    presses = presses.filter(function (at) { return now - at < 1000; });
    presses.push(now);
    if (presses.length >= 3) leave();
  });
})();
