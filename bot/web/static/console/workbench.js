/*
 * Department workbench: the department's tickets with SLA lights and deadlines; a ticket's detail
 * and history; actions sign, contact, reply, resolve, return, extension (POST /api/tickets/{no}/{action}).
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var selected = null;

  // action → [label, statuses it applies to, fields [name, label, kind]]
  var ACTIONS = [
    ["sign", "签收", ["dispatched"], []],
    ["contact", "联系群众", ["signed"], [["note", "联系情况", "text"]]],
    ["reply", "答复", ["signed", "contacted"], [["text", "答复内容", "textarea"]]],
    ["resolve", "办结", ["contacted", "replied"], [["text", "办结说明（已答复可不填）", "textarea"]]],
    ["return", "退单", ["dispatched", "signed"], [["reason", "退单理由", "text"]]],
    ["extension", "申请延期", ["signed", "contacted", "replied"], [["days", "延期工作日", "number"], ["reason", "延期理由", "text"]]]
  ];

  function actionForm(t, a) {
    var inputs = {};
    var fields = a[3].map(function (f) {
      var input = f[2] === "textarea" ? el("textarea", { attrs: { rows: "3" } })
        : el("input", { attrs: { type: f[2] === "number" ? "number" : "text", min: "1", max: "30" } });
      input.setAttribute("data-field", f[0]);
      inputs[f[0]] = [input, f[2]];
      return el("label", { text: f[1] }, [input]);
    });
    var button = el("button", { text: a[1], attrs: { type: "submit", "data-action": a[0] } });
    var form = el("form", { className: "gc-action-form" }, fields.concat([button]));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = { version: t.version };
      Object.keys(inputs).forEach(function (k) {
        var v = inputs[k][0].value.trim();
        if (v) body[k] = inputs[k][1] === "number" ? parseInt(v, 10) : v;
      });
      if (button.disabled) return;
      button.disabled = true;
      form.requestKey = form.requestKey || GC.requestKey();  // a double submit acts once
      GC.api("POST", "/api/tickets/" + encodeURIComponent(t.ticket_no) + "/" + a[0], body, form.requestKey)
        .then(function (updated) { showDetail(updated); refresh(); })
        .catch(function (err) {
          button.disabled = false;
          form.requestKey = null;
          if (err.status === 409 && GC.desk) {  // someone else changed it: say who and what, show it as it is now
            GC.desk.conflict(t, a[1]).then(function (r) { showDetail(r.ticket); $("wb-message").textContent = r.message; })
              .catch(function (e) { $("wb-message").textContent = a[1] + "失败：" + (e && e.message || e); });
            return;
          }
          $("wb-message").textContent = a[1] + "失败：" + err.message;
        });
    });
    return form;
  }

  function showDetail(t) {
    selected = t.ticket_no;
    var box = GC.clear($("wb-detail"));
    box.appendChild(el("h3", {}, [GC.light(t.light), " " + t.ticket_no + " · " + t.status_label, " ",
      el("button", { className: "gc-link-button", text: "查看完整工单", attrs: { type: "button", "data-open-ticket": t.ticket_no } })]));
    var facts = [["类别", t.category + (t.urgent ? "（紧急）" : "")], ["承办部门", t.department || "—"],
                 ["承办人", t.handler || "—"], ["受理时间", GC.time(t.created_at)], ["签收时限", GC.time(t.sign_by)],
                 ["首次联系时限", GC.time(t.first_contact_by)], ["办结时限", GC.time(t.resolve_by)],
                 ["地点", t.location || "—"], ["联系人", (t.contact_name || "") + " " + (t.contact_phone || "")]];
    var dl = el("dl", { className: "gc-facts" });
    facts.forEach(function (f) { dl.appendChild(el("dt", { text: f[0] })); dl.appendChild(el("dd", { text: f[1] })); });
    box.appendChild(dl);
    box.appendChild(el("p", { className: "gc-description", text: t.description }));
    // 一事多诉: act on the lead — its followers are signed, answered and 办结 with it
    if (t.link) box.appendChild(el("p", { className: "gc-link-box", text: "一事多诉：随主单 " + t.link.lead +
      " 办理，主单的签收、答复、办结会同步到本单（" + ((t.link.evidence && t.link.evidence.text) || "") + "）" }));
    if (t.linked && t.linked.length) box.appendChild(el("p", { className: "gc-link-box", text: "一事多诉：另有 " +
      t.linked.length + " 件相同诉求随本单办理（" + t.linked.map(function (l) { return l.ticket_no; }).join("、") +
      "），本单的答复会送达每一位来电人" }));
    if (t.reply) box.appendChild(el("p", { className: "gc-reply", text: "答复：" + t.reply }));
    if (t.extension_pending) box.appendChild(el("p", { className: "gc-muted", text: "延期申请待审批：" + t.extension_pending.days + " 个工作日，" + t.extension_pending.reason }));
    box.appendChild(el("p", { className: "gc-error", attrs: { id: "wb-message", role: "alert" } }));
    var forms = el("div", { className: "gc-action-forms" });
    ACTIONS.forEach(function (a) { if (a[2].indexOf(t.status) >= 0) forms.appendChild(actionForm(t, a)); });
    box.appendChild(forms);
    var history = el("ol", { className: "gc-history" });
    (t.history || []).forEach(function (h) {
      var note = h.data && h.data.note ? h.data.note : "";  // 联系群众, 督办 and 催办 notes
      history.appendChild(el("li", { text: GC.time(h.at) + " " + h.label + "（" + h.actor + "）" + (h.reason ? "：" + h.reason : "") +
        (note && note !== h.reason ? "：" + note : "") }));
    });
    box.appendChild(el("h4", { text: "办理记录" }));
    box.appendChild(history);
  }

  function open(no) {
    GC.api("GET", "/api/tickets/" + encodeURIComponent(no)).then(showDetail)
      .catch(function (err) { $("wb-info").textContent = err.message; });
  }

  function render(items) {
    var body = GC.clear($("wb-rows"));
    if (!items.length) body.appendChild(el("tr", {}, [el("td", { className: "gc-muted", text: "没有工单", attrs: { colspan: "6" } })]));
    items.forEach(function (t) {
      var desc = t.description.length > 40 ? t.description.slice(0, 39) + "…" : t.description;
      var row = el("tr", { className: "gc-clickable" + (t.ticket_no === selected ? " gc-selected" : ""),
                           attrs: { "data-ticket": t.ticket_no, tabindex: "0" },
                           on: { click: function () { open(t.ticket_no); } } }, [
        el("td", {}, [GC.light(t.light)]),
        el("td", { className: "gc-mono", text: t.ticket_no }),
        el("td", { text: desc, attrs: { title: t.description } }),
        el("td", { className: "gc-nowrap", text: t.status_label }),
        el("td", { className: "gc-nowrap", text: GC.time(t.sign_by) }),
        el("td", { className: "gc-nowrap", text: GC.time(t.resolve_by) })
      ]);
      body.appendChild(row);
    });
  }

  function refresh() {
    var light = $("wb-light").value;
    return GC.api("GET", "/api/tickets" + (light ? "?light=" + light : "")).then(function (data) {
      var open = (data.items || []).filter(function (t) { return ["resolved", "closed"].indexOf(t.status) < 0; });
      render(open);
      var counts = { red: 0, yellow: 0, green: 0 };
      open.forEach(function (t) { counts[t.light] = (counts[t.light] || 0) + 1; });
      $("wb-info").textContent = "在办 " + open.length + " 件：红灯 " + counts.red + "，黄灯 " + counts.yellow + "，绿灯 " + counts.green;
    }).catch(function (err) { $("wb-info").textContent = err.message; });
  }

  GC.tabs.workbench = {
    init: function () {
      if (this.ready) return;
      this.ready = true;
      $("wb-refresh").addEventListener("click", refresh);
      $("wb-light").addEventListener("change", refresh);
    },
    open: refresh
  };
})();
