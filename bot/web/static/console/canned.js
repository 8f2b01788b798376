/*
 * 常用语 (canned replies): a picker above the live chat reply box that inserts a ready answer
 * (GET /api/canned-replies: the general ones and each department's), and, for admins, a list
 * under the live chat tab to add, change and delete them (POST/PUT/DELETE /api/canned-replies).
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var items = [], loaded = null;

  function load() {
    loaded = GC.api("GET", "/api/canned-replies").then(function (data) {
      items = data.items || [];
      renderAdmin();
      return items;
    }).catch(function () { items = []; return items; });
    return loaded;
  }

  function label(r) { return (r.department ? r.department + " · " : "通用 · ") + r.title; }

  GC.canned = {
    /* A select that appends the chosen reply to ``input``. */
    picker: function (input) {
      var select = el("select", { className: "gc-canned", attrs: { id: "chat-canned", "aria-label": "常用语" } },
                      [el("option", { text: "插入常用语…", attrs: { value: "" } })]);
      function fill() {
        items.forEach(function (r) {
          select.appendChild(el("option", { text: label(r), attrs: { value: String(r.id), title: r.text } }));
        });
      }
      (loaded || load()).then(fill);
      select.addEventListener("change", function () {
        var r = items.filter(function (x) { return String(x.id) === select.value; })[0];
        if (r) {
          input.value = input.value ? input.value.replace(/\s+$/, "") + "\n" + r.text : r.text;
          input.focus();
        }
        select.value = "";
      });
      return el("div", { className: "gc-row" }, [select]);
    },
    reload: load
  };

  /* ---------- admins: keep the list ---------- */

  function renderAdmin() {
    var box = $("canned-admin");
    if (!box) return;
    var list = GC.clear($("canned-list"));
    items.forEach(function (r) {
      list.appendChild(el("li", { attrs: { "data-id": String(r.id) } }, [
        el("strong", { text: label(r) }), el("div", { className: "gc-muted", text: r.text }),
        el("span", { className: "gc-actions" }, [
          el("button", { className: "gc-secondary", text: "修改", attrs: { type: "button" }, on: { click: function () { edit(r); } } }),
          el("button", { className: "gc-secondary", text: "删除", attrs: { type: "button" }, on: { click: function () {
            if (!window.confirm("删除常用语「" + r.title + "」？")) return;
            GC.api("DELETE", "/api/canned-replies/" + r.id).then(load)
              .catch(function (err) { $("canned-message").textContent = err.message; });
          } } })])]));
    });
    if (!items.length) list.appendChild(el("li", { className: "gc-muted", text: "还没有常用语" }));
  }

  function edit(r) {
    $("canned-id").value = r ? String(r.id) : "";
    $("canned-department").value = r ? (r.department || "") : "";
    $("canned-title").value = r ? r.title : "";
    $("canned-text").value = r ? r.text : "";
    $("canned-save").textContent = r ? "保存修改" : "添加";
    $("canned-title").focus();
  }

  function adminPanel() {
    var panel = $("tab-chat");
    if (!panel || $("canned-admin")) return;
    var form = el("form", { className: "gc-form", attrs: { id: "canned-form" } }, [
      el("input", { attrs: { id: "canned-id", type: "hidden" } }),
      el("label", {}, ["部门（留空为通用）", el("input", { attrs: { id: "canned-department", maxlength: "64" } })]),
      el("label", {}, ["标题", el("input", { attrs: { id: "canned-title", maxlength: "64", required: "required" } })]),
      el("label", {}, ["内容", el("textarea", { attrs: { id: "canned-text", rows: "3", maxlength: "1000", required: "required" } })]),
      el("div", { className: "gc-row" }, [
        el("button", { text: "添加", attrs: { type: "submit", id: "canned-save" } }),
        el("button", { className: "gc-secondary", text: "取消修改", attrs: { type: "button" }, on: { click: function () { edit(null); } } })]),
      el("p", { className: "gc-error", attrs: { id: "canned-message", role: "alert" } })]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var id = $("canned-id").value, save = $("canned-save");
      if (save.disabled) return;
      save.disabled = true;
      var body = { department: $("canned-department").value.trim(), title: $("canned-title").value.trim(),
                   text: $("canned-text").value.trim() };
      GC.api(id ? "PUT" : "POST", "/api/canned-replies" + (id ? "/" + id : ""), body).then(function () {
        edit(null);
        $("canned-message").textContent = "";
        return load();
      }).catch(function (err) { $("canned-message").textContent = err.message; })
        .then(function () { save.disabled = false; });
    });
    panel.appendChild(el("section", { className: "gc-col gc-canned-admin", attrs: { id: "canned-admin" } }, [
      el("h3", { text: "常用语管理" }), el("ul", { className: "gc-canned-list", attrs: { id: "canned-list" } }), form]));
  }

  GC.tabs.canned = {
    init: function (me) {
      if (me.role === "admin") adminPanel();
      load();
    }
  };
})();
