// Drives the mini-program's chat and 申报预检 pages in Node against a live web service
// (tests/test_miniprogram_precheck.py). A fake `wx` implements request / uploadFile with Node's http
// client (the URLs the pages build on config.apiBase are sent to the service), chooseMedia /
// chooseMessageFile hand out the files the test rendered, and storage, modals, navigation are
// recorded. Prints one JSON object: the page data after each step and what wx was asked.
// Usage: node tests/mp_precheck_driver.js <config.json>
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const MP = path.join(cfg.repo, "miniprogram");
const config = require(path.join(MP, "config.js"));

const log = { steps: [], requests: [], uploads: [], chosen: [], navigated: [], copied: [], modals: [], errors: [] };
const clone = (x) => (x === undefined ? undefined : JSON.parse(JSON.stringify(x)));

// --- the network: the page's URLs must be on the configured domain; sent to the live service -------
let offline = false;
function target(url) {
  if (url.indexOf(config.apiBase + "/") !== 0) throw new Error("not on config.apiBase: " + url);
  return new URL(cfg.service + url.slice(config.apiBase.length));
}

function send(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const u = target(url);
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, headers },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ statusCode: res.statusCode, headers: res.headers,
                                      text: Buffer.concat(chunks).toString("utf8") }));
      });
    req.on("error", reject);
    req.setTimeout(120000, () => req.destroy(new Error("timeout")));
    if (body) req.write(body);
    req.end();
  });
}

function later(fn, arg) { setImmediate(() => fn && fn(arg)); }

const storage = new Map();
const queues = { media: [], files: [], modal: [] };

