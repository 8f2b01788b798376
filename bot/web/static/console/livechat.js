/*
 * Live chat queue: conversations whose citizen asked for a human (GET /api/livechat), the
 * conversation so far (from Rasa's tracker), replies delivered on the citizen's channel
 * (POST /api/livechat/{id}/reply) and closing (POST /api/livechat/{id}/close). Polls every 5 s.
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var selected = null, timer = null;
  var CHANNELS = { socketio: "网页", wechat: "微信公众号", miniprogram: "小程序", rest: "接口" };

  function renderDetail(h) {
    // the detail is drawn again every 5 s: what the agent is typing survives it
    var typing = $("chat-reply"), draft = typing && typing.getAttribute("data-handoff") === String(h.id) ? typing.value : "";
    var focused = typing && document.activeElement === typing;
    var box = GC.clear($("chat-detail"));
    box.appendChild(el("h3", { text: "会话 " + h.conversation_id.slice(0, 12) + " · " + (CHANNELS[h.channel] || h.channel || "未知渠道") +
                                   " · " + ({ waiting: "等待接入", active: "接待中", closed: "已结束" }[h.status] || h.status) }));
    var log = el("ol", { className: "gc-chat-log", attrs: { id: "chat-log" } });
    (h.transcript || []).forEach(function (m) {
      log.appendChild(el("li", { className: "gc-chat-" + m.from, text: m.text }));
    });
    box.appendChild(log);
    if (h.status === "closed") return;
    var input = el("textarea", { attrs: { id: "chat-reply", rows: "3", placeholder: "回复群众（回车发送）", "data-handoff": String(h.id) } });
    input.value = draft;
    var status = el("p", { className: "gc-muted", attrs: { id: "chat-status", role: "status" } });
    var send = function () {
      var text = input.value.trim();
      if (!text) return;
      GC.api("POST", "/api/livechat/" + h.id + "/reply", { text: text }).then(function () {
        input.value = "";
        status.textContent = "已发送";
        load(h.id);
      }).catch(function (err) { status.textContent = err.message; });
    };
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); send(); }
    });
    if (GC.canned) box.appendChild(GC.canned.picker(input));  // 常用语 (canned.js)
    box.appendChild(input);
    if (focused) input.focus();
    box.appendChild(el("div", { className: "gc-row" }, [
      el("button", { text: "发送", attrs: { type: "button", id: "chat-send" }, on: { click: send } }),
      el("button", { text: "结束会话", attrs: { type: "button" }, on: { click: function () {
        GC.api("POST", "/api/livechat/" + h.id + "/close").then(function () { selected = null; GC.clear($("chat-detail")); refresh(); })
          .catch(function (err) { status.textContent = err.message; });
      } } })
    ]));
    box.appendChild(status);
    log.scrollTop = log.scrollHeight;
  }

  function load(id) {
    selected = id;
    return GC.api("GET", "/api/livechat/" + id).then(renderDetail)
      .catch(function (err) { $("chat-info").textContent = err.message; });
  }

  function refresh() {
    return GC.api("GET", "/api/livechat?status=open").then(function (data) {
      var list = GC.clear($("chat-list"));
      var waiting = 0;
      data.items.forEach(function (h) {
        if (h.status === "waiting") waiting++;
        list.appendChild(el("li", { className: "gc-clickable gc-chat-item gc-chat-" + h.status + (h.id === selected ? " gc-selected" : ""),
                                    attrs: { "data-id": String(h.id), tabindex: "0" }, on: { click: function () { load(h.id); } } }, [
          el("strong", { text: (CHANNELS[h.channel] || h.channel || "未知渠道") + " · " + GC.time(h.requested_at) }),
          el("span", { className: "gc-muted", text: h.status === "waiting"
            ? " 等待接入，已等 " + Math.max(0, Math.round((Date.now() - new Date(h.requested_at).getTime()) / 60000)) + " 分钟"
            : " 接待中（" + (h.agent || "") + "）" }),
          el("div", { text: h.last_text || "" })
        ]));
      });
      if (!data.items.length) list.appendChild(el("li", { className: "gc-muted", text: "暂无等待人工的会话" }));
      $("gc-chat-count").textContent = waiting ? " " + waiting : "";
      $("chat-info").textContent = (data.in_service ? "服务时间内" : "当前非人工服务时间") + "（" + data.hours + "）";
      if (selected !== null && GC.current === "chat") load(selected);
    }).catch(function (err) { $("chat-info").textContent = err.message; });
  }

  GC.tabs.chat = {
    init: function (me) {
      if (this.ready) return;
      this.ready = true;
      $("chat-refresh").addEventListener("click", refresh);
      clearInterval(timer);
      timer = setInterval(function () { if (GC.me && ["dispatcher", "supervisor", "admin"].indexOf(GC.me.role) >= 0) refresh(); }, 5000);
    },
    open: refresh
  };
})();
