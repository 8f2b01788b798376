/*
 * 答案评价 tab (admin; docs/feedback.md): the bot's answers citizens rated 👎 (widget) or answered
 * with "没解决", with the messages before them (GET /api/feedback/queue). The admin marks an answer
 * wrong with the right answer, or as fine; the reviewed ones export as candidate NLU examples and FAQ
 * entries (GET /api/feedback/export) for a person to add to the data — nothing is trained
 * automatically. All text is set as data, never as markup.
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var STATES = { pending: "待审核", wrong: "答案有误", ok: "答案无误" };

  function build() {
    var tabs = $("gc-tabs"), main = $("gc-app");
    if (!tabs || !main) return;
    tabs.appendChild(el("button", { text: "答案评价", attrs: { type: "button", "data-tab": "feedback", "data-roles": "admin" } }));
    var select = el("select", { attrs: { id: "fb-state", "aria-label": "审核状态" } }, Object.keys(STATES).map(function (k) {
      return el("option", { text: STATES[k], attrs: { value: k } });
    }));
    main.appendChild(el("section", { className: "gc-panel", attrs: { id: "tab-feedback", hidden: "" } }, [
      el("div", { className: "gc-row" }, [select, el("button", { text: "刷新", attrs: { type: "button", id: "fb-refresh" } }),
        el("button", { text: "导出候选数据", attrs: { type: "button", id: "fb-export" } }),
        el("span", { className: "gc-muted", attrs: { id: "fb-info" } })]),
      el("ol", { className: "gc-events", attrs: { id: "fb-items" } })]));
    select.addEventListener("change", function () { refresh(); });
    $("fb-refresh").addEventListener("click", function () { refresh(); });
    $("fb-export").addEventListener("click", exportCandidates);
  }

  function exportCandidates() {
    GC.api("GET", "/api/feedback/export").then(function (data) {
      var blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      var a = el("a", { attrs: { href: URL.createObjectURL(blob), download: "answer-candidates.json" } });
      document.body.appendChild(a);
      a.click();
      a.remove();
      $("fb-info").textContent = "已导出 " + data.faq_entries.length + " 条候选";
    }).catch(function (err) { $("fb-info").textContent = err.message; });
  }

  function render(item) {
    var correct = el("textarea", { value: item.correct_answer || "", attrs: { rows: "3", "aria-label": "正确答案" } });
    var note = el("input", { value: item.note || "", attrs: { "aria-label": "备注", placeholder: "备注（选填）" } });
    function review(verdict) {
      GC.api("POST", "/api/feedback/" + item.id + "/review", { verdict: verdict, correct_answer: correct.value, note: note.value })
        .then(function () { refresh(STATES[verdict]); })
        .catch(function (err) { $("fb-info").textContent = err.message; });
    }
    var context = el("details", {}, [el("summary", { text: "对话上下文" })].concat((item.context || []).map(function (m) {
      return el("p", { text: (m.from === "user" ? "市民：" : "助手：") + m.text });
    })));
    return el("li", { className: "gc-pub-item" }, [
      el("div", {}, [el("strong", { text: "👎 " }), GC.time(item.created_at) + " · " + item.channel +
        (item.reviewed_by ? " · " + STATES[item.verdict] + "（" + item.reviewed_by + "）" : "")]),
      el("p", { text: "市民问：" + (item.question || "（无）") }),
      el("p", { text: "助手答：" + item.answer }), context,
      el("label", {}, ["正确答案（标记“答案有误”时必填）", correct]), note,
      el("div", { className: "gc-row" }, [
        el("button", { text: "答案有误", attrs: { type: "button" }, on: { click: function () { review("wrong"); } } }),
        el("button", { text: "答案无误", className: "gc-link", attrs: { type: "button" }, on: { click: function () { review("ok"); } } })])]);
  }

  function refresh(done) {
    var state = $("fb-state").value;
    GC.api("GET", "/api/feedback/queue?state=" + encodeURIComponent(state)).then(function (data) {
      var list = GC.clear($("fb-items"));
      if (!data.items.length) list.appendChild(el("li", { className: "gc-muted", text: "暂无" + STATES[state] + "的评价" }));
      data.items.forEach(function (item) { list.appendChild(render(item)); });
      $("fb-info").textContent = (done ? "已标记为" + done + "；" : "") + "共 " + data.total + " 条 · 👍 " +
        data.ratings.up + " / 👎 " + data.ratings.down;
    }).catch(function (err) { $("fb-info").textContent = err.message; });
  }

  GC.tabs.feedback = { open: function () { refresh(); } };
  build();
})();
