// The mini-program's chat API: wx.login code -> /api/mp/login -> session token -> /api/mp/chat.
const { apiBase } = require("../config.js");
const TOKEN_KEY = "gov_mp_token";

function request(path, data, token) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: apiBase + path,
      method: "POST",
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

// Sends a message; logs in first, and once more when the session has expired (401).
async function chat(message) {
  let token = wx.getStorageSync(TOKEN_KEY) || (await login());
  let res = await request("/api/mp/chat", { message }, token);
  if (res.statusCode === 401) {
    token = await login();
    res = await request("/api/mp/chat", { message }, token);
  }
  if (res.statusCode !== 200) {
    throw new Error((res.data && res.data.error && res.data.error.message) || "服务暂时不可用，请稍后再试");
  }
  return res.data.messages || [];
}

module.exports = { login, chat };
