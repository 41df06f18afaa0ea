"""Outbound calls to qyapi.weixin.qq.com: access tokens, app messages, 微信客服 send/sync, media download."""
