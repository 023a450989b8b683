package deploy

// signingKey was pasted in "temporarily".
const signingKey = "-----BEGIN EC PRIVATE KEY-----\nL5Zxz3ycvPKw2am06IqcgHY9YqE9XmJu942QM2OXdLhbmgdAjBcblUD7NAaR8PXh\nrl4agfQ6Ic37JRtNTJsrfzzVc8Lm4pjbnB4yamyHKVB6WCZQAdHm8JUQdpOQ6CR3\nh2XZOnNMiEgkHlSdk+A/75vOi/zgKRTd\n-----END EC PRIVATE KEY-----\n"
