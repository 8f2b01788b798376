// The web service (port 8080 behind HTTPS). Add this domain to the mini-program's
// "request 合法域名" list on mp.weixin.qq.com.
module.exports = {
  apiBase: "https://gov.example.cn"
};
