// The chart's hand-off page: ask every few seconds whether the client has opened the questions;
// when they have, reload, so the unlock code disappears and the page says what to do next.
(function () {
  "use strict";
  var root = document.getElementById("handoff");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-poll");
  function ask() {
    window.fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : { client_has_it: true }; })
      .then(function (state) {
        if (state.client_has_it) { window.location.reload(); } else { window.setTimeout(ask, 2000); }
      })
      .catch(function () { window.setTimeout(ask, 5000); });
  }
  window.setTimeout(ask, 2000);
})();
