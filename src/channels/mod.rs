//! Posts messages to group robots: payloads, signing, reply classification, retries, rate budgets.
