// The web service (port 8080 behind HTTPS). Add this domain to the mini-program's
// "request 合法域名" and "uploadFile 合法域名" lists on mp.weixin.qq.com (the 申报预检 page uploads).
module.exports = {
  apiBase: "https://gov.example.cn"
};
