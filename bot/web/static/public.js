/*
 * The public answers page (/portal/answers, docs/publication.md): published answers with search,
 * filters and paging (GET /api/public/answers), and the departments' figures per month
 * (GET /api/public/figures) as ECharts and a table. No login; every text is set as data
 * (textContent), never as markup.
 */
(function () {
  "use strict";
  var PAGE_SIZE = 10;
  var state = { page: 1, total: 0 };
  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function getJSON(url) {
    return fetch(url).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!resp.ok) throw new Error((data.error && data.error.message) || "查询失败，请稍后再试");
        return data;
      });
    });
  }
  function fillSelect(select, values) {
    var current = select.value;
    while (select.options.length > 1) select.remove(1);
    values.forEach(function (v) { var o = el("option", null, v); o.value = v; select.appendChild(o); });
    select.value = values.indexOf(current) >= 0 ? current : "";
  }
  function dateText(iso) {
    if (!iso) return "—";
    var p = iso.split("-");
    return p[0] + "年" + parseInt(p[1], 10) + "月" + parseInt(p[2], 10) + "日";
  }

  function loadAnswers() {
    var params = new URLSearchParams({ page: String(state.page), page_size: String(PAGE_SIZE) });
    [["q", "pub-q"], ["department", "pub-department"], ["category", "pub-category"]].forEach(function (p) {
      var v = $(p[1]).value.trim();
      if (v) params.set(p[0], v);
    });
    $("pub-info").textContent = "正在查询…";
    return getJSON("/api/public/answers?" + params.toString()).then(function (data) {
      state.total = data.total;
      fillSelect($("pub-department"), data.departments);
      fillSelect($("pub-category"), data.categories);
      var list = clear($("pub-list"));
      data.items.forEach(function (item) {
        var li = el("li", "pub-item");
        li.id = "answer-" + item.id;
        li.appendChild(el("h3", null, item.question.length > 40 ? item.question.slice(0, 40) + "…" : item.question));
        var meta = el("div", "pub-meta");
        meta.appendChild(el("span", "pub-tag", item.category));
        meta.appendChild(el("span", "pub-tag", item.department || "承办部门"));
        meta.appendChild(document.createTextNode("受理：" + dateText(item.received) + "　答复：" + dateText(item.answered)));
        li.appendChild(meta);
        li.appendChild(el("p", "pub-q", "诉求：" + item.question));
        li.appendChild(el("p", "pub-a", "答复：" + item.answer));
        list.appendChild(li);
      });
      var pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
      $("pub-info").textContent = data.total ? "共 " + data.total + " 条公开答复" : "没有找到符合条件的公开答复";
      $("pub-page").textContent = "第 " + state.page + " / " + pages + " 页";
      $("pub-prev").disabled = state.page <= 1;
      $("pub-next").disabled = state.page >= pages;
    }).catch(function (err) { $("pub-info").textContent = err.message; });
  }

  var charts = {};
  function chart(id) {
    if (!window.echarts) return null;
    if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: "canvas" });
    return charts[id];
  }
  function pct(x) { return x === null || x === undefined ? "—" : (Math.round(x * 1000) / 10) + "%"; }

  function figureParams() {
    var params = new URLSearchParams();
    if ($("fig-from").value) params.set("from", $("fig-from").value);
    if ($("fig-to").value) params.set("to", $("fig-to").value);
    if ($("fig-department").value) params.set("department", $("fig-department").value);
    return params;
  }

  function loadFigures() {
    var params = figureParams();
    var csv = new URLSearchParams(params); csv.set("format", "csv");
    $("fig-csv").href = "/api/public/figures?" + csv.toString();
    var js = new URLSearchParams(params); js.set("format", "json");
    $("fig-json").href = "/api/public/figures?" + js.toString();
    $("fig-info").textContent = "正在统计…";
    return getJSON("/api/public/figures?" + params.toString()).then(function (data) {
      $("fig-info").textContent = data.from + " 至 " + data.to;
      var departments = {};
      data.rows.forEach(function (r) { if (r.department !== "全区") departments[r.department] = true; });
      if (!data.department) fillSelect($("fig-department"), Object.keys(departments).sort());
      var body = clear($("fig-rows"));
      data.rows.forEach(function (r) {
        var tr = el("tr");
        [r.month, r.department, r.tickets, pct(r.sign_on_time_rate), pct(r.response_rate), pct(r.resolve_rate),
         pct(r.satisfaction_rate), r.resolution_working_days === null ? "—" : r.resolution_working_days]
          .forEach(function (v) { tr.appendChild(el("td", null, v)); });
        body.appendChild(tr);
      });
      var who = data.department || "全区";
      var mine = data.rows.filter(function (r) { return r.department === who; });
      var months = mine.map(function (r) { return r.month; });
      var series = [["按时签收率", "sign_on_time_rate"], ["响应率", "response_rate"], ["解决率", "resolve_rate"],
                    ["满意率", "satisfaction_rate"]].map(function (s) {
        return { name: s[0], type: "line", connectNulls: false,
                 data: mine.map(function (r) { return r[s[1]] === null ? null : Math.round(r[s[1]] * 1000) / 10; }) };
      });
      var rates = chart("fig-chart-rates");
      if (rates) rates.setOption({
        title: { text: who + " 三率（%）", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
        legend: { top: 24 }, grid: { top: 60, left: 44, right: 16, bottom: 30 },
        xAxis: { type: "category", data: months }, yAxis: { type: "value", min: 0, max: 100 }, series: series
      }, true);
      var volume = chart("fig-chart-volume");
      if (volume) volume.setOption({
        title: { text: who + " 受理量与平均办理用时", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
        legend: { top: 24 }, grid: { top: 60, left: 44, right: 44, bottom: 30 },
        xAxis: { type: "category", data: months },
        yAxis: [{ type: "value", name: "件", minInterval: 1 }, { type: "value", name: "工作日" }],
        series: [{ name: "受理量", type: "bar", data: mine.map(function (r) { return r.tickets; }) },
                 { name: "平均办理用时", type: "line", yAxisIndex: 1,
                   data: mine.map(function (r) { return r.resolution_working_days; }) }]
      }, true);
    }).catch(function (err) { $("fig-info").textContent = err.message; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("pub-search").addEventListener("submit", function (ev) { ev.preventDefault(); state.page = 1; loadAnswers(); });
    ["pub-department", "pub-category"].forEach(function (id) {
      $(id).addEventListener("change", function () { state.page = 1; loadAnswers(); });
    });
    $("pub-prev").addEventListener("click", function () { if (state.page > 1) { state.page -= 1; loadAnswers(); } });
    $("pub-next").addEventListener("click", function () { state.page += 1; loadAnswers(); });
    $("fig-form").addEventListener("submit", function (ev) { ev.preventDefault(); loadFigures(); });
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    loadAnswers();
    loadFigures();
  });
})();
