"""Mail out: the kinds we send, the outbox, the sender and the privacy guard.

Called by the domain, never calling it: a change queues its mail here in its own transaction.
"""
