// 申报预检 page: opened from the chat's 上传材料预检 link (?guide=…&q=<the answers' query>). Lists the
// applicant's own materials, lets them photograph or pick files per material, uploads each with the
// session token, shows 齐全/缺少/有问题 with the reasons, and deletes everything on request.
// The API calls live in utils/uploads.js (docs/uploads.md).
const uploads = require("../../utils/uploads.js");
const config = require("../../config.js");

const STORAGE_PREFIX = "gov_precheck:";
const PICK_MAX = 9;  // WeChat's chooseMedia / chooseMessageFile allow at most 9 at a time
let fileSeq = 0;

// "2026-12-14T08:00:00+00:00" → "2026年12月14日" (Beijing time)
function cnDate(iso) {
  const t = Date.parse(iso);
  if (isNaN(t)) return "";
  const d = new Date(t + 8 * 3600 * 1000);
  return d.getUTCFullYear() + "年" + (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日";
}

function chooseFailed(err) {
  return /cancel/i.test(String((err && err.errMsg) || ""));
}

Page({
  data: {
    title: "", loading: true, loadError: "", materials: [], onSite: [], name: "", nameLocked: false, named: false,
    ref: "", expires: "", uploading: 0, message: "", messageBad: false, unmatched: [], note: "", checked: false
  },

  onLoad(options) {
    const opts = options || {};
    this.guide = uploads.decodeSafe(opts.guide || "");
    this.query = uploads.decodeSafe(opts.q || "");
    this.answers = uploads.parseQuery(this.query);
    this.client = uploads.createClient(wx, config.apiBase);
    this.files = {};  // key → {path, material, name, size}
    this.session = this.restore();
    return this.load();
  },

  storageKey() {
    return STORAGE_PREFIX + this.guide + "?" + this.query;
  },

  // A session opened earlier on this phone for the same list, still within its retention.
  restore() {
    let saved = null;
    try { saved = wx.getStorageSync(this.storageKey()) || null; } catch (e) { saved = null; }
    if (!saved || !saved.token || !(Date.parse(saved.expiresAt) > Date.now())) {
      if (saved) this.forgetStorage();
      return null;
    }
    return saved;
  },

  forgetStorage() {
    try { wx.removeStorageSync(this.storageKey()); } catch (e) { /* nothing stored */ }
  },

  say(message, bad) {
    this.setData({ message, messageBad: !!bad });
  },

  async load() {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(this.guide)) {
      this.setData({ loading: false, loadError: "链接不完整，请回到对话重新打开“上传材料预检”" });
      return;
    }
    this.setData({ loading: true, loadError: "" });
    try {
      const sheet = await this.client.checklist(this.guide, this.query);
      const onSiteForms = uploads.ON_SITE_FORMS;
      const materials = (sheet.materials || []).filter((m) => onSiteForms.indexOf(m.form) < 0).map((m) => ({
        name: m.name, condition: m.condition || "", files: [], status: "", cls: "", reasons: "", uploaded: 0
      }));
      const onSite = (sheet.materials || []).filter((m) => onSiteForms.indexOf(m.form) >= 0).map((m) => m.name);
      this.setData({ loading: false, title: sheet.name || "", materials, onSite });
    } catch (err) {
      const gone = err.status === 404 || err.status === 400;
      this.setData({ loading: false, loadError: gone ? "没有找到这个事项的材料清单，请回到对话重新查询" : err.message });
      return;
    }
    if (this.session) {
      this.setData({ ref: this.session.ref, expires: cnDate(this.session.expiresAt), nameLocked: true,
                     named: !!this.session.named });
      await this.refresh(true);
    }
  },

  onReload() {
    return this.load();
  },

  onName(e) {
    this.setData({ name: e.detail.value });
  },

  // The upload session, opened with the first file (one at a time: two quick picks share it). Kept in
  // the phone's storage for this list — the token, never the name — so the citizen can come back.
  ensureSession() {
    if (this.session) return Promise.resolve(this.session);
    if (!this.opening) {
      const name = (this.data.name || "").trim();
      this.opening = this.client.open(this.guide, this.answers, name || undefined).then((opened) => {
        this.session = { token: opened.token, ref: opened.ref, expiresAt: opened.expires_at, limits: opened.limits,
                         named: !!name };
        try { wx.setStorageSync(this.storageKey(), this.session); } catch (e) { /* kept for this visit only */ }
        this.setData({ ref: opened.ref, expires: cnDate(opened.expires_at), nameLocked: true, named: !!name });
        this.opening = null;
        return this.session;
      }, (err) => {
        this.opening = null;
        throw err;
      });
    }
    return this.opening;
  },

  // The session is gone (deleted elsewhere, expired): start afresh with the next upload.
  forgetSession() {
    this.session = null;
    this.forgetStorage();
    this.setData({ ref: "", expires: "", nameLocked: false, named: false, checked: false, unmatched: [], note: "" });
  },

  pickCount() {
    const limits = (this.session && this.session.limits) || {};
    const sent = Object.keys(this.files).filter((k) => this.files[k].state === "done").length;
    const left = limits.max_files ? limits.max_files - sent : PICK_MAX;
    return Math.max(1, Math.min(PICK_MAX, left));
  },

  // 拍照/相册: photos of the material's pages.
  onPickImage(e) {
    const index = Number(e.currentTarget.dataset.index);
    return new Promise((resolve) => wx.chooseMedia({
      count: this.pickCount(), mediaType: ["image"], sourceType: ["album", "camera"], sizeType: ["compressed"],
      success: (res) => resolve((res.tempFiles || []).map((f) => ({ path: f.tempFilePath, size: f.size,
                                                                  name: f.tempFilePath }))),
      fail: (err) => {
        if (!chooseFailed(err)) this.say("无法打开相册或相机，请在微信设置中允许访问后重试", true);
        resolve([]);
      }
    })).then((files) => this.addFiles(index, files));
  },

  // 聊天文件: a PDF or picture received in a WeChat chat.
  onPickFile(e) {
    const index = Number(e.currentTarget.dataset.index);
    return new Promise((resolve) => wx.chooseMessageFile({
      count: this.pickCount(), type: "file", extension: uploads.EXTENSIONS,
      success: (res) => resolve((res.tempFiles || []).map((f) => ({ path: f.path, size: f.size, name: f.name,
                                                                  isMessageFile: true }))),
      fail: (err) => {
        if (!chooseFailed(err)) this.say("无法打开聊天文件，请稍后重试", true);
        resolve([]);
      }
    })).then((files) => this.addFiles(index, files));
  },

  setFile(key, patch) {
    const file = Object.assign(this.files[key], patch);
    const materials = this.data.materials.map((m, i) => (i !== file.index ? m : Object.assign({}, m, {
      files: m.files.map((f) => (f.key !== key ? f : {
        key, label: file.label, state: file.state, message: file.message || "", canRetry: !!file.canRetry
      }))
    })));
    this.setData({ materials });
  },

  async addFiles(index, chosen) {
    const material = this.data.materials[index];
    if (!material || !chosen.length) return;
    const keys = chosen.map((f) => {
      const key = "f" + (++fileSeq);
      const shown = String(f.name || "").split("/").pop();
      this.files[key] = { key, index, material: material.name, path: f.path, size: f.size, name: f.name,
                          isMessageFile: !!f.isMessageFile, state: "waiting", label: f.isMessageFile ? shown : "照片" };
      return key;
    });
    const rows = keys.map((k) => ({ key: k, label: this.files[k].label, state: "waiting", message: "等待上传", canRetry: false }));
    const materials = this.data.materials.map((m, i) => (i !== index ? m : Object.assign({}, m, {
      files: m.files.concat(rows)
    })));
    this.setData({ materials, message: "", messageBad: false });
    for (const key of keys) {
      await this.sendFile(key);
    }
    if (this.session) await this.refresh(true);
  },

  async sendFile(key) {
    const file = this.files[key];
    this.setData({ uploading: this.data.uploading + 1 });
    this.setFile(key, { state: "uploading", message: "正在上传并识别…", canRetry: false });
    try {
      let problem = uploads.fileProblem(file, null);  // the type needs no session
      let session = null;
      if (!problem) {
        session = await this.ensureSession();  // the size limit comes with it
        problem = uploads.fileProblem(file, session.limits);
      }
      if (problem) {
        this.setFile(key, { state: "failed", message: problem, canRetry: false });
        return;
      }
      const got = await this.client.upload(session.token, file.material, file.path);
      const seen = got.doc_type ? "已上传，识别为" + got.doc_type : got.read ? "已上传" : "已上传，但没有读出文字，请确认照片清晰";
      this.setFile(key, { state: "done", message: seen, canRetry: false, id: got.id });
    } catch (err) {
      if (err.sessionGone) this.forgetSession();
      const retry = err.retryable || err.sessionGone || err.code === "invalid_name";  // fix the name, retry
      this.setFile(key, { state: "failed", message: err.sessionGone ? "预检已过期或已删除，请点“重试”重新上传"
                            : err.message + (retry ? "（可点“重试”）" : ""),
                          canRetry: retry });
    } finally {
      this.setData({ uploading: this.data.uploading - 1 });
    }
  },

  async onRetry(e) {
    const key = e.currentTarget.dataset.key;
    if (!this.files[key]) return;
    await this.sendFile(key);
    if (this.session) await this.refresh(true);
  },

  onCheck() {
    if (!this.session) {
      this.say("请先为至少一项材料拍照或选择文件", true);
      return Promise.resolve();
    }
    return this.refresh(false);
  },

  // The result per material; `quiet`: without the "正在预检…" line (after uploads).
  async refresh(quiet) {
    if (!this.session) return;
    if (!quiet) this.say("正在预检…", false);
    try {
      const result = uploads.summarize(await this.client.check(this.session.token));
      const by = {};
      result.materials.forEach((m) => { by[m.name] = m; });
      const materials = this.data.materials.map((m) => {
        const r = by[m.name];
        return Object.assign({}, m, r ? { status: r.status, cls: r.cls, reasons: r.reasons, uploaded: r.files }
          : { status: "", cls: "", reasons: "", uploaded: 0 });
      });
      const c = result.counts;
      this.setData({ materials, unmatched: result.unmatched, note: result.note, checked: true });
      this.say("预检结果：齐全 " + (c["齐全"] || 0) + " 项，缺少 " + (c["缺少"] || 0) + " 项，有问题 " + (c["有问题"] || 0) + " 项", false);
    } catch (err) {
      if (err.sessionGone) {
        this.forgetSession();
        this.say("预检已过期或已删除，请重新上传材料", true);
      } else {
        this.say(err.message, true);
      }
    }
  },

  onDelete() {
    if (!this.session) {
      this.say("您还没有上传文件", false);
      return Promise.resolve();
    }
    return new Promise((resolve) => wx.showModal({
      title: "删除材料", content: "将删除本次预检上传的全部文件，删除后无法恢复。", confirmText: "删除", cancelText: "取消",
      success: (res) => resolve(!!res.confirm), fail: () => resolve(false)
    })).then((confirmed) => (confirmed ? this.deleteAll() : undefined));
  },

  async deleteAll() {
    try {
      await this.client.remove(this.session.token);
    } catch (err) {
      if (!err.sessionGone) {  // gone already: nothing left to delete
        this.say(err.message + "（文件尚未删除）", true);
        return;
      }
    }
    this.forgetSession();
    this.files = {};
    const materials = this.data.materials.map((m) => Object.assign({}, m, { files: [], status: "", cls: "", reasons: "",
                                                                            uploaded: 0 }));
    this.setData({ materials, name: "" });
    this.say("已删除您上传的全部文件", false);
  }
});
