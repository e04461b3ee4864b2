"""WeChat: the gateway to the platform, the loopback simulator, and the official-account endpoints."""