const wx = {
  request(o) {
    const method = (o.method || "GET").toUpperCase();
    log.requests.push({ method, url: o.url, token: !!(o.header || {})["X-Upload-Token"] });
    if (offline) return later(o.fail, { errMsg: "request:fail net::ERR_INTERNET_DISCONNECTED" });
    let body = null;
    const headers = Object.assign({}, o.header || {});
    if (o.data !== undefined && method !== "GET") {
      body = Buffer.from(typeof o.data === "string" ? o.data : JSON.stringify(o.data));
      headers["Content-Type"] = headers["Content-Type"] || "application/json";
      headers["Content-Length"] = body.length;
    }
    send(method, o.url, headers, body).then((res) => {
      let data = res.text;  // dataType json: parsed when it is JSON, else the string (as WeChat does)
      try { data = JSON.parse(res.text); } catch (e) { /* keep the string */ }
      o.success && o.success({ statusCode: res.statusCode, data, header: res.headers });
    }, (err) => o.fail && o.fail({ errMsg: "request:fail " + err.message }));
  },

  uploadFile(o) {
    log.uploads.push({ url: o.url, file: path.basename(o.filePath), name: o.name, formData: clone(o.formData),
                       token: !!(o.header || {})["X-Upload-Token"] });
    if (offline) return later(o.fail, { errMsg: "uploadFile:fail net::ERR_INTERNET_DISCONNECTED" });
    const boundary = "----wxfake" + Date.now().toString(16);
    const parts = [];
    Object.keys(o.formData || {}).forEach((k) => {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`));
      parts.push(Buffer.from(String(o.formData[k]), "utf8"), Buffer.from("\r\n"));
    });
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${o.name}"; filename="` +
                           `${path.basename(o.filePath)}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(fs.readFileSync(o.filePath), Buffer.from(`\r\n--${boundary}--\r\n`));
    const body = Buffer.concat(parts);
    const headers = Object.assign({}, o.header, { "Content-Type": "multipart/form-data; boundary=" + boundary,
                                                  "Content-Length": body.length });
    send("POST", o.url, headers, body).then(
      (res) => o.success && o.success({ statusCode: res.statusCode, data: res.text }),  // a string, as WeChat gives
      (err) => o.fail && o.fail({ errMsg: "uploadFile:fail " + err.message }));
  },

  chooseMedia(o) {
    const next = queues.media.shift();
    log.chosen.push({ api: "chooseMedia", count: o.count, mediaType: o.mediaType, sourceType: o.sourceType });
    if (!next || next === "cancel") return later(o.fail, { errMsg: "chooseMedia:fail cancel" });
    if (next.length > o.count) throw new Error("picked more than count");
    later(o.success, { type: "image", tempFiles: next.map((p) => ({ tempFilePath: p, size: fs.statSync(p).size,
                                                                   fileType: "image" })) });
  },

  chooseMessageFile(o) {
    const next = queues.files.shift();
    log.chosen.push({ api: "chooseMessageFile", count: o.count, type: o.type, extension: o.extension });
    if (!next || next === "cancel") return later(o.fail, { errMsg: "chooseMessageFile:fail cancel" });
    later(o.success, { tempFiles: next.map((p) => ({ path: p, size: fs.statSync(p).size, name: path.basename(p),
                                                     type: "file", time: 0 })) });
  },

  showModal(o) {
    const confirm = !!queues.modal.shift();
    log.modals.push({ title: o.title, content: o.content, confirm });
    later(o.success, { confirm, cancel: !confirm });
  },
  showToast() {},
  navigateTo(o) { log.navigated.push(o.url); },
  setClipboardData(o) { log.copied.push(o.data); later(o.success, {}); },
  getStorageSync(key) { return storage.has(key) ? JSON.parse(storage.get(key)) : ""; },
  setStorageSync(key, value) { storage.set(key, JSON.stringify(value)); },
  removeStorageSync(key) { storage.delete(key); }
};

// --- pages: Page(config) captured; an instance with data and a setData that copies like WeChat -----
function loadPage(file) {
  let captured = null;
  global.wx = wx;
  global.Page = (c) => { captured = c; };
  require(path.join(MP, file));
  if (!captured) throw new Error(file + " did not call Page()");
  return captured;
}

function instance(spec) {
  const page = { data: clone(spec.data) };
  Object.keys(spec).forEach((k) => { if (typeof spec[k] === "function") page[k] = spec[k]; });
  page.setData = function (patch) {
    Object.keys(patch).forEach((k) => {
      if (/[.[]/.test(k)) throw new Error("path keys are not emulated: " + k);
      this.data[k] = clone(patch[k]);
    });
  };
  return page;
}

function step(name, page, extra) {
  log.steps.push(Object.assign({ name, data: clone(page.data), storage: Array.from(storage.keys()) }, extra || {}));
}

// WeChat hands onLoad the query of the url given to navigateTo, values as written in it.
function optionsOf(url) {
  const options = {};
  (url.split("?")[1] || "").split("&").forEach((pair) => {
    const at = pair.indexOf("=");
    if (at > 0) options[pair.slice(0, at)] = pair.slice(at + 1);
  });
  return options;
}

const indexOf = (page, name) => page.data.materials.findIndex((m) => m.name === name);
const tap = (dataset) => ({ currentTarget: { dataset } });

async function main() {
  const f = cfg.files;
  // the chat: the list reply carries the 告知单 and pre-check links, shown as buttons
  delete require.cache[require.resolve(path.join(MP, "utils/api.js"))];
  const chat = instance(loadPage("pages/chat/chat.js"));
  chat.push({ from: "bot", text: cfg.chat_text });
  chat.push({ from: "user", text: cfg.chat_text });
  const links = chat.data.messages[0].links;
  step("chat", chat, { user_links: chat.data.messages[1].links });
  links.forEach((l) => chat.onLink(tap({ kind: l.kind, target: l.target })));
  await new Promise((r) => setImmediate(r));

  const spec = loadPage("pages/precheck/precheck.js");
  const options = optionsOf(log.navigated[0]);
  let page = instance(spec);
  offline = true;  // opened without a network: a message and 重新加载
  await page.onLoad(options);
  step("load-offline", page);
  offline = false;
  await page.onReload();
  step("loaded", page, { options });
  const ID = indexOf(page, cfg.materials.id), PHOTO = indexOf(page, cfg.materials.photo);
  const ARCHIVE = indexOf(page, cfg.materials.archive);

  await page.onCheck();
  step("check-before-upload", page);
  await page.onDelete();
  step("delete-before-upload", page);

  const opens = () => log.requests.filter((r) => r.method === "POST" && /\/api\/uploads$/.test(r.url)).length;
  queues.files.push([f.docx]);
  await page.onPickFile(tap({ index: ARCHIVE }));
  step("docx-first", page, { opened: opens() });

  page.onName({ detail: { value: "张三丰" } });
  queues.media.push([f.front, f.back]);
  await page.onPickImage(tap({ index: ID }));
  step("id-card", page);

  queues.media.push("cancel");
  await page.onPickImage(tap({ index: PHOTO }));
  step("cancelled", page);

  const before = log.uploads.length;
  queues.media.push([f.big]);
  await page.onPickImage(tap({ index: PHOTO }));
  step("too-big", page, { sent: log.uploads.length - before });

  queues.media.push([f.svg]);
  await page.onPickImage(tap({ index: PHOTO }));
  step("svg", page);

  queues.media.push([f.full]);
  await page.onPickImage(tap({ index: PHOTO }));
  step("full", page);

  queues.files.push([f.docx]);
  const beforeDocx = log.uploads.length;
  await page.onPickFile(tap({ index: ARCHIVE }));
  step("docx", page, { sent: log.uploads.length - beforeDocx });

  offline = true;
  queues.files.push([f.pdf]);
  await page.onPickFile(tap({ index: ARCHIVE }));
  step("offline", page);
  offline = false;
  const failed = page.data.materials[ARCHIVE].files.filter((x) => x.canRetry);
  await page.onRetry(tap({ key: failed[failed.length - 1].key }));
  step("retried", page);

  await page.onCheck();
  step("checked", page);

  // leaving and coming back: the session is found in storage and its result shown again
  page = instance(spec);
  await page.onLoad(options);
  step("reopened", page);

  const stored = Array.from(storage.values());
  if (stored.length !== 1) throw new Error("expected one stored session, found " + stored.length);
  const token = JSON.parse(stored[0]).token;
  log.stored = JSON.parse(stored[0]);
  queues.modal.push(false);
  await page.onDelete();
  step("delete-cancelled", page);
  queues.modal.push(true);
  await page.onDelete();
  step("deleted", page);

  // the old token no longer opens anything
  const uploads = require(path.join(MP, "utils/uploads.js"));
  const client = uploads.createClient(wx, config.apiBase);
  try {
    await client.check(token);
    log.after_delete = { status: 200 };
  } catch (err) {
    log.after_delete = { status: err.status, code: err.code, message: err.message };
  }

  // after deleting, the citizen can start again; a session deleted behind the page's back (another
  // phone, the retention sweep) is forgotten and the file's 重试 opens a new one
  const storedToken = () => JSON.parse(Array.from(storage.values())[0]).token;
  queues.files.push([f.pdf]);
  await page.onPickFile(tap({ index: ARCHIVE }));
  step("again", page);
  await client.remove(storedToken());
  await page.onCheck();
  step("gone-on-check", page);
  queues.files.push([f.pdf]);
  await page.onPickFile(tap({ index: ARCHIVE }));
  const second = storedToken();
  await client.remove(second);
  queues.files.push([f.pdf]);
  await page.onPickFile(tap({ index: ARCHIVE }));
  step("gone-on-upload", page);
  const lost = page.data.materials[ARCHIVE].files.slice(-1)[0];
  await page.onRetry(tap({ key: lost.key }));
  step("new-session", page, { replaced: storedToken() !== second });
  queues.modal.push(true);
  await page.onDelete();
  step("deleted-again", page);

  // a link without a guide: a clear message, no request
  const broken = instance(spec);
  const count = log.requests.length;
  await broken.onLoad({});
  step("broken-link", broken, { requests: log.requests.length - count });
}

main().then(() => {
  process.stdout.write(JSON.stringify(log));
}, (err) => {
  log.errors.push(String(err && err.stack || err));
  process.stdout.write(JSON.stringify(log));
  process.exitCode = 1;
});
