/*
 * 政务智能助手 chat widget. Embed with one tag:
 *   <script src="https://HOST:8080/static/widget.js" data-socket-url="https://HOST:5005"></script>
 * Optional attributes: data-title, data-open="true" (start open), data-init-payload ("/greet").
 *
 * Talks to Rasa's socket.io channel (session_persistence: true). The session id is kept in
 * localStorage, so a reload continues the same conversation; the transcript is kept there too.
 * Bot and user text is only ever inserted with textContent; http(s) URLs become links through DOM
 * APIs. No innerHTML anywhere.
 */
(function () {
  "use strict";
  if (window.__govChatWidget) return;
  window.__govChatWidget = true;

  var script = document.currentScript || (function () {
    var all = document.getElementsByTagName("script");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/widget\.js(\?|$)/.test(all[i].src)) return all[i];
    }
    return null;
  })();
  var base = script && script.src ? script.src.replace(/widget\.js(\?.*)?$/, "") : "/static/";
  var data = (script && script.dataset) || {};
  var socketUrl = data.socketUrl || (location.protocol + "//" + location.hostname + ":5005");
  var title = data.title || "政务智能助手";
  var initPayload = data.initPayload === undefined ? "/greet" : data.initPayload;
  var SESSION_KEY = "govchat.session_id";
  var HISTORY_KEY = "govchat.history";
  var OPEN_KEY = "govchat.open";
  var MAX_HISTORY = 60;
  var URL_RE = /(https?:\/\/[^\s<>"'\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+)/g;

  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: memory only */ }
  }
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function newSessionId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    var s = "";
    for (var i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
    return s;
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  var sessionId = load(SESSION_KEY);
  if (!sessionId || !/^[A-Za-z0-9_-]{8,64}$/.test(sessionId)) {
    sessionId = newSessionId();
    store(SESSION_KEY, sessionId);
  }
  var history = [];
  try { history = JSON.parse(load(HISTORY_KEY) || "[]") || []; } catch (e) { history = []; }
  if (!Array.isArray(history)) history = [];

  // -- DOM --------------------------------------------------------------------------------------
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "widget.css";
  document.head.appendChild(css);

  var root = el("div", "govchat");
  root.setAttribute("data-govchat", "");
  var launcher = el("button", "govchat-launcher", "在线咨询");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "打开" + title);
  var panel = el("section", "govchat-panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var header = el("header", "govchat-header");
  header.appendChild(el("span", "govchat-title", title));
  var status = el("span", "govchat-status", "连接中…");
  header.appendChild(status);
  var close = el("button", "govchat-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "关闭");
  header.appendChild(close);
  var log = el("div", "govchat-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  var typing = el("div", "govchat-msg govchat-bot govchat-typing");
  typing.setAttribute("aria-label", "正在输入");
  for (var d = 0; d < 3; d++) typing.appendChild(el("span", "govchat-dot"));
  var form = el("form", "govchat-form");
  var input = el("input", "govchat-input");
  input.type = "text";
  input.maxLength = 500;
  input.placeholder = "请输入您的问题…";
  input.setAttribute("aria-label", "输入消息");
  input.autocomplete = "off";
  var send = el("button", "govchat-send", "发送");
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  function setOpen(open) {
    root.classList.toggle("govchat-open", open);
    store(OPEN_KEY, open ? "1" : "0");
    if (open) {
      ensureConnected();
      setTimeout(function () { input.focus(); }, 0);
    }
  }
  launcher.addEventListener("click", function () { setOpen(true); });
  close.addEventListener("click", function () { setOpen(false); });

  // -- rendering (textContent only) ---------------------------------------------------------------
  function appendText(container, text) {
    var parts = String(text).split(URL_RE);
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (!part) continue;
      if (i % 2 === 1 && isHttpUrl(part)) {
        var a = document.createElement("a");
        a.href = part;
        a.textContent = part;
        a.target = "_blank";
        a.rel = "noopener noreferrer nofollow";
        container.appendChild(a);
      } else {
        container.appendChild(document.createTextNode(part));
      }
    }
  }
  function isHttpUrl(value) {
    try {
      var u = new URL(value);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch (e) { return false; }
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function renderMessage(msg, live) {
    var who = msg.from === "user" ? "govchat-user" : "govchat-bot";
    var bubble = el("div", "govchat-msg " + who);
    if (msg.text) {
      var body = el("div", "govchat-text");
      appendText(body, msg.text);
      bubble.appendChild(body);
    }
    if (msg.image && isHttpUrl(msg.image)) {
      var img = document.createElement("img");
      img.className = "govchat-image";
      img.alt = "图片";
      img.src = msg.image;
      bubble.appendChild(img);
    }
    var buttons = msg.buttons || [];
    if (buttons.length) {
      var row = el("div", "govchat-buttons");
      buttons.forEach(function (b) {
        if (!b || !b.title) return;
        var url = b.url || (b.type === "web_url" ? b.payload : null);
        var node;
        if (url && isHttpUrl(url)) {
          node = document.createElement("a");
          node.href = url;
          node.target = "_blank";
          node.rel = "noopener noreferrer nofollow";
        } else {
          node = document.createElement("button");
          node.type = "button";
          node.addEventListener("click", function () {
            if (!live) return;
            userSays(String(b.title), String(b.payload || b.title));
          });
        }
        node.className = "govchat-button";
        node.textContent = String(b.title);
        row.appendChild(node);
      });
      bubble.appendChild(row);
    }
    if (!bubble.childNodes.length) return;
    log.insertBefore(bubble, typing.parentNode === log ? typing : null);
    scrollDown();
  }

  function remember(msg) {
    history.push(msg);
    if (history.length > MAX_HISTORY) history = history.slice(-MAX_HISTORY);
    store(HISTORY_KEY, JSON.stringify(history));
  }

  function addMessage(msg) {
    remember(msg);
    renderMessage(msg, true);
  }

  // -- typing indicator ---------------------------------------------------------------------------
  var typingTimer = null;
  function showTyping() {
    log.appendChild(typing);
    scrollDown();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 20000);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    if (typing.parentNode) typing.parentNode.removeChild(typing);
  }

  // -- socket.io ----------------------------------------------------------------------------------
  var socket = null;
  var confirmed = false;
  var pending = [];

  function loadSocketIo(done) {
    if (window.io) return done();
    var s = document.createElement("script");
    s.src = base + "vendor/socket.io.min.js";
    s.onload = done;
    s.onerror = function () { status.textContent = "无法加载"; };
    document.head.appendChild(s);
  }

  function ensureConnected() {
    if (socket) return;
    socket = {};  // connecting
    loadSocketIo(function () {
      socket = window.io(socketUrl, { path: "/socket.io/", transports: ["websocket", "polling"] });
      socket.on("connect", function () {
        socket.emit("session_request", { session_id: sessionId });
      });
      socket.on("session_confirm", function (sid) {
        if (typeof sid === "string" && sid && sid !== sessionId) {
          sessionId = sid;
          store(SESSION_KEY, sid);
        }
        confirmed = true;
        status.textContent = "在线";
        root.classList.add("govchat-connected");
        if (!history.length && initPayload) emit(initPayload);
        var queue = pending;
        pending = [];
        queue.forEach(emit);
      });
      socket.on("disconnect", function () {
        confirmed = false;
        status.textContent = "重新连接中…";
        root.classList.remove("govchat-connected");
      });
      socket.on("bot_uttered", function (message) {
        if (!message || typeof message !== "object") return;
        var buttons = message.quick_replies || message.buttons || [];
        var image = message.attachment && message.attachment.type === "image" && message.attachment.payload
          ? message.attachment.payload.src : message.image;
        addMessage({ from: "bot", text: typeof message.text === "string" ? message.text : "",
                     buttons: Array.isArray(buttons) ? buttons : [], image: image || null });
        hideTyping();
      });
    });
  }

  function emit(payload) {
    if (!confirmed) { pending.push(payload); return; }
    showTyping();
    socket.emit("user_uttered", { message: payload, session_id: sessionId });
  }

  function userSays(text, payload) {
    text = String(text).trim();
    if (!text) return;
    addMessage({ from: "user", text: text });
    emit(payload || text);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    userSays(text);
  });

  function mount() {
    document.body.appendChild(root);
    history.forEach(function (m) { renderMessage(m, true); });
    if (data.open === "true" || load(OPEN_KEY) === "1") setOpen(true);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.GovChat = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    sessionId: function () { return sessionId; },
    reset: function () {
      history = [];
      store(HISTORY_KEY, "[]");
      sessionId = newSessionId();
      store(SESSION_KEY, sessionId);
      while (log.firstChild) log.removeChild(log.firstChild);
      if (socket && socket.emit) socket.emit("session_request", { session_id: sessionId });
    }
  };
})();
