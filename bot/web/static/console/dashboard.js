/*
 * Dashboard: tickets by day and category, SLA lights, department KPIs (GET /api/kpi) and the
 * top hot issues as events, with alerts only for events growing unusually fast
 * (GET /api/console/dashboard; the events with their tickets: GET /api/hot-issues). Charts: Apache ECharts
 * (vendor/echarts.min.js); all labels are set as data, never as markup.
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var charts = {};

  function chart(id) {
    if (!window.echarts) return null;
    if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: "canvas" });
    return charts[id];
  }

  // The date in China (the server counts days in Asia/Shanghai), whatever the agent's PC clock
  // zone is: a browser set to UTC would otherwise leave out the evening's tickets.
  var CHINA_DATE = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" });
  function localDate(d) {
    return CHINA_DATE.format(d);
  }

  // One colour per category in every chart (the pie leaves out empty categories, so ECharts' own
  // palette would give 投诉 one colour in the bars and another in the pie).
  var CATEGORY_COLORS = { "咨询": "#3370ff", "求助": "#de7802", "投诉": "#d93026", "举报": "#7a3ee0",
                          "建议": "#14a06f", "表扬": "#e6b800" };
  GC.categoryColor = function (c) { return CATEGORY_COLORS[c] || "#646a73"; };

  function renderFigures(data) {
    var alerts = GC.clear($("dash-alerts"));
    (data.alerts || []).forEach(function (e) {
      alerts.appendChild(el("p", { className: "gc-alert", text: "热点增长异常：" + e.title + "（近24小时新增 " +
        e.growth.new + " 件、" + e.growth.new_citizens + " 人）" }));
    });
    var lights = GC.clear($("dash-lights"));
    [["red", "红灯（超期）"], ["yellow", "黄灯（临期）"], ["green", "绿灯（正常）"]].forEach(function (l) {
      lights.appendChild(el("div", { className: "gc-light-card" }, [GC.light(l[0]), el("strong", { text: String(data.lights[l[0]] || 0) }), el("span", { text: l[1] })]));
    });
    var days = chart("chart-days");
    if (days) days.setOption({
      title: { text: "近" + data.days.length + "天工单量（按类别）", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" }, legend: { top: 24 }, grid: { top: 60, left: 40, right: 16, bottom: 30 },
      xAxis: { type: "category", data: data.days.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: data.categories.map(function (c) { return { name: c, type: "bar", stack: "all", data: data.by_day[c], itemStyle: { color: GC.categoryColor(c) } }; })
    }, true);
    var totals = data.categories.map(function (c) {
      return { name: c, value: data.by_day[c].reduce(function (a, b) { return a + b; }, 0), itemStyle: { color: GC.categoryColor(c) } };
    }).filter(function (x) { return x.value > 0; });
    var cats = chart("chart-categories");
    if (cats) cats.setOption({
      title: { text: "类别分布", textStyle: { fontSize: 14 } }, tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], top: 20, data: totals }]
    }, true);
    var topics = chart("chart-topics");
    var top = (data.hot_events || []).slice(0, 8).reverse();
    if (topics) topics.setOption({
      title: { text: "热点事件（热度）", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
      grid: { top: 36, left: 150, right: 16, bottom: 24 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: top.map(function (e) { return (e.place.site || e.place.label || "") + " " + e.problem; }),
               axisLabel: { width: 140, overflow: "truncate" } },
      series: [{ type: "bar", data: top.map(function (e) { return { value: e.heat, itemStyle: { color: e.alert ? "#d93026" : "#3370ff" } }; }) }]
    }, true);
  }

  // The top events as an operator reads them: title, heat, departments, tickets (evidence on hover).
  function renderEvents(events) {
    var list = GC.clear($("dash-events"));
    if (!events.length) {
      list.appendChild(el("li", { className: "gc-muted", text: "本期没有多人反映的同一事件。" }));
      return;
    }
    events.forEach(function (e) {
      var head = el("div", {}, [el("strong", { text: e.title }),
        el("span", { className: "gc-muted", text: "　热度 " + e.heat + (e.departments.length ? "　" + e.departments.join("、") : "") +
          (e.urgent ? "　含紧急 " + e.urgent + " 件" : "") })]);
      var tickets = el("div", { className: "gc-muted" }, [(e.tickets || []).length ? "工单：" : ""]);
      (e.tickets || []).forEach(function (t, i) {  // each opens the full ticket (desk.js)
        if (i) tickets.appendChild(document.createTextNode("、"));
        tickets.appendChild(el("button", { className: "gc-link-button gc-mono", text: t.ticket_no,
                                           attrs: { type: "button", "data-open-ticket": t.ticket_no } }));
      });
      if (e.calls_count) tickets.appendChild(document.createTextNode(((e.tickets || []).length ? "；" : "") +
        "来电已解答 " + e.calls_count + " 通（未生成工单）"));
      list.appendChild(el("li", { className: e.alert ? "gc-event gc-event-alert" : "gc-event" }, [head, tickets]));
    });
  }

  function renderKpi(kpi) {
    var names = Object.keys(kpi.departments || {});
    var body = GC.clear($("dash-kpi-rows"));
    names.forEach(function (d) {
      var f = kpi.departments[d];
      body.appendChild(el("tr", {}, [d, String(f.tickets), GC.percent(f.sign_on_time_rate), GC.percent(f.response_rate),
        GC.percent(f.resolve_rate), GC.percent(f.satisfaction_rate), String(f.open), String(f.overdue)].map(function (v) {
        return el("td", { text: v });
      })));
    });
    var c = chart("chart-kpi");
    if (c) c.setOption({
      title: { text: "部门考核指标（近30天）", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" }, legend: { top: 24 },
      grid: { top: 60, left: 40, right: 16, bottom: 60 },
      xAxis: { type: "category", data: names, axisLabel: { rotate: 30 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [["sign_on_time_rate", "签收及时率", "#3370ff"], ["resolve_rate", "解决率", "#14a06f"], ["satisfaction_rate", "满意率", "#de7802"]].map(function (m) {
        return { name: m[1], type: "bar", itemStyle: { color: m[2] }, data: names.map(function (d) {
          var v = kpi.departments[d][m[0]];
          return v === null || v === undefined ? null : Math.round(v * 1000) / 10;
        }) };
      })
    }, true);
  }

  function refresh() {
    var to = new Date(), from = new Date(Date.now() - 29 * 86400000);
    $("dash-info").textContent = "加载中…";
    return Promise.all([
      GC.api("GET", "/api/console/dashboard?days=14").then(renderFigures),
      GC.api("GET", "/api/hot-issues?from=" + localDate(new Date(Date.now() - 13 * 86400000)) + "&to=" + localDate(to))
        .then(function (hot) { renderEvents(hot.items || []); }),
      GC.api("GET", "/api/kpi?from=" + localDate(from) + "&to=" + localDate(to)).then(renderKpi)
    ]).then(function () {
      $("dash-info").textContent = "更新于 " + GC.time(new Date().toISOString());
    }).catch(function (err) { $("dash-info").textContent = err.message; });
  }

  GC.tabs.dashboard = {
    init: function () {
      if (this.ready) return;
      this.ready = true;
      $("dash-refresh").addEventListener("click", refresh);
      window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    },
    open: function () {
      refresh().then(function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    }
  };
})();
