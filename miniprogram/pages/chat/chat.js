const api = require("../../utils/api.js");
const uploads = require("../../utils/uploads.js");
let seq = 0;

// The 告知单 and pre-check links a reply carries, as buttons under it.
function linkButtons(text) {
  return uploads.linksIn(text).map((link) => (link.page === "precheck"
    ? { kind: "precheck", title: "上传材料预检", target: uploads.precheckPage(link) }
    : { kind: "copy", title: "复制告知单链接", target: link.url }));
}

Page({
  data: { messages: [], draft: "", typing: false, lastId: "" },

  onLoad() {
    this.send("/greet", null);  // the greeting with the menu
  },

  onInput(e) {
    this.setData({ draft: e.detail.value });
  },

  onSend() {
    const text = (this.data.draft || "").trim();
    if (!text || this.data.typing) return;
    this.setData({ draft: "" });
    this.send(text, text);
  },

  async onSubscribe() {
    try {
      const { accepted } = await api.subscribeNotices();
      wx.showToast({ title: accepted.length ? "已订阅办件进度通知" : "未订阅", icon: "none" });
    } catch (err) {
      wx.showToast({ title: "订阅未成功，请稍后再试", icon: "none" });
    }
  },

  // A link in a bot reply: 上传材料预检 opens the pre-check page; the 告知单 (a web page) is copied
  // to paste into a browser or forward.
  onLink(e) {
    const { kind, target } = e.currentTarget.dataset;
    if (kind === "precheck") {
      wx.navigateTo({ url: target });
    } else {
      wx.setClipboardData({
        data: target,
        success: () => wx.showToast({ title: "链接已复制，可在浏览器打开或转发", icon: "none" })
      });
    }
  },

  onButton(e) {
    const { title, payload } = e.currentTarget.dataset;
    this.send(payload || title, title);
  },

  push(message) {
    const id = "m" + (++seq);
    const links = message.from === "bot" ? linkButtons(message.text) : [];
    const messages = this.data.messages.concat([Object.assign({ id, buttons: [], links }, message)]);
    this.setData({ messages, lastId: id });
  },

  async send(payload, shown) {
    if (shown) this.push({ from: "user", text: shown });
    this.setData({ typing: true, lastId: "typing" });
    try {
      const replies = await api.chat(payload);
      replies.forEach((r) => this.push({ from: "bot", text: r.text || "", buttons: r.buttons || [] }));
    } catch (err) {
      this.push({ from: "bot", text: err.message || "服务暂时不可用，请稍后再试" });
    } finally {
      this.setData({ typing: false });
    }
  }
});
