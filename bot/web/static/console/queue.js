/*
 * Dispatcher's queue: GET /api/tickets?status=...&sort=queue (urgent first, then the nearest
 * deadline), dispatch a pending or returned ticket to one of its recommended departments
 * (POST /api/tickets/{no}/dispatch). 一事多诉: a ticket linked to an earlier one of the same event
 * shows the evidence and follows its lead (no dispatch of its own); 确认关联 / 撤销关联
 * (POST /api/tickets/{no}/link/confirm | unlink).
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var timer = null;

  function act(t, path, body, label) {
    return GC.api("POST", "/api/tickets/" + encodeURIComponent(t.ticket_no) + "/" + path, body || {})
      .then(refresh)
      .catch(function (err) { $("queue-info").textContent = t.ticket_no + " " + label + "失败：" + err.message; });
  }

  // 一事多诉: the lead this ticket follows, with the evidence, and the buttons to confirm or undo.
  function linkBox(t) {
    if (t.link) {
      var state = t.link.status === "confirmed" ? "已确认" : "系统自动关联，待确认";
      var buttons = [];
      if (t.link.status !== "confirmed") {
        buttons.push(el("button", { text: "确认关联", attrs: { type: "button" }, on: { click: function () { act(t, "link/confirm", {}, "确认关联"); } } }));
      }
      buttons.push(el("button", { text: "撤销关联", attrs: { type: "button" }, on: { click: function () { act(t, "unlink", {}, "撤销关联"); } } }));
      return el("div", { className: "gc-link-box" }, [
        el("div", { text: "一事多诉：随主单 " + t.link.lead + " 办理（" + state + "）" }),
        el("div", { className: "gc-muted", text: "依据：" + ((t.link.evidence && t.link.evidence.text) || "—") }),
        el("span", { className: "gc-actions" }, buttons)]);
    }
    if (t.linked && t.linked.length) {
      return el("div", { className: "gc-link-box", text: "另有 " + t.linked.length + " 件相同诉求随本单办理：" +
        t.linked.map(function (l) { return l.ticket_no; }).join("、") });
    }
    return null;
  }

  function dispatchControl(t) {
    if (["pending_dispatch", "returned"].indexOf(t.status) < 0 || t.link) return null;
    var select = el("select", { attrs: { "aria-label": "承办部门" } });
    var why = el("div", { className: "gc-muted gc-reason" });
    function showReason() {  // why the selected department is suggested (dispatch catalog or similar tickets)
      var r = (t.routing || [])[select.selectedIndex];
      why.textContent = (r && r.reason && r.reason.text) || "";
    }
    (t.routing || []).forEach(function (r) {
      select.appendChild(el("option", { text: r.department + "（" + Math.round(r.score * 100) + "%）",
                                        attrs: { value: r.department, title: (r.reason && r.reason.text) || "" } }));
    });
    select.addEventListener("change", showReason);
    showReason();
    var other = el("input", { className: "gc-small", attrs: { placeholder: "或输入部门", "aria-label": "其他部门" } });
    var button = el("button", { text: "派单", attrs: { type: "button" }, on: { click: function () {
      var department = other.value.trim() || select.value;
      if (!department || button.disabled) return;
      button.disabled = true;
      GC.api("POST", "/api/tickets/" + encodeURIComponent(t.ticket_no) + "/dispatch",
             { department: department, version: t.version })
        .then(refresh)
        .catch(function (err) {
          button.disabled = false;
          if (err.status === 409 && GC.desk) {  // someone else got there first: say who and what
            GC.desk.conflict(t, "派单").then(function (r) { return refresh().then(function () { $("queue-info").textContent = r.message; }); });
            return;
          }
          $("queue-info").textContent = t.ticket_no + " 派单失败：" + err.message;
        });
    } } });
    return el("span", { className: "gc-actions" }, [select, other, button, why]);
  }

  function render(items) {
    var body = GC.clear($("queue-rows"));
    if (!items.length) {
      body.appendChild(el("tr", {}, [el("td", { className: "gc-muted", text: "没有工单", attrs: { colspan: "8" } })]));
    }
    items.forEach(function (t) {
      var desc = t.description.length > 60 ? t.description.slice(0, 59) + "…" : t.description;
      // a click on the row (not on its controls) opens the whole ticket (desk.js)
      body.appendChild(el("tr", { className: "gc-clickable" + (t.urgent ? " gc-row-urgent" : ""),
                                  attrs: { "data-ticket": t.ticket_no, "data-open-ticket": t.ticket_no, tabindex: "0" } }, [
        el("td", {}, [GC.light(t.light)]),
        el("td", { className: "gc-mono", text: t.ticket_no }),
        el("td", { text: GC.time(t.created_at) }),
        el("td", {}, [t.category, t.urgent ? el("span", { className: "gc-urgent", text: "急" }) : null,
          t.routing_unsure && !t.department ? el("span", { className: "gc-muted", text: " 待人工判断" }) : null]),
        el("td", {}, [el("div", { text: desc, attrs: { title: t.description } }), linkBox(t)]),
        el("td", { text: t.department || "—" }),
        el("td", { className: "gc-nowrap", text: t.status_label }),
        el("td", {}, [dispatchControl(t)])
      ]));
    });
  }

  function refresh() {
    var status = $("queue-status").value;
    var extra = GC.desk ? GC.desk.queueQuery() : "";  // search, filters and page (desk.js)
    return GC.api("GET", "/api/tickets?sort=queue" + (status ? "&status=" + encodeURIComponent(status) : "") + extra)
      .then(function (data) {
        render(data.items || []);
        $("queue-info").textContent = "共 " + (data.total !== undefined ? data.total : (data.items || []).length) +
          " 件，更新于 " + GC.time(new Date().toISOString());
        if (GC.desk) GC.desk.queueLoaded(data);
      })
      .catch(function (err) { $("queue-info").textContent = err.message; });
  }

  GC.tabs.queue = {
    init: function () {
      if (this.ready) return;
      this.ready = true;
      $("queue-status").addEventListener("change", refresh);
      $("queue-refresh").addEventListener("click", refresh);
    },
    open: function () {
      refresh();
      clearInterval(timer);
      timer = setInterval(function () { if (GC.current === "queue" && GC.me) refresh(); }, 15000);
    },
    refresh: refresh
  };
})();
