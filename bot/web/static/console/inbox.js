/*
 * 督办提醒: the signed-in user's reminders and escalations from the SLA sweep
 * (GET /api/notifications) and, for handlers and supervisors, the 电子监察 stage warnings of
 * approval applications (GET /api/supervision/notifications: yellow/red to the department, red
 * and 督办 to the supervisor), each acknowledged with one click (POST .../{id}/read).
 * Shown above the tabs whenever something is unread; refreshed every minute.
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var timer = null;

  var SUPERVISION_ROLES = ["handler", "supervisor"];
  var SOURCES = {
    tickets: { list: "/api/notifications", read: "/api/notifications/" },
    supervision: { list: "/api/supervision/notifications", read: "/api/supervision/notifications/" }
  };

  function label(n) {
    if (n.source === "supervision") return n.kind === "escalation" || n.level === "督办" ? "【电子监察·督办】" : "【电子监察】";
    return n.kind === "escalation" ? "【督办】" : "【提醒】";
  }

  function item(n) {
    var button = el("button", { text: "知道了", className: "gc-link",
      attrs: { type: "button", "data-read": String(n.id), "data-source": n.source } });
    button.addEventListener("click", function () {
      button.disabled = true;
      GC.api("POST", SOURCES[n.source].read + encodeURIComponent(n.id) + "/read").then(function () {
        var tab = GC.tabs.supervision;
        if (n.source === "supervision" && tab && tab.poll) tab.poll();  // the 电子监察 tab's count
        return refresh();
      }).catch(function () { button.disabled = false; });
    });
    var urgent = n.kind === "escalation" || n.level === "red" || n.level === "督办";
    return el("li", { className: urgent ? "gc-inbox-escalation" : "" }, [
      el("span", { text: label(n) + n.text }), " ",
      el("span", { className: "gc-muted", text: n.created_at ? GC.time(n.created_at) : "" }), " ", button
    ]);
  }

  function render(results) {
    var items = [], unread = 0;
    results.forEach(function (r) {
      unread += r.data.unread || 0;
      (r.data.items || []).forEach(function (n) { items.push(Object.assign({ source: r.source }, n)); });
    });
    items.sort(function (a, b) { return (b.created_at || "").localeCompare(a.created_at || ""); });
    $("gc-inbox").hidden = items.length === 0;
    $("gc-inbox-count").textContent = unread ? " " + unread : "";
    var list = GC.clear($("gc-inbox-items"));
    items.forEach(function (n) { list.appendChild(item(n)); });
  }

  function fetchSource(source) {
    return GC.api("GET", SOURCES[source].list).then(function (data) { return { source: source, data: data }; });
  }

  function refresh() {
    if (!GC.me || !GC.token()) return Promise.resolve();  // signed out meanwhile
    var sources = ["tickets"];
    if (SUPERVISION_ROLES.indexOf(GC.me.role) >= 0) sources.push("supervision");
    return Promise.all(sources.map(fetchSource)).then(render)
      .catch(function () { /* shown again next minute */ });
  }
  GC.refreshInbox = refresh;

  GC.tabs.inbox = {
    init: function () {
      clearInterval(timer);
      timer = setInterval(refresh, 60000);
      refresh();
      setTimeout(refresh, 3000);  // once more soon after sign-in: reminders written meanwhile show at once
    }
  };
})();
