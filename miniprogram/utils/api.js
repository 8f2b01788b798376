// The mini-program's chat API: wx.login code -> /api/mp/login -> session token -> /api/mp/chat;
// the stage-notice subscriptions: /api/mp/subscriptions (docs/supervision.md).
const { apiBase } = require("../config.js");
const TOKEN_KEY = "gov_mp_token";

function request(path, data, token, method) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: apiBase + path,
      method: method || "POST",
      data,
      header: token ? { Authorization: "Bearer " + token } : {},
      timeout: 25000,
      success: (res) => resolve(res),
      fail: (err) => reject(err)
    });
  });
}

function wxLogin() {
  return new Promise((resolve, reject) => wx.login({ success: (r) => resolve(r.code), fail: reject }));
}

async function login() {
  const code = await wxLogin();
  const res = await request("/api/mp/login", { code });
  if (res.statusCode !== 200) throw new Error((res.data && res.data.error && res.data.error.message) || "登录失败");
  wx.setStorageSync(TOKEN_KEY, res.data.token);
  return res.data.token;
}

// Sends a message (logging in first, and once more when the session has expired).
async function chat(message) {
  return (await authed("/api/mp/chat", { message })).messages || [];
}

// A call with the session token, logging in again once when it has expired (401).
async function authed(path, data, method) {
  let token = wx.getStorageSync(TOKEN_KEY) || (await login());
  let res = await request(path, data, token, method);
  if (res.statusCode === 401) {
    token = await login();
    res = await request(path, data, token, method);
  }
  if (res.statusCode !== 200) {
    throw new Error((res.data && res.data.error && res.data.error.message) || "服务暂时不可用，请稍后再试");
  }
  return res.data;
}

// 办件进度通知 as subscription messages: WeChat shows its consent dialog (this must run in a tap
// handler); each template accepted allows one notice, recorded by the server.
async function subscribeNotices() {
  const { templates } = await authed("/api/mp/subscriptions", undefined, "GET");
  const ids = Array.from(new Set(Object.values(templates || {}))).slice(0, 3);  // WeChat: at most 3 per dialog
  if (!ids.length) return { accepted: [] };
  const results = await new Promise((resolve, reject) =>
    wx.requestSubscribeMessage({ tmplIds: ids, success: resolve, fail: reject }));
  const chosen = {};
  ids.forEach((id) => { chosen[id] = results[id] || "reject"; });
  return authed("/api/mp/subscriptions", { results: chosen });
}

module.exports = { login, chat, subscribeNotices };
