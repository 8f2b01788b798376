/*
 * 公开审核 tab (docs/publication.md): answered tickets whose citizen agreed to publication, with a
 * draft whose personal data is removed (GET /api/publication/queue). The moderator (supervisor,
 * admin) edits the draft and publishes it, or declines with a reason; published answers can be
 * withdrawn. The tab and its panel are built here. All text is set as data, never as markup.
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var STATES = { pending: "待审核", approved: "已公开", rejected: "不予公开", withdrawn: "已撤回" };

  function build() {
    var tabs = $("gc-tabs"), main = $("gc-app");
    if (!tabs || !main) return;
    tabs.appendChild(el("button", { text: "公开审核", attrs: { type: "button", "data-tab": "publication",
      "data-roles": "supervisor admin" } }));
    var select = el("select", { attrs: { id: "pub-state", "aria-label": "审核状态" } }, Object.keys(STATES).map(function (k) {
      return el("option", { text: STATES[k], attrs: { value: k } });
    }));
    main.appendChild(el("section", { className: "gc-panel", attrs: { id: "tab-publication", hidden: "" } }, [
      el("div", { className: "gc-row" }, [select, el("button", { text: "刷新", attrs: { type: "button", id: "pub-refresh" } }),
        el("span", { className: "gc-muted", attrs: { id: "pub-info" } })]),
      el("p", { className: "gc-muted", text: "市民同意公开且已办结的诉求。请核对隐去个人信息后的文本（姓名、电话、证件号、门牌号、车牌号），" +
        "可修改后公开；公开后在门户“诉求办理公开”页展示。" }),
      el("ol", { className: "gc-events", attrs: { id: "pub-items" } })]));
    select.addEventListener("change", function () { refresh(); });
    $("pub-refresh").addEventListener("click", function () { refresh(); });
  }

  function act(item, action, body, info) {
    return GC.api("POST", "/api/publication/" + encodeURIComponent(item.ticket_no) + "/" + action, body, GC.requestKey())
      .then(function () { refresh(info); })
      .catch(function (err) { $("pub-info").textContent = err.message; });
  }

  function render(item) {
    var shown = item.published || item.draft;
    var question = el("textarea", { value: shown.question, attrs: { rows: "4", "aria-label": "公开的诉求内容" } });
    var answer = el("textarea", { value: shown.answer, attrs: { rows: "4", "aria-label": "公开的答复内容" } });
    var buttons = [];
    if (item.state !== "approved") {
      buttons.push(el("button", { text: "公开", attrs: { type: "button" }, on: { click: function () {
        act(item, "approve", { question: question.value, answer: answer.value }, "已公开 " + item.ticket_no);
      } } }));
    }
    if (item.state === "pending" || item.state === "approved") {
      var verb = item.state === "pending" ? "reject" : "withdraw";
      buttons.push(el("button", { text: item.state === "pending" ? "不予公开" : "撤回", className: "gc-link",
        attrs: { type: "button" }, on: { click: function () {
          var reason = window.prompt("请填写理由：");
          if (reason) act(item, verb, { reason: reason }, STATES[verb === "reject" ? "rejected" : "withdrawn"] + " " + item.ticket_no);
        } } }));
    }
    return el("li", { className: "gc-pub-item" }, [
      el("div", {}, [el("strong", { text: item.ticket_no }), " " + item.category + " · " + (item.department || "—") +
        " · 受理 " + item.received + " · 答复 " + (item.answered || "—") + " · " + STATES[item.state] +
        (item.reason ? "（" + item.reason + "）" : "")]),
      el("details", {}, [el("summary", { text: "原文" }), el("p", { text: "诉求：" + (item.original.question || "") }),
        el("p", { text: "答复：" + (item.original.answer || "") })]),
      el("label", {}, ["公开的诉求", question]), el("label", {}, ["公开的答复", answer]),
      el("div", { className: "gc-row" }, buttons)]);
  }

  /* The list of the chosen state; ``done`` (what was just done) is shown before the count. */
  function refresh(done) {
    done = typeof done === "string" ? done + "；" : "";
    var state = $("pub-state").value;
    GC.api("GET", "/api/publication/queue?state=" + encodeURIComponent(state)).then(function (data) {
      var list = GC.clear($("pub-items"));
      if (!data.items.length) list.appendChild(el("li", { className: "gc-muted", text: "暂无" + STATES[state] + "的答复" }));
      data.items.forEach(function (item) { list.appendChild(render(item)); });
      $("pub-info").textContent = done + "共 " + data.total + " 条";
    }).catch(function (err) { $("pub-info").textContent = err.message; });
  }

  GC.tabs.publication = { open: function () { refresh(); } };
  build();
})();
