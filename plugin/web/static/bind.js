// Browser binding where cookies are blocked (see plugin/web/launch_routes.py).
// On /launch/check: keep the launch's random value in this frame's sessionStorage, then go on
// to the EHR. On /callback: read it back and post it with the callback's parameters (a
// same-origin POST: the server refuses one from another site's page, plugin/web/request_origin.py).
(function () {
  "use strict";
  var root = document.getElementById("bind");
  if (!root) { return; }
  var key = "alliance-bind:" + root.getAttribute("data-state");
  function remember(value) {
    try {
      window.sessionStorage.setItem(key, value);
      return;
    } catch (e) { /* storage blocked: fall back on the frame's name */ }
    // The frame keeps its name across navigations (the EHR's sign-in pages can read it, so it
    // is used only where sessionStorage is blocked).
    window.name = key + "=" + value;
  }
  function framed() {
    try { return window.top !== window.self; } catch (e) { return true; }
  }
  function recall() {
    var value = null;
    try { value = window.sessionStorage.getItem(key); } catch (e) { value = null; }
    // window.name only inside a frame: a page of another site can name a window it opens
    // (window.open(url, name)), but cannot frame this app (CSP frame-ancestors).
    if (!value && framed() && window.name.indexOf(key + "=") === 0) {
      value = window.name.slice(key.length + 1);
    }
    try { window.sessionStorage.removeItem(key); } catch (e) { /* storage blocked */ }
    window.name = "";
    return value;
  }
  if (root.getAttribute("data-step") === "launch") {
    remember(root.getAttribute("data-value"));
    window.location.replace(root.getAttribute("data-next"));
  } else {
    var form = document.getElementById("bind-form");
    var value = recall();
    if (value) {
      form.elements["page_value"].value = value;
      form.submit();
    } else {
      document.getElementById("bind-missing").hidden = false;
    }
  }
})();
