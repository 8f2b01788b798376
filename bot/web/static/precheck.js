/* 申报预检 page (GET /precheck/{guide}): the citizen picks photos or PDFs per material, they are
   uploaded to /api/uploads/files with the session's token, and the check shows 齐全/缺少/有问题.
   The token lives only in this tab's sessionStorage. docs/uploads.md */
(function () {
  "use strict";
  var root = document.getElementById("precheck");
  var guide = root.getAttribute("data-guide");
  var answers = JSON.parse(root.getAttribute("data-answers") || "{}");
  var key = "precheck:" + guide + ":" + JSON.stringify(answers);
  var status = document.getElementById("pc-message");
  var nameInput = document.getElementById("pc-name");

  function token() { return sessionStorage.getItem(key); }

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? "pc-error" : "pc-got";
  }

  function call(method, path, body) {
    var headers = {};
    if (token()) { headers["X-Upload-Token"] = token(); }
    if (body && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    return fetch(path, { method: method, headers: headers, body: body }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!resp.ok) {
          var message = (data.error && data.error.message) || "服务暂时不可用，请稍后再试";
          if (resp.status === 404 && data.error && data.error.code === "upload_session_not_found") {
            sessionStorage.removeItem(key);
          }
          throw new Error(message);
        }
        return data;
      });
    });
  }

  function ensureSession() {
    if (token()) { return Promise.resolve(); }
    var name = nameInput.value.trim();
    return call("POST", "/api/uploads", { guide: guide, answers: answers, name: name || undefined })
      .then(function (data) {
        sessionStorage.setItem(key, data.token);
        nameInput.disabled = true;
        document.getElementById("pc-ref").textContent = "预检编号：" + data.ref + "（到窗口时可告知工作人员）";
      });
  }

  function upload(input) {
    var row = input.closest(".pc-row");
    var out = row.querySelector(".pc-file-status");
    var files = Array.prototype.slice.call(input.files);
    if (!files.length) { return; }
    out.className = "pc-file-status pc-got";
    out.textContent = "正在上传并识别…";
    ensureSession().then(function () {
      return files.reduce(function (chain, file) {
        return chain.then(function (done) {
          var form = new FormData();
          form.append("material", input.getAttribute("data-material"));
          form.append("file", file);
          return call("POST", "/api/uploads/files", form).then(function () { return done + 1; });
        });
      }, Promise.resolve(0));
    }).then(function (done) {
      out.textContent = "已上传 " + done + " 个文件";
      input.value = "";
    }).catch(function (err) {
      out.className = "pc-file-status pc-error";
      out.textContent = err.message;
    });
  }

  var CLASS = { "齐全": "s-ok", "缺少": "s-missing", "有问题": "s-problem" };

  function show(result) {
    var list = document.getElementById("pc-result");
    list.textContent = "";
    result.materials.forEach(function (m) {
      var li = document.createElement("li");
      li.setAttribute("data-material", m.name);
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = m.name;
      var badge = document.createElement("span");
      badge.className = "pc-status " + (CLASS[m.status] || "");
      badge.textContent = m.status;
      li.appendChild(name);
      li.appendChild(badge);
      if (m.reasons.length) {
        var why = document.createElement("p");
        why.className = "note";
        why.textContent = m.reasons.join("；");
        li.appendChild(why);
      }
      list.appendChild(li);
    });
    result.unmatched_files.forEach(function (f) {
      var li = document.createElement("li");
      li.className = "note";
      li.textContent = "有 1 个文件" + (f.doc_type ? "（" + f.doc_type + "）" : "") + "：" + f.reason;
      list.appendChild(li);
    });
    say(result.note, false);
  }

  document.querySelectorAll(".pc-row input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () { upload(input); });
  });
  document.getElementById("pc-check").addEventListener("click", function () {
    if (!token()) { say("请先为至少一项材料选择照片或 PDF 文件", true); return; }
    say("正在预检…", false);
    call("GET", "/api/uploads/check").then(show).catch(function (err) { say(err.message, true); });
  });
  document.getElementById("pc-delete").addEventListener("click", function () {
    if (!token()) { say("您还没有上传文件", false); return; }
    call("DELETE", "/api/uploads").then(function () {
      sessionStorage.removeItem(key);
      nameInput.disabled = false;
      document.getElementById("pc-result").textContent = "";
      document.getElementById("pc-ref").textContent = "";
      say("已删除您上传的全部文件", false);
    }).catch(function (err) { say(err.message, true); });
  });
})();
