/*
 * 信息公开年报 tab (docs/disclosure.md) for admin and supervisor: the year's 政府信息公开工作年度报告
 * drafted from the system's records (GET /api/disclosure/annual-report): the cross-check result,
 * the data to verify, table 三 as counted; the staff's review (PUT /api/disclosure/annual-report/draft):
 * the parts 一、五、六, pre-filled with the system's prompts, and the figures the system has no
 * source for; and the Word / HTML documents (and every figure as CSV) to download. The tab and its panel are built here;
 * all text is set as data.
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var PATH = "/api/disclosure/annual-report";

  function build() {
    var tabs = $("gc-tabs"), main = $("gc-app");
    if (!tabs || !main) return;
    tabs.appendChild(el("button", { text: "信息公开年报", attrs: { type: "button", "data-tab": "disclosure",
      "data-roles": "supervisor admin" } }));
    var lastYear = new Date().getFullYear() - 1;
    main.appendChild(el("section", { className: "gc-panel", attrs: { id: "tab-disclosure", hidden: "" } }, [
      el("form", { className: "gc-row", attrs: { id: "dr-form" } }, [
        el("label", {}, ["年度 ", el("input", { attrs: { id: "dr-year", type: "number", min: "2000", max: "2100",
          value: String(lastYear), "aria-label": "年度" } })]),
        el("label", {}, [" 部门 ", el("input", { attrs: { id: "dr-department", maxlength: "64", value: "区政府办",
          placeholder: "留空为全部部门", "aria-label": "部门" } })]),
        el("button", { text: "生成", attrs: { type: "submit", id: "dr-build" } }),
        el("button", { text: "下载 Word", attrs: { type: "button", id: "dr-docx" } }),
        el("button", { text: "下载 HTML", attrs: { type: "button", id: "dr-html" } }),
        el("button", { text: "下载 CSV", attrs: { type: "button", id: "dr-csv" } }),
        el("span", { className: "gc-muted", attrs: { id: "dr-info", role: "status" } })]),
      el("p", { attrs: { id: "dr-checks" } }),
      el("ul", { className: "gc-events", attrs: { id: "dr-warnings" } }),
      el("h3", { text: "三、收到和处理政府信息公开申请情况" }),
      el("table", { className: "gc-table" }, [el("thead", { attrs: { id: "dr-head" } }), el("tbody", { attrs: { id: "dr-rows" } })]),
      el("h3", { text: "六、其他需要报告的事项（提示）" }),
      el("ul", { attrs: { id: "dr-other" } }),
      el("h3", { text: "审核与撰写（保存后写入报告）" }),
      el("form", { className: "gc-form", attrs: { id: "dr-draft" } }, TEXTS.map(function (t) {
        return el("label", {}, [t[1], el("textarea", { attrs: { id: "dr-text-" + t[0], rows: "6", maxlength: "20000" } })]);
      }).concat(FIGURES.map(function (f) {
        return el("label", {}, [f[1], el("input", { attrs: { id: "dr-fig-" + f[0], inputmode: "decimal", placeholder: "系统无此数据，请填写" } })]);
      })).concat([el("button", { text: "保存", attrs: { type: "submit", id: "dr-save" } }),
        el("span", { className: "gc-muted", attrs: { id: "dr-saved", role: "status" } })]))]));
  }

  var TEXTS = [["overall", "一、总体情况"], ["problems", "五、存在的主要问题及改进情况"], ["other", "六、其他需要报告的事项"]];
  var FIGURES = [["punishment", "行政处罚 本年处理决定数量"], ["coercion", "行政强制 本年处理决定数量"],
                 ["admin_fees_wan_yuan", "行政事业性收费 本年收费金额（万元）"]];
  var version = 0;

  /* The staff's texts, else the system's prompts to start from; figures only when staff gave them. */
  function fillDraft(r) {
    var d = r.draft || { texts: {}, figures: {}, version: 0 };
    version = d.version || 0;
    TEXTS.forEach(function (t) { $("dr-text-" + t[0]).value = d.texts[t[0]] || (r.prompts[t[0]] || []).join("\n"); });
    FIGURES.forEach(function (f) {
      var v = d.figures[f[0]];
      $("dr-fig-" + f[0]).value = v === null || v === undefined ? "" : String(v);
    });
    $("dr-saved").textContent = d.updated_by ? "上次保存：" + d.updated_by + " " + GC.time(d.updated_at, true) : "尚未保存";
  }

  function figure(key, raw) {
    raw = raw.trim();
    if (!raw) return null;
    return key === "admin_fees_wan_yuan" ? raw : (/^[0-9]+$/.test(raw) ? parseInt(raw, 10) : raw);
  }

  function saveDraft(ev) {
    ev.preventDefault();
    var body = { figures: {}, version: version };
    TEXTS.forEach(function (t) { body[t[0]] = $("dr-text-" + t[0]).value; });
    FIGURES.forEach(function (f) { body.figures[f[0]] = figure(f[0], $("dr-fig-" + f[0]).value); });
    $("dr-saved").textContent = "保存中…";
    GC.api("PUT", query().replace(PATH, PATH + "/draft"), body).then(function () { generate(); })
      .catch(function (err) { $("dr-saved").textContent = err.message; });
  }

  function query(format) {
    var q = "?year=" + encodeURIComponent($("dr-year").value.trim());
    var dep = $("dr-department").value.trim();
    if (dep) q += "&department=" + encodeURIComponent(dep);
    return PATH + q + (format ? "&format=" + format : "");
  }

  function render(r) {
    var ok = r.checks.ok;
    $("dr-checks").textContent = ok ? "勾稽关系核对：全部通过" : "勾稽关系核对未通过：" + r.checks.problems.join("；");
    $("dr-checks").className = ok ? "gc-ok" : "gc-error";
    var warnings = GC.clear($("dr-warnings"));
    if (!r.warnings.length) warnings.appendChild(el("li", { className: "gc-muted", text: "没有需要核对的数据" }));
    r.warnings.forEach(function (w) { warnings.appendChild(el("li", { text: w })); });
    var head = GC.clear($("dr-head"));
    head.appendChild(el("tr", {}, [el("th", { text: "项目" })].concat(r.requests.columns.map(function (c) {
      return el("th", { text: c.label }); }))));
    var body = GC.clear($("dr-rows"));
    r.requests.rows.forEach(function (row) {
      var label = (row.group ? row.group + " " : "") + row.label;
      body.appendChild(el("tr", {}, [el("td", { text: label })].concat(r.requests.columns.map(function (c) {
        return el("td", { text: String(row.values[c.key]) }); }))));
    });
    var other = GC.clear($("dr-other"));
    r.prompts.other.forEach(function (line) { other.appendChild(el("li", { text: line })); });
    $("dr-info").textContent = r.title;
    fillDraft(r);
  }

  /* Only the latest request's answer is shown: an earlier one arriving late would put back the
     review boxes under the reviewer's hands. */
  var latest = 0;
  function generate(ev) {
    if (ev) ev.preventDefault();
    var mine = ++latest;
    $("dr-info").textContent = "生成中…";
    GC.api("GET", query()).then(function (r) { if (mine === latest) render(r); })
      .catch(function (err) { if (mine === latest) $("dr-info").textContent = err.message; });
  }

  /* The document comes with the bearer token, so it is fetched and saved from a blob. */
  function download(format) {
    $("dr-info").textContent = "下载中…";
    fetch(query(format), { headers: { "Authorization": "Bearer " + (GC.token() || "") } }).then(function (resp) {
      if (!resp.ok) return resp.json().catch(function () { return {}; }).then(function (data) {
        throw new Error((data.error && data.error.message) || ("下载失败（" + resp.status + "）"));
      });
      var name = decodeURIComponent((resp.headers.get("Content-Disposition") || "").split("''")[1] || "report." + format);
      return resp.blob().then(function (blob) {
        var a = el("a", { attrs: { href: URL.createObjectURL(blob), download: name } });
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        $("dr-info").textContent = "已下载 " + name;
      });
    }).catch(function (err) { $("dr-info").textContent = err.message; });
  }

  build();
  GC.tabs.disclosure = {
    init: function () {
      if (this.ready) return;
      this.ready = true;
      $("dr-form").addEventListener("submit", generate);
      $("dr-draft").addEventListener("submit", saveDraft);
      $("dr-docx").addEventListener("click", function () { download("docx"); });
      $("dr-html").addEventListener("click", function () { download("html"); });
      $("dr-csv").addEventListener("click", function () { download("csv"); });
    },
    open: function () { if (!$("dr-rows").firstChild) generate(); }
  };
})();
