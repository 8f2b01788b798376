/*
 * 电子监察 tab (docs/supervision.md): for the supervisor the board (GET /api/supervision/board):
 * open applications by light, 按时办结率 per department, working days per stage against the limit,
 * the weekly trend (Apache ECharts, vendor/echarts.min.js) and the overdue list with 督办; for
 * handlers and the supervisor the stage warnings (GET /api/supervision/notifications), where a
 * department explains a red stage. The tab and its panel are built here, so the console page
 * itself only lists this script. All text is set as data, never as markup.
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var charts = {};

  function build() {
    var tabs = $("gc-tabs"), main = $("gc-app");
    if (!tabs || !main) return;
    tabs.appendChild(el("button", { attrs: { type: "button", "data-tab": "supervision",
      "data-roles": "handler supervisor admin" } }, ["电子监察", el("span", { className: "gc-count", attrs: { id: "sup-count" } })]));
    var panel = el("section", { className: "gc-panel", attrs: { id: "tab-supervision", hidden: "" } }, [
      el("div", { className: "gc-row" }, [el("button", { text: "刷新", attrs: { type: "button", id: "sup-refresh" } }),
        el("span", { className: "gc-muted", attrs: { id: "sup-info" } })]),
      el("h3", { text: "预警提醒" }),
      el("ul", { className: "gc-events", attrs: { id: "sup-warnings" } }),
      el("div", { attrs: { id: "sup-board" } }, [
        el("div", { className: "gc-lights", attrs: { id: "sup-lights" } }),
        el("div", { className: "gc-charts" }, ["sup-chart-deps", "sup-chart-stages", "sup-chart-weeks"].map(function (id) {
          return el("div", { className: "gc-chart", attrs: { id: id } });
        })),
        el("h3", { text: "超期办件" }),
        el("table", { className: "gc-table" }, [
          el("thead", {}, [el("tr", {}, ["办件编号", "事项", "部门", "环节", "超期（工作日）", "超期说明", "督办"].map(function (h) {
            return el("th", { text: h });
          }))]),
          el("tbody", { attrs: { id: "sup-overdue" } })])])]);
    main.appendChild(panel);
  }

  function chart(id) {
    if (!window.echarts) return null;
    if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: "canvas" });
    return charts[id];
  }

  function renderWarnings(data) {
    var list = GC.clear($("sup-warnings"));
    if (!data.items.length) list.appendChild(el("li", { className: "gc-muted", text: "暂无预警" }));
    data.items.forEach(function (n) {
      var item = el("li", {}, [GC.light(n.level === "red" ? "red" : n.level === "yellow" ? "yellow" : "green"),
        el("span", { text: " " + n.text + "（" + GC.time(n.created_at) + "）" })]);
      if (n.level === "red" && n.kind === "warning" && GC.me.role !== "supervisor") {
        item.appendChild(el("button", { text: "说明超期原因", attrs: { type: "button" }, on: { click: function () {
          var reason = window.prompt("请填写" + n.stage + "环节的超期原因：");
          if (!reason) return;
          GC.api("POST", "/api/supervision/applications/" + encodeURIComponent(n.application_no) + "/explain",
            { stage: n.stage, reason: reason }).then(function () { $("sup-info").textContent = "已记录超期说明"; })
            .catch(function (err) { $("sup-info").textContent = err.message; });
        } } }));
      }
      if (!n.read) {
        var ack = el("button", { text: "知道了", className: "gc-link", attrs: { type: "button" } });
        ack.addEventListener("click", function () {
          ack.disabled = true;
          GC.api("POST", "/api/supervision/notifications/" + encodeURIComponent(n.id) + "/read").then(refresh)
            .catch(function () { ack.disabled = false; });
        });
        item.appendChild(ack);
      }
      list.appendChild(item);
    });
    count(data);
  }

  /* The number of unread warnings on the tab, refreshed every minute whichever tab is open. */
  function count(data) {
    $("sup-count").textContent = data.unread ? " " + data.unread : "";
  }

  function poll() {
    if (!GC.me || !GC.token() || ["handler", "supervisor"].indexOf(GC.me.role) < 0) return;
    GC.api("GET", "/api/supervision/notifications").then(count).catch(function () { /* next minute */ });
  }

  function renderBoard(b) {
    var lights = GC.clear($("sup-lights"));
    [["red", "红灯（超期）"], ["yellow", "黄灯（临期）"], ["green", "绿灯（正常）"]].forEach(function (l) {
      lights.appendChild(el("div", { className: "gc-light-card" }, [GC.light(l[0]), el("strong", { text: String(b.lights[l[0]] || 0) }), el("span", { text: l[1] })]));
    });
    var deps = chart("sup-chart-deps");
    if (deps) deps.setOption({
      title: { text: "各部门按时办结率", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
      grid: { top: 40, left: 40, right: 16, bottom: 60 },
      xAxis: { type: "category", data: b.departments.map(function (d) { return d.department; }), axisLabel: { rotate: 30 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ type: "bar", name: "按时办结率", data: b.departments.map(function (d) {
        return d.on_time_rate === null ? null : Math.round(d.on_time_rate * 1000) / 10; }) }]
    });
    var stages = chart("sup-chart-stages");
    if (stages) stages.setOption({
      title: { text: "各环节平均用时与时限（工作日）", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
      legend: { top: 24 }, grid: { top: 60, left: 40, right: 16, bottom: 30 },
      xAxis: { type: "category", data: b.stages.map(function (s) { return s.stage; }) }, yAxis: { type: "value" },
      series: [{ type: "bar", name: "平均用时", data: b.stages.map(function (s) { return s.avg_working_days; }) },
               { type: "bar", name: "平均时限", data: b.stages.map(function (s) { return s.avg_limit; }) }]
    });
    var weeks = chart("sup-chart-weeks");
    if (weeks) weeks.setOption({
      title: { text: "按周办结与按时办结率", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
      legend: { top: 24 }, grid: { top: 60, left: 40, right: 40, bottom: 30 },
      xAxis: { type: "category", data: b.weekly.map(function (w) { return w.week.slice(5); }) },
      yAxis: [{ type: "value" }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [{ type: "bar", name: "办结", data: b.weekly.map(function (w) { return w.finished; }) },
               { type: "line", name: "按时办结率", yAxisIndex: 1, data: b.weekly.map(function (w) {
                 return w.on_time_rate === null ? null : Math.round(w.on_time_rate * 1000) / 10; }) }]
    });
    var body = GC.clear($("sup-overdue"));
    b.overdue.forEach(function (o) {
      var action = o.supervised ? el("span", { text: "已督办" }) : el("button", { text: "督办", attrs: { type: "button" }, on: {
        click: function () {
          var note = window.prompt("督办意见（可留空）：", "") ;
          if (note === null) return;
          GC.api("POST", "/api/supervision/applications/" + encodeURIComponent(o.application_no) + "/supervise", { note: note })
            .then(refresh).catch(function (err) { $("sup-info").textContent = err.message; });
        } } });
      body.appendChild(el("tr", {}, [
        el("td", { text: o.application_no }), el("td", { text: o.item_name }), el("td", { text: o.department }),
        el("td", { text: (o.stage || "全程") + (o.paused ? "（补正中）" : "") }), el("td", { text: String(o.days_over) }),
        el("td", { text: o.explanations.map(function (e) { return e.stage + "：" + e.reason; }).join("；") || "—" }),
        el("td", {}, [action])]));
    });
  }

  function refresh() {
    var jobs = [GC.api("GET", "/api/supervision/notifications?all=1").then(renderWarnings)];
    var boss = GC.me && (GC.me.role === "supervisor" || GC.me.role === "admin");
    $("sup-board").hidden = !boss;
    if (boss) jobs.push(GC.api("GET", "/api/supervision/board").then(renderBoard));
    return Promise.all(jobs).then(function () {
      if (GC.refreshInbox) GC.refreshInbox();  // the same warnings are in the 督办提醒 banner
      $("sup-info").textContent = "更新于 " + GC.time(new Date().toISOString());
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    }).catch(function (err) { $("sup-info").textContent = err.message; });
  }

  build();
  GC.tabs.supervision = {
    init: function () {
      if (this.ready) return;
      this.ready = true;
      $("sup-refresh").addEventListener("click", refresh);
      setInterval(poll, 60000);
      poll();
    },
    open: refresh,
    poll: poll
  };
})();
