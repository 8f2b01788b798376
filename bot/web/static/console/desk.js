/*
 * The agent desktop (#16), on top of the other tabs:
 * - the full ticket view (whole text, transcript, call notes and timer, routing suggestions with
 *   their reasons, history with every note, linked tickets), opened from every list: any element
 *   with data-open-ticket="GD…" (queue rows, workbench, caller history, dashboard events, the view's
 *   own links);
 * - the queue's search box, filters and pages (GET /api/tickets?q=&urgent=&from=&to=&offset=&limit=);
 * - urgent tickets waiting for dispatch: a red alert above the queue, a badge on the tab, the count
 *   in the page title and a short tone when a new one arrives, audible once the agent has clicked
 *   or typed anywhere (browsers block sound before that; polled every 15 s on every tab);
 * - the caller's context on a call: their previous tickets and open applications by phone
 *   (GET /api/console/caller, masked);
 * - "who changed what" when an action meets a newer version (409).
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var PAGE_SIZE = 50;
  var queue = { offset: 0, total: 0 };
  var seenUrgent = null;  // ticket numbers of urgent pending tickets already announced
  var urgentTimer = null;

  var SPEAKERS = { caller: "来电人", user: "市民", citizen: "市民", bot: "智能助手", agent: "坐席",
                   agent_notes: "坐席通话备注", call: "通话计时" };
  var DATA_LABELS = { note: "说明", text: "内容", days: "天数", reason: "理由", satisfaction: "满意度",
                      comment: "评价", department: "部门", handler: "承办人", lead: "主单", from_department: "原部门" };

  GC.desk = {};

  /* ---------- the full ticket view ---------- */

  function dialog() {
    var d = $("desk-ticket");
    if (d) return d;
    d = el("dialog", { className: "gc-dialog", attrs: { id: "desk-ticket", "aria-labelledby": "desk-ticket-title" } });
    document.body.appendChild(d);
    d.addEventListener("click", function (ev) { if (ev.target === d) d.close(); });  // click on the backdrop
    return d;
  }

  function section(title, children) {
    return el("section", { className: "gc-view-section" }, [el("h4", { text: title })].concat(children));
  }

  function ticketLink(no) {
    return el("button", { className: "gc-link-button gc-mono", text: no, attrs: { type: "button", "data-open-ticket": no } });
  }

  function historyLine(h) {
    var parts = [GC.time(h.at, true), h.label, "（" + h.actor + "）"];
    if (h.from && h.to && h.from !== h.to) parts.push("状态 " + h.from + " → " + h.to);
    var line = el("li", { className: "gc-history-item" }, [el("span", { text: parts.join(" ") })]);
    if (h.reason) line.appendChild(el("div", { className: "gc-note", text: "理由：" + h.reason }));
    var data = h.data || {};
    Object.keys(DATA_LABELS).forEach(function (k) {
      var v = data[k];
      if (v === null || v === undefined || v === "" || (k === "reason" && v === h.reason)) return;
      if (k === "department" && h.action !== "dispatch" && h.action !== "reassign") return;
      line.appendChild(el("div", { className: "gc-note", text: DATA_LABELS[k] + "：" + v }));
    });
    return line;
  }

  function render(t) {
    var d = GC.clear(dialog());
    var close = el("button", { className: "gc-dialog-close", text: "关闭", attrs: { type: "button", "aria-label": "关闭工单详情" },
                               on: { click: function () { d.close(); } } });
    d.appendChild(el("header", { className: "gc-dialog-head" }, [
      el("h3", { attrs: { id: "desk-ticket-title" } }, [GC.light(t.light), " ", el("span", { className: "gc-mono", text: t.ticket_no }),
        " · " + t.status_label, t.urgent ? el("span", { className: "gc-urgent", text: "紧急" }) : null]), close]));
    var facts = [["类别", t.category], ["承办部门", t.department || "—"], ["承办人", t.handler || "—"],
                 ["渠道", t.channel + (t.conversation_id ? "（" + t.conversation_id + "）" : "")],
                 ["受理时间", GC.time(t.created_at, true)], ["签收时限", GC.time(t.sign_by, true)],
                 ["首次联系时限", GC.time(t.first_contact_by, true)], ["办结时限", GC.time(t.resolve_by, true)],
                 ["地点", t.location || "—"], ["联系人", ((t.contact_name || "") + " " + (t.contact_phone || "")).trim() || "—"]];
    var dl = el("dl", { className: "gc-facts" });
    facts.forEach(function (f) { dl.appendChild(el("dt", { text: f[0] })); dl.appendChild(el("dd", { text: f[1] })); });
    d.appendChild(dl);
    d.appendChild(section("诉求内容", [el("p", { className: "gc-description gc-view-text", text: t.description })]));
    if (t.link || (t.linked && t.linked.length)) {
      var links = [];
      if (t.link) links.push(el("p", {}, ["一事多诉：随主单 ", ticketLink(t.link.lead), " 办理（" +
        (t.link.status === "confirmed" ? "已确认" : "系统自动关联，待确认") + "）",
        el("div", { className: "gc-muted", text: "依据：" + ((t.link.evidence && t.link.evidence.text) || "—") })]));
      if (t.linked && t.linked.length) {
        var p = el("p", {}, ["另有 " + t.linked.length + " 件相同诉求随本单办理："]);
        t.linked.forEach(function (l, i) { if (i) p.appendChild(document.createTextNode("、")); p.appendChild(ticketLink(l.ticket_no)); });
        links.push(p);
      }
      d.appendChild(section("关联工单", links));
    }
    var routing = el("ol", { className: "gc-view-routing" });
    (t.routing || []).forEach(function (r) {
      routing.appendChild(el("li", {}, [el("strong", { text: r.department }), " " + Math.round((r.score || 0) * 100) + "%",
        el("div", { className: "gc-muted", text: (r.reason && r.reason.text) || "" })]));
    });
    if (!routing.firstChild) routing.appendChild(el("li", { className: "gc-muted", text: "无" }));
    d.appendChild(section("派单建议及理由" + (t.routing_unsure ? "（系统把握不足，待人工判断）" : ""), [routing]));
    var transcript = el("ol", { className: "gc-view-transcript" });
    (t.transcript || []).forEach(function (m) {
      var who = SPEAKERS[m.from] || m.from || "—";
      transcript.appendChild(el("li", { className: "gc-tx-" + (m.from || "other") }, [
        el("span", { className: "gc-tx-who", text: who + "：" }), el("span", { className: "gc-tx-text", text: m.text || "" })]));
    });
    if (!transcript.firstChild) transcript.appendChild(el("li", { className: "gc-muted", text: "无对话或通话记录" }));
    d.appendChild(section("对话 / 通话记录及备注", [transcript]));
    if (t.reply) d.appendChild(section("答复", [el("p", { className: "gc-description", text: t.reply })]));
    var history = el("ol", { className: "gc-history" });
    (t.history || []).forEach(function (h) { history.appendChild(historyLine(h)); });
    d.appendChild(section("办理记录", [history]));
    if (!d.open) d.showModal();
    close.focus();
  }

  GC.desk.openTicket = function (no) {
    return GC.api("GET", "/api/tickets/" + encodeURIComponent(no)).then(render).catch(function (err) {
      window.alert("无法打开工单 " + no + "：" + err.message);
    });
  };

  function opener(ev) {
    var target = ev.target.closest("[data-open-ticket]");
    if (!target) return;
    // controls inside a row (派单, 确认关联, the department select...) do their own thing
    var control = ev.target.closest("button, select, input, textarea, a, label");
    if (control && control !== target) return;
    if (ev.type === "keydown" && ev.key !== "Enter") return;
    if (ev.type === "keydown" && target.tagName === "BUTTON") return;  // a button's Enter is its click
    ev.preventDefault();
    GC.desk.openTicket(target.getAttribute("data-open-ticket"));
  }

  /* ---------- who changed what (409) ---------- */

  /* The ticket as it is now and a sentence saying who changed it since ``seen`` was read. */
  GC.desk.conflict = function (seen, label) {
    return GC.api("GET", "/api/tickets/" + encodeURIComponent(seen.ticket_no)).then(function (now) {
      var known = (seen.history || []).length;
      var changes = (now.history || []).slice(known).map(function (h) {
        return h.actor + " 于 " + GC.time(h.at) + " " + h.label + (h.reason ? "（" + h.reason + "）" : "");
      });
      var message = "「" + label + "」未执行：工单 " + now.ticket_no + " 已被他人更新——" +
        (changes.length ? changes.join("；") : "内容已变化") + "。当前状态：" + now.status_label + "，请核对后再操作。";
      return { ticket: now, message: message };
    });
  };

  /* ---------- queue search, filters, pages; urgent alert ---------- */

  function searchBar() {
    var panel = $("tab-queue");
    if (!panel || $("queue-q")) return;
    var bar = el("form", { className: "gc-row gc-search", attrs: { id: "queue-search", role: "search" } }, [
      el("input", { attrs: { id: "queue-q", type: "search", placeholder: "工单号、电话、内容、地点、部门", "aria-label": "搜索工单" } }),
      el("label", {}, ["紧急 ", el("select", { attrs: { id: "queue-urgent" } }, [
        el("option", { text: "全部", attrs: { value: "" } }), el("option", { text: "仅紧急", attrs: { value: "true" } }),
        el("option", { text: "非紧急", attrs: { value: "false" } })])]),
      el("label", {}, ["受理日期 ", el("input", { attrs: { id: "queue-from", type: "date", "aria-label": "起始日期" } })]),
      el("label", {}, ["至 ", el("input", { attrs: { id: "queue-to", type: "date", "aria-label": "截止日期" } })]),
      el("button", { text: "搜索", attrs: { type: "submit", id: "queue-search-go" } }),
      el("button", { className: "gc-secondary", text: "清除", attrs: { type: "button", id: "queue-search-clear" } })
    ]);
    var alert = el("div", { className: "gc-urgent-alert", attrs: { id: "queue-alert", role: "alert" } });
    alert.hidden = true;
    var pager = el("div", { className: "gc-row gc-pager" }, [
      el("button", { className: "gc-secondary", text: "上一页", attrs: { type: "button", id: "queue-prev" } }),
      el("span", { attrs: { id: "queue-page" } }),
      el("button", { className: "gc-secondary", text: "下一页", attrs: { type: "button", id: "queue-next" } })]);
    var table = panel.querySelector("table");
    panel.insertBefore(alert, panel.firstChild);
    panel.insertBefore(bar, table);
    panel.appendChild(pager);
    function again(offset) { queue.offset = offset; if (GC.tabs.queue) GC.tabs.queue.refresh(); }
    bar.addEventListener("submit", function (ev) { ev.preventDefault(); again(0); });
    $("queue-urgent").addEventListener("change", function () { again(0); });
    $("queue-search-clear").addEventListener("click", function () {
      ["queue-q", "queue-from", "queue-to", "queue-urgent"].forEach(function (id) { $(id).value = ""; });
      again(0);
    });
    $("queue-status").addEventListener("change", function () { queue.offset = 0; });
    $("queue-prev").addEventListener("click", function () { again(Math.max(0, queue.offset - PAGE_SIZE)); });
    $("queue-next").addEventListener("click", function () { again(queue.offset + PAGE_SIZE); });
  }

  GC.desk.queueQuery = function () {
    var out = "&limit=" + PAGE_SIZE + "&offset=" + queue.offset;
    [["q", "queue-q"], ["urgent", "queue-urgent"], ["from", "queue-from"], ["to", "queue-to"]].forEach(function (p) {
      var v = $(p[1]) && $(p[1]).value.trim();
      if (v) out += "&" + p[0] + "=" + encodeURIComponent(v);
    });
    return out;
  };

  GC.desk.queueLoaded = function (data) {
    queue.total = data.total || 0;
    var pages = Math.max(1, Math.ceil(queue.total / PAGE_SIZE));
    var page = Math.floor(queue.offset / PAGE_SIZE) + 1;
    if ($("queue-page")) $("queue-page").textContent = "第 " + page + " / " + pages + " 页";
    if ($("queue-prev")) $("queue-prev").disabled = queue.offset <= 0;
    if ($("queue-next")) $("queue-next").disabled = queue.offset + PAGE_SIZE >= queue.total;
    checkUrgent();
  };

  /* The alert tone. Browsers keep an AudioContext "suspended" until the page gets a user gesture
   * (autoplay policy), and one created later by a timer stays silent: the context is created and
   * resumed on the agent's first click or key press. A tone due before that is not heard; the badge
   * on the 派单队列 tab, the alert, a hint in it and the page title show the urgent tickets anyway. */
  var sound = { ctx: null, played: 0, missed: 0 };
  GC.desk.sound = sound;

  function soundOn() { return !!(sound.ctx && sound.ctx.state === "running"); }

  function soundHint() {
    var hint = $("queue-sound");
    if (hint) hint.hidden = soundOn();
  }

  function unlockSound() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      sound.ctx = sound.ctx || new Ctx();
      if (sound.ctx.state !== "running") sound.ctx.resume().then(soundHint, soundHint);
      else soundHint();
    } catch (e) { /* no sound: the alert and the badge remain */ }
  }

  function beep() {
    if (!soundOn()) { sound.missed += 1; return; }
    try {
      var ctx = sound.ctx, osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.1;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.3);
      sound.played += 1;
    } catch (e) { sound.missed += 1; }
  }

  var baseTitle = null;
  function showTitle(count) {
    if (baseTitle === null) baseTitle = document.title;
    document.title = (count ? "【紧急" + count + "】" : "") + baseTitle;
  }

  function showUrgent(items) {
    var alert = $("queue-alert");
    var tab = document.querySelector("#gc-tabs button[data-tab='queue']");
    var badge = $("queue-urgent-count");
    if (tab && !badge) {
      badge = el("span", { className: "gc-count", attrs: { id: "queue-urgent-count", title: "待派单紧急工单" } });
      tab.appendChild(badge);
    }
    if (badge) badge.textContent = items.length ? String(items.length) : "";
    if (alert) {
      GC.clear(alert);
      alert.hidden = !items.length;
      if (items.length) {
        alert.appendChild(el("strong", { text: "紧急工单 " + items.length + " 件待派单：" }));
        items.slice(0, 5).forEach(function (t, i) {
          if (i) alert.appendChild(document.createTextNode("；"));
          alert.appendChild(ticketLink(t.ticket_no));
          alert.appendChild(document.createTextNode(" " + t.category + " " +
            (t.description.length > 30 ? t.description.slice(0, 29) + "…" : t.description)));
        });
        alert.appendChild(el("span", { className: "gc-sound-hint", text: "（提示音未开启：点击页面任意处即可开启）",
          attrs: { id: "queue-sound" } }));
        soundHint();
      }
    }
    showTitle(items.length);
    var fresh = items.filter(function (t) { return seenUrgent && !seenUrgent[t.ticket_no]; });
    seenUrgent = {};
    items.forEach(function (t) { seenUrgent[t.ticket_no] = true; });
    if (fresh.length) beep();
  }

  function checkUrgent() {
    if (!GC.me || ["dispatcher", "supervisor", "admin"].indexOf(GC.me.role) < 0) return;
    var pending = GC.api("GET", "/api/tickets?sort=queue&status=pending_dispatch&urgent=true&limit=50");
    var returned = GC.api("GET", "/api/tickets?sort=queue&status=returned&urgent=true&limit=50");
    Promise.all([pending, returned]).then(function (r) {
      showUrgent((r[0].items || []).concat(r[1].items || []));
    }).catch(function () { /* the queue itself shows errors */ });
  }

  /* ---------- the caller's context on a call ---------- */

  function callerBox() {
    var box = $("call-caller");
    if (box) return box;
    var phone = $("ticket-phone");
    if (!phone) return null;
    box = el("div", { className: "gc-caller", attrs: { id: "call-caller", "aria-live": "polite" } });
    box.hidden = true;
    phone.parentNode.parentNode.insertBefore(box, phone.parentNode.nextSibling);
    return box;
  }

  var lastPhone = null;
  var lookupCaller = GC.debounce(function () {
    var box = callerBox();
    if (!box) return;
    var phone = $("ticket-phone").value.trim();
    if (!/^1[3-9]\d{9}$/.test(phone)) { lastPhone = null; box.hidden = true; GC.clear(box); return; }
    if (phone === lastPhone) return;
    lastPhone = phone;
    GC.api("GET", "/api/console/caller?phone=" + encodeURIComponent(phone)).then(function (c) {
      if ($("ticket-phone").value.trim() !== phone) return;
      GC.clear(box);
      box.hidden = false;
      box.appendChild(el("strong", { text: "来电人 " + c.phone + "：历史工单 " + c.tickets.length + " 件（在办 " +
        c.open_tickets + " 件），在办申请 " + c.applications.length + " 件" }));
      var list = el("ul", { className: "gc-caller-list" });
      c.tickets.slice(0, 5).forEach(function (t) {
        list.appendChild(el("li", {}, [ticketLink(t.ticket_no), " " + GC.time(t.created_at) + " " + t.category + " ",
          el("span", { className: "gc-nowrap", text: t.status_label }), " " + (t.department || "") + " — " + t.description]));
      });
      c.applications.forEach(function (a) {
        list.appendChild(el("li", { text: "申请 " + a.application_no + " " + a.item_name + "（" + a.department + "，" +
          GC.time(a.submitted_at) + " 提交，办理中）" }));
      });
      if (list.firstChild) box.appendChild(list);
    }).catch(function (err) {
      lastPhone = null;
      box.hidden = false;
      box.textContent = "来电人历史查询失败：" + err.message;
    });
  }, 300);

  /* ---------- start ---------- */

  document.addEventListener("DOMContentLoaded", function () {
    // the first gesture anywhere unlocks the tone (capture: before any handler stops it)
    document.addEventListener("pointerdown", unlockSound, true);
    document.addEventListener("keydown", unlockSound, true);
    document.addEventListener("click", opener);
    document.addEventListener("keydown", opener);
    searchBar();
    var phone = $("ticket-phone");
    if (phone) phone.addEventListener("input", lookupCaller);
    var newCall = $("call-new");
    if (newCall) newCall.addEventListener("click", function () { lookupCaller(); });
    // Ergonomics: Alt+N new call, Alt+T the ticket form's description, Alt+Q the queue search
    document.addEventListener("keydown", function (ev) {
      if (!ev.altKey || !GC.me) return;
      var k = ev.key.toLowerCase();
      if (k === "n" && $("call-new")) { ev.preventDefault(); GC.show("call"); $("call-new").click(); $("call-input").focus(); }
      if (k === "t" && $("ticket-description")) { ev.preventDefault(); GC.show("call"); $("ticket-description").focus(); }
      if (k === "q" && $("queue-q")) { ev.preventDefault(); GC.show("queue"); $("queue-q").focus(); }
    });
    clearInterval(urgentTimer);
    urgentTimer = setInterval(function () { if (GC.me) checkUrgent(); }, 15000);
  });

  // After login (core.js calls each tab's init): the first urgent check, without waiting 15 s.
  GC.tabs.desk = { init: function () { seenUrgent = null; checkUrgent(); } };
  GC.desk.checkUrgent = checkUrgent;
})();
