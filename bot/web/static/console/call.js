/*
 * Call panel: what the caller says → POST /api/assist (preview while typing, debounced; committed
 * with Enter), suggestions with one-click insertion into the call notes, and a ticket prefilled
 * from the call (POST /api/tickets).
 */
(function () {
  "use strict";
  var GC = window.GovConsole;
  var $ = GC.$, el = GC.el;
  var state = { callId: null, turns: [], draft: null, descriptionTouched: false, seq: 0, requestKey: null,
                startedAt: null, inFlight: false, situations: {} };
  var p2 = function (n) { return (n < 10 ? "0" : "") + n; };

  function newCallId() {  // named by the China time the call started
    var d = GC.chinaParts(new Date());
    var rand = Math.random().toString(36).slice(2, 8);
    return "call-" + d.year + p2(d.month) + p2(d.day) + "-" + p2(d.hour) + p2(d.minute) + "-" + rand;
  }

  // The call timer (shown in the call head, kept with the ticket as {"from": "call", ...}).
  function elapsed() { return Math.max(0, Math.round((Date.now() - state.startedAt) / 1000)); }
  function clock(seconds) { return p2(Math.floor(seconds / 60)) + ":" + p2(seconds % 60); }
  function tick() { var t = $("call-timer"); if (t && state.startedAt) t.textContent = "通话时长 " + clock(elapsed()); }

  function resetCall() {
    clearTimeout(state.retry);
    state.callId = newCallId();
    state.requestKey = GC.requestKey();
    state.startedAt = Date.now();
    tick();
    state.turns = [];
    state.draft = null;
    state.descriptionTouched = false;
    state.situations = {};
    $("call-id").textContent = state.callId;
    $("call-input").value = "";
    $("call-notes").value = "";
    GC.clear($("call-turns"));
    GC.clear($("call-suggestions"));
    ["call-intent", "call-category", "call-departments"].forEach(function (id) { $(id).textContent = "—"; });
    $("call-urgent").hidden = true;
    $("call-same-issue").hidden = true;
    $("ticket-description").value = "";
    $("ticket-phone").value = "";
    $("ticket-name").value = "";
    $("ticket-location").value = "";
    $("ticket-urgent").checked = false;
    $("ticket-publish").checked = false;  // asked on every call; no answer is no
    $("ticket-category").value = "咨询";
    setDepartments([]);
    $("ticket-result").textContent = "";
    $("call-status").textContent = "";
  }

  function setDepartments(list) {
    var select = $("ticket-department");
    var current = select.value;
    while (select.options.length > 1) select.remove(1);
    list.forEach(function (d) {
      select.appendChild(el("option", { text: d.department + "（" + Math.round(d.score * 100) + "%）",
                                        attrs: { value: d.department } }));
    });
    select.value = list.some(function (d) { return d.department === current; }) ? current : "";
  }

  function insertIntoNotes(s) {
    var notes = $("call-notes");
    var block = "【" + s.source_label + "：" + s.title + "】\n" + s.text;
    notes.value = notes.value ? notes.value.replace(/\s+$/, "") + "\n\n" + block : block;
    notes.scrollTop = notes.scrollHeight;
  }

  /* 一次性告知单 for the caller (docs/situations.md): the guide's questions, prefilled from what the
     caller said; the agent completes them, opens the list or sends its link by SMS. */
  function situationBox(s) {
    // the agent's own choices (and whether the box is open) survive the re-render of the suggestions
    // that every new utterance brings; the caller's words only fill what the agent has not chosen
    var sit = s.situations, kept = state.situations[sit.guide] || (state.situations[sit.guide] = { answers: {} });
    var answers = {};
    Object.keys(sit.answers || {}).forEach(function (k) { answers[k] = sit.answers[k]; });
    Object.keys(kept.answers).forEach(function (k) { answers[k] = kept.answers[k]; });
    var link = el("a", { className: "gc-sit-link", text: "打开告知单", attrs: { target: "_blank", rel: "noopener" } });
    var status = el("span", { className: "gc-muted gc-sit-status", text: kept.status || "" });
    function say(text) {  // also into the box a redraw may have put in this one's place meanwhile
      kept.status = text;
      status.textContent = text;
      var live = document.querySelector("#call-suggestions li[data-id='" + sit.guide + "'] .gc-sit-status");
      if (live) live.textContent = text;
    }
    function query() {
      var parts = Object.keys(answers).sort().filter(function (k) { return answers[k]; })
        .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(answers[k]); });
      return parts.length ? "?" + parts.join("&") : "";
    }
    function update() { link.href = "/checklist/" + encodeURIComponent(sit.guide) + query(); }
    var rows = sit.questions.map(function (q) {
      var select = el("select", { attrs: { "data-question": q.id, "aria-label": q.ask },
                                  on: { change: function () {
                                    answers[q.id] = kept.answers[q.id] = select.value; update(); } } },
                      [el("option", { text: "（未确定）", attrs: { value: "" } })].concat(
                        q.options.map(function (o) { return el("option", { text: o.label, attrs: { value: o.value } }); })));
      select.value = answers[q.id] || "";
      return el("label", { className: "gc-sit-q" }, [el("span", { text: q.ask }), select]);
    });
    var send = el("button", { className: "gc-sit-sms", text: "短信发送给来电人", attrs: { type: "button" }, on: { click: function () {
      var phone = $("ticket-phone").value.trim();
      if (!phone) { say("请先在工单中填写来电人手机号"); return; }
      say("发送中…");
      var chosen = {};
      Object.keys(answers).forEach(function (k) { if (answers[k]) chosen[k] = answers[k]; });
      GC.api("POST", "/api/situations/" + encodeURIComponent(sit.guide) + "/sms", { phone: phone, answers: chosen })
        .then(function (r) { say("已发送至 " + r.phone); })
        .catch(function (e) { say(e.message); });
    } } });
    update();
    var box = el("details", { className: "gc-situations", on: { toggle: function () { kept.open = box.open; } } },
                 [el("summary", { text: "一次性告知单（按来电人情形）" })]
                   .concat(rows).concat([el("div", { className: "gc-sit-actions" }, [link, send, status])]));
    box.open = !!kept.open;
    return box;
  }

  function renderSuggestions(list) {
    var ol = GC.clear($("call-suggestions"));
    if (!list.length) {
      ol.appendChild(el("li", { className: "gc-muted", text: "暂无匹配的建议答复" }));
      return;
    }
    list.forEach(function (s) {
      var head = el("div", { className: "gc-sugg-head" }, [
        el("span", { className: "gc-tag gc-tag-" + s.source, text: s.source_label }),
        el("strong", { className: "gc-sugg-title", text: s.title }),
        el("span", { className: "gc-muted", text: (s.department ? s.department + " · " : "") + "置信度 " + Math.round(s.confidence * 100) + "%" })
      ]);
      var basis = s.basis ? el("div", { className: "gc-muted gc-sugg-basis", text: "来源：" + s.basis }) : null;
      var body = el("pre", { className: "gc-sugg-text", text: s.text });
      var insert = el("button", { className: "gc-insert", text: "插入记录", attrs: { type: "button" },
                                  on: { click: function () { insertIntoNotes(s); } } });
      ol.appendChild(el("li", { className: "gc-suggestion", attrs: { "data-id": s.id, "data-source": s.source } },
                        [head, basis, body, insert, s.situations ? situationBox(s) : null]));
    });
  }

  function render(result) {
    var nlu = result.nlu || {};
    // Rasa was away (the server leaves it alone for 10 s): ask again once it may be back, so the
    // intent fills in without the agent typing anything more
    clearTimeout(state.retry);
    if (!nlu.available && state.turns.length) state.retry = setTimeout(function () { ask("", false); }, 11000);
    $("call-intent").textContent = nlu.available
      ? (nlu.intent_label || nlu.intent || "—") + (nlu.confidence ? "（" + Math.round(nlu.confidence * 100) + "%）" : "")
      : "—（意图识别暂不可用）";
    $("call-category").textContent = result.category || "—";
    var urgent = $("call-urgent");
    urgent.hidden = !result.urgent;
    urgent.textContent = result.urgent ? "紧急：" + (result.urgent_reason || "") : "";
    var departments = GC.clear($("call-departments"));
    (result.departments || []).forEach(function (d, i) {  // the reason shows on hover
      if (i) departments.appendChild(document.createTextNode("，"));
      departments.appendChild(el("span", { text: d.department + " " + Math.round(d.score * 100) + "%",
                                           attrs: { title: (d.reason && d.reason.text) || "" } }));
    });
    if (!departments.firstChild) departments.textContent = "—";
    // 一事多诉: the caller is reporting an event others have already reported
    var same = $("call-same-issue");
    same.hidden = !result.same_issue;
    same.textContent = result.same_issue ? result.same_issue.text : "";
    same.title = result.same_issue && result.same_issue.evidence ? result.same_issue.evidence.text : "";
    renderSuggestions(result.suggestions || []);
    var draft = result.ticket_draft || {};
    state.draft = draft;
    if (!state.descriptionTouched) $("ticket-description").value = draft.description || "";
    $("ticket-category").value = draft.category || "咨询";
    $("ticket-urgent").checked = !!draft.urgent;
    if (draft.contact_phone && !$("ticket-phone").value) {
      $("ticket-phone").value = draft.contact_phone;
      $("ticket-phone").dispatchEvent(new Event("input"));  // the caller's history (desk.js)
    }
    setDepartments(result.departments || []);
    $("call-status").textContent = "已更新（" + result.ms + " ms）";
  }

  function ask(text, commit) {
    var seq = ++state.seq;
    return GC.api("POST", "/api/assist", { text: text, call_id: state.callId, preview: !commit })
      .then(function (result) { if (seq === state.seq) render(result); return result; })
      .catch(function (err) { if (seq === state.seq) $("call-status").textContent = err.message; });
  }

  var preview = GC.debounce(function () {
    var text = $("call-input").value.trim();
    if (text || state.turns.length) ask(text, false);
  }, 350);

  function commit() {
    var text = $("call-input").value.trim();
    if (!text) return;
    state.turns.push(text);
    $("call-turns").appendChild(el("li", { text: text }));
    $("call-input").value = "";
    ask(text, true);
  }

  function createTicket(ev) {
    ev.preventDefault();
    if (state.inFlight) return;  // a second click while the first is on its way
    var description = $("ticket-description").value.trim();
    if (!description) { $("ticket-result").textContent = "请填写诉求内容"; return; }
    var body = {
      description: description,
      category: $("ticket-category").value,
      urgent: $("ticket-urgent").checked,
      publish_consent: $("ticket-publish").checked,
      channel: "hotline",
      conversation_id: state.callId,
      transcript: state.turns.map(function (t) { return { from: "caller", text: t }; })
    };
    var notes = $("call-notes").value.trim();
    if (notes) body.transcript.push({ from: "agent_notes", text: notes });
    var seconds = elapsed();
    body.transcript.push({ from: "call", text: "通话时长 " + clock(seconds), seconds: seconds,
                           started_at: new Date(state.startedAt).toISOString() });
    var department = $("ticket-department").value;
    if (department) body.department = department;
    [["contact_phone", "ticket-phone"], ["contact_name", "ticket-name"], ["location", "ticket-location"]].forEach(function (p) {
      var v = $(p[1]).value.trim();
      if (v) body[p[0]] = v;
    });
    $("ticket-create").disabled = true;
    state.inFlight = true;
    // The request key stays the same until the ticket is made: a retry or a repeat returns that ticket.
    GC.api("POST", "/api/tickets", body, state.requestKey).then(function (t) {
      state.requestKey = GC.requestKey();  // the next ticket of this call is a new request
      ["ticket-description", "ticket-name", "ticket-location"].forEach(function (id) { $(id).value = ""; });
      $("ticket-publish").checked = false;
      state.descriptionTouched = true;  // the form stays clear until the agent types again
      var result = GC.clear($("ticket-result"));
      result.appendChild(el("span", { text: "已生成工单 " }));
      result.appendChild(el("strong", { className: "gc-ticket-no", text: t.ticket_no }));
      result.appendChild(el("span", { text: "（" + t.status_label + (t.department ? "，" + t.department : "") + "）" }));
      if (GC.tabs.queue && GC.tabs.queue.refresh) GC.tabs.queue.refresh();
    }).catch(function (err) {
      $("ticket-result").textContent = "生成工单失败：" + err.message;
    }).then(function () { state.inFlight = false; $("ticket-create").disabled = false; });
  }

  GC.tabs.call = {
    init: function () {
      if (state.ready) return;
      state.ready = true;
      var head = document.querySelector("#tab-call .gc-call-head");
      head.appendChild(el("span", { className: "gc-timer", attrs: { id: "call-timer", role: "timer" } }));
      setInterval(tick, 1000);
      resetCall();
      $("call-input").addEventListener("input", preview);
      $("call-input").addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); commit(); }
      });
      $("call-commit").addEventListener("click", commit);
      $("call-new").addEventListener("click", resetCall);
      $("ticket-description").addEventListener("input", function () { state.descriptionTouched = true; });
      $("ticket-form").addEventListener("submit", createTicket);
    },
    state: state
  };
})();
