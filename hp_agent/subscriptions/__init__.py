"""Subscription & Payment: plans, people's subscriptions, tokenised payment methods, payments,
refunds, coupons and the subscription billing history."""
