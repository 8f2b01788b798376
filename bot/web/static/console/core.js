/*
 * 12345 agent console — shared helpers: login (token in sessionStorage), the JSON API client,
 * DOM building without innerHTML (text always through textContent), tabs.
 */
(function () {
  "use strict";
  var TOKEN_KEY = "govconsole.token";
  var GC = window.GovConsole = { me: null, tabs: {} };

  GC.token = function () {
    try { return window.sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  };
  function setToken(value) {
    try {
      if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* storage blocked: the token lives as long as the page */ }
  }

  GC.$ = function (id) { return document.getElementById(id); };

  /* el("div", {className: "x", text: "...", attrs: {title: "..."}, on: {click: fn}}, [children]) */
  GC.el = function (tag, props, children) {
    var node = document.createElement(tag);
    props = props || {};
    if (props.className) node.className = props.className;
    if (props.text !== undefined && props.text !== null) node.textContent = String(props.text);
    if (props.attrs) Object.keys(props.attrs).forEach(function (k) { node.setAttribute(k, props.attrs[k]); });
    if (props.on) Object.keys(props.on).forEach(function (k) { node.addEventListener(k, props.on[k]); });
    if (props.value !== undefined) node.value = props.value;
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  };
  GC.clear = function (node) { while (node.firstChild) node.removeChild(node.firstChild); return node; };

  GC.LIGHTS = { green: "绿灯", yellow: "黄灯", red: "红灯" };
  GC.light = function (name) {
    return GC.el("span", { className: "gc-light gc-light-" + (GC.LIGHTS[name] ? name : "none"),
                           attrs: { title: GC.LIGHTS[name] || "", "aria-label": GC.LIGHTS[name] || "" } });
  };
  /* Every time in China time (Asia/Shanghai), whatever zone the agent's PC is set to: deadlines are
     set in China time (23:59 must not show as 15:59 on a PC set to UTC). */
  var CHINA = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "numeric",
    day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  GC.chinaParts = function (d) {
    var out = {};
    CHINA.formatToParts(d).forEach(function (p) { if (p.type !== "literal") out[p.type] = parseInt(p.value, 10); });
    return out;  // {year, month, day, hour, minute, second}
  };
  GC.time = function (iso, withYear) {
    if (!iso) return "—";
    var d = iso instanceof Date ? iso : new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    var c = GC.chinaParts(d), p = function (n) { return (n < 10 ? "0" : "") + n; };
    return (withYear ? c.year + "年" : "") + c.month + "月" + c.day + "日 " + p(c.hour) + ":" + p(c.minute);
  };
  /* A fresh request key (Idempotency-Key): the same key sent twice makes the server act once. */
  GC.requestKey = function () {
    var a = new Uint8Array(12);
    window.crypto.getRandomValues(a);
    return "k" + Array.prototype.map.call(a, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  };
  GC.percent = function (x) { return x === null || x === undefined ? "—" : Math.round(x * 1000) / 10 + "%"; };

  GC.api = function (method, path, body, requestKey) {
    var token = GC.token();
    if (!token) {  // signed out (or storage cleared) while a poll was pending: no request bound to fail
      GC.logout("登录已失效，请重新登录");
      var gone = new Error("登录已失效，请重新登录");
      gone.status = 401;
      return Promise.reject(gone);
    }
    var headers = { "Authorization": "Bearer " + token };
    if (requestKey) headers["Idempotency-Key"] = requestKey;
    var init = { method: method, headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.status === 401) { GC.logout("登录已失效，请重新登录"); }
        if (!resp.ok) {
          var err = new Error((data.error && data.error.message) || ("请求失败（" + resp.status + "）"));
          err.status = resp.status;
          err.code = data.error && data.error.code;
          throw err;
        }
        return data;
      });
    });
  };

  GC.debounce = function (fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  };

  var ROLE_LABELS = { admin: "管理员", dispatcher: "话务/派单员", handler: "承办人", supervisor: "督办" };

  GC.show = function (name) {
    Array.prototype.forEach.call(document.querySelectorAll("#gc-tabs button"), function (b) {
      b.classList.toggle("gc-active", b.getAttribute("data-tab") === name);
    });
    Array.prototype.forEach.call(document.querySelectorAll(".gc-panel"), function (p) {
      p.hidden = p.id !== "tab-" + name;
    });
    GC.current = name;
    var tab = GC.tabs[name];
    if (tab && tab.open) tab.open();
  };

  function start(me) {
    GC.me = me;
    GC.$("gc-login").hidden = true;
    GC.$("gc-app").hidden = false;
    GC.$("gc-logout").hidden = false;
    GC.$("gc-who").textContent = (me.display_name || me.username) + "（" + (ROLE_LABELS[me.role] || me.role) +
      (me.department ? " · " + me.department : "") + "）";
    var first = null;
    Array.prototype.forEach.call(document.querySelectorAll("#gc-tabs button"), function (b) {
      var allowed = (b.getAttribute("data-roles") || "").split(" ").indexOf(me.role) >= 0;
      b.hidden = !allowed;
      if (allowed && !first) first = b.getAttribute("data-tab");
    });
    Object.keys(GC.tabs).forEach(function (k) {  // one tab's failure must not leave the others dead
      try { if (GC.tabs[k].init) GC.tabs[k].init(me); } catch (err) { console.error("tab " + k, err); }
    });
    showBanner(me.notices || []);
    if (first) GC.show(first);
  }

  /* Notices for the admin (e.g. 下一年度节假日安排尚未录入) above the tabs. */
  function showBanner(notices) {
    var banner = GC.clear(GC.$("gc-banner"));
    notices.forEach(function (n) {
      banner.appendChild(GC.el("p", { className: "gc-banner-" + (n.kind || "notice") }, [
        GC.el("strong", { text: n.text }), n.hint ? " " + n.hint : null]));
    });
    banner.hidden = notices.length === 0;
  }

  GC.logout = function (message) {
    setToken(null);
    GC.me = null;
    GC.$("gc-app").hidden = true;
    GC.$("gc-logout").hidden = true;
    GC.$("gc-login").hidden = false;
    GC.$("gc-who").textContent = "";
    showBanner([]);
    GC.$("gc-login-error").textContent = message || "";
  };

  function login(token) {
    setToken(token);
    return GC.api("GET", "/api/console/me").then(start).catch(function (err) {
      setToken(null);
      GC.$("gc-login-error").textContent = err.status === 401 ? "令牌无效、已吊销或用户已停用" : err.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    GC.$("gc-login-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var token = GC.$("gc-token").value.trim();
      if (!token) { GC.$("gc-login-error").textContent = "请输入访问令牌"; return; }
      GC.$("gc-token").value = "";
      login(token);
    });
    GC.$("gc-logout").addEventListener("click", function () { GC.logout(""); });
    GC.$("gc-tabs").addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-tab]");
      if (b) GC.show(b.getAttribute("data-tab"));
    });
    if (GC.token()) login(GC.token());
  });
})();
