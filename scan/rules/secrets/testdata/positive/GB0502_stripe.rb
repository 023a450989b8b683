Stripe.api_key = "sk_live_tDeSdkCAEDnvMju3TuU3wziW"
