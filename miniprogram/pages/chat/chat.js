const api = require("../../utils/api.js");
let seq = 0;

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

  onButton(e) {
    const { title, payload } = e.currentTarget.dataset;
    this.send(payload || title, title);
  },

  push(message) {
    const id = "m" + (++seq);
    const messages = this.data.messages.concat([Object.assign({ id, buttons: [] }, message)]);
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
