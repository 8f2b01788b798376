/*
 * 督办提醒: the signed-in user's reminders and escalations from the SLA sweep
 * (GET /api/notifications), each acknowledged with one click (POST /api/notifications/{id}/read).
 * Shown above the tabs whenever something is unread; refreshed every minute.
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var timer = null;

  function item(n) {
    var button = el("button", { text: "知道了", className: "gc-link", attrs: { type: "button", "data-read": String(n.id) } });
    button.addEventListener("click", function () {
      button.disabled = true;
      GC.api("POST", "/api/notifications/" + encodeURIComponent(n.id) + "/read").then(refresh)
        .catch(function () { button.disabled = false; });
    });
    return el("li", { className: n.kind === "escalation" ? "gc-inbox-escalation" : "" }, [
      el("span", { text: (n.kind === "escalation" ? "【督办】" : "【提醒】") + n.text }), " ",
      el("span", { className: "gc-muted", text: n.created_at ? GC.time(n.created_at) : "" }), " ", button
    ]);
  }

  function render(data) {
    var items = data.items || [];
    $("gc-inbox").hidden = items.length === 0;
    $("gc-inbox-count").textContent = data.unread ? " " + data.unread : "";
    var list = GC.clear($("gc-inbox-items"));
    items.forEach(function (n) { list.appendChild(item(n)); });
  }

  function refresh() {
    if (!GC.me || !GC.token()) return Promise.resolve();  // signed out meanwhile
    return GC.api("GET", "/api/notifications").then(render).catch(function () { /* shown again next minute */ });
  }

  GC.tabs.inbox = {
    init: function () {
      clearInterval(timer);
      timer = setInterval(refresh, 60000);
      refresh();
      setTimeout(refresh, 3000);  // once more soon after sign-in: reminders written meanwhile show at once
    }
  };
})();
