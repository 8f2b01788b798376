/*
 * 政务智能助手 chat widget. Embed with one tag:
 *   <script src="https://HOST:8080/static/widget.js" data-socket-url="https://HOST:5005"></script>
 * Optional attributes: data-title, data-open="true" (start open), data-init-payload ("/greet").
 *
 * Talks to Rasa's socket.io channel (session_persistence: true). The session id is kept in
 * localStorage, so a reload continues the same conversation; the transcript is kept there too, with
 * every phone number, ID number and name masked as the bot shows them (a shared computer in a
 * service hall keeps nothing personal; docs/channels.md). "结束对话" ends the Rasa session and clears
 * all of it. Every message shows its time; the log opens at the latest message; ticket numbers get
 * a copy button.
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
  var apiBase = base.replace(/static\/$/, "");  // the web service the widget is served from
  var data = (script && script.dataset) || {};
  var socketUrl = data.socketUrl || (location.protocol + "//" + location.hostname + ":5005");
  var title = data.title || "政务智能助手";
  var initPayload = data.initPayload === undefined ? "/greet" : data.initPayload;
  var SESSION_KEY = "govchat.session_id";
  var HISTORY_KEY = "govchat.history";
  var OPEN_KEY = "govchat.open";
  var MAX_HISTORY = 60;
  var TICKET_RE = /(GD[2-9A-HJ-NP-Z]{8})/g;
  // What the transcript keeps in localStorage (as bot.privacy.mask_text masks for logs): ID numbers
  // 511602********123X, phones 139****5678 (also 139-1234-5678, landlines 028-****5678), a name
  // after a marker 张*, and the whole answer to the bot's question for a name.
  var ID_RE = /(^|[^0-9])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])/g;
  var MOBILE_RE = /(^|[^0-9])(1[3-9]\d)([-\s]?)\d{4}([-\s]?)(\d{4})(?![0-9])/g;
  var LANDLINE_RE = /(^|[^0-9])([(（]?0\d{2,3}[)）]?[-\s]?)\d{3,4}([-\s]?)(\d{4})(?![0-9])/g;
  var NAME_RE = /(我叫|叫我|姓名[:：是为]?\s*|联系人[:：是为]?\s*|申请人[:：是为]?\s*|称呼[:：是为]?\s*)([\u4e00-\u9fff]{1,4})/g;
  var ASKS_NAME_RE = /怎么称呼|您的姓名|您贵姓|留下.{0,6}(称呼|姓名)/;
  var URL_RE = /(https?:\/\/[^\s<>"'\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+)/g;

  function maskName(name) {
    name = String(name);
    return name.length <= 1 ? "*" : name.charAt(0) + new Array(name.length).join("*");
  }
  function maskText(text) {
    return String(text || "")
      .replace(ID_RE, function (m, pre, head, tail) { return pre + head + "********" + tail; })
      .replace(MOBILE_RE, function (m, pre, head, s1, s2, tail) { return pre + head + s1 + "****" + s2 + tail; })
      .replace(LANDLINE_RE, function (m, pre, area, s1, tail) { return pre + area + "****" + s1 + tail; })
      .replace(NAME_RE, function (m, marker, name) { return marker + maskName(name); });
  }
  /* The message as localStorage keeps it: personal data masked; a reply to "怎么称呼您" masked whole. */
  function forStorage(msg, previous) {
    var out = { from: msg.from, text: maskText(msg.text), at: msg.at };
    if (msg.rated) out.rated = msg.rated;
    if (msg.buttons && msg.buttons.length) out.buttons = msg.buttons;
    if (msg.image) out.image = msg.image;
    if (msg.from === "user" && previous && previous.from === "bot" && ASKS_NAME_RE.test(previous.text || "") &&
        /^[\u4e00-\u9fff]{1,4}$/.test(String(msg.text || "").trim())) {
      out.text = maskName(String(msg.text).trim());
    }
    return out;
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: memory only */ }
  }
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function forget(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* nothing stored */ }
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
  var end = el("button", "govchat-end", "结束对话");
  end.type = "button";
  end.title = "结束本次对话并清除本机上的聊天记录（公共电脑使用后请点击）";
  header.appendChild(end);
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
      setTimeout(function () { scrollDown(); input.focus(); }, 0);  // open at the latest message
    }
  }
  launcher.addEventListener("click", function () { setOpen(true); });
  close.addEventListener("click", function () { setOpen(false); });
  end.addEventListener("click", function () {
    if (window.confirm("结束本次对话并清除本机上的聊天记录？")) endConversation();
  });

  // -- rendering (textContent only) ---------------------------------------------------------------
  function copyButton(value) {
    var b = el("button", "govchat-copy", "复制");
    b.type = "button";
    b.setAttribute("aria-label", "复制编号 " + value);
    b.addEventListener("click", function () {
      var done = function () { b.textContent = "已复制"; setTimeout(function () { b.textContent = "复制"; }, 2000); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(value).then(done, function () { b.textContent = value; });
      } else {
        b.textContent = value;  // no clipboard API: show the number to copy by hand
      }
    });
    return b;
  }
  function appendTickets(container, text) {
    var parts = String(text).split(TICKET_RE);
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i]) continue;
      if (i % 2 === 1) {
        container.appendChild(el("span", "govchat-ticket", parts[i]));
        container.appendChild(copyButton(parts[i]));
      } else {
        container.appendChild(document.createTextNode(parts[i]));
      }
    }
  }
  // Times in China time, whatever the computer's zone: "14:05", or "12月7日 14:05" on another day.
  var CHINA = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function timeLabel(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    var p = {};
    CHINA.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    var today = {};
    CHINA.formatToParts(new Date()).forEach(function (x) { today[x.type] = x.value; });
    var clock = p.hour + ":" + p.minute;
    return p.month === today.month && p.day === today.day ? clock : p.month + "月" + p.day + "日 " + clock;
  }
  function appendText(container, text) {
    var parts = String(text).split(URL_RE);
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (!part) continue;
      if (i % 2 === 0) { appendTickets(container, part); continue; }
      if (isHttpUrl(part)) {
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
    if (msg.at) {
      var time = el("time", "govchat-time", timeLabel(msg.at));
      time.setAttribute("datetime", msg.at);
      bubble.appendChild(time);
    }
    if (msg.from !== "user" && msg.text && msg.at) bubble.appendChild(ratingRow(msg));
    log.insertBefore(bubble, typing.parentNode === log ? typing : null);
    scrollDown();
  }

  /* 👍/👎 under each answer (docs/feedback.md): sent to the web service with the question before it
     and the few messages before that (masked as stored); 👎 answers go to the admins' review queue. */
  function ratingRow(msg) {
    var row = el("div", "govchat-rate");
    var up = el("button", "govchat-rate-up", "👍"), down = el("button", "govchat-rate-down", "👎");
    up.type = down.type = "button";
    up.setAttribute("aria-label", "回答有帮助");
    down.setAttribute("aria-label", "回答没帮助");
    function show(rated) {
      up.classList.toggle("govchat-rated", rated === "up");
      down.classList.toggle("govchat-rated", rated === "down");
      up.setAttribute("aria-pressed", String(rated === "up"));
      down.setAttribute("aria-pressed", String(rated === "down"));
    }
    function rate(value) {
      var i = history.indexOf(msg.stored || msg);
      var before = i >= 0 ? history.slice(Math.max(0, i - 6), i) : [];
      var question = null;
      for (var j = before.length - 1; j >= 0; j--) { if (before[j].from === "user") { question = before[j].text; break; } }
      fetch(apiBase + "api/feedback", { method: "POST", headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: JSON.stringify({ conversation_id: sessionId, rating: value, answer: msg.text, answer_at: msg.at,
                               question: question, context: before.map(function (m) { return { from: m.from, text: m.text }; }),
                               channel: "socketio" }) })
        .then(function (resp) {
          if (!resp.ok) return;
          show(value);
          var stored = msg.stored || msg;
          stored.rated = value;
          store(HISTORY_KEY, JSON.stringify(history));
        }).catch(function () { /* offline: the rating is simply not counted */ });
    }
    up.addEventListener("click", function () { rate("up"); });
    down.addEventListener("click", function () { rate("down"); });
    show(msg.rated || (msg.stored && msg.stored.rated));
    row.appendChild(up);
    row.appendChild(down);
    return row;
  }

  function remember(msg) {
    msg.stored = forStorage(msg, history[history.length - 1]);
    history.push(msg.stored);
    if (history.length > MAX_HISTORY) history = history.slice(-MAX_HISTORY);
    store(HISTORY_KEY, JSON.stringify(history));
  }

  function addMessage(msg) {
    msg.at = msg.at || new Date().toISOString();
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
        if (typeof sid === "string" && sid && sid !== sessionId) sessionId = sid;
        store(SESSION_KEY, sessionId);  // also a new conversation after 结束对话
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

  /* 结束对话: the Rasa session ends (/session_start: a new session without the old slots), then
     everything this widget keeps in the browser is removed and a new conversation id is used. */
  function endConversation() {
    if (socket && socket.emit && confirmed) {
      socket.emit("user_uttered", { message: "/session_start", session_id: sessionId });
    }
    history = [];
    forget(HISTORY_KEY);
    forget(SESSION_KEY);
    forget(OPEN_KEY);
    pending = [];
    hideTyping();
    while (log.firstChild) log.removeChild(log.firstChild);
    sessionId = newSessionId();
    if (socket && socket.disconnect) socket.disconnect();
    socket = null;
    confirmed = false;
    root.classList.remove("govchat-connected");
    setOpen(false);
    forget(OPEN_KEY);
    status.textContent = "对话已结束";
    launcher.textContent = "在线咨询";
  }

  function mount() {
    document.body.appendChild(root);
    history.forEach(function (m) { renderMessage(m, true); });
    scrollDown();
    if (data.open === "true" || load(OPEN_KEY) === "1") setOpen(true);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.GovChat = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    sessionId: function () { return sessionId; },
    end: endConversation,
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
