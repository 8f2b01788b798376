// 申报预检 (material pre-check) API for the mini-program (docs/uploads.md): the applicant's list
// (GET /api/situations/{guide}/checklist), the upload session (POST /api/uploads → token, sent back as
// X-Upload-Token), the files (wx.uploadFile, multipart "file" + "material"), the result
// (GET /api/uploads/check) and deletion (DELETE /api/uploads).
// Plain JS: no wx global is touched here — the page passes its `wx` to createClient — so this module
// loads in Node for the tests (tests/test_miniprogram_precheck.py).

const TOKEN_HEADER = "X-Upload-Token";
const TIMEOUT = 60000;  // an upload waits for the OCR (a few seconds per photo, more when busy)
const EXTENSIONS = ["jpg", "jpeg", "png", "webp", "pdf"];
// Materials made at the window, not uploaded (the service's bot.uploads.checks.ON_SITE_FORMS)
const ON_SITE_FORMS = ["现场填写", "现场采集"];
const STATUS_CLASS = { "齐全": "ok", "缺少": "missing", "有问题": "problem" };
const NETWORK_MESSAGE = "网络连接失败，请检查网络后重试";
const TIMEOUT_MESSAGE = "网络超时，请稍后重试";
const BUSY_MESSAGE = "服务繁忙，请稍后重试";
// Errors after which the same file may succeed later (the network, a busy or full service, a rate limit)
const RETRY_STATUS = [0, 429, 500, 502, 503, 504];
// The session is gone (deleted, expired, unknown token): the page forgets it and starts a new one
const SESSION_GONE = ["upload_session_not_found", "upload_token_required"];

class UploadFailure extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;  // 0: the request did not reach the service
    this.code = code || "";
  }
  get retryable() { return RETRY_STATUS.indexOf(this.status) >= 0; }
  get sessionGone() { return SESSION_GONE.indexOf(this.code) >= 0; }
}

// What a wx fail callback means for the citizen.
function networkFailure(err) {
  const text = String((err && err.errMsg) || "");
  return new UploadFailure(/timeout|超时/i.test(text) ? TIMEOUT_MESSAGE : NETWORK_MESSAGE, 0, "network");
}

// A non-2xx answer: the service's own Chinese message when it gave one.
function httpFailure(statusCode, data) {
  let body = data;
  if (typeof body === "string") {
    try { body = JSON.parse(body); } catch (e) { body = null; }
  }
  const error = (body && body.error) || {};
  let message = typeof error.message === "string" && error.message ? error.message : "";
  if (!message) {
    if (statusCode === 429) message = "操作太频繁，请稍后重试";
    else if (statusCode >= 500) message = BUSY_MESSAGE;
    else message = "请求未成功（" + statusCode + "），请稍后再试";
  }
  return new UploadFailure(message, statusCode, error.code);
}

function createClient(wx, apiBase) {
  function request(method, path, data, token) {
    return new Promise((resolve, reject) => {
      const header = {};
      if (token) header[TOKEN_HEADER] = token;
      if (data !== undefined) header["Content-Type"] = "application/json";
      wx.request({
        url: apiBase + path, method, data, header, timeout: 25000, dataType: "json",
        success: (res) => (res.statusCode >= 200 && res.statusCode < 300
          ? resolve(res.data) : reject(httpFailure(res.statusCode, res.data))),
        fail: (err) => reject(networkFailure(err))
      });
    });
  }

  return {
    // The applicant's list for the guide and the answers (a query string "place=local").
    checklist(guide, query) {
      return request("GET", "/api/situations/" + encodeURIComponent(guide) + "/checklist" + (query ? "?" + query : ""));
    },
    // → {token, ref, expires_at, materials, limits}; name (optional) is checked against the ID card.
    open(guide, answers, name) {
      const body = { guide, answers: answers || {} };
      if (name) body.name = name;
      return request("POST", "/api/uploads", body);
    },
    // One chosen file (a temp path from chooseMedia / chooseMessageFile) for one material.
    upload(token, material, filePath) {
      return new Promise((resolve, reject) => {
        const header = {};
        header[TOKEN_HEADER] = token;
        wx.uploadFile({
          url: apiBase + "/api/uploads/files", filePath, name: "file", header,
          formData: material ? { material } : {}, timeout: TIMEOUT,
          success: (res) => {
            if (res.statusCode < 200 || res.statusCode >= 300) {
              reject(httpFailure(res.statusCode, res.data));
              return;
            }
            try {  // wx.uploadFile gives the body as a string
              resolve(typeof res.data === "string" ? JSON.parse(res.data) : res.data);
            } catch (e) {
              reject(new UploadFailure(BUSY_MESSAGE, 502, "bad_response"));
            }
          },
          fail: (err) => reject(networkFailure(err))
        });
      });
    },
    check(token) { return request("GET", "/api/uploads/check", undefined, token); },
    remove(token) { return request("DELETE", "/api/uploads", undefined, token); }
  };
}

