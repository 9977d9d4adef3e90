// The WeChat channel's name, apart from the adapter so the wiring can name it without loading
// wechaty (a second and a half of start-up) when WeChat is off.
export const WECHAT_CHANNEL = 'wechat';