// "place=local&agent=self" → {place: "local", agent: "self"}
function parseQuery(query) {
  const answers = {};
  String(query || "").replace(/^\?/, "").split("&").forEach((pair) => {
    if (!pair) return;
    const at = pair.indexOf("=");
    const key = decodeSafe(at < 0 ? pair : pair.slice(0, at));
    const value = decodeSafe(at < 0 ? "" : pair.slice(at + 1));
    if (key) answers[key] = value;
  });
  return answers;
}

function decodeSafe(text) {
  try {
    return decodeURIComponent(String(text).replace(/\+/g, " "));
  } catch (e) {
    return String(text);
  }
}

// The pre-check and 告知单 links in a bot reply (".../precheck/{guide}?answers", ".../checklist/{guide}?answers").
const LINK = /https?:\/\/[^\s，。；、）)]+\/(precheck|checklist)\/([a-z0-9][a-z0-9_-]*)(\?[A-Za-z0-9_.~%=&?+-]*)?/g;

function linksIn(text) {
  const found = [];
  String(text || "").replace(LINK, (url, page, guide, query) => {
    found.push({ page, guide, query: (query || "").replace(/^\?/, ""), url });
    return url;
  });
  return found;
}

// The mini-program page of a pre-check link (navigateTo url).
function precheckPage(link) {
  return "/pages/precheck/precheck?guide=" + encodeURIComponent(link.guide) +
    "&q=" + encodeURIComponent(link.query || "");
}

// Before uploading: a file the service would refuse anyway (type by extension, size) is refused here,
// politely and without sending it. The service decides by the file's bytes in any case.
function fileProblem(file, limits) {
  const name = String(file.name || file.path || "");
  const ext = (name.match(/\.([A-Za-z0-9]+)$/) || [])[1];
  if (file.isMessageFile && (!ext || EXTENSIONS.indexOf(ext.toLowerCase()) < 0)) {
    return "只接受照片（JPG、PNG、WebP）或 PDF 文件，请重新选择";
  }
  const max = limits && limits.max_bytes;
  if (max && file.size > max) {
    const mb = 1024 * 1024;
    const most = max >= mb ? Math.floor(max / mb) + " MB" : Math.floor(max / 1024) + " KB";
    return "文件过大（最大 " + most + "），请压缩或重新拍照后上传";
  }
  return "";
}

// The check's answer as the page shows it: per material its status, class and reasons in one line.
function summarize(result) {
  const materials = (result.materials || []).map((m) => ({
    name: m.name,
    status: m.status,
    cls: STATUS_CLASS[m.status] || "",
    reasons: (m.reasons || []).join("；"),
    files: (m.files || []).length
  }));
  const unmatched = (result.unmatched_files || []).map((f) =>
    "有 1 个文件" + (f.doc_type ? "（" + f.doc_type + "）" : "") + "：" + f.reason);
  return { materials, unmatched, onSite: result.on_site || [], counts: result.counts || {}, note: result.note || "" };
}

module.exports = {
  TOKEN_HEADER, EXTENSIONS, ON_SITE_FORMS, UploadFailure, createClient, parseQuery, linksIn, precheckPage, fileProblem,
  summarize, decodeSafe
};
